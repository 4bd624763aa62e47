"""The venue command journal: every command the engine accepted, in order.

Role: the engine is deterministic, so the journal is the source of truth for rebuilding it
after a restart (clean or kill -9): replaying the journaled commands with their times gives
the same book, the same time priorities, the same order/trade ids and the same event
sequence numbers as the engine that wrote them.

Encoding: one text payload per command, the command's fields in declaration order joined
by the unit separator (0x1F); None is the record separator (0x1E) alone, enums are written
by name, datetimes in ISO 8601, booleans as "1"/"". Positional and typed by the dataclass
annotations, so it costs a few microseconds per order on the hot path (a JSON object cost
several times more). Free text fields (ClOrdIDs) cannot hold 0x1E/0x1F: FIX values never
contain control characters that the session layer lets through... except in data fields,
which commands do not carry; encode_command still checks.

Invariants:
- A command is journaled in the same transaction as the reports it produced, so what a
  client was told and what the venue will remember after a crash never disagree.
- decode_command(*encode_command(c)) == c for every venue command.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from operator import attrgetter
from typing import Any, Final

from venue import commands as c
from venue.types import OrdType, Phase, Side, TimeInForce

SEP: Final = "\x1f"
NONE: Final = "\x1e"

_KINDS: Final[dict[str, type[Any]]] = {
    cls.__name__: cls
    for cls in (
        c.NewOrder,
        c.CancelOrder,
        c.ReplaceOrder,
        c.MassCancel,
        c.SetPhase,
        c.Halt,
        c.Resume,
        c.ExpireOrders,
        c.EndOfDay,
        c.AdvanceTime,
    )
}

_ENUMS: Final[dict[str, type[Enum]]] = {
    "Side": Side,
    "OrdType": OrdType,
    "TimeInForce": TimeInForce,
    "Phase": Phase,
}

Enc = Callable[[Any], str]
Dec = Callable[[str], Any]


#: The declared annotations of the optional fields, for the compiled venue: mypyc gives a
#: compiled dataclass real types as annotations, not strings, and erases a union such as
#: `int | None` to `type`, which says nothing about the value. A field whose annotation is
#: erased is looked up here; in a pure-Python venue the string annotations are checked
#: against this table at import, so it cannot drift from `venue/commands.py` unnoticed.
_ERASED: Final[dict[tuple[str, str], str]] = {
    **{
        (kind, name): "int | None"
        for kind in ("NewOrder", "ReplaceOrder")
        for name in ("price", "stop_price", "max_floor")
    },
    ("NewOrder", "expire_at"): "datetime | None",
    **{("MassCancel", name): "str | None" for name in ("owner", "firm", "account", "symbol")},
    ("MassCancel", "side"): "Side | None",
    ("ExpireOrders", "symbol"): "str | None",
    ("EndOfDay", "symbol"): "str | None",
}

_PLAIN: Final[dict[object, str]] = {str: "str", int: "int", bool: "bool", datetime: "datetime"}


def _annotation(cls: type[Any], f: dataclasses.Field[Any]) -> str:
    """The field's annotation as written in the source: a string from a pure-Python
    dataclass (postponed evaluation), a real type from a compiled one."""
    key = (cls.__name__, f.name)
    if isinstance(f.type, str):
        if ("|" in f.type or key in _ERASED) and _ERASED.get(key) != f.type:
            raise TypeError(f"journal: _ERASED disagrees on {cls.__name__}.{f.name}: {f.type}")
        return f.type
    if f.type in _PLAIN:
        return _PLAIN[f.type]
    name = getattr(f.type, "__name__", "")
    if _ENUMS.get(name) is f.type:
        return name
    erased = _ERASED.get(key)
    if erased is None:
        raise TypeError(f"journal cannot encode a field of type {f.type}")
    return erased


def _codec(annotation: str) -> tuple[Enc, Dec]:
    optional = annotation.endswith(" | None")
    base = annotation.removesuffix(" | None")
    enc: Enc
    dec: Dec
    if base == "str":
        enc, dec = _check_text, str
    elif base == "int":
        enc, dec = str, int
    elif base == "bool":
        enc, dec = (lambda v: "1" if v else ""), bool
    elif base == "datetime":
        enc, dec = datetime.isoformat, datetime.fromisoformat
    elif base in _ENUMS:
        enum_cls = _ENUMS[base]
        enc, dec = attrgetter("name"), enum_cls.__getitem__
    else:
        raise TypeError(f"journal cannot encode a field of type {annotation}")
    if not optional:
        return enc, dec
    return (lambda v: NONE if v is None else enc(v)), (lambda s: None if s == NONE else dec(s))


def _check_text(value: str) -> str:
    if SEP in value or NONE in value:
        raise ValueError("journal text fields cannot contain 0x1E or 0x1F")
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class _Layout:
    names: tuple[str, ...]
    get: Callable[[Any], Any]
    encoders: tuple[Enc, ...]
    decoders: tuple[Dec, ...]


def _layout(cls: type[Any]) -> _Layout:
    fields = dataclasses.fields(cls)
    names = tuple(f.name for f in fields)
    codecs = [_codec(_annotation(cls, f)) for f in fields]
    getter: Callable[[Any], Any]
    if len(names) == 1:
        one = attrgetter(names[0])
        getter = lambda obj: (one(obj),)  # noqa: E731
    elif names:
        getter = attrgetter(*names)
    else:
        getter = lambda obj: ()  # noqa: E731
    return _Layout(names, getter, tuple(e for e, _ in codecs), tuple(d for _, d in codecs))


_LAYOUTS: Final[dict[type[Any], _Layout]] = {cls: _layout(cls) for cls in _KINDS.values()}


def _opt(v: int | None) -> str:
    return NONE if v is None else str(v)


def _encode_new(o: c.NewOrder) -> str:
    # The hot path (one per order), written out; same format as the generic encoder
    # (`_name_`: Enum's `.name` is a Python-level descriptor).
    return SEP.join(
        (
            o.symbol,
            o.side._name_,
            str(o.qty),
            o.ord_type._name_,
            o.tif._name_,
            _opt(o.price),
            _opt(o.stop_price),
            _opt(o.max_floor),
            NONE if o.expire_at is None else o.expire_at.isoformat(),
            o.owner,
            o.firm,
            o.account,
            _check_text(o.client_ref),
            "1" if o.short_sale else "",
        )
    )


def _encode_cancel(o: c.CancelOrder) -> str:
    return SEP.join((str(o.order_id), o.owner, _check_text(o.client_ref)))


_FAST: Final[dict[type[Any], Callable[[Any], str]]] = {
    c.NewOrder: _encode_new,
    c.CancelOrder: _encode_cancel,
}


def encode_command(cmd: c.Command) -> tuple[str, str]:
    """(kind, payload) of a venue command."""
    fast = _FAST.get(type(cmd))
    if fast is not None:
        return type(cmd).__name__, fast(cmd)
    lay = _LAYOUTS[type(cmd)]
    values = lay.get(cmd)
    return type(cmd).__name__, SEP.join([e(v) for e, v in zip(lay.encoders, values, strict=True)])


def decode_command(kind: str, payload: str) -> c.Command:
    """The command `encode_command` encoded."""
    cls = _KINDS.get(kind)
    if cls is None:
        raise ValueError(f"unknown journal command kind {kind!r}")
    lay = _LAYOUTS[cls]
    parts = payload.split(SEP) if lay.names else []
    if len(parts) != len(lay.names):
        raise ValueError(f"journal payload of {kind} has {len(parts)} fields, not {len(lay.names)}")
    command: c.Command = cls(
        **{n: d(p) for n, d, p in zip(lay.names, lay.decoders, parts, strict=True)}
    )
    return command
