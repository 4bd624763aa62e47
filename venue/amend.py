"""Cancel, cancel/replace and mass cancel.

Role: `CancelOrder`, `ReplaceOrder` and `MassCancel` for `venue.engine.Engine`: the fast
paths for a resting order (cancel; a quantity change at the same price), the generic
checks and their rejects (unknown, done), and the priority rules of a replace: kept on
a quantity decrease, lost on a price change or an increase.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from venue.book import Order
from venue.commands import (
    CancelOrder,
    MassCancel,
    ReplaceOrder,
)
from venue.entry import NewOrderMixin
from venue.events import (
    BookChanged,
    Cancelled,
    CancelRejected,
    MassCancelled,
    OrderInfo,
    Replaced,
    ReplaceRejected,
)
from venue.matching import SymbolState
from venue.native import mypyc_attr
from venue.types import (
    REJECT_TEXT,
    CancelReason,
    OrderStatus,
    OrdType,
    Phase,
    RejectReason,
)

_new: Final = tuple.__new__
#: Event classes as C statics once compiled (a plain imported name is a dict lookup).
_ORDER_INFO: Final = OrderInfo
_BOOK_CHANGED: Final = BookChanged
R: Final = RejectReason
_LIMIT: Final = OrdType.LIMIT
_STOP: Final = OrdType.STOP
_STOP_LIMIT: Final = OrdType.STOP_LIMIT
_CONT: Final = Phase.CONTINUOUS
_CANCELLED: Final = OrderStatus.CANCELLED
_PARTIAL: Final = OrderStatus.PARTIALLY_FILLED
_USER: Final = CancelReason.USER


@mypyc_attr(allow_interpreted_subclasses=True)
class AmendMixin(NewOrderMixin):
    """Cancel and replace handling of the engine (see `venue.engine.Engine`)."""

    def _on_cancel(self, cmd: CancelOrder, now: datetime) -> None:
        """User cancel. Fast path for an order resting on the book; everything else
        (unknown, done, stop, at-the-close) goes through `_cancel_cmd`."""
        o = self._live.get(cmd.order_id)
        if o is None:
            self._cancel_cmd(cmd)
            return
        lvl = o.level
        if lvl is None:
            self._cancel_cmd(cmd)
            return
        sym = self._syms[o.info.symbol]
        # Book.remove, inlined.
        prv = o.prev
        nxt = o.next
        if prv is None:
            lvl.head = nxt
        else:
            prv.next = nxt
        if nxt is None:
            lvl.tail = prv
        else:
            nxt.prev = prv
        qty = o.leaves
        d = o.display
        lvl.qty -= d
        if qty != d:
            lvl.hidden -= qty - d
        lvl.count = n = lvl.count - 1
        o.level = o.prev = o.next = None
        book = sym.book
        oid = o.id
        del book.orders[oid]
        if not n:
            if o.is_buy:
                del book.bids[-lvl.price]
            else:
                del book.asks[lvl.price]
        o.leaves = o.display = 0
        o.status = _CANCELLED
        del self._live[oid]
        if self._retain_done:
            self._done[oid] = o
        s = self._seq + 1
        out = self._out
        out.append(_new(Cancelled, (s, o.info, o.cum, o.notional, qty, _USER, cmd.client_ref)))
        if self._md_events:
            if self._dirty:
                self._touch(sym, o.is_buy, lvl.price)
            else:
                # The only level this command changed: its BookChanged now, right after
                # the Cancelled event (what `_flush_md` would emit).
                s += 1
                out.append(
                    _new(
                        _BOOK_CHANGED,
                        (s, sym.symbol, o.side, lvl.price, lvl.qty if n else 0, n),
                    )
                )
        self._seq = s

    def _on_replace(self, cmd: ReplaceOrder, now: datetime) -> None:
        """Cancel/replace. Fast path for a quantity change of a plain resting limit order
        (no stop, no iceberg) at the same price in continuous trading: the checks below
        are the ones `_check_replace` can fail for it, and a reduction is applied in
        place. Everything else goes through `_replace`."""
        o = self._live.get(cmd.order_id)
        if o is None:
            self._replace(cmd)
            return
        lvl = o.level
        old = o.info
        price = cmd.price
        sym = self._syms[old.symbol]
        if (
            lvl is None
            or sym.phase is not _CONT
            or old.ord_type is not _LIMIT
            or price is None
            or price != o.price
            or cmd.stop_price is not None
            or cmd.max_floor is not None
            or o.max_floor is not None
        ):
            self._replace(cmd)
            return
        cq = cmd.qty
        if cq % sym.lot_size or cq < sym.min_qty or cq > sym.max_qty:
            self._replace(cmd)
            return
        cum = o.cum
        qty = cq if cq > cum else cum
        new_leaves = qty - cum
        if new_leaves == 0:
            self._apply_replace(cmd, o, sym)
            return
        leaves = o.leaves
        book = sym.book
        up = new_leaves > leaves
        if up:
            # An increase loses priority: the order goes to the back of its level, unless
            # it could cross (not at rest in continuous trading), then `_replace_up`.
            if o.is_buy:
                opp = book.asks
                crosses = opp and opp._list._lists[0][0] <= price
            else:
                opp = book.bids
                crosses = opp and -opp._list._lists[0][0] >= price
            if crosses:
                self._replace_up(cmd, o, sym, qty, new_leaves)
                return
        (oid, symbol, side, ot, tif, _, _, _, _, exp, owner, firm, account, ref, short) = old
        o.info = info = _new(
            _ORDER_INFO,
            (
                oid,
                symbol,
                side,
                ot,
                tif,
                qty,
                price,
                None,
                None,
                exp,
                owner,
                firm,
                account,
                cmd.client_ref,
                short,
            ),
        )
        o.qty = qty
        # Plain order: display == leaves.
        o.leaves = o.display = new_leaves
        lvl.qty += new_leaves - leaves
        if up:
            # `_replace_up` without the crossing branch: Book.remove + Book.add of the
            # same order at the same price is a move to the back of the level.
            self._prio = prio = self._prio + 1
            o.priority = prio
            nxt = o.next
            if nxt is not None:
                prv = o.prev
                if prv is None:
                    lvl.head = nxt
                else:
                    prv.next = nxt
                nxt.prev = prv
                tail = lvl.tail
                tail.next = o  # type: ignore[union-attr]  # the level has `o`, so a tail
                o.prev = tail
                o.next = None
                lvl.tail = o
            if cum:
                o.status = _PARTIAL
        s = self._seq + 1
        out = self._out
        out.append(_new(Replaced, (s, info, ref, new_leaves, cum, o.notional, up)))
        if self._md_events:
            if self._dirty or self._triggers:
                self._touch(sym, o.is_buy, price)
            else:
                s += 1
                out.append(_new(_BOOK_CHANGED, (s, symbol, side, price, lvl.qty, lvl.count)))
        self._seq = s
        if self._triggers:
            self._drain_triggers(sym)

    def _on_mass_cancel(self, cmd: MassCancel, now: datetime) -> None:
        self._mass_cancel(cmd)

    def _done_reason(self, order_id: int) -> RejectReason:
        return R.ORDER_ALREADY_DONE if 0 < order_id < self._next_id else R.UNKNOWN_ORDER

    def _cancel_cmd(self, cmd: CancelOrder) -> None:
        o = self._live.get(cmd.order_id)
        if o is None:
            reason = self._done_reason(cmd.order_id)
            self._seq = s = self._seq + 1
            self._out.append(
                CancelRejected(
                    s,
                    cmd.order_id,
                    cmd.owner,
                    cmd.client_ref,
                    reason,
                    REJECT_TEXT[reason],
                    None,
                    0,
                    0,
                )
            )
            return
        self._cancel(self._syms[o.info.symbol], o, CancelReason.USER, cmd.client_ref)

    def _replace_reject(self, cmd: ReplaceOrder, o: Order | None, reason: RejectReason) -> None:
        self._seq = s = self._seq + 1
        self._out.append(
            ReplaceRejected(
                s,
                cmd.order_id,
                cmd.owner,
                cmd.client_ref,
                reason,
                REJECT_TEXT[reason],
                o.info if o else None,
                o.leaves if o else 0,
                o.cum if o else 0,
            )
        )

    def _check_replace(self, cmd: ReplaceOrder, o: Order, sym: SymbolState) -> RejectReason | None:
        inst = sym.instrument
        ph = sym.phase
        if ph is Phase.CLOSED:
            return R.MARKET_CLOSED
        if ph is Phase.HALTED:
            return R.TRADING_HALTED
        if cmd.qty % inst.lot_size:
            return R.QTY_NOT_LOT_MULTIPLE
        if not inst.min_qty <= cmd.qty <= inst.max_qty:
            return R.QTY_OUT_OF_RANGE
        ot = o.info.ord_type
        if (cmd.price is not None) != (ot is _LIMIT or ot is _STOP_LIMIT):
            return R.INVALID_ORDER
        if (cmd.stop_price is not None) != (ot is _STOP or ot is _STOP_LIMIT):
            return R.INVALID_ORDER
        mf = cmd.max_floor
        if mf is not None and (mf <= 0 or mf % inst.lot_size or mf > cmd.qty):
            return R.INVALID_ORDER
        band = sym.band
        if (
            band is not None
            and cmd.price is not None
            and cmd.price != o.price
            and not band[0] <= cmd.price <= band[1]
        ):
            return R.PRICE_OUTSIDE_BAND
        return None

    def _replace_up(
        self, cmd: ReplaceOrder, o: Order, sym: SymbolState, qty: int, new_leaves: int
    ) -> None:
        """`_apply_replace` for a validated quantity increase of a plain resting limit
        order at the same price (from `_on_replace`): the order loses priority, leaves
        the book and runs again; if it cannot cross it goes straight to the back of its
        level (what `_execute` would do), else through `_execute`."""
        old = o.info
        price = o.price
        assert price is not None
        o.info = info = _new(
            _ORDER_INFO,
            (*old[:5], qty, price, None, None, *old[9:13], cmd.client_ref, old[14]),
        )
        is_buy = o.is_buy
        self._touch(sym, is_buy, price)
        book = sym.book
        book.remove(o)
        o.qty = qty
        o.leaves = new_leaves
        self._prio = prio = self._prio + 1
        o.priority = prio
        self._seq = s = self._seq + 1
        self._out.append(
            _new(Replaced, (s, info, old.client_ref, new_leaves, o.cum, o.notional, True))
        )
        if is_buy:
            opp = book.asks
            crosses = bool(opp) and opp._list._lists[0][0] <= price
        else:
            opp = book.bids
            crosses = bool(opp) and -opp._list._lists[0][0] >= price
        if crosses:
            self._execute(sym, o)
        else:
            if o.cum:
                o.status = _PARTIAL
            o.display = new_leaves
            book.add(o)
            self._touch(sym, is_buy, price)
        if self._triggers:
            self._drain_triggers(sym)

    def _replace(self, cmd: ReplaceOrder) -> None:
        o = self._live.get(cmd.order_id)
        if o is None:
            self._replace_reject(cmd, None, self._done_reason(cmd.order_id))
            return
        sym = self._syms[o.info.symbol]
        reason = self._check_replace(cmd, o, sym)
        if reason is not None:
            self._replace_reject(cmd, o, reason)
            return
        self._apply_replace(cmd, o, sym)

    def _apply_replace(self, cmd: ReplaceOrder, o: Order, sym: SymbolState) -> None:
        """Apply a validated replace."""
        old = o.info
        qty = cmd.qty if cmd.qty > o.cum else o.cum
        info = _new(
            _ORDER_INFO,
            (
                *old[:5],
                qty,
                cmd.price,
                cmd.stop_price,
                cmd.max_floor,
                *old[9:13],
                cmd.client_ref,
                old[14],
            ),
        )
        new_leaves = qty - o.cum
        pending = o.level is None
        lose = (
            cmd.price != o.price
            or new_leaves > o.leaves
            or cmd.max_floor != o.max_floor
            or cmd.stop_price != o.stop_price
        )
        o.info = info
        if new_leaves == 0:
            self._unlink(sym, o)
            o.qty, o.leaves, o.display = qty, 0, 0
            self._finish(o, OrderStatus.FILLED)
            self._emit_replaced(o, old, False)
            return
        if not lose and not pending:
            lvl = o.level
            assert lvl is not None
            nd = o.display if o.display < new_leaves else new_leaves
            lvl.qty -= o.display - nd
            lvl.hidden -= (o.leaves - o.display) - (new_leaves - nd)
            o.qty, o.leaves, o.display = qty, new_leaves, nd
            self._touch(sym, o.is_buy, lvl.price)
            self._emit_replaced(o, old, False)
            return
        # A resting order that gets here loses its priority. A waiting one (stop, or
        # at-the-close order before the closing auction) loses it by the same rules, and
        # otherwise keeps its place.
        self._unlink(sym, o)
        o.qty, o.leaves = qty, new_leaves
        o.price, o.stop_price, o.max_floor = cmd.price, cmd.stop_price, cmd.max_floor
        mf = o.max_floor
        o.display = new_leaves if mf is None or mf > new_leaves else mf
        if lose:
            self._prio += 1
            o.priority = self._prio
        self._emit_replaced(o, old, lose)
        if o.status is OrderStatus.PENDING_TRIGGER:
            self._arm_stop(sym, o)
            if self._triggers:
                self._drain_triggers(sym)
        elif o.status is OrderStatus.PENDING_AUCTION:
            sym.pool[o.id] = o
        elif sym.phase is not _CONT:
            self._rest(sym, o)
        else:
            self._execute(sym, o)
            if self._triggers:
                self._drain_triggers(sym)

    def _emit_replaced(self, o: Order, old: OrderInfo, lost: bool) -> None:
        self._seq = s = self._seq + 1
        self._out.append(
            _new(Replaced, (s, o.info, old.client_ref, o.leaves, o.cum, o.notional, lost))
        )

    def _mass_cancel(self, cmd: MassCancel) -> None:
        n = 0
        for oid in sorted(self._live):
            o = self._live[oid]
            i = o.info
            if (
                (cmd.owner is None or i.owner == cmd.owner)
                and (cmd.firm is None or i.firm == cmd.firm)
                and (cmd.account is None or i.account == cmd.account)
                and (cmd.symbol is None or i.symbol == cmd.symbol)
                and (cmd.side is None or i.side is cmd.side)
            ):
                self._cancel(self._syms[i.symbol], o, CancelReason.MASS_CANCEL, cmd.client_ref)
                n += 1
        self._seq += 1
        self._out.append(
            MassCancelled(
                self._seq, cmd.owner, cmd.firm, cmd.account, cmd.symbol, cmd.side, cmd.client_ref, n
            )
        )
