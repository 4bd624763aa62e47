"""Reconciliation: the venue's trades, the trade reports and the portfolio must agree.

Role: three independent views of the same trading, compared per symbol:
- the venue's trades (the trades table: one row per match);
- the trade reports (the export rows: trades joined with the orders of both sides);
- the fills (the executions table: one maker and one taker fill per match) and the
  portfolio built from them (dropcopy.portfolio).
Each view is streamed once; memory is one small record per symbol (plus the positions).

Invariants checked (a violation is a `problem`; none = the books agree):
- trade reports == trades: count, quantity and notional, and every report names the firm
  and account of both sides;
- maker fills == taker fills == trades: count, quantity and notional;
- portfolio: bought == sold == traded quantity and notional; net positions sum to zero;
  every fill belongs to a known firm and account.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Engine

from dropcopy import queries, regulatory
from dropcopy.portfolio import Method, Portfolio


@dataclass(slots=True)
class Tally:
    """Count, quantity and notional of one view of one symbol."""

    count: int = 0
    qty: int = 0
    notional: Decimal = Decimal(0)

    def add(self, qty: int, price: Decimal) -> None:
        self.count += 1
        self.qty += qty
        self.notional += qty * price

    def __str__(self) -> str:
        return f"{self.count} x, qty {self.qty}, notional {self.notional}"


@dataclass(slots=True)
class Result:
    """What was compared (one line per symbol and view) and what disagreed."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _views() -> defaultdict[str, Tally]:
    return defaultdict(Tally)


def reconcile(
    engine: Engine,
    tables: queries.Tables,
    *,
    venue: str,
    method: Method = "fifo",
) -> Result:
    trades, reports, maker, taker = _views(), _views(), _views(), _views()
    result = Result()
    for src in queries.trade_reports(engine, tables):
        symbol, price, qty = str(src[2]), Decimal(str(src[3])), int(src[4])  # type: ignore[call-overload]
        trades[symbol].add(qty, price)
        report = regulatory.trade_report(src, venue=venue, currencies={})
        reports[str(report["symbol"])].add(int(report["quantity"]), Decimal(str(report["price"])))  # type: ignore[call-overload]
        missing = [
            k
            for k in ("buyer_firm", "buyer_account", "seller_firm", "seller_account")
            if not report[k]
        ]
        if missing:
            result.problems.append(
                f"trade {report['trade_id']}: no {', '.join(missing)} (order row missing)"
            )
    portfolio = Portfolio(method)
    for fill, exec_id in queries.fills(engine, tables):
        if fill.maker is None:
            result.problems.append(f"fill {exec_id}: neither a maker (.M) nor a taker (.T) fill")
        (maker if fill.maker else taker)[fill.symbol].add(fill.qty, fill.price)
        if not fill.firm or not fill.account:
            result.problems.append(f"fill {exec_id}: order row missing (no firm/account)")
        portfolio.apply(fill)
    bought, sold = _views(), _views()
    net: defaultdict[str, int] = defaultdict(int)
    for pos in portfolio.book.values():
        bought[pos.symbol].qty += pos.bought_qty
        bought[pos.symbol].notional += _dec(pos.bought_notional)
        sold[pos.symbol].qty += pos.sold_qty
        sold[pos.symbol].notional += _dec(pos.sold_notional)
        net[pos.symbol] += pos.qty
    for symbol in sorted(set(trades) | set(reports) | set(maker) | set(taker) | set(bought)):
        venue_view = trades[symbol]
        result.lines.append(f"{symbol}: trades {venue_view}")
        for name, view in (
            ("trade reports", reports[symbol]),
            ("maker fills", maker[symbol]),
            ("taker fills", taker[symbol]),
        ):
            if (view.count, view.qty, view.notional) != (
                venue_view.count,
                venue_view.qty,
                venue_view.notional,
            ):
                result.problems.append(f"{symbol}: {name} ({view}) != trades ({venue_view})")
        for name, view in (("bought", bought[symbol]), ("sold", sold[symbol])):
            result.lines.append(
                f"{symbol}: portfolio {name} qty {view.qty}, notional {view.notional}"
            )
            if (view.qty, view.notional) != (venue_view.qty, venue_view.notional):
                result.problems.append(
                    f"{symbol}: portfolio {name} (qty {view.qty}, notional {view.notional}) "
                    f"!= trades (qty {venue_view.qty}, notional {venue_view.notional})"
                )
        if net[symbol] != 0:
            result.problems.append(f"{symbol}: net positions sum to {net[symbol]}, not 0")
    return result


def _dec(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)
