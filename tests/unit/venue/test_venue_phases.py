"""Phases, auctions, expiry, market data and recovery; invariants after every command."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from venue_helpers import NOW, B, S, Sim, kinds, trades

from venue.auction import uncross_price
from venue.commands import (
    AdvanceTime,
    EndOfDay,
    ExpireOrders,
    Halt,
    NewOrder,
    ReplaceOrder,
    Resume,
    SetPhase,
)
from venue.engine import Engine
from venue.events import AuctionResult, BookChanged, Expired, PhaseChanged, Rejected, Replaced
from venue.instruments import Instrument, ScheduleEntry
from venue.phases import IllegalTransition
from venue.types import OrderStatus, OrdType, Phase, RejectReason, TimeInForce

pytestmark = pytest.mark.timeout(60)


def test_pre_open_collects_then_opening_auction_uncrosses() -> None:
    sim = Sim(Instrument(symbol="X", initial_phase=Phase.PRE_OPEN, reference_price=Decimal("1.00")))
    sim.order(B, 10, 102)
    sim.order(S, 6, 99)
    sim.order(S, 6, 101)
    sim.order(B, 5, 98, tif=TimeInForce.AT_OPEN)
    assert trades(sim.events) == []  # nothing matches before the auction
    sim.do(SetPhase(symbol="X", phase=Phase.OPENING_AUCTION))
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CONTINUOUS))
    res = [e for e in evs if isinstance(e, AuctionResult)][0]
    # 101: buy 10, sell 12 -> 10; 102: same volume, bigger imbalance? both 10/12 ->
    # tie broken by distance to the reference 100 -> 101.
    assert (res.price, res.volume) == (101, 10)
    assert all(t[2] == 101 for t in trades(evs)) and sum(t[3] for t in trades(evs)) == 10
    assert [e.order.order_id for e in evs if isinstance(e, Expired)] == [4]  # AT_OPEN left
    assert sim.engine.stats("X").open == 101


@pytest.mark.parametrize(
    "bids,asks,ref,price,volume",
    [
        ([(100, 10)], [(100, 10)], None, 100, 10),
        ([(102, 10), (101, 5)], [(100, 8), (101, 8)], None, 101, 15),
        ([(99, 10)], [(100, 10)], None, None, 0),
        ([(105, 10)], [(100, 10)], 103, 103, 0),  # no order at 103: candidates are 100, 105
    ],
)
def test_uncross_price(
    bids: list[tuple[int, int]],
    asks: list[tuple[int, int]],
    ref: int | None,
    price: int | None,
    volume: int,
) -> None:
    e = Engine([Instrument(symbol="X", initial_phase=Phase.PRE_OPEN)])
    for p, q in bids:
        e.submit(NewOrder(symbol="X", side=B, qty=q, price=p), NOW)
    for p, q in asks:
        e.submit(NewOrder(symbol="X", side=S, qty=q, price=p), NOW)
    u = uncross_price(e.book("X"), ref)
    if price == 103:  # equal volume and imbalance: the candidate closest to 103
        assert (u.price, u.volume) == (105, 10)
    else:
        assert (u.price, u.volume) == (price, volume)


def test_halt_rejects_then_resume_through_auction() -> None:
    sim = Sim()
    sim.order(S, 5, 100)
    sim.do(Halt(symbol="X"))
    evs = sim.order(B, 5, 100)
    assert isinstance(evs[0], Rejected) and evs[0].reason is RejectReason.TRADING_HALTED
    sim.do(Resume(symbol="X"))
    assert sim.engine.phase("X") is Phase.REOPENING_AUCTION
    assert trades(sim.order(B, 5, 101)) == []
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CONTINUOUS))
    assert trades(evs) == [(1, 2, 100, 5)]
    with pytest.raises(IllegalTransition):
        sim.do(SetPhase(symbol="X", phase=Phase.OPENING_AUCTION))


def test_closing_auction_at_close_orders_and_day_expiry() -> None:
    sim = Sim()
    sim.order(B, 5, 100, tif=TimeInForce.DAY)
    sim.order(B, 5, 90, tif=TimeInForce.GTC)
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # waits outside the book
    assert sim.book(S) == []
    sim.do(SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION))
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CLOSED))
    assert trades(evs) == [(1, 3, 100, 5)]
    assert sim.book(B) == [(90, 2, 5)]  # GTC survives the close
    assert sim.engine.stats("X").close == 100
    evs = sim.order(B, 5, 100)
    assert isinstance(evs[0], Rejected) and evs[0].reason is RejectReason.MARKET_CLOSED


def test_gtd_and_day_expiry() -> None:
    sim = Sim()
    sim.order(B, 5, 100, tif=TimeInForce.GTD, expire_at=NOW + timedelta(minutes=1))
    sim.order(B, 5, 99)
    assert sim.do(ExpireOrders(), NOW + timedelta(seconds=59)) == []
    evs = sim.do(ExpireOrders(), NOW + timedelta(minutes=1))
    assert [e.order.order_id for e in evs if isinstance(e, Expired)] == [1]
    evs = sim.do(EndOfDay())
    assert [e.order.order_id for e in evs if isinstance(e, Expired)] == [2]


def test_schedule_drives_phases() -> None:
    sched = (
        ScheduleEntry(at=time(8), phase=Phase.PRE_OPEN),
        ScheduleEntry(at=time(9), phase=Phase.OPENING_AUCTION),
        ScheduleEntry(at=time(9, 5), phase=Phase.CONTINUOUS),
        ScheduleEntry(at=time(17), phase=Phase.CLOSING_AUCTION),
        ScheduleEntry(at=time(17, 5), phase=Phase.CLOSED),
    )
    sim = Sim(Instrument(symbol="X", schedule=sched, initial_phase=Phase.CLOSED))
    day = NOW.replace(hour=0)
    sim.do(AdvanceTime(), day)
    evs = sim.do(AdvanceTime(), day.replace(hour=10))
    assert [e.new for e in evs if isinstance(e, PhaseChanged)] == [
        Phase.PRE_OPEN,
        Phase.OPENING_AUCTION,
        Phase.CONTINUOUS,
    ]


def test_market_data_views_and_events() -> None:
    sim = Sim()
    evs = sim.order(S, 5, 101)
    assert [(e.side, e.price, e.qty) for e in evs if isinstance(e, BookChanged)] == [(S, 101, 5)]
    sim.order(S, 5, 102)
    sim.order(B, 5, 99)
    sim.order(B, 7, 102)
    bbo = sim.engine.bbo("X")
    assert (bbo.bid_price, bbo.bid_qty, bbo.ask_price, bbo.ask_qty) == (99, 5, 102, 3)
    st = sim.engine.stats("X")
    assert (st.volume, st.open, st.high, st.low, st.last_price) == (7, 101, 102, 101, 102)
    assert st.vwap == Fraction(505 + 204, 7) and len(st.tape) == 2
    assert [lv.price for lv in sim.engine.depth("X", 1).bids] == [99]
    seqs = [e.seq for e in sim.events]
    assert seqs == list(range(1, len(seqs) + 1))


def test_auction_uncross_reports_every_level_it_changes() -> None:
    sim = Sim(Instrument(symbol="X", initial_phase=Phase.PRE_OPEN))
    sim.order(B, 10, 102)
    sim.order(S, 6, 99)
    sim.order(S, 6, 101)
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CONTINUOUS))  # uncross at 101
    assert [(e.side, e.price, e.qty, e.orders) for e in evs if isinstance(e, BookChanged)] == [
        (B, 102, 0, 0),
        (S, 99, 0, 0),
        (S, 101, 2, 1),
    ]


def test_level_created_and_gone_in_one_command_is_not_reported() -> None:
    sim = Sim()
    sim.order(S, 1, 96, ord_type=OrdType.STOP_LIMIT, stop_price=96)  # 1
    sim.order(S, 7, 96)  # 2
    # 3 takes 2, rests 1 at 96 and triggers 1, which takes that 1: the bid level at 96
    # never shows.
    evs = sim.order(B, 8, 96)
    assert trades(evs) == [(2, 3, 96, 7), (3, 1, 96, 1)]
    assert [(e.side, e.price, e.qty) for e in evs if isinstance(e, BookChanged)] == [(S, 96, 0)]


def test_restore_is_silent_and_continues_identically() -> None:
    a = Sim()
    a.order(S, 10, 100, max_floor=3)
    a.order(S, 5, 100)
    a.order(B, 4, 100)
    a.order(B, 2, ord_type=OrdType.STOP, stop_price=101)
    snap = a.engine.snapshot()
    b = Engine([Instrument(symbol="X")])
    b.restore(snap)
    b.check_invariants()
    cmd = NewOrder(symbol="X", side=B, qty=20, price=101)
    assert b.submit(cmd, NOW) == a.engine.submit(cmd, NOW)
    assert kinds(b.submit(cmd, NOW))[0] == "Accepted"


def test_closing_auction_keeps_time_priority_of_at_close_orders() -> None:
    sim = Sim()
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # 1: waits outside the book
    sim.order(S, 5, 100)  # 2: rests, newer than 1
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # 3: newer than 2
    sim.do(SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION))  # invariants checked
    assert [o for _, o, _ in sim.book(S)] == [1, 2, 3]
    sim.order(B, 7, 100)  # 4
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CLOSED))
    # The older at-the-close order fills first, then the regular order, in time priority.
    assert trades(evs) == [(1, 4, 100, 5), (2, 4, 100, 2)]


def test_closing_auction_orders_replaced_while_waiting_join_by_priority() -> None:
    sim = Sim()
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # 1
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # 2
    sim.order(S, 5, 100)  # 3
    sim.do(ReplaceOrder(order_id=1, qty=6, price=100))  # 1 loses its priority
    sim.do(SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION))
    assert [o for _, o, _ in sim.book(S)] == [2, 3, 1]


def test_waiting_at_close_order_keeps_priority_when_the_replace_keeps_it() -> None:
    sim = Sim()
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # 1: waits outside the book
    sim.order(S, 5, 100)  # 2: rests, newer than 1
    prio = sim.engine.order(1).priority  # type: ignore[union-attr]
    evs = sim.do(ReplaceOrder(order_id=1, qty=3, price=100))  # quantity decrease
    rep = [e for e in evs if isinstance(e, Replaced)]
    assert [(e.leaves_qty, e.priority_lost) for e in rep] == [(3, False)]
    view = sim.engine.order(1)
    assert view is not None and view.priority == prio and view.status is OrderStatus.PENDING_AUCTION
    sim.do(SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION))
    assert sim.book(S) == [(100, 1, 3), (100, 2, 5)]
    sim.order(B, 4, 100)  # 3
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CLOSED))
    assert trades(evs) == [(1, 3, 100, 3), (2, 3, 100, 1)]


@pytest.mark.parametrize(
    "qty,price",
    [(6, 100), (5, 101)],  # quantity increase, price change
)
def test_waiting_at_close_order_loses_priority_when_the_replace_loses_it(
    qty: int, price: int
) -> None:
    sim = Sim()
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # 1
    sim.order(S, 5, price)  # 2: rests at the replaced price, newer than 1
    prio = sim.engine.order(1).priority  # type: ignore[union-attr]
    evs = sim.do(ReplaceOrder(order_id=1, qty=qty, price=price))
    assert [e.priority_lost for e in evs if isinstance(e, Replaced)] == [True]
    view = sim.engine.order(1)
    assert view is not None and view.priority > prio
    assert view.status is OrderStatus.PENDING_AUCTION
    sim.do(SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION))
    assert [o for _, o, _ in sim.book(S)] == [2, 1]


@pytest.mark.parametrize("start", [Phase.PRE_OPEN, Phase.OPENING_AUCTION])
def test_at_open_orders_take_part_in_the_reopening_auction_after_a_halted_opening(
    start: Phase,
) -> None:
    sim = Sim(Instrument(symbol="X", initial_phase=Phase.PRE_OPEN))
    sim.order(B, 5, 100, tif=TimeInForce.AT_OPEN)  # 1
    sim.order(B, 5, 99, tif=TimeInForce.AT_OPEN)  # 2: does not cross
    sim.order(S, 3, 100)  # 3
    sim.order(S, 5, 101)  # 4
    if start is Phase.OPENING_AUCTION:
        sim.do(SetPhase(symbol="X", phase=Phase.OPENING_AUCTION))
    evs = sim.do(Halt(symbol="X"))  # the opening is interrupted: no uncross, no expiry
    assert trades(evs) == [] and not [e for e in evs if isinstance(e, Expired)]
    sim.do(Resume(symbol="X"))
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CONTINUOUS))
    assert [e.phase for e in evs if isinstance(e, AuctionResult)] == [Phase.REOPENING_AUCTION]
    assert trades(evs) == [(1, 3, 100, 3)]
    # The unfilled rest of the at-the-open orders expires after that uncross.
    assert [(e.order.order_id, e.expired_qty) for e in evs if isinstance(e, Expired)] == [
        (1, 2),
        (2, 5),
    ]
    assert sim.book(B) == []
    assert trades(sim.order(S, 5, 99)) == []  # nothing left to trade with in continuous
    assert sim.book(S) == [(99, 5, 5), (101, 4, 5)]


def test_at_close_orders_wait_again_when_a_halt_interrupts_the_closing_auction() -> None:
    sim = Sim()
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # 1: waits outside the book
    sim.order(S, 5, 100)  # 2: rests, newer than 1
    sim.do(SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION))
    sim.order(S, 4, 101, tif=TimeInForce.AT_CLOSE)  # 3: entered in the auction, rests
    assert sim.book(S) == [(100, 1, 5), (100, 2, 5), (101, 3, 4)]
    evs = sim.do(Halt(symbol="X"))
    assert trades(evs) == [] and not [e for e in evs if isinstance(e, Expired)]
    # The at-the-close orders leave the book and wait again for a closing auction.
    assert sim.book(S) == [(100, 2, 5)]
    assert [(e.side, e.price, e.qty, e.orders) for e in evs if isinstance(e, BookChanged)] == [
        (S, 100, 5, 1),
        (S, 101, 0, 0),
    ]
    for oid in (1, 3):
        view = sim.engine.order(oid)
        assert view is not None and view.status is OrderStatus.PENDING_AUCTION
    sim.do(Resume(symbol="X"))
    sim.order(B, 5, 100)  # 4
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CONTINUOUS))
    # The re-opening uncross: only the regular order trades.
    assert trades(evs) == [(2, 4, 100, 5)]
    assert sim.book(B) == [] and sim.book(S) == []
    sim.order(S, 5, 100)  # 5: rests in continuous trading, newer than 1
    sim.do(SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION))
    # Back on the book with their time priority: 1 ahead of the newer 5.
    assert sim.book(S) == [(100, 1, 5), (100, 5, 5), (101, 3, 4)]
    sim.order(B, 12, 101)  # 6
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CLOSED))
    assert trades(evs) == [(1, 6, 101, 5), (5, 6, 101, 5), (3, 6, 101, 2)]


def test_at_close_orders_of_a_halted_closing_auction_expire_at_the_close() -> None:
    sim = Sim()
    sim.order(S, 5, 100, tif=TimeInForce.AT_CLOSE)  # 1
    sim.order(B, 5, 100)  # 2
    sim.do(SetPhase(symbol="X", phase=Phase.CLOSING_AUCTION))
    sim.do(Halt(symbol="X"))
    evs = sim.do(SetPhase(symbol="X", phase=Phase.CLOSED))
    assert trades(evs) == []
    assert [(e.order.order_id, e.expired_qty) for e in evs if isinstance(e, Expired)] == [
        (1, 5),
        (2, 5),
    ]
