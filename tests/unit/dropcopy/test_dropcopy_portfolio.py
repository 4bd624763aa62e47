"""Portfolio P&L against hand-computed cases: partial fills, several prices, flips, fees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dropcopy.portfolio import Fill, Portfolio, PositionView

D = Decimal


def fill(buy: bool, qty: int, px: str, *, account: str = "A1", symbol: str = "AAPL", maker=None):
    return Fill(
        firm="F1", account=account, symbol=symbol, buy=buy, qty=qty, price=D(px), maker=maker
    )


def run(method: str, *fills: Fill, **fees: Decimal) -> Portfolio:
    p = Portfolio(method, **fees)  # type: ignore[arg-type]
    for f in fills:
        p.apply(f)
    return p


def only(p: Portfolio) -> PositionView:
    (view,) = p.positions()
    return view


# buy 60@10 + 40@10 (one order, two partial fills), buy 50@12, sell 120@11
PARTIALS = (
    fill(True, 60, "10"),
    fill(True, 40, "10"),
    fill(True, 50, "12"),
    fill(False, 120, "11"),
)


def test_fifo_partial_fills_several_prices() -> None:
    v = only(run("fifo", *PARTIALS))
    # closes 100@10 (+100) then 20@12 (-20); 30 left at 12, marked at 11
    assert (v.qty, v.avg_cost, v.last_price) == (30, D(12), D(11))
    assert (v.realized_pnl, v.unrealized_pnl, v.net_pnl) == (D(80), D(-30), D(50))
    assert (v.bought_qty, v.sold_qty, v.volume, v.fills) == (150, 120, 270, 4)
    assert v.notional == D(1000 + 600 + 1320)


def test_average_cost_partial_fills_several_prices() -> None:
    v = only(run("average-cost", *PARTIALS))
    # average 1600/150 = 10.666..; realized 120 * (11 - 32/3) = 40; 30 left at 32/3 (cost 320)
    assert v.qty == 30 and v.avg_cost == D("10.66666667")
    assert (v.realized_pnl, v.unrealized_pnl) == (D(40), D(10))


@pytest.mark.parametrize("method", ["fifo", "average-cost"])
def test_flip_long_to_short_and_back_partially(method: str) -> None:
    p = run(method, fill(True, 100, "10"), fill(False, 150, "12"))
    v = only(p)
    assert (v.qty, v.avg_cost, v.realized_pnl, v.unrealized_pnl) == (-50, D(12), D(200), D(0))
    p.apply(fill(True, 20, "13"))  # buys back 20 of the short at a loss of 1 each
    v = only(p)
    assert (v.qty, v.avg_cost, v.last_price) == (-30, D(12), D(13))
    assert (v.realized_pnl, v.unrealized_pnl, v.net_pnl) == (D(180), D(-30), D(150))


@pytest.mark.parametrize("method", ["fifo", "average-cost"])
def test_flip_short_to_long_and_flat(method: str) -> None:
    p = run(method, fill(False, 40, "20"), fill(True, 100, "18"))
    v = only(p)
    assert (v.qty, v.avg_cost, v.realized_pnl, v.unrealized_pnl) == (60, D(18), D(80), D(0))
    p.apply(fill(False, 60, "18.50"))
    v = only(p)
    assert (v.qty, v.avg_cost, v.realized_pnl, v.unrealized_pnl) == (0, None, D(110), D(0))


def test_fifo_and_average_differ_after_a_partial_close_at_several_prices() -> None:
    fills = (fill(True, 10, "1.00"), fill(True, 10, "2.00"), fill(False, 5, "3.00"))
    fifo, avg = only(run("fifo", *fills)), only(run("average-cost", *fills))
    # FIFO closes 5 of the 1.00 lot: +10; left 5@1 + 10@2 (cost 25 for 15), marked at 3: +20
    assert (fifo.realized_pnl, fifo.avg_cost, fifo.unrealized_pnl) == (
        D(10), D("1.66666667"), D(20),
    )  # fmt: skip
    # average cost 1.5: realized 5 * 1.5 = 7.5; left 15 at 1.5, marked at 3: +22.5
    assert (avg.realized_pnl, avg.avg_cost, avg.unrealized_pnl) == (D("7.5"), D("1.5"), D("22.5"))
    # the total P&L does not depend on the method
    assert fifo.net_pnl == avg.net_pnl == D(30)


def test_fees_maker_rebate_and_taker_fee_in_bps() -> None:
    p = run(
        "fifo",
        fill(True, 100, "10", maker=True),
        fill(False, 100, "11", maker=False),
        maker_fee_bps=D("-0.5"),
        taker_fee_bps=D("2"),
    )
    v = only(p)
    # maker: 1000 * -0.5 bp = -0.05; taker: 1100 * 2 bp = 0.22
    assert v.fees == D("0.17") and v.realized_pnl == D(100) and v.net_pnl == D("99.83")


def test_positions_per_account_and_symbol_marked_to_each_symbols_last_trade() -> None:
    p = run(
        "fifo",
        fill(True, 10, "100", account="A1"),
        fill(False, 10, "100", account="A2"),
        fill(True, 5, "50", symbol="MSFT"),
        fill(True, 1, "101", account="A3"),  # the last AAPL trade: every AAPL position marks at it
    )
    views = {(v.account, v.symbol): v for v in p.positions()}
    assert views["A1", "AAPL"].unrealized_pnl == D(10)
    assert views["A2", "AAPL"].unrealized_pnl == D(-10)
    assert views["A1", "MSFT"].unrealized_pnl == D(0)
    assert [v.account for v in p.positions(account="A2")] == ["A2"]
    assert sum(v.qty for v in p.positions() if v.symbol == "AAPL") == 1


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError):
        Portfolio("lifo")  # type: ignore[arg-type]
