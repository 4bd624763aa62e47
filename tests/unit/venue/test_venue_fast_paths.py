"""The fast paths of `Engine.submit` (plain limit orders, cancels, same-price quantity
replaces, market orders) against the generic code they shortcut: the same commands run
once through the fast paths and once with them disabled must give the same events and
the same book, for orders alone at their level, at the head, in the middle, at the tail,
partially filled, and with market-data events on and off."""

from __future__ import annotations

from typing import Any

import pytest
from venue_helpers import NOW

from venue.commands import CancelOrder, NewOrder, ReplaceOrder
from venue.engine import Engine
from venue.events import BookChanged, Event, Replaced, encode_events
from venue.instruments import Instrument
from venue.types import OrdType, Side, TimeInForce

pytestmark = pytest.mark.timeout(60)
B, S = Side.BUY, Side.SELL


class GenericEngine(Engine):
    """`Engine` with every fast path routed to the generic code."""

    def submit(self, cmd: Any, now: Any) -> list[Event]:
        self._out = out = []
        self._submit_other(cmd, now)
        if self._dirty:
            self._flush_md()
        return out


def new(side: Side, qty: int, price: int | None = None, **kw: Any) -> NewOrder:
    if price is None:
        kw.setdefault("ord_type", OrdType.MARKET)
        kw.setdefault("tif", TimeInForce.IOC)
    return NewOrder(symbol="X", side=side, qty=qty, price=price, firm="f", **kw)


def book(engine: Engine) -> list[tuple[Any, ...]]:
    b = engine.book("X")
    return [
        (lvl.price, lvl.qty, lvl.count, [(o.id, o.leaves, o.priority) for o in lvl])
        for side in (B, S)
        for lvl in b.levels(side)
    ]


# Orders 1-3 rest at 100 (bids), 4 alone at 99, 5 alone at 101 (ask).
SETUP = [new(B, 10, 100), new(B, 10, 100), new(B, 10, 100), new(B, 10, 99), new(S, 10, 101)]
CASES: dict[str, list[Any]] = {
    "increase head": [ReplaceOrder(order_id=1, qty=15, price=100, client_ref="r")],
    "increase middle": [ReplaceOrder(order_id=2, qty=15, price=100)],
    "increase tail": [ReplaceOrder(order_id=3, qty=15, price=100)],
    "increase alone": [ReplaceOrder(order_id=4, qty=30, price=99)],
    "decrease": [ReplaceOrder(order_id=2, qty=4, price=100)],
    "increase partially filled": [
        new(S, 4, None),
        ReplaceOrder(order_id=1, qty=12, price=100),
        new(S, 20, None),
    ],
    "replace to filled": [new(S, 4, None), ReplaceOrder(order_id=1, qty=4, price=100)],
    "cancel head, middle, tail, alone": [
        CancelOrder(order_id=2),
        CancelOrder(order_id=1),
        CancelOrder(order_id=3),
        CancelOrder(order_id=5),
        CancelOrder(order_id=5),
    ],
    "crossing and IOC limits": [
        new(S, 15, 100),
        new(S, 20, 99, tif=TimeInForce.IOC),
        new(B, 5, 101, tif=TimeInForce.IOC),
        new(B, 3, 101),
    ],
    "market sweeps levels": [new(S, 35, None), new(B, 5, None)],
}


@pytest.mark.parametrize("md", [True, False])
@pytest.mark.parametrize("name", list(CASES))
def test_fast_paths_match_generic_code(name: str, md: bool) -> None:
    runs = []
    for cls in (Engine, GenericEngine):
        engine = cls([Instrument(symbol="X")], md_events=md)
        events: list[Event] = []
        for cmd in SETUP + CASES[name]:
            events += engine.submit(cmd, NOW)
            engine.check_invariants()
        stats = engine.stats("X")
        runs.append(
            (
                encode_events(events),
                book(engine),
                engine.snapshot(),
                (stats.last_price, stats.volume, stats.notional, stats.trades, stats.high),
                list(stats.tape),
            )
        )
    assert runs[0] == runs[1]


def test_increase_goes_to_the_back_and_reports_the_level() -> None:
    engine = Engine([Instrument(symbol="X")])
    for cmd in SETUP:
        engine.submit(cmd, NOW)
    evs = engine.submit(ReplaceOrder(order_id=1, qty=15, price=100, client_ref="r"), NOW)
    assert [type(e) for e in evs] == [Replaced, BookChanged]
    rep, bc = evs
    assert isinstance(rep, Replaced) and isinstance(bc, BookChanged)
    assert rep.priority_lost and rep.leaves_qty == 15 and rep.order.client_ref == "r"
    assert (bc.price, bc.qty, bc.orders, bc.seq) == (100, 35, 3, rep.seq + 1)
    assert book(engine)[0][3] == [(2, 10, 2), (3, 10, 3), (1, 15, 6)]
