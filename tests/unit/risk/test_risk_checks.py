"""Every pre-trade check below, at and above its limit, through a real venue engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from risk import Check, LimitBook, Limits, Reject, RiskEngine, SymbolLimits
from venue import commands as vc
from venue.engine import Engine
from venue.instruments import Instrument
from venue.types import OrdType, Side, TimeInForce

AT = datetime(2026, 1, 5, 12, tzinfo=UTC)
NOW = 1_790_000_000.0
INSTRUMENTS = [
    Instrument(symbol="AAPL", reference_price=Decimal("100"), band_pct=Decimal("20")),
    Instrument(symbol="MSFT", reference_price=Decimal("50"), band_pct=Decimal("20")),
]
WIDE = Limits(
    max_order_qty=10**9,
    max_order_notional=Decimal(10**15),
    collar_pct=Decimal("50"),
    credit_limit=Decimal(10**15),
    position_limit=10**9,
    throttle_msgs=10**6,
)


class Venue:
    """A venue engine with the risk engine in front of it."""

    def __init__(self, limits: Limits, **book: object) -> None:
        self.engine = Engine(INSTRUMENTS, retain_done=True)
        self.risk = RiskEngine(INSTRUMENTS, LimitBook(defaults=limits, **book))  # type: ignore[arg-type]

    def submit(self, cmd: vc.Command) -> list[object]:
        events = self.engine.submit(cmd, AT)
        self.risk.on_events(events)
        return list(events)

    def order(self, side: Side, qty: int, price: int | None, **kw: object) -> NewOrderResult:
        cmd = new(side, qty, price, **kw)
        verdict = self.risk.evaluate(cmd, kw.get("now", NOW))  # type: ignore[arg-type]
        if isinstance(verdict, Reject):
            return verdict
        self.submit(verdict)
        return verdict


NewOrderResult = vc.NewOrder | Reject


def new(side: Side, qty: int, price: int | None, **kw: object) -> vc.NewOrder:
    fields: dict[str, object] = {
        "symbol": "AAPL", "firm": "F1", "account": "A1", "owner": "S1",
        "ord_type": OrdType.LIMIT if price is not None else OrdType.MARKET,
    }  # fmt: skip
    fields.update({k: v for k, v in kw.items() if k != "now"})
    return vc.NewOrder(side=side, qty=qty, price=price, **fields)  # type: ignore[arg-type]


def outcome(result: NewOrderResult) -> str:
    return result.check.value if isinstance(result, Reject) else "ok"


# -- order size, collar ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "qty", "price", "expected"),
    [
        (replace(WIDE, max_order_qty=1000), 999, 10000, "ok"),
        (replace(WIDE, max_order_qty=1000), 1000, 10000, "ok"),
        (replace(WIDE, max_order_qty=1000), 1001, 10000, "order_qty"),
        (replace(WIDE, max_order_notional=Decimal(100000)), 999, 10000, "ok"),
        (replace(WIDE, max_order_notional=Decimal(100000)), 1000, 10000, "ok"),
        (replace(WIDE, max_order_notional=Decimal(100000)), 1001, 10000, "order_notional"),
        (replace(WIDE, max_order_notional=Decimal("100000.01")), 1, 10001, "ok"),
        (replace(WIDE, collar_pct=Decimal(5)), 10, 10499, "ok"),
        (replace(WIDE, collar_pct=Decimal(5)), 10, 10500, "ok"),
        (replace(WIDE, collar_pct=Decimal(5)), 10, 10501, "price_collar"),
        (replace(WIDE, collar_pct=Decimal(5)), 10, 9500, "ok"),
        (replace(WIDE, collar_pct=Decimal(5)), 10, 9499, "price_collar"),
        (replace(WIDE, collar_ticks=10), 10, 10010, "ok"),
        (replace(WIDE, collar_ticks=10), 10, 10011, "price_collar"),
        (replace(WIDE, collar_ticks=10), 10, 9989, "price_collar"),
    ],
)
def test_order_size_and_collar(limits: Limits, qty: int, price: int, expected: str) -> None:
    v = Venue(limits)
    for side in (Side.BUY, Side.SELL):
        assert outcome(v.risk.evaluate(new(side, qty, price), NOW)) == expected


def test_texts_name_the_check_the_limit_and_the_value() -> None:
    v = Venue(replace(WIDE, max_order_qty=1000, collar_pct=Decimal(5)))
    r = v.risk.evaluate(new(Side.BUY, 1001, 10000), NOW)
    assert isinstance(r, Reject) and r.text == (
        "risk order_qty: order quantity 1001 exceeds the maximum order quantity 1000"
    )
    r = v.risk.evaluate(new(Side.BUY, 1, 10600), NOW)
    assert isinstance(r, Reject) and r.text == (
        "risk price_collar: price 106.00 is outside the collar 95.00..105.00 "
        "(5% around the reference 100.00)"
    )


def test_collar_follows_the_last_trade() -> None:
    v = Venue(replace(WIDE, collar_pct=Decimal(5)))
    v.order(Side.SELL, 10, 10400, firm="F2", account="B")
    v.order(Side.BUY, 10, 10400)  # trades at 104.00: the new reference
    assert v.risk.reference("AAPL") == 10400
    assert outcome(v.risk.evaluate(new(Side.BUY, 1, 10920), NOW)) == "ok"  # 104 + 5.20
    assert outcome(v.risk.evaluate(new(Side.BUY, 1, 10921), NOW)) == "price_collar"


def test_per_symbol_limits_tighten_and_replace_the_collar() -> None:
    sym = {"MSFT": SymbolLimits(max_order_qty=10, collar_ticks=5)}
    v = Venue(replace(WIDE, max_order_qty=1000), symbols=sym)
    assert outcome(v.risk.evaluate(new(Side.BUY, 11, 5000, symbol="MSFT"), NOW)) == "order_qty"
    assert outcome(v.risk.evaluate(new(Side.BUY, 10, 5005, symbol="MSFT"), NOW)) == "ok"
    assert outcome(v.risk.evaluate(new(Side.BUY, 10, 5006, symbol="MSFT"), NOW)) == ("price_collar")
    assert outcome(v.risk.evaluate(new(Side.BUY, 1000, 10000), NOW)) == "ok"


def test_account_limits_override_the_firm() -> None:
    book = {
        "firms": {"F1": replace(WIDE, max_order_qty=100)},
        "accounts": {"A9": replace(WIDE, max_order_qty=5)},
    }
    v = Venue(WIDE, **book)
    assert outcome(v.risk.evaluate(new(Side.BUY, 100, 10000), NOW)) == "ok"
    assert outcome(v.risk.evaluate(new(Side.BUY, 101, 10000), NOW)) == "order_qty"
    assert outcome(v.risk.evaluate(new(Side.BUY, 6, 10000, account="A9"), NOW)) == "order_qty"
    assert outcome(v.risk.evaluate(new(Side.BUY, 101, 10000, firm="F2"), NOW)) == "ok"


# -- market orders -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "tif", "price", "new_tif"),
    [
        (Side.BUY, TimeInForce.DAY, 10500, TimeInForce.IOC),
        (Side.SELL, TimeInForce.DAY, 9500, TimeInForce.IOC),
        (Side.BUY, TimeInForce.IOC, 10500, TimeInForce.IOC),
        (Side.SELL, TimeInForce.FOK, 9500, TimeInForce.FOK),
    ],
)
def test_market_order_becomes_a_protective_limit(
    side: Side, tif: TimeInForce, price: int, new_tif: TimeInForce
) -> None:
    v = Venue(replace(WIDE, collar_pct=Decimal(5)))
    out = v.risk.evaluate(new(side, 10, None, tif=tif), NOW)
    assert isinstance(out, vc.NewOrder)
    assert (out.ord_type, out.price, out.tif) == (OrdType.LIMIT, price, new_tif)


def test_market_order_trades_only_inside_the_collar_and_never_rests() -> None:
    v = Venue(replace(WIDE, collar_pct=Decimal(5)), firms={"F2": WIDE})
    v.order(Side.SELL, 10, 10400, firm="F2", account="B")
    v.order(Side.SELL, 10, 10600, firm="F2", account="B")  # outside the collar
    v.order(Side.BUY, 30, None)
    assert v.engine.bbo("AAPL").ask_price == 10600  # 104.00 traded, 106.00 did not
    assert v.engine.bbo("AAPL").bid_price is None  # the rest was cancelled


def test_market_order_without_any_reference_is_refused() -> None:
    inst = [Instrument(symbol="NEW")]
    risk = RiskEngine(inst, LimitBook(defaults=WIDE))
    r = risk.evaluate(new(Side.BUY, 1, None, symbol="NEW"), NOW)
    assert isinstance(r, Reject) and r.check is Check.COLLAR and "no reference" in r.text


# -- credit and position -----------------------------------------------------------------


@pytest.mark.parametrize(("qty", "expected"), [(999, "ok"), (1000, "ok"), (1001, "credit")])
def test_credit_counts_open_and_filled_notional(qty: int, expected: str) -> None:
    v = Venue(replace(WIDE, credit_limit=Decimal(400000)), firms={"F2": WIDE})
    v.order(Side.SELL, 1000, 10000, firm="F2", account="B")
    v.order(Side.BUY, 1000, 10000)  # filled: 100000
    v.order(Side.BUY, 2000, 9000)  # open: 180000 -> used 280000
    assert v.risk.exposure.used_credit("F1") == 280_000 * 10**6
    r = v.risk.evaluate(new(Side.SELL, qty, 12000), NOW)  # 120000 at 1000
    assert outcome(r) == expected
    if expected == "credit":
        assert isinstance(r, Reject)
        assert r.text == (
            "risk credit: open + filled notional 400120.00 would exceed the credit limit "
            "400000.00 of firm F1"
        )


@pytest.mark.parametrize(
    ("side", "qty", "expected"),
    [
        (Side.BUY, 199, "ok"),
        (Side.BUY, 200, "ok"),
        (Side.BUY, 201, "position"),
        (Side.SELL, 1000 + 600 - 1, "ok"),
        (Side.SELL, 1000 + 600, "ok"),
        (Side.SELL, 1000 + 600 + 1, "position"),
    ],
)
def test_position_after_full_fill_of_open_orders(side: Side, qty: int, expected: str) -> None:
    v = Venue(replace(WIDE, position_limit=1000), firms={"F2": WIDE})
    v.order(Side.SELL, 600, 10000, firm="F2", account="B")
    v.order(Side.BUY, 600, 10000)  # long 600
    v.order(Side.BUY, 200, 9900)  # open buy 200 -> worst long 800
    assert outcome(v.risk.evaluate(new(side, qty, 10000), NOW)) == expected


# -- lists, kill switch, throttle, duplicates -----------------------------------------------


def test_restricted_list_and_short_sale_restriction() -> None:
    lim = replace(
        WIDE, restricted_symbols=frozenset({"MSFT"}), short_sale_restricted=frozenset({"AAPL"})
    )
    v = Venue(lim)
    r = v.risk.evaluate(new(Side.BUY, 1, 5000, symbol="MSFT"), NOW)
    assert isinstance(r, Reject) and r.text == (
        "risk restricted_list: MSFT is on the restricted list of account A1"
    )
    r = v.risk.evaluate(new(Side.SELL, 1, 10000, short_sale=True), NOW)
    assert isinstance(r, Reject) and r.check is Check.SHORT_SALE
    assert outcome(v.risk.evaluate(new(Side.SELL, 1, 10000), NOW)) == "ok"
    assert outcome(v.risk.evaluate(new(Side.SELL, 1, 5000, symbol="MSFT", account="A2"), NOW))


def test_kill_switch_per_firm_and_account() -> None:
    v = Venue(WIDE)
    v.risk.kill(firm="F1")
    r = v.risk.evaluate(new(Side.BUY, 1, 10000), NOW)
    assert (
        isinstance(r, Reject)
        and r.text == "risk kill_switch: firm F1 is blocked by the kill switch"
    )
    assert outcome(v.risk.evaluate(new(Side.BUY, 1, 10000, firm="F2"), NOW)) == "ok"
    assert v.risk.release(firm="F1") and not v.risk.release(firm="F1")
    assert outcome(v.risk.evaluate(new(Side.BUY, 1, 10000), NOW)) == "ok"
    v.risk.kill(account="A1")
    assert outcome(v.risk.evaluate(new(Side.BUY, 1, 10000), NOW)) == "kill_switch"
    assert outcome(v.risk.evaluate(new(Side.BUY, 1, 10000, account="A2"), NOW)) == "ok"


def test_throttle_sliding_window() -> None:
    v = Venue(replace(WIDE, throttle_msgs=3, throttle_window_s=1.0))
    r = v.risk
    assert [r.admit_message("S1", "F1", NOW + t) is None for t in (0, 0.1, 0.2, 0.3)] == [
        True, True, True, False,
    ]  # fmt: skip
    assert r.admit_message("S2", "F1", NOW + 0.3) is None  # per session
    bad = r.admit_message("S1", "F1", NOW + 0.99)
    assert isinstance(bad, Reject) and bad.text == (
        "risk throttle: more than 3 messages in 1 s (limit 3 per 1 s)"
    )
    assert r.admit_message("S1", "F1", NOW + 1.0) is None  # the first one left the window
    assert r.admit_message("S1", "F1", NOW + 1.12) is None
    assert r.admit_message("S1", "F1", NOW + 1.15) is not None


@pytest.mark.parametrize(("later", "expected"), [(0.5, "duplicate_order"), (1.0, "ok")])
def test_duplicate_detection_within_the_window(later: float, expected: str) -> None:
    v = Venue(replace(WIDE, duplicate_window_s=1.0))
    assert outcome(v.order(Side.BUY, 10, 10000, now=NOW)) == "ok"
    assert outcome(v.order(Side.BUY, 10, 10000, now=NOW + later)) == expected
    assert outcome(v.order(Side.BUY, 11, 10000, now=NOW + 0.1)) == "ok"  # other qty
    assert outcome(v.order(Side.SELL, 10, 10000, now=NOW + 0.1, firm="F3")) == "ok"


def test_duplicates_are_not_checked_when_off() -> None:
    v = Venue(WIDE)
    assert outcome(v.order(Side.BUY, 10, 9000)) == "ok"
    assert outcome(v.order(Side.BUY, 10, 9000)) == "ok"


# -- replaces, counters -----------------------------------------------------------------------


def test_replace_checks() -> None:
    lim = replace(
        WIDE,
        max_order_qty=1000,
        collar_pct=Decimal(5),
        credit_limit=Decimal(150000),
        position_limit=1200,
    )
    v = Venue(lim)
    v.order(Side.BUY, 1000, 10000)
    oid = next(iter(v.risk.exposure.orders))

    def rep(qty: int, price: int) -> str:
        r = v.risk.check_replace(vc.ReplaceOrder(order_id=oid, qty=qty, price=price), NOW)
        return "ok" if r is None else r.check.value

    assert rep(1001, 10000) == "order_qty"
    assert rep(1000, 10501) == "price_collar"
    assert rep(1000, 10500) == "ok"  # 105000: credit 150000 holds
    assert rep(1000, 9600) == "ok"
    v.order(Side.BUY, 200, 10000)  # open 120000; worst long 1200
    assert rep(1000, 10500) == "ok"  # +5000 -> 125000
    assert rep(1300, 10000) == "order_qty"
    v2 = Venue(replace(lim, credit_limit=Decimal(10**9)))
    v2.order(Side.BUY, 1000, 10000)
    v2.order(Side.BUY, 200, 10000)
    oid2 = next(iter(v2.risk.exposure.orders))
    r = v2.risk.check_replace(vc.ReplaceOrder(order_id=oid2, qty=1001, price=10000), NOW)
    assert r is not None and r.check is Check.ORDER_QTY
    v3 = Venue(replace(lim, max_order_qty=5000, credit_limit=Decimal(10**9)))
    v3.order(Side.BUY, 1000, 10000)
    v3.order(Side.BUY, 200, 10000)
    oid3 = next(iter(v3.risk.exposure.orders))
    ok = v3.risk.check_replace(vc.ReplaceOrder(order_id=oid3, qty=1000, price=10000), NOW)
    too_long = v3.risk.check_replace(vc.ReplaceOrder(order_id=oid3, qty=1001, price=10000), NOW)
    assert ok is None and too_long is not None and too_long.check is Check.POSITION
    v3.risk.kill(firm="F1")
    killed = v3.risk.check_replace(vc.ReplaceOrder(order_id=oid3, qty=10, price=10000), NOW)
    assert killed is not None and killed.check is Check.KILL_SWITCH


def test_credit_on_replace() -> None:
    v = Venue(replace(WIDE, credit_limit=Decimal(150000)))
    v.order(Side.BUY, 1000, 10000)
    oid = next(iter(v.risk.exposure.orders))
    r = v.risk.check_replace(vc.ReplaceOrder(order_id=oid, qty=1500, price=10000), NOW)
    assert r is None
    r = v.risk.check_replace(vc.ReplaceOrder(order_id=oid, qty=1501, price=10000), NOW)
    assert r is not None and r.check is Check.CREDIT


def test_counts_by_check_and_outcome() -> None:
    v = Venue(replace(WIDE, max_order_qty=10, restricted_symbols=frozenset({"MSFT"})))
    v.risk.evaluate(new(Side.BUY, 1, 10000), NOW)
    v.risk.evaluate(new(Side.BUY, 11, 10000), NOW)
    v.risk.evaluate(new(Side.BUY, 1, 5000, symbol="MSFT"), NOW)
    c = v.risk.counts()
    assert c[("restricted_list", "reject")] == 1 and c[("restricted_list", "pass")] == 2
    assert c[("order_qty", "reject")] == 1 and c[("order_qty", "pass")] == 1
    assert c[("position", "pass")] == 1 and c[("position", "reject")] == 0
    assert c[("kill_switch", "pass")] == 3


def test_reload_keeps_exposure_and_applies_new_limits() -> None:
    v = Venue(WIDE)
    v.order(Side.BUY, 100, 10000)
    v.risk.set_limits(LimitBook(defaults=replace(WIDE, max_order_qty=5)))
    assert outcome(v.risk.evaluate(new(Side.BUY, 6, 10000), NOW)) == "order_qty"
    assert v.risk.exposure.open_buy == {("F1", "A1", "AAPL"): 100}
