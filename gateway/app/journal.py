"""The venue command journal: every command the engine accepted, in order, as JSON.

Role: the engine is deterministic, so the journal is the source of truth for rebuilding it
after a restart (clean or kill -9): replaying the journaled commands with their times gives
the same book, the same time priorities, the same order/trade ids and the same event
sequence numbers as the engine that wrote them.

Invariants:
- A command is journaled in the same transaction as the reports it produced, so what a
  client was told and what the venue will remember after a crash never disagree.
- Encoding is lossless for every venue command (enums by name, datetimes as ISO 8601 UTC).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from enum import Enum
from typing import Any

from venue import commands as c
from venue.types import OrdType, Phase, Side, TimeInForce

_KINDS: dict[str, type[Any]] = {
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

_ENUM_FIELDS: dict[str, type[Enum]] = {
    "side": Side,
    "ord_type": OrdType,
    "tif": TimeInForce,
    "phase": Phase,
}
_DATETIME_FIELDS = frozenset({"expire_at"})


_MISSING = object()
#: (field name, default) per command class; a field equal to its default is not written.
_FIELDS: dict[type[Any], tuple[tuple[str, Any], ...]] = {
    cls: tuple(
        (f.name, f.default if f.default is not dataclasses.MISSING else _MISSING)
        for f in dataclasses.fields(cls)
    )
    for cls in _KINDS.values()
}


def encode_command(cmd: c.Command) -> tuple[str, str]:
    """(kind, JSON payload) of a venue command: an object of its non-default fields."""
    payload: dict[str, Any] = {}
    for name, default in _FIELDS[type(cmd)]:
        value = getattr(cmd, name)
        if value is default or (type(value) is type(default) and value == default):
            continue  # the dataclass default: keeps the journal small and fast to write
        if isinstance(value, Enum):
            value = value.name
        elif isinstance(value, datetime):
            value = value.isoformat()
        payload[name] = value
    return type(cmd).__name__, json.dumps(payload, separators=(",", ":"))


def decode_command(kind: str, payload: str) -> c.Command:
    """The command `encode_command` encoded."""
    cls = _KINDS.get(kind)
    if cls is None:
        raise ValueError(f"unknown journal command kind {kind!r}")
    data: dict[str, Any] = json.loads(payload)
    for name, value in list(data.items()):
        enum_cls = _ENUM_FIELDS.get(name)
        if enum_cls is not None:
            data[name] = enum_cls[value]
        elif name in _DATETIME_FIELDS:
            data[name] = datetime.fromisoformat(value)
    command: c.Command = cls(**data)
    return command
