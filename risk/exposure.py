"""Exposure: what every firm and account has at stake, kept from the venue's events.

Role: the "release" side of pre-trade risk. The engine's events (accepted orders, fills,
cancels, replaces, expiries) are applied here, live and during the journal replay, so the
state after a restart is the state before it. Pure: no I/O, no clock.

Money is an integer number of micro-units of the currency (``units[symbol]`` = the tick
size in micro-units, so ``price_ticks * qty * unit`` is exact); quantities are ints.

Invariants (checked by ``check_invariants`` and the property tests):
- ``open_notional[firm]`` = sum over the firm's live orders of leaves * hold price * unit;
  ``open_buy``/``open_sell`` = sum of leaves per (firm, account, symbol) and side; entries
  are removed when they reach zero, so with no live order every open map is empty;
- the hold price of an order is its limit price, else its stop price, else the reference
  price when it was accepted; it changes only on a replace;
- ``filled_notional`` and ``position`` are intraday: ``new_day`` clears them (the venue's
  end of trading day); ``position`` is the net filled quantity (buys - sells).

An open order is a small list (cheaper to build than an object on the hot path), indexed
by ``KEY, BUY, QTY, LEAVES, PER``: (firm, account, symbol), is a buy, total quantity,
leaves, and hold price * unit (the notional of one unit of quantity).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from venue import events as ve
from venue.shardmap import ShardedDict
from venue.types import Side

Key = tuple[str, str, str]  # (firm, account, symbol)
OpenOrder = list[Any]  # [KEY, BUY, QTY, LEAVES, PER]
KEY, BUY, QTY, LEAVES, PER = range(5)

_ACCEPTED: Final = ve.Accepted
_TRADE: Final = ve.Trade
_BOOK: Final = ve.BookChanged
_CANCELLED: Final = ve.Cancelled
_EXPIRED: Final = ve.Expired
_REPLACED: Final = ve.Replaced
_AUCTION: Final = ve.AuctionResult
_BUY: Final = Side.BUY


class Exposure:
    """Open and filled exposure per firm, open quantity and position per account/symbol."""

    def __init__(self, units: dict[str, int], reference: Callable[[str], int | None]) -> None:
        self.units = units
        self._reference = reference
        self.orders: ShardedDict[int, OpenOrder] = ShardedDict()  # grows in small steps
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
            if t is _BOOK:
                continue
            if t is _ACCEPTED:
                self._open(e.order, e.leaves_qty)
            elif t is _TRADE:
                self._fill(e.maker, e.maker_leaves, e.qty, e.price)
                self._fill(e.taker, e.taker_leaves, e.qty, e.price)
                self.last_price[e.symbol] = e.price
            elif t is _CANCELLED or t is _EXPIRED:
                self._close(e.order.order_id)
            elif t is _REPLACED:
                self._close(e.order.order_id)
                self._open(e.order, e.leaves_qty)
            elif t is _AUCTION and e.price is not None:
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
        price = o.price
        per = (self.hold_price(o) if price is None else price) * self.units.get(o.symbol, 0)
        firm = o.firm
        key = (firm, o.account, o.symbol)
        buy = o.side is _BUY
        self.orders[o.order_id] = [key, buy, o.qty, leaves, per]
        on = self.open_notional
        if per:
            on[firm] = on.get(firm, 0) + leaves * per
        side = self.open_buy if buy else self.open_sell
        side[key] = side.get(key, 0) + leaves

    def _close(self, order_id: int) -> None:
        rec = self.orders.pop(order_id, None)
        if rec is not None:
            self._release(rec, rec[LEAVES])

    def _release(self, rec: OpenOrder, qty: int) -> None:
        rec[LEAVES] -= qty
        key = rec[KEY]
        _add(self.open_notional, key[0], -qty * rec[PER])
        _add(self.open_buy if rec[BUY] else self.open_sell, key, -qty)

    def _fill(self, o: ve.OrderInfo, leaves: int, qty: int, price: int) -> None:
        rec = self.orders.get(o.order_id)
        if rec is not None:
            self._release(rec, rec[LEAVES] - leaves)
            if leaves == 0:
                del self.orders[o.order_id]
        _add(self.filled_notional, o.firm, qty * price * self.units.get(o.symbol, 0))
        _add(self.position, (o.firm, o.account, o.symbol), qty if o.side is _BUY else -qty)

    def check_invariants(self) -> None:
        """Recompute the open maps from the live orders and compare (tests)."""
        notional: dict[str, int] = {}
        buy: dict[Key, int] = {}
        sell: dict[Key, int] = {}
        for rec in self.orders.values():
            assert rec[LEAVES] > 0, "a closed order is still held"
            _add(notional, rec[KEY][0], rec[LEAVES] * rec[PER])
            _add(buy if rec[BUY] else sell, rec[KEY], rec[LEAVES])
        assert notional == self.open_notional, (notional, self.open_notional)
        assert buy == self.open_buy and sell == self.open_sell


def _add(d: dict[Any, int], key: Any, delta: int) -> None:
    """Add `delta` to d[key], removing the entry when it reaches zero."""
    value = d.get(key, 0) + delta
    if value:
        d[key] = value
    else:
        d.pop(key, None)
