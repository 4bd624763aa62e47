"""Commands: the only way to change the venue.

Role: immutable requests handed to `Engine.submit(cmd, now)`. Invariants: commands are
frozen, slotted, keyword-only dataclasses; prices are integer ticks; "no price" is None,
never 0; quantities are whole units (a multiple of the instrument's lot size).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from venue.types import OrdType, Phase, Side, TimeInForce


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOrder:
    symbol: str
    side: Side
    qty: int
    ord_type: OrdType = OrdType.LIMIT
    tif: TimeInForce = TimeInForce.DAY
    #: Limit price in ticks (LIMIT, STOP_LIMIT); None for MARKET and STOP.
    price: int | None = None
    #: Trigger price in ticks (STOP, STOP_LIMIT).
    stop_price: int | None = None
    #: Iceberg: the displayed peak. None for a fully displayed order.
    max_floor: int | None = None
    #: Expire time for GTD.
    expire_at: datetime | None = None
    #: The trading session that receives reports for this order.
    owner: str = ""
    firm: str = ""
    account: str = ""
    #: Opaque client reference (e.g. ClOrdID), echoed in events.
    client_ref: str = ""
    short_sale: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    order_id: int
    owner: str = ""
    client_ref: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceOrder:
    """Cancel/replace. Restates the order: `qty` is the new total quantity (filled
    included), `price`/`stop_price`/`max_floor` are the new values (None = none)."""

    order_id: int
    qty: int
    price: int | None = None
    stop_price: int | None = None
    max_floor: int | None = None
    owner: str = ""
    client_ref: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MassCancel:
    """Cancel every live order matching all the given filters (None = any)."""

    owner: str | None = None
    firm: str | None = None
    account: str | None = None
    symbol: str | None = None
    side: Side | None = None
    client_ref: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPhase:
    """Move an instrument to `phase`. Leaving an auction for continuous trading or the
    close uncrosses the book."""

    symbol: str
    phase: Phase


@dataclass(frozen=True, slots=True, kw_only=True)
class Halt:
    symbol: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Resume:
    """End a halt through a re-opening auction. With `immediate`, the auction uncrosses
    at once and continuous trading resumes; otherwise the instrument stays in the
    re-opening auction until a `SetPhase(CONTINUOUS)`."""

    symbol: str
    immediate: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireOrders:
    """Expire GTD orders whose expire time is at or before `now`."""

    symbol: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EndOfDay:
    """Expire DAY orders (and due GTD orders); the instruments' phases are unchanged."""

    symbol: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AdvanceTime:
    """Apply the trading schedules up to `now` and expire due GTD orders."""


Command = (
    NewOrder
    | CancelOrder
    | ReplaceOrder
    | MassCancel
    | SetPhase
    | Halt
    | Resume
    | ExpireOrders
    | EndOfDay
    | AdvanceTime
)
