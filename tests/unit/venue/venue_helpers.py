"""Helpers for venue unit tests: a tiny driver that checks invariants after every command."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from venue.commands import NewOrder
from venue.engine import Engine
from venue.events import Cancelled, Event, Trade
from venue.instruments import Instrument
from venue.types import OrdType, Side, TimeInForce

NOW = datetime(2024, 1, 2, 10, tzinfo=UTC)
B, S = Side.BUY, Side.SELL


class Sim:
    def __init__(self, *instruments: Instrument, **kw: Any) -> None:
        self.engine = Engine(instruments or [Instrument(symbol="X")], **kw)
        self.events: list[Event] = []

    def do(self, cmd: Any, now: datetime = NOW) -> list[Event]:
        evs = self.engine.submit(cmd, now)
        self.engine.check_invariants()
        self.events += evs
        return evs

    def order(
        self, side: Side, qty: int, price: int | None = None, *, symbol: str = "X", **kw: Any
    ) -> list[Event]:
        if price is None and "ord_type" not in kw:
            kw["ord_type"] = OrdType.MARKET
        return self.do(NewOrder(symbol=symbol, side=side, qty=qty, price=price, **kw))

    def book(self, side: Side, symbol: str = "X") -> list[tuple[int, int, int]]:
        """(price, order id, leaves) best first, FIFO within a level."""
        return [
            (o.price, o.id, o.leaves)  # type: ignore[misc]
            for lvl in self.engine.book(symbol).levels(side)
            for o in lvl
        ]


def trades(evs: list[Event]) -> list[tuple[int, int, int, int]]:
    return [
        (e.maker.order_id, e.taker.order_id, e.price, e.qty) for e in evs if isinstance(e, Trade)
    ]


def cancels(evs: list[Event]) -> list[tuple[int, int, Any]]:
    return [(e.order.order_id, e.cancelled_qty, e.reason) for e in evs if isinstance(e, Cancelled)]


def kinds(evs: list[Event]) -> list[str]:
    return [type(e).__name__ for e in evs if type(e).__name__ != "BookChanged"]


__all__ = ["B", "NOW", "S", "Sim", "TimeInForce", "cancels", "kinds", "trades"]
