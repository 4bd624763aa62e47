"""Market data: the BookChanged events of every command, applied to a shadow book, give
exactly the engine's depth, through auctions (opening, re-opening after a halt, closing)
and continuous trading."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from venue.commands import (
    CancelOrder,
    ExpireOrders,
    Halt,
    MassCancel,
    NewOrder,
    ReplaceOrder,
    Resume,
    SetPhase,
)
from venue.engine import Engine
from venue.events import BookChanged
from venue.instruments import Instrument
from venue.phases import IllegalTransition
from venue.types import Algorithm, OrdType, Phase, Side, StpMode, TimeInForce

pytestmark = pytest.mark.timeout(120)
T0 = datetime(2024, 1, 2, 10, tzinfo=UTC)
SYMBOLS = ["A", "B"]

sides = st.sampled_from([Side.BUY, Side.SELL])
prices = st.integers(96, 104)
symbols = st.sampled_from(SYMBOLS)


@st.composite
def new_orders(draw: st.DrawFn) -> NewOrder:
    # Mostly limit orders that stay for the auctions; every type and time in force occurs.
    ot = draw(st.sampled_from([OrdType.LIMIT] * 5 + list(OrdType)))
    tif = draw(st.sampled_from([TimeInForce.DAY, TimeInForce.GTC] * 2 + list(TimeInForce)))
    qty = draw(st.integers(1, 30))
    priced = ot in (OrdType.LIMIT, OrdType.STOP_LIMIT)
    stop = ot in (OrdType.STOP, OrdType.STOP_LIMIT)
    floor = draw(st.one_of(st.none(), st.integers(1, qty))) if priced else None
    if tif in (TimeInForce.IOC, TimeInForce.FOK):
        floor = None
    return NewOrder(
        symbol=draw(symbols),
        side=draw(sides),
        qty=qty,
        ord_type=ot,
        tif=tif,
        price=draw(prices) if priced else None,
        stop_price=draw(prices) if stop else None,
        max_floor=floor,
        expire_at=T0 + timedelta(seconds=draw(st.integers(1, 60)))
        if tif is TimeInForce.GTD
        else None,
        firm=draw(st.sampled_from(["f1", "f2"])),
    )


others = st.one_of(
    st.builds(CancelOrder, order_id=st.integers(1, 40)),
    st.builds(ReplaceOrder, order_id=st.integers(1, 40), qty=st.integers(1, 40), price=prices),
    st.builds(MassCancel, firm=st.sampled_from(["f1", "f2"]), side=st.none() | sides),
    st.builds(ExpireOrders),
    st.builds(Halt, symbol=symbols),
    st.builds(Resume, symbol=symbols, immediate=st.booleans()),
)
commands = st.integers(0, 9).flatmap(lambda k: new_orders() if k < 8 else others)

# A trading day: each move is made for both symbols after a block of random commands
# (a move that is illegal by then, e.g. after a random halt, is skipped).
DAY = [
    Phase.OPENING_AUCTION,
    Phase.CONTINUOUS,
    Phase.HALTED,
    Phase.REOPENING_AUCTION,
    Phase.CONTINUOUS,
    Phase.CLOSING_AUCTION,
    Phase.CLOSED,
    Phase.PRE_OPEN,
    Phase.CONTINUOUS,
]


@st.composite
def days(draw: st.DrawFn) -> list[Any]:
    cmds: list[Any] = []
    for phase in DAY:
        cmds += draw(st.lists(commands, max_size=12))
        cmds += [SetPhase(symbol=s, phase=phase) for s in SYMBOLS]
    return cmds


def instruments(start: Phase) -> list[Instrument]:
    return [
        Instrument(symbol="A", initial_phase=start),
        Instrument(symbol="B", algorithm=Algorithm.PRO_RATA, initial_phase=start),
    ]


def check_md(engine: Engine, cmds: list[Any]) -> None:
    shadow: dict[tuple[str, Side, int], tuple[int, int]] = {}
    for i, cmd in enumerate(cmds):
        evs: list[Any] = []
        with contextlib.suppress(IllegalTransition):
            evs = engine.submit(cmd, T0 + timedelta(seconds=i))
        engine.check_invariants()
        seen: set[tuple[str, Side, int]] = set()
        for e in evs:
            if not isinstance(e, BookChanged):
                continue
            key = (e.symbol, e.side, e.price)
            assert key not in seen, f"step {i}: two BookChanged for {key} in one command"
            seen.add(key)
            if e.qty == 0:
                assert key in shadow, f"step {i}: {e} removes a level that was not there"
                del shadow[key]
            else:
                shadow[key] = (e.qty, e.orders)
        for sym in SYMBOLS:
            d = engine.depth(sym, 10**6)
            want = {(sym, Side.BUY, lv.price): (lv.qty, lv.orders) for lv in d.bids}
            want |= {(sym, Side.SELL, lv.price): (lv.qty, lv.orders) for lv in d.asks}
            got = {k: v for k, v in shadow.items() if k[0] == sym}
            assert got == want, f"step {i} ({cmd}): shadow book != depth for {sym}"


@settings(max_examples=100, deadline=None)
@given(cmds=days(), stp=st.sampled_from(list(StpMode)))
def test_book_changed_events_track_depth(cmds: list[Any], stp: StpMode) -> None:
    check_md(Engine(instruments(Phase.PRE_OPEN), stp_mode=stp), cmds)
