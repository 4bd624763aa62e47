"""Enumerations shared by every venue module.

Role: the vocabulary of the exchange core (sides, order types, time in force, trading
phases, reasons). Invariants: values are stable strings (they appear in event reprs, which
are compared byte for byte by the determinism tests); nothing here holds state.
"""

from __future__ import annotations

from enum import Enum


class Side(Enum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrdType(Enum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"
    STOP = "STOP"
    STOP_LIMIT = "STOP_LIMIT"


class TimeInForce(Enum):
    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTD = "GTD"
    AT_OPEN = "AT_OPEN"
    AT_CLOSE = "AT_CLOSE"


class Phase(Enum):
    CLOSED = "CLOSED"
    PRE_OPEN = "PRE_OPEN"
    OPENING_AUCTION = "OPENING_AUCTION"
    CONTINUOUS = "CONTINUOUS"
    HALTED = "HALTED"
    REOPENING_AUCTION = "REOPENING_AUCTION"
    CLOSING_AUCTION = "CLOSING_AUCTION"


AUCTION_PHASES = frozenset({Phase.OPENING_AUCTION, Phase.REOPENING_AUCTION, Phase.CLOSING_AUCTION})
#: Phases in which orders are collected but nothing matches.
CALL_PHASES = AUCTION_PHASES | {Phase.PRE_OPEN}


class OrderStatus(Enum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    #: A stop order waiting for its trigger price.
    PENDING_TRIGGER = "PENDING_TRIGGER"
    #: An at-the-close order held outside the book until the closing auction.
    PENDING_AUCTION = "PENDING_AUCTION"


class CancelReason(Enum):
    USER = "USER"
    IOC_REMAINDER = "IOC_REMAINDER"
    MARKET_REMAINDER = "MARKET_REMAINDER"
    SELF_TRADE = "SELF_TRADE"
    MASS_CANCEL = "MASS_CANCEL"
    #: A replace asked for a quantity at or below the filled quantity.
    REPLACED_TO_FILLED = "REPLACED_TO_FILLED"


class RejectReason(Enum):
    UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
    PRICE_OFF_TICK = "PRICE_OFF_TICK"
    QTY_NOT_LOT_MULTIPLE = "QTY_NOT_LOT_MULTIPLE"
    QTY_OUT_OF_RANGE = "QTY_OUT_OF_RANGE"
    PRICE_OUTSIDE_BAND = "PRICE_OUTSIDE_BAND"
    NO_OPPOSITE_SIDE = "NO_OPPOSITE_SIDE"
    FOK_NOT_FILLABLE = "FOK_NOT_FILLABLE"
    TRADING_HALTED = "TRADING_HALTED"
    MARKET_CLOSED = "MARKET_CLOSED"
    NOT_ALLOWED_IN_PHASE = "NOT_ALLOWED_IN_PHASE"
    INVALID_ORDER = "INVALID_ORDER"
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    ORDER_ALREADY_DONE = "ORDER_ALREADY_DONE"


REJECT_TEXT: dict[RejectReason, str] = {
    RejectReason.UNKNOWN_SYMBOL: "unknown symbol",
    RejectReason.PRICE_OFF_TICK: "price is not a multiple of the tick size",
    RejectReason.QTY_NOT_LOT_MULTIPLE: "quantity is not a multiple of the lot size",
    RejectReason.QTY_OUT_OF_RANGE: "quantity outside the allowed range",
    RejectReason.PRICE_OUTSIDE_BAND: "price outside the price band",
    RejectReason.NO_OPPOSITE_SIDE: "market order with no opposite side",
    RejectReason.FOK_NOT_FILLABLE: "fill-or-kill order cannot be filled in full",
    RejectReason.TRADING_HALTED: "trading halted",
    RejectReason.MARKET_CLOSED: "market closed",
    RejectReason.NOT_ALLOWED_IN_PHASE: "order type or time in force not allowed in this phase",
    RejectReason.INVALID_ORDER: "invalid order",
    RejectReason.UNKNOWN_ORDER: "unknown order",
    RejectReason.ORDER_ALREADY_DONE: "order already done",
}


class StpMode(Enum):
    """Self-trade prevention: what happens when both sides share a firm (or account)."""

    OFF = "OFF"
    CANCEL_RESTING = "CANCEL_RESTING"
    CANCEL_AGGRESSOR = "CANCEL_AGGRESSOR"
    CANCEL_BOTH = "CANCEL_BOTH"


class StpScope(Enum):
    FIRM = "FIRM"
    ACCOUNT = "ACCOUNT"


class Algorithm(Enum):
    FIFO = "FIFO"
    PRO_RATA = "PRO_RATA"
