"""Risk exposure against a real venue engine: random commands, every event fed to risk.

After every command the exposure's open maps equal what the engine's live orders hold;
when everything is cancelled the open exposure is exactly zero, positions net to zero per
symbol, and after the end of the day nothing at all is left.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk import LimitBook, Limits, Reject, RiskEngine
from venue.commands import (
    CancelOrder,
    Command,
    EndOfDay,
    ExpireOrders,
    MassCancel,
    NewOrder,
    ReplaceOrder,
)
from venue.engine import Engine
from venue.instruments import Instrument
from venue.types import OrdType, Side, TimeInForce

pytestmark = pytest.mark.timeout(300)
T0 = datetime(2024, 1, 2, 10, tzinfo=UTC)
INSTRUMENTS = [
    Instrument(symbol="A", tick_size=Decimal("0.01"), reference_price=Decimal("1.00")),
    Instrument(symbol="B", tick_size=Decimal("0.5"), reference_price=Decimal("50")),
]
LIMITS = Limits(
    max_order_qty=25,
    max_order_notional=Decimal(10**9),
    collar_ticks=3,
    credit_limit=Decimal(10**9),
    position_limit=60,
    throttle_msgs=10**6,
)
prices = st.integers(97, 103)


@st.composite
def new_orders(draw: st.DrawFn) -> NewOrder:
    ot = draw(st.sampled_from(list(OrdType)))
    tif = draw(
        st.sampled_from([TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.GTD])
    )
    qty = draw(st.integers(1, 30))
    priced = ot in (OrdType.LIMIT, OrdType.STOP_LIMIT)
    stop = ot in (OrdType.STOP, OrdType.STOP_LIMIT)
    floor = (
        draw(st.one_of(st.none(), st.integers(1, qty)))
        if priced and tif not in (TimeInForce.IOC,)
        else None
    )
    return NewOrder(
        symbol=draw(st.sampled_from(["A", "B"])),
        side=draw(st.sampled_from([Side.BUY, Side.SELL])),
        qty=qty,
        ord_type=ot,
        tif=tif,
        price=draw(prices) if priced else None,
        stop_price=draw(prices) if stop else None,
        max_floor=floor,
        expire_at=T0 + timedelta(seconds=draw(st.integers(1, 60)))
        if tif is TimeInForce.GTD
        else None,
        owner="s",
        firm=draw(st.sampled_from(["f1", "f2"])),
        account=draw(st.sampled_from(["a1", "a2"])),
        short_sale=draw(st.booleans()),
    )


commands = st.one_of(
    new_orders(),
    new_orders(),
    st.builds(CancelOrder, order_id=st.integers(1, 60)),
    st.builds(ReplaceOrder, order_id=st.integers(1, 60), qty=st.integers(1, 40), price=prices),
    st.builds(MassCancel, firm=st.sampled_from(["f1", "f2"])),
    st.builds(ExpireOrders),
)


def check_against_engine(engine: Engine, risk: RiskEngine) -> None:
    ex = risk.exposure
    ex.check_invariants()
    buy: dict[tuple[str, str, str], int] = defaultdict(int)
    sell: dict[tuple[str, str, str], int] = defaultdict(int)
    for o in engine.live_orders():
        key = (o.info.firm, o.info.account, o.symbol)
        (buy if o.side is Side.BUY else sell)[key] += o.leaves_qty
    assert dict(buy) == ex.open_buy and dict(sell) == ex.open_sell
    assert set(ex.orders) == {o.order_id for o in engine.live_orders()}
    for (_, _, symbol), pos in ex.position.items():
        assert pos != 0, symbol
    for symbol in ("A", "B"):
        assert sum(p for k, p in ex.position.items() if k[2] == symbol) == 0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(commands, st.integers(0, 3)), min_size=1, max_size=80))
def test_exposure_follows_the_engine_and_returns_to_zero(
    script: list[tuple[Command, int]],
) -> None:
    engine = Engine(INSTRUMENTS, retain_done=True)
    risk = RiskEngine(INSTRUMENTS, LimitBook(defaults=LIMITS))
    now = T0
    for cmd, step in script:
        now += timedelta(seconds=step)
        if isinstance(cmd, NewOrder):
            verdict = risk.evaluate(cmd, now.timestamp())
            if isinstance(verdict, Reject):
                continue
            cmd = verdict
        elif isinstance(cmd, ReplaceOrder) and risk.check_replace(cmd, now.timestamp()):
            continue
        risk.on_events(engine.submit(cmd, now))
        check_against_engine(engine, risk)
        for key, pos in risk.exposure.position.items():  # position limit held
            assert abs(pos) <= LIMITS.position_limit, key
    for firm in ("f1", "f2"):
        risk.on_events(engine.submit(MassCancel(firm=firm), now))
    check_against_engine(engine, risk)
    assert risk.exposure.is_flat()
    assert risk.exposure.open_notional == {}
    risk.on_events(engine.submit(EndOfDay(), now))
    risk.new_day()
    assert risk.exposure.filled_notional == {} and risk.exposure.position == {}
