"""At-the-open and at-the-close orders through random trading days, with halts in the
opening and in the closing auction: they trade only in their auctions (at-the-open in the
auction that opens the market, at-the-close in a closing auction), a replace changes an
order's priority exactly when its Replaced event says so, invariants hold after every
command, and a snapshot taken anywhere continues identically."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from venue.commands import CancelOrder, Halt, NewOrder, ReplaceOrder, Resume, SetPhase
from venue.engine import Engine
from venue.events import AuctionResult, Event, Replaced, Trade, encode_events
from venue.instruments import Instrument
from venue.phases import IllegalTransition
from venue.types import OrderStatus, OrdType, Phase, Side, TimeInForce

pytestmark = pytest.mark.timeout(120)
T0 = datetime(2024, 1, 2, 10, tzinfo=UTC)
AT_OPEN, AT_CLOSE = TimeInForce.AT_OPEN, TimeInForce.AT_CLOSE
OPENING_UNCROSS = frozenset({Phase.PRE_OPEN, Phase.OPENING_AUCTION, Phase.REOPENING_AUCTION})

sides = st.sampled_from([Side.BUY, Side.SELL])
prices = st.integers(97, 103)


@st.composite
def new_orders(draw: st.DrawFn) -> NewOrder:
    qty = draw(st.integers(1, 20))
    if draw(st.integers(0, 9)) == 0:
        return NewOrder(symbol="X", side=draw(sides), qty=qty, ord_type=OrdType.MARKET)
    tif = draw(st.sampled_from([TimeInForce.DAY, TimeInForce.GTC, AT_OPEN, AT_CLOSE, AT_CLOSE]))
    return NewOrder(
        symbol="X",
        side=draw(sides),
        qty=qty,
        price=draw(prices),
        tif=tif,
        max_floor=draw(st.one_of(st.none(), st.integers(1, qty))),
    )


@dataclass(frozen=True)
class Restate:
    """A replace of the `pick`-th live order (modulo their number), resolved when it runs:
    its quantity changed by `delta`, its price moved by `move` ticks, its floor kept."""

    pick: int
    delta: int
    move: int


others = st.one_of(
    st.builds(CancelOrder, order_id=st.integers(1, 40)),
    st.builds(ReplaceOrder, order_id=st.integers(1, 40), qty=st.integers(1, 25), price=prices),
    st.builds(
        Restate,
        pick=st.integers(0, 40),
        delta=st.integers(-10, 5),
        move=st.sampled_from([0, 0, 0, -1, 1]),
    ),
)
commands = st.integers(0, 9).flatmap(lambda k: new_orders() if k < 7 else others)

# One day, with optional halts in the pre-open, the opening auction, continuous trading
# and the closing auction (a move that is illegal by then is skipped).
DAY: list[tuple[Any, bool]] = [
    (Halt(symbol="X"), True),
    (Resume(symbol="X"), True),
    (SetPhase(symbol="X", phase=Phase.OPENING_AUCTION), True),
    (Halt(symbol="X"), True),
    (Resume(symbol="X"), True),
    (SetPhase(symbol="X", phase=Phase.CONTINUOUS), False),
    (Halt(symbol="X"), True),
    (Resume(symbol="X"), True),
    (SetPhase(symbol="X", phase=Phase.CONTINUOUS), True),
    (SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION), False),
    (Halt(symbol="X"), True),
    (Resume(symbol="X"), True),
    (SetPhase(symbol="X", phase=Phase.CONTINUOUS), True),
    (SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION), True),
    (SetPhase(symbol="X", phase=Phase.CLOSED), False),
]


@st.composite
def days(draw: st.DrawFn) -> list[Any]:
    cmds: list[Any] = []
    for move, optional in DAY:
        cmds += draw(st.lists(commands, max_size=8))
        if not optional or draw(st.booleans()):
            cmds.append(move)
    return cmds


def new_engine() -> Engine:
    return Engine([Instrument(symbol="X", initial_phase=Phase.PRE_OPEN)], retain_done=True)


def resolve(engine: Engine, cmd: Any) -> Any:
    if not isinstance(cmd, Restate):
        return cmd
    live = [o for o in engine.live_orders() if o.price is not None]
    if not live:
        return CancelOrder(order_id=0)
    o = live[cmd.pick % len(live)]
    assert o.price is not None
    qty = max(o.qty + cmd.delta, 1)
    floor = o.info.max_floor
    return ReplaceOrder(
        order_id=o.order_id,
        qty=max(qty, floor or 0),
        price=o.price + cmd.move,
        max_floor=floor,
    )


def step(engine: Engine, cmd: Any, i: int) -> list[Event]:
    cmd = resolve(engine, cmd)
    before = {o.order_id: o.priority for o in engine.live_orders()}
    evs: list[Event] = []
    with contextlib.suppress(IllegalTransition):
        evs = engine.submit(cmd, T0 + timedelta(seconds=i))
    engine.check_invariants()
    auction: Phase | None = None  # the phase of the uncross the trades belong to
    for e in evs:
        if isinstance(e, AuctionResult):
            auction = e.phase
        elif isinstance(e, Trade):
            for o in (e.maker, e.taker):
                if o.tif is AT_OPEN:
                    assert auction in OPENING_UNCROSS, f"step {i}: {e}"
                elif o.tif is AT_CLOSE:
                    assert auction is Phase.CLOSING_AUCTION, f"step {i}: {e}"
        elif isinstance(e, Replaced):
            view = engine.order(e.order.order_id)
            assert view is not None
            old = before[e.order.order_id]
            if e.priority_lost:
                assert view.priority > old, f"step {i}: {e}"
            else:
                assert view.priority == old, f"step {i}: {e}"
    phase = engine.phase("X")
    for v in engine.live_orders():
        if v.tif is AT_OPEN:
            assert phase in OPENING_UNCROSS | {Phase.HALTED}, f"step {i}: {v.order_id}"
        elif v.tif is AT_CLOSE and phase is not Phase.CLOSING_AUCTION:
            assert v.status is OrderStatus.PENDING_AUCTION, f"step {i}: {v.order_id}"
    return evs


def run(engine: Engine, cmds: list[Any], start: int = 0) -> list[Event]:
    out: list[Event] = []
    for i, cmd in enumerate(cmds, start):
        out += step(engine, cmd, i)
    return out


@settings(max_examples=150, deadline=None)
@given(cmds=days(), cut=st.integers(0, 200))
def test_auction_orders_trade_only_in_their_auctions(cmds: list[Any], cut: int) -> None:
    cut = min(cut, len(cmds))
    live = new_engine()
    run(live, cmds[:cut])
    snap = live.snapshot()
    restored = new_engine()
    restored.restore(snap)
    restored.check_invariants()
    assert encode_events(run(restored, cmds[cut:], cut)) == encode_events(
        run(live, cmds[cut:], cut)
    )
