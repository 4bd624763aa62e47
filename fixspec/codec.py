"""Fast FIX parser and encoder helpers.

Role: turn one framed raw message (see :mod:`fixspec.framing`) into an ordered list of
``(tag, value)`` pairs with a first-occurrence lookup, and build encoded bodies.

Invariants:
- ``parse`` never reorders or drops fields; every field is ``tag=value`` followed by SOH.
  Tags are signed decimal integers without sign or padding quirks ("-1" is a tag number that
  validation rejects; "1a" or "" is not a field at all and raises :class:`ParseError`).
- Data fields (type DATA) are read by the length given in the preceding length field, so
  they may contain SOH, exactly as simplefix reads them.
- The result equals simplefix's parser on every well-formed message (property-tested).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from typing import Final

__all__ = ["DATA_LENGTH_TAGS", "FixMessage", "ParseError", "encode_body", "encode_field", "parse"]

SOH: Final = b"\x01"

#: length field -> data field it announces (FIX 4.4 fields of type LENGTH/DATA).
DATA_LENGTH_TAGS: Final[dict[int, int]] = {
    90: 91,
    93: 89,
    95: 96,
    212: 213,
    348: 349,
    350: 351,
    352: 353,
    354: 355,
    356: 357,
    358: 359,
    360: 361,
    362: 363,
    364: 365,
    445: 446,
    618: 619,
    621: 622,
}

_TAGS: Final[dict[bytes, int]] = {str(i).encode(): i for i in range(0, 1200)}
_DATA_LENGTH_SET: Final = frozenset(DATA_LENGTH_TAGS)
_partition: Final = bytes.partition
_EQ: Final = repeat(b"=")


class ParseError(ValueError):
    """The bytes are not a sequence of ``tag=value<SOH>`` fields (a garbled message)."""


class FixMessage:
    """A parsed message: ordered ``pairs`` plus first-occurrence lookup by tag."""

    __slots__ = ("_first", "pairs", "raw")

    def __init__(self, pairs: list[tuple[int, bytes]], raw: bytes = b"") -> None:
        self.pairs = pairs
        self.raw = raw
        self._first: dict[int, bytes] = dict(reversed(pairs))

    def get(self, tag: int) -> bytes | None:
        """Value of the first occurrence of ``tag``, or None."""
        return self._first.get(tag)

    def __contains__(self, tag: object) -> bool:
        return tag in self._first

    def get_str(self, tag: int) -> str | None:
        v = self._first.get(tag)
        return None if v is None else v.decode("latin-1")

    def get_int(self, tag: int) -> int | None:
        """Integer value of ``tag``; None when absent or not a plain decimal integer."""
        v = self._first.get(tag)
        if v is None or not v.isdigit():
            return None
        return int(v)

    @property
    def msg_type(self) -> str:
        v = self._first.get(35)
        return "" if v is None else v.decode("latin-1")

    def __repr__(self) -> str:
        body = "|".join(f"{t}={v.decode('latin-1')}" for t, v in self.pairs)
        return f"FixMessage({body})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FixMessage) and other.pairs == self.pairs

    __hash__ = None  # type: ignore[assignment]


def _tag_of(t: bytes) -> int:
    tag = _TAGS.get(t)
    if tag is not None:
        return tag
    digits = t[1:] if t[:1] == b"-" else t
    if not digits.isdigit() or len(digits) > 9:
        raise ParseError(f"not a tag number: {t!r}")
    return int(t)


def parse(raw: bytes) -> FixMessage:
    """Parse one raw message (as produced by the framer) into a :class:`FixMessage`."""
    if not raw.endswith(SOH):
        raise ParseError("message does not end with SOH")
    parts = raw.split(SOH)
    parts.pop()  # the empty string after the final SOH
    # Fast path: every field has '=' and a known small tag number (b"" is no key of _TAGS),
    # and no length-announced data field. Anything else goes through the field-by-field
    # loop, which decides exactly as before.
    try:
        pairs = [(_TAGS[t if sep else b""], v) for t, sep, v in map(_partition, parts, _EQ)]
    except KeyError:
        return _parse_fields(raw, parts)
    msg = FixMessage(pairs, raw)
    if _DATA_LENGTH_SET.isdisjoint(msg._first):
        return msg
    return _parse_fields(raw, parts)


def _parse_fields(raw: bytes, parts: list[bytes]) -> FixMessage:
    pairs: list[tuple[int, bytes]] = []
    append = pairs.append
    tags = _TAGS
    for i, field in enumerate(parts):
        t, sep, v = field.partition(b"=")
        tag = tags.get(t)
        if tag is None or not sep:
            if not sep:
                raise ParseError(f"field without '=': {field[:20]!r}")
            tag = _tag_of(t)
        if tag in DATA_LENGTH_TAGS and v.isdigit():
            return _parse_slow(raw, pairs, sum(len(p) + 1 for p in parts[:i]))
        append((tag, v))
    return FixMessage(pairs, raw)


def _parse_slow(raw: bytes, pairs: list[tuple[int, bytes]], pos: int) -> FixMessage:
    """Continue parsing at ``pos`` honouring length-announced data fields."""
    n = len(raw)
    data_len: int | None = None
    data_tag = -1
    while pos < n:
        eq = raw.find(b"=", pos)
        if eq < 0:
            raise ParseError("field without '='")
        tag = _tag_of(raw[pos:eq])
        if data_len is not None and tag == data_tag:
            end = eq + 1 + data_len
            if raw[end : end + 1] != SOH:
                raise ParseError(f"data field {tag} does not match its length")
            data_len = None
        else:
            end = raw.find(SOH, eq + 1)
            if end < 0:
                raise ParseError("message does not end with SOH")
        value = raw[eq + 1 : end]
        pairs.append((tag, value))
        if tag in DATA_LENGTH_TAGS and value.isdigit():
            data_len, data_tag = int(value), DATA_LENGTH_TAGS[tag]
        pos = end + 1
    return FixMessage(pairs, raw)


def encode_field(tag: int, value: bytes | str | int) -> bytes:
    """One encoded ``tag=value<SOH>`` field."""
    if isinstance(value, str):
        value = value.encode("latin-1")
    elif isinstance(value, int):
        value = str(value).encode()
    return b"%d=%s\x01" % (tag, value)


def encode_body(pairs: Iterable[tuple[int, bytes | str | int]]) -> bytes:
    """Encode body fields (no header, no trailer) in the given order."""
    return b"".join([encode_field(t, v) for t, v in pairs])
