"""Order and book metrics: an observer of the venue's events, and a periodic book sampler.

Role: `OrderMetrics` is an `OrderEntry` observer (called after each `engine.submit` with the
events, the time and the seconds spent matching) and a gateway-reject observer; it counts
outcomes, trades, traded quantity and notional per symbol. `sample_books(engine)` sets the
book gauges (resting orders, levels, visible quantity, best bid/ask); the shell calls it
about once a second on the event loop, so the gauges cost nothing per order and the
Prometheus thread never reads the engine.

Invariants: per event one dict lookup by type and one or a few plain-number increments
of pre-bound tallies (gateway.metrics.tally); prices leave integer ticks only here,
converted with the instrument's tick size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from fixspec.enums import OrdRejReason
from gateway.metrics.registry import VenueMetrics
from venue import events as ve
from venue.engine import Engine
from venue.types import Side

_BOOK_CHANGED: Final = ve.BookChanged


class _Sym:
    """Pre-bound children of one symbol."""

    __slots__ = (
        "accepted",
        "filled",
        "canceled",
        "expired",
        "replaced",
        "rejected",
        "trades",
        "qty",
        "notional",
        "tick",
    )

    def __init__(self, m: VenueMetrics, symbol: str, tick: float) -> None:
        o, tally = m.orders, m.tallies.tally
        self.accepted = tally(o.labels(symbol, "accepted"))
        self.filled = tally(o.labels(symbol, "filled"))
        self.canceled = tally(o.labels(symbol, "canceled"))
        self.expired = tally(o.labels(symbol, "expired"))
        self.replaced = tally(o.labels(symbol, "replaced"))
        self.rejected = tally(o.labels(symbol, "rejected"))
        self.trades = tally(m.trades.labels(symbol))
        self.qty = tally(m.traded_qty.labels(symbol))
        self.notional = tally(m.traded_notional.labels(symbol))
        self.tick = tick


class OrderMetrics:
    """Counts the venue's events (see module docstring)."""

    def __init__(self, metrics: VenueMetrics, engine: Engine) -> None:
        self._m = metrics
        self._syms = {
            s: _Sym(metrics, s, float(engine.instrument(s).tick_size)) for s in engine.symbols
        }
        self._other = _Sym(metrics, "other", 0.0)
        self._match = metrics.matching
        self._reasons: dict[object, Any] = {}
        self._on: dict[type, Callable[[Any], None]] = {
            ve.Accepted: self._accepted,
            ve.Trade: self._trade,
            ve.Cancelled: self._cancelled,
            ve.Expired: self._expired,
            ve.Replaced: self._replaced,
            ve.Rejected: self._rejected,
        }

    def __call__(self, events: Sequence[ve.Event], at: datetime, seconds: float) -> None:
        self._match.observe(seconds)
        on = self._on
        for e in events:
            t = type(e)
            if t is not _BOOK_CHANGED:  # most events: market data, nothing to count
                handler = on.get(t)
                if handler is not None:
                    handler(e)

    def gateway_reject(self, symbol: str, reason: int) -> None:
        """A NewOrderSingle refused before the engine (unknown symbol, account, ...)."""
        self._syms.get(symbol, self._other).rejected.n += 1
        self._reject_reason(reason).inc()

    # -- per event type ---------------------------------------------------------------
    def _sym(self, symbol: str) -> _Sym:
        return self._syms.get(symbol, self._other)

    def _accepted(self, e: ve.Accepted) -> None:
        self._syms.get(e.order.symbol, self._other).accepted.n += 1  # one per order: inline

    def _trade(self, e: ve.Trade) -> None:
        s = self._sym(e.symbol)
        s.trades.n += 1
        s.qty.n += e.qty
        s.notional.n += e.price * e.qty * s.tick
        if e.maker_leaves == 0:
            s.filled.n += 1
        if e.taker_leaves == 0:
            s.filled.n += 1

    def _cancelled(self, e: ve.Cancelled) -> None:
        self._sym(e.order.symbol).canceled.n += 1

    def _expired(self, e: ve.Expired) -> None:
        self._sym(e.order.symbol).expired.n += 1

    def _replaced(self, e: ve.Replaced) -> None:
        self._sym(e.order.symbol).replaced.n += 1

    def _rejected(self, e: ve.Rejected) -> None:
        self._sym(e.command.symbol).rejected.n += 1
        self._reject_reason(e.reason).inc()

    def _reject_reason(self, reason: object) -> Any:
        child = self._reasons.get(reason)
        if child is None:
            if isinstance(reason, int):
                try:
                    label = f"gateway_{OrdRejReason(reason).name.lower()}"
                except ValueError:
                    label = "gateway_other"
            else:
                label = str(getattr(reason, "name", reason)).lower()
            child = self._reasons[reason] = self._m.order_rejects.labels(label)
        return child


def sample_books(metrics: VenueMetrics, engine: Engine) -> None:
    """Set the book gauges from the engine (call on the event loop)."""
    m = metrics
    for symbol in engine.symbols:
        book = engine.book(symbol)
        tick = float(engine.instrument(symbol).tick_size)
        m.resting.labels(symbol).set(len(book.orders))
        for side, levels in ((Side.BUY, book.bids), (Side.SELL, book.asks)):
            label = "bid" if side is Side.BUY else "ask"
            m.levels.labels(symbol, label).set(len(levels))
            m.book_qty.labels(symbol, label).set(sum(lv.qty for lv in levels.values()))
        bid, ask = book.best_bid(), book.best_ask()
        m.best_bid.labels(symbol).set(math.nan if bid is None else bid.price * tick)
        m.best_ask.labels(symbol).set(math.nan if ask is None else ask.price * tick)
