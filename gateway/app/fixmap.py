"""FIX 4.4 values <-> venue enums, and venue reasons -> FIX reject codes.

Role: the one table of translations between the wire vocabulary and the venue's. Pure data.
Invariants: every venue enum member has a FIX value; FIX values the venue does not support
are absent (the caller answers them with a reject naming the value).
"""

from __future__ import annotations

from typing import Final

from fixspec.enums import CxlRejReason, OrdRejReason
from venue.types import OrderStatus, OrdType, RejectReason, Side, TimeInForce

SIDE_FROM_FIX: Final[dict[bytes, tuple[Side, bool]]] = {
    b"1": (Side.BUY, False),
    b"2": (Side.SELL, False),
    b"5": (Side.SELL, True),  # sell short
}
ORD_TYPE_FROM_FIX: Final[dict[bytes, OrdType]] = {
    b"1": OrdType.MARKET,
    b"2": OrdType.LIMIT,
    b"3": OrdType.STOP,
    b"4": OrdType.STOP_LIMIT,
}
TIF_FROM_FIX: Final[dict[bytes, TimeInForce]] = {
    b"0": TimeInForce.DAY,
    b"1": TimeInForce.GTC,
    b"2": TimeInForce.AT_OPEN,
    b"3": TimeInForce.IOC,
    b"4": TimeInForce.FOK,
    b"6": TimeInForce.GTD,
    b"7": TimeInForce.AT_CLOSE,
}

# Keyed by member name: hashing an Enum member runs Enum.__hash__ in Python, a str's hash
# is cached (these are looked up several times per order).
ORD_TYPE_TO_FIX: Final[dict[str, bytes]] = {v._name_: k for k, v in ORD_TYPE_FROM_FIX.items()}
TIF_TO_FIX: Final[dict[str, bytes]] = {v._name_: k for k, v in TIF_FROM_FIX.items()}


def side_to_fix(side: Side, short_sale: bool) -> bytes:
    if side is Side.BUY:
        return b"1"
    return b"5" if short_sale else b"2"


ORD_REJ_REASON: Final[dict[RejectReason, int]] = {
    RejectReason.UNKNOWN_SYMBOL: OrdRejReason.UNKNOWN_SYMBOL,
    RejectReason.PRICE_OFF_TICK: OrdRejReason.OTHER,
    RejectReason.QTY_NOT_LOT_MULTIPLE: OrdRejReason.INCORRECT_QUANTITY,
    RejectReason.QTY_OUT_OF_RANGE: OrdRejReason.INCORRECT_QUANTITY,
    RejectReason.PRICE_OUTSIDE_BAND: OrdRejReason.OTHER,
    RejectReason.NO_OPPOSITE_SIDE: OrdRejReason.OTHER,
    RejectReason.FOK_NOT_FILLABLE: OrdRejReason.OTHER,
    RejectReason.TRADING_HALTED: OrdRejReason.EXCHANGE_CLOSED,
    RejectReason.MARKET_CLOSED: OrdRejReason.EXCHANGE_CLOSED,
    RejectReason.NOT_ALLOWED_IN_PHASE: OrdRejReason.TOO_LATE_TO_ENTER,
    RejectReason.INVALID_ORDER: OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
    RejectReason.UNKNOWN_ORDER: OrdRejReason.UNKNOWN_ORDER,
    RejectReason.ORDER_ALREADY_DONE: OrdRejReason.OTHER,
}

CXL_REJ_REASON: Final[dict[RejectReason, int]] = {
    RejectReason.UNKNOWN_ORDER: CxlRejReason.UNKNOWN_ORDER,
    RejectReason.ORDER_ALREADY_DONE: CxlRejReason.TOO_LATE_TO_CANCEL,
}


def cxl_rej_reason(reason: RejectReason) -> int:
    return CXL_REJ_REASON.get(reason, CxlRejReason.OTHER)


ORD_STATUS: Final[dict[OrderStatus, bytes]] = {
    OrderStatus.NEW: b"0",
    OrderStatus.PARTIALLY_FILLED: b"1",
    OrderStatus.FILLED: b"2",
    OrderStatus.CANCELLED: b"4",
    OrderStatus.EXPIRED: b"C",
    OrderStatus.PENDING_TRIGGER: b"0",
    OrderStatus.PENDING_AUCTION: b"0",
}
