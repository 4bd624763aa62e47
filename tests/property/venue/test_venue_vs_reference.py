"""The engine against the naive reference matcher, on random command sequences."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from venue.commands import CancelOrder, NewOrder, ReplaceOrder
from venue.engine import Engine
from venue.events import (
    Accepted,
    Cancelled,
    CancelRejected,
    Event,
    Rejected,
    Replaced,
    ReplaceRejected,
    Trade,
)
from venue.instruments import Instrument
from venue.reference import ReferenceBook
from venue.types import OrdType, Side, StpMode, TimeInForce

pytestmark = pytest.mark.timeout(120)
NOW = datetime(2024, 1, 2, 10, tzinfo=UTC)

sides = st.sampled_from([Side.BUY, Side.SELL])
prices = st.integers(95, 105)
qtys = st.integers(1, 20)
firms = st.sampled_from(["f1", "f2", "f3"])


def project(events: list[Event]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for e in events:
        if isinstance(e, Accepted):
            out.append(("accepted", e.order.order_id))
        elif isinstance(e, Rejected):
            out.append(("rejected", e.reason))
        elif isinstance(e, Trade):
            out.append(
                (
                    "trade",
                    e.maker.order_id,
                    e.taker.order_id,
                    e.price,
                    e.qty,
                    e.maker_leaves,
                    e.taker_leaves,
                )
            )
        elif isinstance(e, Cancelled):
            out.append(("cancelled", e.order.order_id, e.cancelled_qty, e.reason))
        elif isinstance(e, Replaced):
            out.append(("replaced", e.order.order_id, e.leaves_qty, e.priority_lost))
        elif isinstance(e, CancelRejected):
            out.append(("cancel_rejected", e.order_id, e.reason))
        elif isinstance(e, ReplaceRejected):
            out.append(("replace_rejected", e.order_id, e.reason))
    return out


class EngineVsReference(RuleBasedStateMachine):
    stp = StpMode.OFF

    def __init__(self) -> None:
        super().__init__()
        self.engine = Engine([Instrument(symbol="X")], stp_mode=self.stp)
        self.ref = ReferenceBook(self.stp)
        self.floors: dict[int, int | None] = {}

    def _both(self, cmd: Any, ref_events: list[tuple[Any, ...]]) -> None:
        got = project(self.engine.submit(cmd, NOW))
        assert got == ref_events

    @rule(
        side=sides,
        price=prices,
        qty=qtys,
        firm=firms,
        tif=st.sampled_from([TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
        floor=st.one_of(st.none(), st.integers(1, 6)),
    )
    def limit(
        self, side: Side, price: int, qty: int, firm: str, tif: TimeInForce, floor: int | None
    ) -> None:
        if tif in (TimeInForce.IOC, TimeInForce.FOK) or (floor is not None and floor > qty):
            floor = None
        oid = self.engine.counters().next_order_id
        self.floors[oid] = floor
        cmd = NewOrder(
            symbol="X", side=side, qty=qty, price=price, tif=tif, firm=firm, max_floor=floor
        )
        self._both(cmd, self.ref.new(side, qty, price, tif, firm, floor))

    @rule(
        side=sides,
        qty=qtys,
        firm=firms,
        tif=st.sampled_from([TimeInForce.DAY, TimeInForce.IOC, TimeInForce.FOK]),
    )
    def market(self, side: Side, qty: int, firm: str, tif: TimeInForce) -> None:
        cmd = NewOrder(symbol="X", side=side, qty=qty, ord_type=OrdType.MARKET, tif=tif, firm=firm)
        self._both(cmd, self.ref.new(side, qty, None, tif, firm))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        oid = data.draw(st.integers(0, self.ref.next_id + 1))
        self._both(CancelOrder(order_id=oid), self.ref.cancel(oid))

    @rule(data=st.data(), qty=st.integers(1, 30), price=prices)
    def replace(self, data: st.DataObject, qty: int, price: int) -> None:
        oid = data.draw(st.integers(0, self.ref.next_id + 1))
        floor = self.floors.get(oid)
        if floor is not None and floor > qty:
            qty = floor
        cmd = ReplaceOrder(order_id=oid, qty=qty, price=price, max_floor=floor)
        self._both(cmd, self.ref.replace(oid, qty, price))

    @invariant()
    def books_agree(self) -> None:
        self.engine.check_invariants()
        book = self.engine.book("X")
        for side in (Side.BUY, Side.SELL):
            mine = [(o.price, o.id, o.leaves, o.display) for lvl in book.levels(side) for o in lvl]
            assert mine == self.ref.book(side)


class StpRestingVsReference(EngineVsReference):
    stp = StpMode.CANCEL_RESTING


class StpAggressorVsReference(EngineVsReference):
    stp = StpMode.CANCEL_AGGRESSOR


class StpBothVsReference(EngineVsReference):
    stp = StpMode.CANCEL_BOTH


_settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestEngineVsReference = EngineVsReference.TestCase
TestEngineVsReference.settings = _settings
TestStpResting = StpRestingVsReference.TestCase
TestStpResting.settings = _settings
TestStpAggressor = StpAggressorVsReference.TestCase
TestStpAggressor.settings = _settings
TestStpBoth = StpBothVsReference.TestCase
TestStpBoth.settings = _settings
