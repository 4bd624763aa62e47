"""Continuous matching rules, table-driven; invariants checked after every command."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from venue_helpers import B, S, Sim, cancels, kinds, trades

from venue.commands import CancelOrder, MassCancel, NewOrder, ReplaceOrder
from venue.events import MassCancelled, Rejected, Replaced, Triggered
from venue.instruments import Instrument, PriceOffTick
from venue.types import Algorithm, CancelReason, OrdType, RejectReason, StpMode, TimeInForce

pytestmark = pytest.mark.timeout(60)
IOC, FOK, GTC = TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTC
R = RejectReason


def test_price_conversion_is_exact() -> None:
    inst = Instrument(symbol="X", tick_size=Decimal("0.05"))
    assert inst.price_to_ticks(Decimal("10.05")) == 201
    assert inst.ticks_to_price(201) == Decimal("10.05")
    with pytest.raises(PriceOffTick):
        inst.price_to_ticks(Decimal("10.07"))
    assert Instrument(symbol="Y", band_pct=Decimal("10")).band(1000) == (900, 1100)
    assert Instrument(symbol="Y", band_ticks=5).band(100) == (95, 105)


# (resting [(side, qty, price)], aggressor (side, qty, price|None, tif),
#  expected trades [(maker, taker, price, qty)], expected cancels, book after (bids, asks))
MATCH_CASES: list[tuple[str, list[Any], Any, list[Any], list[Any], Any]] = [
    ("prints at maker price", [(S, 10, 100)], (B, 10, 105, None), [(1, 2, 100, 10)], [], ([], [])),
    (
        "walks levels to its limit",
        [(S, 5, 100), (S, 5, 101), (S, 5, 102)],
        (B, 12, 101, None),
        [(1, 4, 100, 5), (2, 4, 101, 5)],
        [],
        ([(101, 4, 2)], [(102, 3, 5)]),
    ),
    (
        "FIFO within a level",
        [(S, 5, 100), (S, 5, 100)],
        (B, 7, 100, None),
        [(1, 3, 100, 5), (2, 3, 100, 2)],
        [],
        ([], [(100, 2, 3)]),
    ),
    (
        "partial maker keeps place",
        [(S, 10, 100), (S, 10, 100)],
        (B, 4, 100, None),
        [(1, 3, 100, 4)],
        [],
        ([], [(100, 1, 6), (100, 2, 10)]),
    ),
    (
        "IOC remainder cancelled",
        [(S, 5, 100)],
        (B, 8, 100, IOC),
        [(1, 2, 100, 5)],
        [(2, 3, CancelReason.IOC_REMAINDER)],
        ([], []),
    ),
    (
        "FOK fills in full",
        [(S, 5, 100), (S, 5, 101)],
        (B, 10, 101, FOK),
        [(1, 3, 100, 5), (2, 3, 101, 5)],
        [],
        ([], []),
    ),
    (
        "market remainder cancelled",
        [(S, 5, 100)],
        (B, 8, None, None),
        [(1, 2, 100, 5)],
        [(2, 3, CancelReason.MARKET_REMAINDER)],
        ([], []),
    ),
    (
        "sell side mirror",
        [(B, 5, 100), (B, 5, 99)],
        (S, 7, 99, None),
        [(1, 3, 100, 5), (2, 3, 99, 2)],
        [],
        ([(99, 2, 3)], []),
    ),
]


@pytest.mark.parametrize(
    "name,resting,aggr,exp_trades,exp_cancels,book", MATCH_CASES, ids=[c[0] for c in MATCH_CASES]
)
def test_matching(
    name: str,
    resting: list[Any],
    aggr: Any,
    exp_trades: list[Any],
    exp_cancels: list[Any],
    book: Any,
) -> None:
    sim = Sim()
    for side, qty, price in resting:
        sim.order(side, qty, price)
    side, qty, price, tif = aggr
    evs = sim.order(side, qty, price, **({"tif": tif} if tif else {}))
    assert trades(evs) == exp_trades
    assert cancels(evs) == exp_cancels
    assert (sim.book(B), sim.book(S)) == book


def test_fok_not_fillable_leaves_book_untouched() -> None:
    sim = Sim()
    sim.order(S, 5, 100)
    evs = sim.order(B, 6, 100, tif=FOK)
    assert isinstance(evs[0], Rejected) and evs[0].reason is R.FOK_NOT_FILLABLE
    assert sim.book(S) == [(100, 1, 5)]


def test_market_never_trades_beyond_band() -> None:
    sim = Sim(Instrument(symbol="X", band_ticks=2, reference_price=Decimal("1.00")))
    sim.order(S, 5, 101)
    sim.order(S, 5, 102)
    evs = sim.order(B, 10, None)  # band 98..102 around 100
    assert trades(evs) == [(1, 3, 101, 5), (2, 3, 102, 5)]
    sim.order(S, 5, 104 - 0)  # the band moved with the last trade (100..104)
    sim.order(S, 5, 102)
    evs = sim.order(B, 20, None)
    assert [t[2] for t in trades(evs)] == [102, 104]


# (instrument kwargs, command kwargs, reason)
REJECTS: list[tuple[dict[str, Any], dict[str, Any], RejectReason]] = [
    ({}, {"symbol": "NOPE"}, R.UNKNOWN_SYMBOL),
    ({"lot_size": 10}, {"qty": 15}, R.QTY_NOT_LOT_MULTIPLE),
    ({"min_qty": 10}, {"qty": 5}, R.QTY_OUT_OF_RANGE),
    ({"max_qty": 100}, {"qty": 101}, R.QTY_OUT_OF_RANGE),
    ({"band_ticks": 5, "reference_price": Decimal("1.00")}, {"price": 106}, R.PRICE_OUTSIDE_BAND),
    ({}, {"ord_type": OrdType.MARKET, "price": None}, R.NO_OPPOSITE_SIDE),
    ({}, {"ord_type": OrdType.MARKET, "price": 100}, R.INVALID_ORDER),
    ({}, {"price": None}, R.INVALID_ORDER),
    ({}, {"tif": TimeInForce.GTD}, R.INVALID_ORDER),
    ({}, {"max_floor": 20}, R.INVALID_ORDER),
    ({}, {"tif": TimeInForce.AT_OPEN}, R.NOT_ALLOWED_IN_PHASE),
]


@pytest.mark.parametrize("inst,kw,reason", REJECTS)
def test_rejects(inst: dict[str, Any], kw: dict[str, Any], reason: RejectReason) -> None:
    sim = Sim(Instrument(symbol="X", **inst))
    args: dict[str, Any] = {"symbol": "X", "side": B, "qty": 10, "price": 100} | kw
    evs = sim.do(NewOrder(**args))
    assert len(evs) == 1 and isinstance(evs[0], Rejected)
    assert evs[0].reason is reason and evs[0].text


def test_cancel_and_cancel_rejects() -> None:
    sim = Sim()
    sim.order(B, 10, 100)
    assert cancels(sim.do(CancelOrder(order_id=1))) == [(1, 10, CancelReason.USER)]
    assert sim.do(CancelOrder(order_id=1))[0].reason is R.ORDER_ALREADY_DONE  # type: ignore
    assert sim.do(CancelOrder(order_id=99))[0].reason is R.UNKNOWN_ORDER  # type: ignore
    assert sim.do(ReplaceOrder(order_id=99, qty=5, price=1))[0].reason is R.UNKNOWN_ORDER  # type: ignore


# (replace kwargs for order 1, priority lost?, book of bids after)
REPLACES: list[tuple[str, dict[str, Any], bool, list[Any]]] = [
    ("decrease keeps priority", {"qty": 5, "price": 100}, False, [(100, 1, 5), (100, 2, 10)]),
    ("increase loses priority", {"qty": 15, "price": 100}, True, [(100, 2, 10), (100, 1, 15)]),
    ("price change loses priority", {"qty": 10, "price": 101}, True, [(101, 1, 10), (100, 2, 10)]),
]


@pytest.mark.parametrize("name,kw,lost,bids", REPLACES, ids=[c[0] for c in REPLACES])
def test_replace_priority(name: str, kw: dict[str, Any], lost: bool, bids: list[Any]) -> None:
    sim = Sim()
    sim.order(B, 10, 100, client_ref="a")
    sim.order(B, 10, 100)
    evs = sim.do(ReplaceOrder(order_id=1, client_ref="a2", **kw))
    rep = [e for e in evs if isinstance(e, Replaced)][0]
    assert rep.priority_lost is lost and rep.old_client_ref == "a"
    assert rep.order.client_ref == "a2"
    assert sim.book(B) == bids


def test_replace_to_filled_qty_ends_order_and_marketable_replace_trades() -> None:
    sim = Sim()
    sim.order(B, 10, 100)
    sim.order(S, 4, 100)
    evs = sim.do(ReplaceOrder(order_id=1, qty=3, price=100))
    assert kinds(evs) == ["Replaced"] and evs[0].leaves_qty == 0  # type: ignore[union-attr]
    assert sim.book(B) == [] and sim.engine.order(1) is None
    sim.order(S, 5, 102)
    sim.order(B, 5, 100)
    evs = sim.do(ReplaceOrder(order_id=4, qty=5, price=102))
    assert kinds(evs) == ["Replaced", "Trade"]
    assert trades(evs) == [(3, 4, 102, 5)]


def test_mass_cancel_by_firm_and_side() -> None:
    sim = Sim(Instrument(symbol="X"), Instrument(symbol="Y"))
    sim.order(B, 1, 90, firm="a")
    sim.order(S, 1, 110, firm="a")
    sim.order(B, 1, 90, firm="b")
    sim.order(B, 1, 90, firm="a", symbol="Y")
    evs = sim.do(MassCancel(firm="a", side=B))
    assert [c[0] for c in cancels(evs)] == [1, 4]
    done = [e for e in evs if isinstance(e, MassCancelled)]
    assert len(done) == 1 and done[0].cancelled == 2


# (mode, expected trades, expected cancels [(id, reason)], bids after)
STP: list[tuple[StpMode, list[Any], list[Any]]] = [
    (StpMode.OFF, [(1, 3, 100, 5)], []),
    (StpMode.CANCEL_RESTING, [(2, 3, 100, 5)], [(1, 5, CancelReason.SELF_TRADE)]),
    (StpMode.CANCEL_AGGRESSOR, [], [(3, 5, CancelReason.SELF_TRADE)]),
    (StpMode.CANCEL_BOTH, [], [(1, 5, CancelReason.SELF_TRADE), (3, 5, CancelReason.SELF_TRADE)]),
]


@pytest.mark.parametrize("mode,exp_trades,exp_cancels", STP)
def test_self_trade_prevention(
    mode: StpMode, exp_trades: list[Any], exp_cancels: list[Any]
) -> None:
    sim = Sim(stp_mode=mode)
    sim.order(S, 5, 100, firm="f")
    sim.order(S, 5, 100, firm="g")
    evs = sim.order(B, 5, 100, firm="f")
    assert trades(evs) == exp_trades
    assert cancels(evs) == exp_cancels


def test_iceberg_refills_at_back_of_queue() -> None:
    sim = Sim()
    sim.order(S, 10, 100, max_floor=3)
    sim.order(S, 5, 100)
    assert sim.engine.depth("X").asks[0].qty == 8  # displayed only
    evs = sim.order(B, 4, 100)
    assert trades(evs) == [(1, 3, 100, 3), (2, 3, 100, 1)]
    assert sim.book(S) == [(100, 2, 4), (100, 1, 7)]


def test_pro_rata_allocation() -> None:
    sim = Sim(Instrument(symbol="X", algorithm=Algorithm.PRO_RATA))
    sim.order(S, 10, 100)
    sim.order(S, 30, 100)
    sim.order(S, 60, 100)
    evs = sim.order(B, 15, 100)
    # floor(10*15/100)=1, floor(30*15/100)=4, floor(60*15/100)=9, remainder 1 -> order 1.
    assert trades(evs) == [(1, 4, 100, 2), (2, 4, 100, 4), (3, 4, 100, 9)]


def test_stops_trigger_in_id_order_and_cascade() -> None:
    sim = Sim()
    sim.order(S, 1, 100)
    sim.order(S, 1, 101)
    sim.order(S, 1, 102)
    sim.order(B, 1, ord_type=OrdType.STOP, stop_price=101)  # 4: triggers on 101
    sim.order(B, 1, ord_type=OrdType.STOP, stop_price=100)  # 5: triggers on 100
    sim.order(B, 1, 103, ord_type=OrdType.STOP_LIMIT, stop_price=102)  # 6: cascade
    evs = sim.order(B, 1, 100)
    # 100 triggers 5, whose trade at 101 triggers 4, whose trade at 102 triggers 6.
    assert [e.order.order_id for e in evs if isinstance(e, Triggered)] == [5, 4, 6]
    assert [t[1] for t in trades(evs)] == [7, 5, 4]
    assert sim.book(B) == [(103, 6, 1), (100, 7, 0)][:1]
    assert sim.engine.stats("X").last_price == 102
