"""Positions and P&L per firm, account and symbol, from fills.

Role: a pure position keeper. Feed it the venue's fills in execution order (`Portfolio.apply`)
and read the positions (`Portfolio.positions`); `dropcopy.queries.load_portfolio` feeds it
from the executions table, so a portfolio is rebuilt exactly from the committed fills at any
time (after a restart too). No I/O, no clock.

Invariants:
- Exact arithmetic: prices are `Decimal`, cost basis and P&L are `Fraction` internally (an
  average cost is a ratio); `PositionView` rounds to 8 decimal places only for display.
- `qty` is the signed net position (long > 0, short < 0); `cost` is the signed cost basis
  of the open position, so `qty * mark - cost` is the unrealized P&L marked to the last
  trade price of the symbol.
- Realized P&L: a fill that reduces the position realizes `closed * (price - entry)` (long)
  or `closed * (entry - price)` (short), where `entry` is the price of the oldest open lots
  (FIFO) or the average cost of the position (average-cost). A fill that crosses zero
  closes the whole position and opens the remainder at the fill price (a flip).
- Fees: `notional * bps / 10_000`, the maker or the taker rate; kept apart from the P&L
  (`net_pnl = realized + unrealized - fees`).
- `bought_qty - sold_qty == qty`; volume and notional count both sides of every fill.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Literal

Method = Literal["fifo", "average-cost"]
_Q = Decimal("0.00000001")
_BPS = Fraction(1, 10_000)


def to_decimal(value: Fraction) -> Decimal:
    """`value` as a Decimal: exact when it has a short decimal expansion, else 8 places."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(exact) == value:
        return exact
    return exact.quantize(_Q, ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    """One execution of one order, as the portfolio needs it."""

    firm: str
    account: str
    symbol: str
    buy: bool
    qty: int
    price: Decimal
    maker: bool | None = None  # None: unknown (no fee rate applies)


@dataclass(slots=True)
class Position:
    """The running state of one (firm, account, symbol)."""

    firm: str
    account: str
    symbol: str
    qty: int = 0
    cost: Fraction = Fraction(0)
    realized: Fraction = Fraction(0)
    fees: Fraction = Fraction(0)
    bought_qty: int = 0
    sold_qty: int = 0
    bought_notional: Fraction = Fraction(0)
    sold_notional: Fraction = Fraction(0)
    fills: int = 0
    lots: deque[tuple[int, Fraction]] = field(default_factory=deque)  # FIFO: (signed qty, px)

    @property
    def avg_cost(self) -> Fraction | None:
        return None if self.qty == 0 else self.cost / self.qty

    def unrealized(self, mark: Fraction | None) -> Fraction:
        return Fraction(0) if mark is None or self.qty == 0 else self.qty * mark - self.cost


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionView:
    """A position for display and export (decimals; P&L marked to `last_price`)."""

    firm: str
    account: str
    symbol: str
    qty: int
    avg_cost: Decimal | None
    last_price: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal
    bought_qty: int
    sold_qty: int
    volume: int
    notional: Decimal
    fills: int

    def as_dict(self) -> dict[str, object]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in _fields(self)}


def _fields(view: PositionView) -> Iterable[tuple[str, object]]:
    return ((name, getattr(view, name)) for name in PositionView.__slots__)


class Portfolio:
    """Positions built from fills (see module docstring)."""

    def __init__(
        self,
        method: Method = "fifo",
        *,
        maker_fee_bps: Decimal = Decimal(0),
        taker_fee_bps: Decimal = Decimal(0),
    ) -> None:
        if method not in ("fifo", "average-cost"):
            raise ValueError(f"unknown cost method {method!r}")
        self.method = method
        self.maker_rate = Fraction(maker_fee_bps) * _BPS
        self.taker_rate = Fraction(taker_fee_bps) * _BPS
        self.book: dict[tuple[str, str, str], Position] = {}
        self.marks: dict[str, Fraction] = {}  # symbol -> last trade price

    def apply(self, fill: Fill) -> Position:
        key = (fill.firm, fill.account, fill.symbol)
        pos = self.book.get(key)
        if pos is None:
            pos = self.book[key] = Position(fill.firm, fill.account, fill.symbol)
        price = Fraction(fill.price)
        notional = fill.qty * price
        self.marks[fill.symbol] = price
        pos.fills += 1
        if fill.buy:
            pos.bought_qty += fill.qty
            pos.bought_notional += notional
        else:
            pos.sold_qty += fill.qty
            pos.sold_notional += notional
        if fill.maker is not None:
            pos.fees += notional * (self.maker_rate if fill.maker else self.taker_rate)
        self._trade(pos, fill.qty if fill.buy else -fill.qty, price)
        return pos

    def _trade(self, pos: Position, delta: int, price: Fraction) -> None:
        if pos.qty == 0 or (pos.qty > 0) == (delta > 0):
            self._open(pos, delta, price)
            return
        sign = 1 if pos.qty > 0 else -1
        closing = min(abs(delta), abs(pos.qty))
        if self.method == "fifo":
            left = closing
            while left:
                lot_qty, lot_px = pos.lots[0]
                take = min(left, abs(lot_qty))
                pos.realized += sign * take * (price - lot_px)
                pos.cost -= sign * take * lot_px
                left -= take
                if take == abs(lot_qty):
                    pos.lots.popleft()
                else:
                    pos.lots[0] = (lot_qty - sign * take, lot_px)
        else:
            avg = pos.cost / pos.qty
            pos.realized += sign * closing * (price - avg)
            pos.cost -= sign * closing * avg
        pos.qty -= sign * closing
        if pos.qty == 0:
            pos.cost = Fraction(0)
            pos.lots.clear()
        rest = abs(delta) - closing
        if rest:  # crossed zero: the remainder opens a position the other way
            self._open(pos, -sign * rest, price)

    def _open(self, pos: Position, delta: int, price: Fraction) -> None:
        pos.qty += delta
        pos.cost += delta * price
        if self.method == "fifo":
            pos.lots.append((delta, price))

    def view(self, pos: Position) -> PositionView:
        mark = self.marks.get(pos.symbol)
        unrealized = pos.unrealized(mark)
        avg = pos.avg_cost
        return PositionView(
            firm=pos.firm,
            account=pos.account,
            symbol=pos.symbol,
            qty=pos.qty,
            avg_cost=None if avg is None else to_decimal(avg),
            last_price=None if mark is None else to_decimal(mark),
            realized_pnl=to_decimal(pos.realized),
            unrealized_pnl=to_decimal(unrealized),
            fees=to_decimal(pos.fees),
            net_pnl=to_decimal(pos.realized + unrealized - pos.fees),
            bought_qty=pos.bought_qty,
            sold_qty=pos.sold_qty,
            volume=pos.bought_qty + pos.sold_qty,
            notional=to_decimal(pos.bought_notional + pos.sold_notional),
            fills=pos.fills,
        )

    def positions(self, *, account: str | None = None) -> list[PositionView]:
        """Every position (optionally of one account), sorted by firm, account, symbol."""
        return [
            self.view(pos)
            for key, pos in sorted(self.book.items())
            if account is None or key[1] == account
        ]
