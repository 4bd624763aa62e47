"""New orders: validation, the fast paths and the generic path to the matcher.

Role: `NewOrder` commands for `venue.engine.Engine`: the checks an order must pass, the
fast paths for a plain limit or market order in continuous trading (each the subset of
the checks such an order can fail, then the generic code inlined), the generic
`_new_order`, stops armed or triggered, and `_execute` (match, then rest, cancel the
remainder or finish).
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import Final

from venue.book import Level, Order
from venue.commands import NewOrder
from venue.events import (
    Accepted,
    BookChanged,
    OrderInfo,
    Rejected,
)
from venue.matching import SymbolState
from venue.native import mypyc_attr
from venue.recovery import RecoveryMixin
from venue.types import (
    REJECT_TEXT,
    CancelReason,
    OrderStatus,
    OrdType,
    Phase,
    RejectReason,
    Side,
    StpMode,
    TimeInForce,
)

_new: Final = tuple.__new__
#: Event classes as C statics once compiled (a plain imported name is a dict lookup).
_ACCEPTED: Final = Accepted
_ORDER_INFO: Final = OrderInfo
_BOOK_CHANGED: Final = BookChanged
R: Final = RejectReason
_LIMIT: Final = OrdType.LIMIT
_MARKET: Final = OrdType.MARKET
_STOP: Final = OrdType.STOP
_STOP_LIMIT: Final = OrdType.STOP_LIMIT
_CONT: Final = Phase.CONTINUOUS
_IOC: Final = TimeInForce.IOC
_FOK: Final = TimeInForce.FOK
_DAY: Final = TimeInForce.DAY
_GTC: Final = TimeInForce.GTC
_BUY: Final = Side.BUY
_NEW: Final = OrderStatus.NEW
_CANCELLED: Final = OrderStatus.CANCELLED
_FILLED: Final = OrderStatus.FILLED
_PARTIAL: Final = OrderStatus.PARTIALLY_FILLED


@mypyc_attr(allow_interpreted_subclasses=True)
class NewOrderMixin(RecoveryMixin):
    """New-order handling of the engine (see `venue.engine.Engine`)."""

    def _sym(self, symbol: str) -> SymbolState:
        sym = self._syms.get(symbol)
        if sym is None:
            raise KeyError(f"unknown symbol {symbol}")
        return sym

    def _reject(self, cmd: NewOrder, reason: RejectReason, text: str | None = None) -> None:
        self._seq = s = self._seq + 1
        self._out.append(_new(Rejected, (s, cmd, reason, text or REJECT_TEXT[reason])))

    # -- new orders ----------------------------------------------------------------------

    def _check_new(self, cmd: NewOrder, sym: SymbolState, now: datetime) -> RejectReason | None:
        inst = sym.instrument
        qty = cmd.qty
        if qty % inst.lot_size:
            return R.QTY_NOT_LOT_MULTIPLE
        if not inst.min_qty <= qty <= inst.max_qty:
            return R.QTY_OUT_OF_RANGE
        ot, tif = cmd.ord_type, cmd.tif
        if (cmd.price is not None) != (ot is _LIMIT or ot is _STOP_LIMIT):
            return R.INVALID_ORDER
        if (cmd.stop_price is not None) != (ot is _STOP or ot is _STOP_LIMIT):
            return R.INVALID_ORDER
        mf = cmd.max_floor
        if mf is not None and (
            (ot is not _LIMIT and ot is not _STOP_LIMIT)
            or mf <= 0
            or mf % inst.lot_size
            or mf > qty
            or tif is _IOC
            or tif is _FOK
        ):
            return R.INVALID_ORDER
        if (cmd.expire_at is not None) != (tif is TimeInForce.GTD):
            return R.INVALID_ORDER
        if cmd.expire_at is not None and cmd.expire_at <= now:
            return R.INVALID_ORDER
        ph = sym.phase
        if ph is not _CONT:
            if ph is Phase.CLOSED:
                return R.MARKET_CLOSED
            if ph is Phase.HALTED:
                return R.TRADING_HALTED
            if ot is _MARKET or tif is _IOC or tif is _FOK:
                return R.NOT_ALLOWED_IN_PHASE
        if tif is TimeInForce.AT_OPEN and (
            ot is not _LIMIT or ph not in (Phase.PRE_OPEN, Phase.OPENING_AUCTION)
        ):
            return R.NOT_ALLOWED_IN_PHASE
        if tif is TimeInForce.AT_CLOSE and (
            ot is not _LIMIT or ph not in (_CONT, Phase.CLOSING_AUCTION)
        ):
            return R.NOT_ALLOWED_IN_PHASE
        band = sym.band
        if band is not None and cmd.price is not None and not band[0] <= cmd.price <= band[1]:
            return R.PRICE_OUTSIDE_BAND
        if ot is _MARKET and not (sym.book.bids if cmd.side is Side.SELL else sym.book.asks):
            return R.NO_OPPOSITE_SIDE
        return None

    def _on_new(self, cmd: NewOrder, now: datetime) -> None:
        """New order. Fast path for a plain LIMIT DAY/GTC/IOC order (no stop, iceberg or
        expiry) that passes validation in continuous trading: the checks below are the
        subset of `_check_new` that such an order can fail. A DAY/GTC order that does not
        cross rests directly; otherwise it runs through `_execute`. Market orders:
        `_on_market`. Anything else: `_new_order`."""
        if cmd.ord_type is _MARKET:
            self._on_market(cmd, now)
            return
        sym = self._syms.get(cmd.symbol)
        tif = cmd.tif
        price = cmd.price
        if (
            sym is None
            or sym.phase is not _CONT
            or cmd.ord_type is not _LIMIT
            or (tif is not _DAY and tif is not _GTC and tif is not _IOC)
            or price is None
            or cmd.stop_price is not None
            or cmd.max_floor is not None
            or cmd.expire_at is not None
        ):
            self._new_order(cmd, now)
            return
        qty = cmd.qty
        band = sym.band
        if (
            qty % sym.lot_size
            or qty < sym.min_qty
            or qty > sym.max_qty
            or (band is not None and not band[0] <= price <= band[1])
        ):
            self._new_order(cmd, now)
            return
        oid = self._next_id
        side = cmd.side
        info = _plain_info(oid, cmd, _LIMIT, price)
        self._prio = prio = self._prio + 1
        self._next_id = oid + 1
        book = sym.book
        # Does it cross? Index 0 of each side's key list is the best level (bids are
        # keyed by -price).
        if side is _BUY:
            is_buy = True
            opp = book.asks
            crosses = opp and opp._list._lists[0][0] <= price
        else:
            is_buy = False
            opp = book.bids
            crosses = opp and -opp._list._lists[0][0] >= price
        o = Order(info, cmd.account if sym.stp_account else cmd.firm, prio)
        self._live[oid] = o
        s = self._seq + 1
        out = self._out
        out.append(_new(_ACCEPTED, (s, info, qty, 0, 0)))
        if crosses or tif is _IOC:
            self._seq = s
            # `_execute`, inlined for a LIMIT DAY/GTC/IOC order.
            rng = self._match(sym, o, price)
            if o.status is not _CANCELLED:
                if o.leaves == 0:
                    o.status = _FILLED
                    del self._live[oid]
                    if self._retain_done:
                        self._done[oid] = o
                elif tif is _IOC:
                    self._cancel_taker(o, CancelReason.IOC_REMAINDER)
                else:
                    if o.cum:
                        o.status = _PARTIAL
                    self._rest(sym, o)
            if rng is not None:
                self._after_trades(sym, rng)
            if self._triggers:
                self._drain_triggers(sym)
            return
        # Matcher._rest + Book.add, inlined.
        if is_buy:
            levels = book.bids
            lvl = levels.get(-price)
            if lvl is None:
                lvl = levels[-price] = Level(price)
        else:
            levels = book.asks
            lvl = levels.get(price)
            if lvl is None:
                lvl = levels[price] = Level(price)
        tail = lvl.tail
        o.prev = tail
        if tail is None:
            lvl.head = o
        else:
            tail.next = o
        lvl.tail = o
        lvl.qty += qty
        lvl.count = n = lvl.count + 1
        o.level = lvl
        book.orders[oid] = o
        if self._md_events:
            if self._dirty or self._triggers:
                self._touch(sym, is_buy, price, n > 1)
            else:
                # The only level this command changed: emit its BookChanged now,
                # exactly as `_flush_md` would at the end of the command.
                s += 1
                out.append(_new(_BOOK_CHANGED, (s, sym.symbol, side, price, lvl.qty, n)))
        self._seq = s
        if self._triggers:
            self._drain_triggers(sym)

    def _on_market(self, cmd: NewOrder, now: datetime) -> None:
        """Fast path for a plain MARKET IOC/DAY/GTC order in continuous trading with
        something on the opposite side: the checks below are the subset of `_check_new`
        such an order can fail; then `_new_order` + `_execute` for it, inlined. Anything
        else (FOK, GTD, auction time in force, other phases, rejects): `_new_order`."""
        sym = self._syms.get(cmd.symbol)
        tif = cmd.tif
        if (
            sym is None
            or sym.phase is not _CONT
            or (tif is not _IOC and tif is not _DAY and tif is not _GTC)
            or cmd.price is not None
            or cmd.stop_price is not None
            or cmd.max_floor is not None
            or cmd.expire_at is not None
        ):
            self._new_order(cmd, now)
            return
        qty = cmd.qty
        side = cmd.side
        is_buy = side is _BUY
        if (
            qty % sym.lot_size
            or qty < sym.min_qty
            or qty > sym.max_qty
            or not (sym.book.asks if is_buy else sym.book.bids)
        ):
            self._new_order(cmd, now)
            return
        oid = self._next_id
        info = _plain_info(oid, cmd, _MARKET, None)
        self._prio = prio = self._prio + 1
        o = Order(info, cmd.account if sym.stp_account else cmd.firm, prio)
        self._next_id = oid + 1
        live = self._live
        live[oid] = o
        self._seq = s = self._seq + 1
        self._out.append(_new(_ACCEPTED, (s, info, qty, 0, 0)))
        band = sym.band
        rng = self._match(sym, o, None if band is None else band[1] if is_buy else band[0])
        if o.status is not _CANCELLED:
            if o.leaves == 0:
                o.status = _FILLED
                del live[oid]
                if self._retain_done:
                    self._done[oid] = o
            else:
                self._cancel_taker(o, CancelReason.MARKET_REMAINDER)
        if rng is not None:
            self._after_trades(sym, rng)
        if self._triggers:
            self._drain_triggers(sym)

    def _new_order(self, cmd: NewOrder, now: datetime) -> None:
        sym = self._syms.get(cmd.symbol)
        if sym is None:
            self._reject(cmd, R.UNKNOWN_SYMBOL)
            return
        reason = self._check_new(cmd, sym, now)
        if reason is not None:
            self._reject(cmd, reason)
            return
        oid = self._next_id
        info = _new(
            _ORDER_INFO,
            (
                oid,
                cmd.symbol,
                cmd.side,
                cmd.ord_type,
                cmd.tif,
                cmd.qty,
                cmd.price,
                cmd.stop_price,
                cmd.max_floor,
                cmd.expire_at,
                cmd.owner,
                cmd.firm,
                cmd.account,
                cmd.client_ref,
                cmd.short_sale,
            ),
        )
        self._prio += 1
        o = Order(info, cmd.account if sym.stp_account else cmd.firm, self._prio)
        ot = cmd.ord_type
        if (
            cmd.tif is _FOK
            and sym.phase is _CONT
            and ot is not _STOP
            and ot is not _STOP_LIMIT
            and not self._fok_fillable(sym, o, self._limit_of(sym, o))
        ):
            self._reject(cmd, R.FOK_NOT_FILLABLE)
            return
        self._next_id = oid + 1
        self._live[oid] = o
        self._seq = s = self._seq + 1
        self._out.append(_new(_ACCEPTED, (s, info, o.leaves, 0, 0)))
        if cmd.expire_at is not None:
            heapq.heappush(self._gtd, (cmd.expire_at, oid))
        ph = sym.phase
        if ot is _STOP or ot is _STOP_LIMIT:
            self._arm_stop(sym, o)
        elif ph is not _CONT:
            self._rest(sym, o)
        elif cmd.tif is TimeInForce.AT_CLOSE:
            o.status = OrderStatus.PENDING_AUCTION
            sym.pool[oid] = o
        else:
            self._execute(sym, o)
        if self._triggers:
            self._drain_triggers(sym)

    def _arm_stop(self, sym: SymbolState, o: Order) -> None:
        """File a stop order, or trigger it at once if the last price is already there."""
        last = sym.stats.last_price
        sp = o.stop_price
        assert sp is not None
        if sym.phase is _CONT and last is not None and (last >= sp if o.is_buy else last <= sp):
            o.status = OrderStatus.PARTIALLY_FILLED if o.cum else OrderStatus.NEW
            self._triggers.append((o, last))
        else:
            self._add_stop(sym, o)

    @staticmethod
    def _limit_of(sym: SymbolState, o: Order) -> int | None:
        if o.ord_type is _MARKET:
            band = sym.band
            if band is None:
                return None
            return band[1] if o.is_buy else band[0]
        return o.price

    def _fok_fillable(self, sym: SymbolState, o: Order, limit: int | None) -> bool:
        """Can `o` fill in full now? Resting orders that self-trade prevention would
        cancel do not count; if prevention would cancel the aggressor, any self-trade
        on a level the fill reaches makes the order unfillable."""
        need = o.leaves
        stp = sym.stp_mode is not StpMode.OFF
        kills = sym.stp_mode in (StpMode.CANCEL_AGGRESSOR, StpMode.CANCEL_BOTH)
        levels = sym.book.asks if o.is_buy else sym.book.bids
        for lvl in levels.values():
            px = lvl.price
            if limit is not None and (px > limit if o.is_buy else px < limit):
                break
            for m in lvl:
                if stp and m.stp_key == o.stp_key:
                    if kills:
                        return False
                    continue
                need -= m.leaves
            if need <= 0:
                return True
        return False

    def _execute(self, sym: SymbolState, o: Order) -> None:
        limit = self._limit_of(sym, o)
        tif = o.tif
        if tif is _FOK and not self._fok_fillable(sym, o, limit):
            self._cancel_taker(o, CancelReason.IOC_REMAINDER)
            return
        rng = self._match(sym, o, limit)
        if o.status is not OrderStatus.CANCELLED:
            if o.leaves == 0:
                self._finish(o, OrderStatus.FILLED)
            elif o.ord_type is _MARKET:
                self._cancel_taker(o, CancelReason.MARKET_REMAINDER)
            elif tif is _IOC or tif is _FOK:
                self._cancel_taker(o, CancelReason.IOC_REMAINDER)
            else:
                if o.cum:
                    o.status = OrderStatus.PARTIALLY_FILLED
                self._rest(sym, o)
        if rng is not None:
            self._after_trades(sym, rng)

    def _after_trades(self, sym: SymbolState, rng: tuple[int, int]) -> None:
        """After trades between the prices `rng`: the price band follows the last price,
        and the stops that range reached trigger (drained by the caller)."""
        if sym.banded:
            sym.refresh_band()
        if sym.buy_stops or sym.sell_stops:
            self._collect_triggers(sym, rng[0], rng[1])


def _plain_info(oid: int, cmd: NewOrder, ord_type: OrdType, price: int | None) -> OrderInfo:
    """The order of `cmd` as accepted, for a plain order: no stop, iceberg or expiry."""
    return _new(  # type: ignore[no-any-return]
        _ORDER_INFO,
        (
            oid,
            cmd.symbol,
            cmd.side,
            ord_type,
            cmd.tif,
            cmd.qty,
            price,
            None,
            None,
            None,
            cmd.owner,
            cmd.firm,
            cmd.account,
            cmd.client_ref,
            cmd.short_sale,
        ),
    )
