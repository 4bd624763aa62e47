"""Exposure: what every firm and account has at stake, kept from the venue's events.

Role: the "release" side of pre-trade risk. The engine's events (accepted orders, fills,
cancels, replaces, expiries) are applied here, live and during the journal replay, so the
state after a restart is the state before it. Pure: no I/O, no clock.

Money is an integer number of micro-units of the currency (``unit`` = the tick size in
micro-units, so ``price_ticks * qty * unit`` is exact); quantities are ints.

Invariants (checked by ``check_invariants`` and the property tests):
- ``open_notional[firm]`` = sum over the firm's live orders of leaves * hold price * unit;
  ``open_buy``/``open_sell`` = sum of leaves per (firm, account, symbol) and side; entries
  are removed when they reach zero, so with no live order every open map is empty;
- the hold price of an order is its limit price, else its stop price, else the reference
  price when it was accepted; it changes only on a replace;
- ``filled_notional`` and ``position`` are intraday: ``new_day`` clears them (the venue's
  end of trading day); ``position`` is the net filled quantity (buys - sells).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from venue import events as ve
from venue.types import Side

Key = tuple[str, str, str]  # (firm, account, symbol)


class OpenOrder:
    """The risk view of one live order."""

    __slots__ = ("firm", "key", "buy", "qty", "leaves", "hold", "unit")

    def __init__(
        self, firm: str, key: Key, buy: bool, qty: int, leaves: int, hold: int, unit: int
    ) -> None:
        self.firm = firm
        self.key = key
        self.buy = buy
        self.qty = qty
        self.leaves = leaves
        self.hold = hold
        self.unit = unit


class Exposure:
    """Open and filled exposure per firm, open quantity and position per account/symbol."""

    def __init__(self, units: dict[str, int], reference: Callable[[str], int | None]) -> None:
        self.units = units
        self._reference = reference
        self.orders: dict[int, OpenOrder] = {}
        self.open_notional: dict[str, int] = {}
        self.filled_notional: dict[str, int] = {}
        self.open_buy: dict[Key, int] = {}
        self.open_sell: dict[Key, int] = {}
        self.position: dict[Key, int] = {}
        self.last_price: dict[str, int] = {}

    # -- queries --------------------------------------------------------------------------
    def used_credit(self, firm: str) -> int:
        return self.open_notional.get(firm, 0) + self.filled_notional.get(firm, 0)

    def is_flat(self) -> bool:
        """No live order holds anything (every open map empty)."""
        return not (self.orders or self.open_notional or self.open_buy or self.open_sell)

    # -- events ---------------------------------------------------------------------------
    def apply(self, events: Iterable[Any]) -> None:
        for e in events:
            t = type(e)
            if t is ve.BookChanged:
                continue
            if t is ve.Accepted:
                self._open(e.order, e.leaves_qty)
            elif t is ve.Trade:
                self._fill(e.maker, e.maker_leaves, e.qty, e.price)
                self._fill(e.taker, e.taker_leaves, e.qty, e.price)
                self.last_price[e.symbol] = e.price
            elif t is ve.Cancelled or t is ve.Expired:
                self._close(e.order.order_id)
            elif t is ve.Replaced:
                self._close(e.order.order_id)
                if e.leaves_qty:
                    self._open(e.order, e.leaves_qty)
            elif t is ve.AuctionResult and e.price is not None:
                self.last_price[e.symbol] = e.price

    def new_day(self) -> None:
        """The trading day ended: filled notional and positions start again from zero."""
        self.filled_notional.clear()
        self.position.clear()

    # -- bookkeeping ----------------------------------------------------------------------
    def hold_price(self, o: ve.OrderInfo) -> int:
        if o.price is not None:
            return o.price
        if o.stop_price is not None:
            return o.stop_price
        return self.last_price.get(o.symbol) or self._reference(o.symbol) or 0

    def _open(self, o: ve.OrderInfo, leaves: int) -> None:
        if leaves <= 0:
            return
        unit = self.units.get(o.symbol, 0)
        key = (o.firm, o.account, o.symbol)
        buy = o.side is Side.BUY
        rec = OpenOrder(o.firm, key, buy, o.qty, leaves, self.hold_price(o), unit)
        self.orders[o.order_id] = rec
        _add(self.open_notional, o.firm, leaves * rec.hold * unit)
        _add(self.open_buy if buy else self.open_sell, key, leaves)

    def _close(self, order_id: int) -> None:
        rec = self.orders.pop(order_id, None)
        if rec is not None:
            self._release(rec, rec.leaves)

    def _release(self, rec: OpenOrder, qty: int) -> None:
        rec.leaves -= qty
        _add(self.open_notional, rec.firm, -qty * rec.hold * rec.unit)
        _add(self.open_buy if rec.buy else self.open_sell, rec.key, -qty)

    def _fill(self, o: ve.OrderInfo, leaves: int, qty: int, price: int) -> None:
        rec = self.orders.get(o.order_id)
        if rec is not None:
            self._release(rec, rec.leaves - leaves)
            if leaves == 0:
                del self.orders[o.order_id]
        _add(self.filled_notional, o.firm, qty * price * self.units.get(o.symbol, 0))
        _add(self.position, (o.firm, o.account, o.symbol), qty if o.side is Side.BUY else -qty)

    def check_invariants(self) -> None:
        """Recompute the open maps from the live orders and compare (tests)."""
        notional: dict[str, int] = {}
        buy: dict[Key, int] = {}
        sell: dict[Key, int] = {}
        for rec in self.orders.values():
            assert rec.leaves > 0, "a closed order is still held"
            _add(notional, rec.firm, rec.leaves * rec.hold * rec.unit)
            _add(buy if rec.buy else sell, rec.key, rec.leaves)
        assert notional == self.open_notional, (notional, self.open_notional)
        assert buy == self.open_buy and sell == self.open_sell


def _add(d: dict[Any, int], key: Any, delta: int) -> None:
    """Add `delta` to d[key], removing the entry when it reaches zero."""
    value = d.get(key, 0) + delta
    if value:
        d[key] = value
    else:
        d.pop(key, None)
