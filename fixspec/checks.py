"""Format checks of the FIX value types that every order carries, without regular expressions.

Role: the data dictionary's checkers for integers, sequence numbers, decimals (price, qty,
...) and UTCTimestamp. Validation runs one per field of every inbound message; a compiled
`bytes` test is several times cheaper than a call into `re`.

Invariants: each function accepts exactly the values its pattern in `fixspec.dictionary`
(kept there as the specification) matches, property-tested against it:
- `is_uint`:      ``[0-9]+``
- `is_int`:       ``-?[0-9]+``
- `is_decimal`:   ``-?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)``
- `is_timestamp`: ``YYYYMMDD-HH:MM:SS`` (month 01-12, day 01-31, hour 00-23, minute 00-59,
  second 00-60), then optionally ``.`` and 3 to 9 digits.
`bytes.isdigit` is ASCII-only, so it is exactly ``[0-9]+`` (and False on b"").
"""

from __future__ import annotations

__all__ = ["is_decimal", "is_int", "is_timestamp", "is_uint"]


def is_uint(value: bytes) -> bool:
    return value.isdigit()


def is_int(value: bytes) -> bool:
    if value[:1] == b"-":
        return value[1:].isdigit()
    return value.isdigit()


def is_decimal(value: bytes) -> bool:
    n = len(value)
    i = 1 if n and value[0] == 45 else 0  # "-"
    before = after = 0
    dot = False
    while i < n:
        c = value[i]
        if 48 <= c <= 57:
            if dot:
                after += 1
            else:
                before += 1
        elif c == 46 and not dot:  # "."
            dot = True
        else:
            return False
        i += 1
    return before > 0 or after > 0


def _num(value: bytes, at: int) -> int:
    """The two ASCII digits at `at` as a number, -1 when they are not digits."""
    hi, lo = value[at] - 48, value[at + 1] - 48
    if 0 <= hi <= 9 and 0 <= lo <= 9:
        return hi * 10 + lo
    return -1


def is_timestamp(value: bytes) -> bool:
    n = len(value)
    if n != 17 and not 21 <= n <= 27:
        return False
    if value[8] != 45 or value[11] != 58 or value[14] != 58:  # "-", ":", ":"
        return False
    if _num(value, 0) < 0 or _num(value, 2) < 0:
        return False
    month, day = _num(value, 4), _num(value, 6)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    hour, minute, second = _num(value, 9), _num(value, 12), _num(value, 15)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 60):
        return False
    if n == 17:
        return True
    if value[17] != 46:  # "."
        return False
    i = 18
    while i < n:
        if not 48 <= value[i] <= 57:
            return False
        i += 1
    return True
