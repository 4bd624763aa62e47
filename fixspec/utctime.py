"""UTCTimestamp formatting and parsing for SendingTime(52) and friends.

Role: epoch seconds (float) <-> FIX ``YYYYMMDD-HH:MM:SS[.sss]`` without touching a clock.

Invariants: formatting truncates to the millisecond and is cached per second (the date-time
part) and per millisecond (the whole value), so the hot path formats at most once per ms;
parsing accepts 0, 3, 6 or 9 fractional digits and returns None on any malformed value.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

__all__ = ["TimestampFormatter", "format_timestamp", "parse_timestamp"]

_UTC: Final = _dt.UTC
#: ".000" .. ".999": a table lookup and one concatenation instead of %-formatting.
_MS_TEXT: Final = tuple(b".%03d" % i for i in range(1000))


class TimestampFormatter:
    """Formats epoch seconds as a millisecond UTCTimestamp, caching the last results."""

    __slots__ = ("_ms", "_ms_value", "_sec", "_sec_prefix")

    def __init__(self) -> None:
        self._sec = -1
        self._sec_prefix = b""
        self._ms = -1
        self._ms_value = b""

    def __call__(self, now: float) -> bytes:
        ms = int(now * 1000)
        if ms == self._ms:
            return self._ms_value
        sec, frac = divmod(ms, 1000)
        if sec != self._sec:
            dt = _dt.datetime.fromtimestamp(sec, _UTC)
            self._sec_prefix = dt.strftime("%Y%m%d-%H:%M:%S").encode()
            self._sec = sec
        value = self._sec_prefix + _MS_TEXT[frac]
        self._ms, self._ms_value = ms, value
        return value


format_timestamp: Final = TimestampFormatter()


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_timestamp(value: bytes) -> float | None:
    """Epoch seconds of a UTCTimestamp, or None when it is not one."""
    n = len(value)
    if n not in (17, 21, 24, 27):
        return None
    head = value[:17]
    last = _last_second
    if head == last.head:
        secs = last.secs
    else:
        parsed = _parse_second(head)
        if parsed is None:
            return None
        secs = last.secs = parsed
        last.head = head
    if n == 17:
        return float(secs)
    if value[17:18] != b".":
        return None
    frac = value[18:]
    if not frac.isdigit():
        return None
    return secs + int(frac) / _SCALE[n]


_SCALE: Final[dict[int, int]] = {21: 10**3, 24: 10**6, 27: 10**9}  # total length -> fraction scale


class _LastSecond:
    """The last whole second parsed (``YYYYMMDD-HH:MM:SS`` -> epoch seconds): the
    SendingTime values of a busy session share it."""

    __slots__ = ("head", "secs")

    def __init__(self) -> None:
        self.head = b""
        self.secs = 0


_last_second: Final = _LastSecond()


def _parse_second(value: bytes) -> int | None:
    """Epoch seconds of the 17 bytes ``YYYYMMDD-HH:MM:SS``, or None."""
    if value[8:9] != b"-" or value[11:12] != b":" or value[14:15] != b":":
        return None
    date, hh, mm, ss = value[:8], value[9:11], value[12:14], value[15:17]
    if not (date.isdigit() and hh.isdigit() and mm.isdigit() and ss.isdigit()):
        return None
    y, mo, d = int(date[:4]), int(date[4:6]), int(date[6:])
    h, mi, s = int(hh), int(mm), int(ss)
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s <= 60):
        return None
    return _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
