"""The exchange engine: commands in, events out.

Role: validate and apply commands (`submit(cmd, now)`), assign order ids, trade ids and
the event sequence, and offer read views and the recovery API. Pure and single-threaded:
no I/O, no clock (time is the `now` argument), no randomness, so the same commands at the
same times give the same events byte for byte.

Invariants: a rejected command changes nothing but the event sequence; every accepted
order is in `_live` until it is filled, cancelled or expired; after every command each
book satisfies `Book.check_invariants` (crossed only in a call phase).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final

from venue.book import Book, Level, Order, OrderView
from venue.commands import (
    AdvanceTime,
    CancelOrder,
    Command,
    EndOfDay,
    ExpireOrders,
    Halt,
    MassCancel,
    NewOrder,
    ReplaceOrder,
    Resume,
    SetPhase,
)
from venue.events import (
    Accepted,
    BookChanged,
    Cancelled,
    CancelRejected,
    Event,
    MassCancelled,
    OrderInfo,
    Rejected,
    Replaced,
    ReplaceRejected,
)
from venue.instruments import Instrument
from venue.marketdata import Bbo, Depth, MarketStats, bbo, depth
from venue.matching import SymbolState
from venue.native import mypyc_attr
from venue.phases import PhaseMixin
from venue.recovery import RecoveryMixin
from venue.types import (
    CALL_PHASES,
    REJECT_TEXT,
    CancelReason,
    OrderStatus,
    OrdType,
    Phase,
    RejectReason,
    Side,
    StpMode,
    StpScope,
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
_STOPS: Final = frozenset({OrdType.STOP, OrdType.STOP_LIMIT})
_PRICED: Final = frozenset({OrdType.LIMIT, OrdType.STOP_LIMIT})
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
_USER: Final = CancelReason.USER
_new_order_obj: Final = object.__new__
#: True when `venue.book` is compiled with mypyc (setup.py, the default build): a native
#: class cannot be created with `object.__new__`, and its constructor is cheap anyway.
_NATIVE_ORDER: Final = hasattr(Order, "__mypyc_attrs__")


#: Python subclasses of the engine (the fast-path tests route `submit` to the generic code)
#: must work when it is compiled too; so must they of its bases.
@mypyc_attr(allow_interpreted_subclasses=True)
class Engine(RecoveryMixin, PhaseMixin):
    """The venue. `submit(cmd, now)` is the only way to change it."""

    def __init__(
        self,
        instruments: Iterable[Instrument],
        *,
        stp_mode: StpMode = StpMode.OFF,
        stp_scope: StpScope = StpScope.FIRM,
        md_events: bool = True,
        retain_done: bool = False,
        tape_size: int = 1000,
    ) -> None:
        super().__init__(md_events=md_events, retain_done=retain_done)
        for inst in instruments:
            if inst.symbol in self._syms:
                raise ValueError(f"duplicate instrument {inst.symbol}")
            self._syms[inst.symbol] = SymbolState(inst, stp_mode, stp_scope, tape_size)

    # -- the command entry point ----------------------------------------------------------

    def submit(self, cmd: Command, now: datetime) -> list[Event]:
        out: list[Event] = []
        self._out = out
        # The frequent commands first (direct calls are cheaper than `_DISPATCH`).
        t = type(cmd)
        if t is NewOrder:
            if cmd.ord_type is _MARKET:  # type: ignore[union-attr]
                self._on_market(cmd, now)  # type: ignore[arg-type]
            else:
                self._on_new(cmd, now)  # type: ignore[arg-type]
        elif t is CancelOrder:
            self._on_cancel(cmd, now)  # type: ignore[arg-type]
        elif t is ReplaceOrder:
            self._on_replace(cmd, now)  # type: ignore[arg-type]
        else:
            handler = _DISPATCH.get(t)
            if handler is not None:
                handler(self, cmd, now)
            else:
                self._submit_other(cmd, now)
        if self._dirty:
            self._flush_md()
        return out

    def _submit_other(self, cmd: Command, now: datetime) -> None:
        """Commands other than the exact types in `_DISPATCH` (e.g. subclasses)."""
        if isinstance(cmd, NewOrder):
            self._new_order(cmd, now)
        elif isinstance(cmd, CancelOrder):
            self._cancel_cmd(cmd)
        elif isinstance(cmd, ReplaceOrder):
            self._replace(cmd)
        elif isinstance(cmd, MassCancel):
            self._mass_cancel(cmd)
        elif isinstance(cmd, SetPhase):
            self._on_set_phase(cmd, now)
        elif isinstance(cmd, Halt):
            self._on_halt(cmd, now)
        elif isinstance(cmd, Resume):
            self._on_resume(cmd, now)
        elif isinstance(cmd, ExpireOrders):
            self._on_expire(cmd, now)
        elif isinstance(cmd, EndOfDay):
            self._on_end_of_day(cmd, now)
        elif isinstance(cmd, AdvanceTime):
            self._on_advance(cmd, now)
        else:
            raise TypeError(f"not a venue command: {cmd!r}")

    def _on_set_phase(self, cmd: SetPhase, now: datetime) -> None:
        self._set_phase(self._sym(cmd.symbol), cmd.phase)

    def _on_halt(self, cmd: Halt, now: datetime) -> None:
        self._set_phase(self._sym(cmd.symbol), Phase.HALTED)

    def _on_resume(self, cmd: Resume, now: datetime) -> None:
        sym = self._sym(cmd.symbol)
        self._set_phase(sym, Phase.REOPENING_AUCTION)
        if cmd.immediate:
            self._set_phase(sym, _CONT)

    def _on_expire(self, cmd: ExpireOrders, now: datetime) -> None:
        self._expire_gtd(now, cmd.symbol)

    def _on_end_of_day(self, cmd: EndOfDay, now: datetime) -> None:
        self._expire_gtd(now, cmd.symbol)
        for s in self._syms.values():
            if cmd.symbol is None or s.symbol == cmd.symbol:
                self._expire_day(s)

    def _on_advance(self, cmd: AdvanceTime, now: datetime) -> None:
        self._advance_schedules(now)
        self._expire_gtd(now, None)

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

    def reject(self, cmd: NewOrder, reason: RejectReason, text: str | None = None) -> list[Event]:
        """A sequenced rejection decided outside the engine (e.g. PRICE_OFF_TICK found
        while converting a decimal price)."""
        self._out = []
        self._reject(cmd, reason, text)
        return self._out

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
        info = _new(
            _ORDER_INFO,
            (
                oid,
                cmd.symbol,
                side,
                _LIMIT,
                tif,
                qty,
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
        if _NATIVE_ORDER:
            o = Order(info, cmd.account if sym.stp_account else cmd.firm, prio)
        else:
            # Order.__init__, inlined (same fields, same values; `level`, `prev` and
            # `next` are set below).
            o = _new_order_obj(Order)
            o.id = oid
            o.info = info
            o.side = side
            o.is_buy = is_buy
            o.ord_type = _LIMIT
            o.tif = tif
            o.price = price
            o.stop_price = None
            o.qty = qty
            o.leaves = qty
            o.display = qty
            o.max_floor = None
            o.cum = 0
            o.notional = 0
            o.priority = prio
            o.stp_key = cmd.account if sym.stp_account else cmd.firm
            o.status = _NEW
            o.expire_at = None
        o.next = None
        self._live[oid] = o
        s = self._seq + 1
        out = self._out
        out.append(_new(_ACCEPTED, (s, info, qty, 0, 0)))
        if crosses or tif is _IOC:
            o.level = o.prev = None
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
                if sym.banded:
                    sym.refresh_band()
                if sym.buy_stops or sym.sell_stops:
                    self._collect_triggers(sym, rng[0], rng[1])
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
        info = _new(
            _ORDER_INFO,
            (
                oid,
                cmd.symbol,
                side,
                _MARKET,
                tif,
                qty,
                None,
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
        self._prio = prio = self._prio + 1
        if _NATIVE_ORDER:
            o = Order(info, cmd.account if sym.stp_account else cmd.firm, prio)
        else:
            # Order.__init__, inlined (same fields, same values).
            o = _new_order_obj(Order)
            o.id = oid
            o.info = info
            o.side = side
            o.is_buy = is_buy
            o.ord_type = _MARKET
            o.tif = tif
            o.price = None
            o.stop_price = None
            o.qty = qty
            o.leaves = qty
            o.display = qty
            o.max_floor = None
            o.cum = 0
            o.notional = 0
            o.priority = prio
            o.stp_key = cmd.account if sym.stp_account else cmd.firm
            o.status = _NEW
            o.expire_at = None
            o.level = None
            o.prev = None
            o.next = None
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
            if sym.banded:
                sym.refresh_band()
            if sym.buy_stops or sym.sell_stops:
                self._collect_triggers(sym, rng[0], rng[1])
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
            sym.refresh_band()
            if sym.buy_stops or sym.sell_stops:
                self._collect_triggers(sym, rng[0], rng[1])

    # -- cancel, replace, mass cancel ----------------------------------------------------

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

    # -- read views ----------------------------------------------------------------------

    def order(self, order_id: int) -> OrderView | None:
        o = self._live.get(order_id) or self._done.get(order_id)
        return OrderView(o) if o is not None else None

    def book(self, symbol: str) -> Book:
        return self._sym(symbol).book

    def instrument(self, symbol: str) -> Instrument:
        return self._sym(symbol).instrument

    @property
    def symbols(self) -> list[str]:
        return list(self._syms)

    def phase(self, symbol: str) -> Phase:
        return self._sym(symbol).phase

    def bbo(self, symbol: str) -> Bbo:
        return bbo(self._sym(symbol).book)

    def depth(self, symbol: str, levels: int = 5) -> Depth:
        return depth(self._sym(symbol).book, levels)

    def stats(self, symbol: str) -> MarketStats:
        return self._sym(symbol).stats

    def live_orders(self) -> list[OrderView]:
        return [OrderView(self._live[oid]) for oid in sorted(self._live)]

    def check_invariants(self) -> None:
        for sym in self._syms.values():
            sym.book.check_invariants(
                allow_crossed=sym.phase in CALL_PHASES
                or sym.phase is Phase.HALTED
                or sym.phase is Phase.CLOSED
            )
            for o in sym.book.orders.values():
                assert self._live.get(o.id) is o
            for stops in (sym.buy_stops, sym.sell_stops):
                for sp, bucket in stops.items():
                    for o in bucket.values():
                        assert o.stop_price == sp and o.status is OrderStatus.PENDING_TRIGGER
                        assert self._live.get(o.id) is o
            for o in sym.pool.values():
                assert o.status is OrderStatus.PENDING_AUCTION and self._live.get(o.id) is o
        for o in self._live.values():
            assert o.leaves > 0 and o.leaves + o.cum == o.qty, o
            assert o.level is not None or o.status in (
                OrderStatus.PENDING_TRIGGER,
                OrderStatus.PENDING_AUCTION,
            ), o


#: `submit` dispatch on the exact command type (subclasses go through `_submit_other`).
_DISPATCH: dict[type, Callable[[Engine, Any, datetime], None]] = {
    NewOrder: Engine._on_new,
    CancelOrder: Engine._on_cancel,
    ReplaceOrder: Engine._on_replace,
    MassCancel: Engine._on_mass_cancel,
    SetPhase: Engine._on_set_phase,
    Halt: Engine._on_halt,
    Resume: Engine._on_resume,
    ExpireOrders: Engine._on_expire,
    EndOfDay: Engine._on_end_of_day,
    AdvanceTime: Engine._on_advance,
}
