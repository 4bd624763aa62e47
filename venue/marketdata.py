"""Market data views: statistics and book snapshots, updated incrementally.

Role: cheap read-side state per instrument (last trade, volume, VWAP, open/high/low/close,
a bounded trade tape) and functions that read the book (BBO, aggregated depth of displayed
quantity). Invariants: statistics change only through `on_trade` (called once per trade by
the engine) and `close`; `vwap` is exact (a Fraction of ticks); depth never shows hidden
iceberg reserve.
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from typing import NamedTuple

from venue.book import Book
from venue.events import Trade


class Bbo(NamedTuple):
    bid_price: int | None
    bid_qty: int
    ask_price: int | None
    ask_qty: int


class DepthLevel(NamedTuple):
    price: int
    qty: int
    orders: int


class Depth(NamedTuple):
    bids: list[DepthLevel]
    asks: list[DepthLevel]


class MarketStats:
    """Per-instrument trade statistics."""

    __slots__ = (
        "last_price",
        "last_qty",
        "volume",
        "notional",
        "trades",
        "open",
        "high",
        "low",
        "close",
        "tape",
    )

    def __init__(self, tape_size: int = 1000) -> None:
        self.last_price: int | None = None
        self.last_qty = 0
        self.volume = 0
        self.notional = 0
        self.trades = 0
        self.open: int | None = None
        self.high: int | None = None
        self.low: int | None = None
        self.close: int | None = None
        self.tape: deque[Trade] = deque(maxlen=tape_size)

    def on_trade(self, trade: Trade) -> None:
        px = trade.price
        self.last_price = px
        self.last_qty = trade.qty
        self.volume += trade.qty
        self.notional += px * trade.qty
        self.trades += 1
        if self.open is None:
            self.open = self.high = self.low = px
        else:
            if px > self.high:  # type: ignore[operator]
                self.high = px
            if px < self.low:  # type: ignore[operator]
                self.low = px
        self.tape.append(trade)

    @property
    def vwap(self) -> Fraction | None:
        """Volume-weighted average price in ticks (exact), None before any trade."""
        return Fraction(self.notional, self.volume) if self.volume else None

    def mark_close(self) -> None:
        self.close = self.last_price

    def new_day(self) -> None:
        """Reset the daily statistics (the last price survives as a reference)."""
        self.volume = self.notional = self.trades = 0
        self.open = self.high = self.low = self.close = None
        self.tape.clear()


def bbo(book: Book) -> Bbo:
    b, a = book.best_bid(), book.best_ask()
    return Bbo(b.price if b else None, b.qty if b else 0, a.price if a else None, a.qty if a else 0)


def depth(book: Book, n: int) -> Depth:
    """Up to `n` levels a side, best first, displayed quantity only."""
    bids = [DepthLevel(lv.price, lv.qty, lv.count) for lv in book.bids.values()[:n]]
    asks = [DepthLevel(lv.price, lv.qty, lv.count) for lv in book.asks.values()[:n]]
    return Depth(bids, asks)
