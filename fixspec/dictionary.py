"""The FIX 4.4 data dictionary: fields, value formats, enums, message layouts, groups.

Role: turn the data in :mod:`fixspec.fields44` and :mod:`fixspec.messages44` into lookup
tables, precomputed once at import so validation is a handful of dict/set lookups per field.

Invariants:
- Every FIX 4.4 field is in :data:`FIELDS`; nothing else is (a tag not in it is an "invalid
  tag number").
- A :class:`MessageDef` knows its top-level body tags, its required tags in layout order and
  its repeating groups by count tag; header and trailer are shared (:data:`HEADER`,
  :data:`TRAILER`).
- Field types map to one value checker each; Decimal-valued types (float, price, qty, ...)
  accept what ``decimal.Decimal`` accepts in FIX notation (digits, one '.', optional '-').
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from fixspec import fields44, messages44
from fixspec.checks import is_decimal, is_int, is_timestamp, is_uint

__all__ = [
    "FIELDS",
    "HEADER",
    "MESSAGES",
    "MSG_TYPES",
    "TRAILER",
    "FieldDef",
    "GroupDef",
    "MessageDef",
    "decimal_value",
    "field_name",
]

_INT = re.compile(rb"-?[0-9]+\Z")
_UINT = re.compile(rb"[0-9]+\Z")
_FLOAT = re.compile(rb"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)\Z")
_TIMESTAMP = re.compile(
    rb"[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])-"
    rb"(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{3,9})?\Z"
)
_TIMEONLY = re.compile(rb"(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{3,9})?\Z")
_DATE = re.compile(rb"[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])\Z")
_MONTHYEAR = re.compile(rb"[0-9]{4}(?:0[1-9]|1[0-2])(?:(?:0[1-9]|[12][0-9]|3[01])|w[1-5])?\Z")
_DAYOFMONTH = re.compile(rb"(?:[1-9]|[12][0-9]|3[01])\Z")

Checker = Callable[[bytes], object]

#: The formats that `fixspec.checks` implements without `re`, as the patterns that specify
#: them (tests/unit/fixspec/test_checks.py holds the two equal).
SPEC_PATTERNS: Final[dict[Callable[[bytes], bool], re.Pattern[bytes]]] = {
    is_uint: _UINT,
    is_int: _INT,
    is_decimal: _FLOAT,
    is_timestamp: _TIMESTAMP,
}

#: FIX type -> checker returning a truthy value when the value has the right format.
_CHECKERS: Final[dict[str, Checker]] = {
    "INT": is_int,
    "LENGTH": is_uint,
    "NUMINGROUP": is_uint,
    "SEQNUM": is_uint,
    "DAYOFMONTH": _DAYOFMONTH.match,
    "FLOAT": is_decimal,
    "PRICE": is_decimal,
    "QTY": is_decimal,
    "AMT": is_decimal,
    "PRICEOFFSET": is_decimal,
    "PERCENTAGE": is_decimal,
    "CHAR": lambda v: len(v) == 1,
    "BOOLEAN": lambda v: v == b"Y" or v == b"N",
    "UTCTIMESTAMP": is_timestamp,
    "UTCTIMEONLY": _TIMEONLY.match,
    "UTCDATEONLY": _DATE.match,
    "LOCALMKTDATE": _DATE.match,
    "MONTHYEAR": _MONTHYEAR.match,
    "CURRENCY": lambda v: len(v) == 3,
    "COUNTRY": lambda v: len(v) == 2,
}

DECIMAL_TYPES: Final = frozenset({"FLOAT", "PRICE", "QTY", "AMT", "PRICEOFFSET", "PERCENTAGE"})


@dataclass(frozen=True, slots=True)
class FieldDef:
    tag: int
    name: str
    type: str
    values: frozenset[bytes] | None  # enumerated values, None when not enumerated
    multiple: bool  # MULTIPLEVALUESTRING: space-separated enum values
    check: Checker | None  # format checker, None for free strings/data

    def value_ok(self, value: bytes) -> bool:
        """True when ``value`` has the right format (not checking enum membership)."""
        return self.check is None or bool(self.check(value))

    def enum_ok(self, value: bytes) -> bool:
        values = self.values
        if values is None:
            return True
        if self.multiple:
            return all(v in values for v in value.split(b" "))
        return value in values


@dataclass(frozen=True, slots=True)
class GroupDef:
    count_tag: int
    delimiter: int
    position: Mapping[int, int]  # member tag -> position within an entry
    required: tuple[int, ...]
    groups: Mapping[int, GroupDef]  # nested groups by count tag


@dataclass(frozen=True, slots=True)
class MessageDef:
    msg_type: str
    name: str
    category: str  # "admin" or "app"
    body: frozenset[int]  # top-level body tags (incl. group count tags)
    required: tuple[int, ...]  # required top-level body tags, layout order
    groups: Mapping[int, GroupDef] = field(default_factory=dict)
    has_layout: bool = True


@dataclass(slots=True)
class _Section:
    tags: list[int]
    required: list[int]
    groups: dict[int, GroupDef]


def _parse_layout(text: str) -> _Section:
    tokens = re.findall(r"\d+!?|\[|\]", text)
    pos = 0

    def section() -> _Section:
        nonlocal pos
        out = _Section([], [], {})
        while pos < len(tokens):
            tok = tokens[pos]
            if tok == "]":
                pos += 1
                return out
            pos += 1
            tag = int(tok.rstrip("!"))
            out.tags.append(tag)
            if tok.endswith("!"):
                out.required.append(tag)
            if pos < len(tokens) and tokens[pos] == "[":
                pos += 1
                inner = section()
                out.groups[tag] = GroupDef(
                    count_tag=tag,
                    delimiter=inner.tags[0],
                    position={t: i for i, t in enumerate(inner.tags)},
                    required=tuple(inner.required),
                    groups=inner.groups,
                )
        return out

    return section()


def _field(tag: int, name: str, typ: str, values: str) -> FieldDef:
    enum = frozenset(v.encode() for v in values.split()) if values else None
    return FieldDef(
        tag=tag,
        name=name,
        type=typ,
        values=enum,
        multiple=typ == "MULTIPLEVALUESTRING",
        check=_CHECKERS.get(typ),
    )


FIELDS: Final[dict[int, FieldDef]] = {row[0]: _field(*row) for row in fields44.FIELDS}
MSG_TYPES: Final[Mapping[str, tuple[str, str]]] = messages44.MSG_TYPES

_header = _parse_layout(messages44.HEADER)
_trailer = _parse_layout(messages44.TRAILER)

#: The standard header as a pseudo-message (body = header tags).
HEADER: Final = MessageDef(
    msg_type="",
    name="StandardHeader",
    category="header",
    body=frozenset(_header.tags),
    required=tuple(_header.required),
    groups=_header.groups,
)
TRAILER: Final = MessageDef(
    msg_type="",
    name="StandardTrailer",
    category="trailer",
    body=frozenset(_trailer.tags),
    required=tuple(_trailer.required),
)


def _message(msg_type: str) -> MessageDef:
    name, category = MSG_TYPES[msg_type]
    layout = messages44.LAYOUTS.get(msg_type)
    if layout is None:
        # A FIX 4.4 message without a layout here: any FIX 4.4 body field is accepted.
        body = frozenset(FIELDS) - HEADER.body - TRAILER.body
        return MessageDef(msg_type, name, category, body, (), {}, has_layout=False)
    sec = _parse_layout(layout)
    body = frozenset(sec.tags)
    return MessageDef(msg_type, name, category, body, tuple(sec.required), sec.groups)


MESSAGES: Final[dict[str, MessageDef]] = {mt: _message(mt) for mt in MSG_TYPES}


def field_name(tag: int) -> str:
    fd = FIELDS.get(tag)
    return fd.name if fd is not None else str(tag)


def decimal_value(value: bytes) -> Decimal:
    """A float/price/qty/amt value as Decimal (raises ValueError on a bad format)."""
    if not _FLOAT.match(value):
        raise ValueError(f"not a FIX decimal: {value!r}")
    return Decimal(value.decode())
