"""Determinism and recovery: same commands and times give the same bytes; a snapshot
restored into a new engine continues exactly like the engine that never stopped."""

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
)
from venue.engine import Engine
from venue.events import Event, encode_events
from venue.instruments import Instrument
from venue.phases import IllegalTransition
from venue.types import Algorithm, OrdType, Side, StpMode, TimeInForce

pytestmark = pytest.mark.timeout(120)
T0 = datetime(2024, 1, 2, 10, tzinfo=UTC)
INSTRUMENTS = [
    Instrument(symbol="A", band_ticks=50, reference_price=None),
    Instrument(symbol="B", algorithm=Algorithm.PRO_RATA),
]

sides = st.sampled_from([Side.BUY, Side.SELL])
prices = st.integers(96, 104)


@st.composite
def new_orders(draw: st.DrawFn) -> NewOrder:
    ot = draw(st.sampled_from(list(OrdType)))
    tif = draw(
        st.sampled_from(
            [TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD]
        )
    )
    qty = draw(st.integers(1, 30))
    priced = ot in (OrdType.LIMIT, OrdType.STOP_LIMIT)
    stop = ot in (OrdType.STOP, OrdType.STOP_LIMIT)
    floor = draw(st.one_of(st.none(), st.integers(1, qty))) if priced else None
    if tif in (TimeInForce.IOC, TimeInForce.FOK):
        floor = None
    return NewOrder(
        symbol=draw(st.sampled_from(["A", "B"])),
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
        owner=draw(st.sampled_from(["s1", "s2"])),
        firm=draw(st.sampled_from(["f1", "f2"])),
        account="acc",
        client_ref=f"c{draw(st.integers(0, 999))}",
    )


others = st.one_of(
    st.builds(CancelOrder, order_id=st.integers(1, 40)),
    st.builds(ReplaceOrder, order_id=st.integers(1, 40), qty=st.integers(1, 40), price=prices),
    st.builds(MassCancel, firm=st.sampled_from(["f1", "f2"]), side=st.none() | sides),
    st.builds(ExpireOrders),
    st.builds(Halt, symbol=st.just("A")),
    st.builds(Resume, symbol=st.just("A"), immediate=st.booleans()),
)
# Mostly new orders, so that books fill up and trade.
commands = st.integers(0, 9).flatmap(lambda k: new_orders() if k < 7 else others)


def run(engine: Engine, cmds: list[Any], start: int = 0) -> list[Event]:
    events: list[Event] = []
    for i, cmd in enumerate(cmds, start):
        with contextlib.suppress(IllegalTransition):
            events += engine.submit(cmd, T0 + timedelta(seconds=i))
        engine.check_invariants()
    return events


@settings(max_examples=80, deadline=None)
@given(cmds=st.lists(commands, max_size=60), stp=st.sampled_from(list(StpMode)))
def test_same_commands_same_bytes(cmds: list[Any], stp: StpMode) -> None:
    first = encode_events(run(Engine(INSTRUMENTS, stp_mode=stp), cmds))
    second = encode_events(run(Engine(INSTRUMENTS, stp_mode=stp), cmds))
    assert first == second


@settings(max_examples=80, deadline=None)
@given(cmds=st.lists(commands, max_size=60), cut=st.integers(0, 60))
def test_snapshot_restore_continues_identically(cmds: list[Any], cut: int) -> None:
    cut = min(cut, len(cmds))
    live = Engine(INSTRUMENTS, stp_mode=StpMode.CANCEL_RESTING)
    run(live, cmds[:cut])
    snap = live.snapshot()
    restored = Engine(INSTRUMENTS, stp_mode=StpMode.CANCEL_RESTING)
    restored.restore(snap)
    restored.check_invariants()
    assert restored.snapshot() == snap
    assert encode_events(run(restored, cmds[cut:], cut)) == encode_events(
        run(live, cmds[cut:], cut)
    )
