"""Continuous matching: the hot path shared by the engine and the auctions.

Role: `Matcher` holds the engine's mutable state (books, counters, the output list) and
the primitive moves: fill a resting order, match an incoming order against the opposite
side (FIFO or pro-rata, with self-trade prevention), rest, cancel, expire, stop triggers
and the market-data flush. It emits events in the order things happen.

Invariants: trades print at the maker's price; an order's leaves + cum == qty at every
event; a level's totals follow every change (see `Book.check_invariants`); stop orders
triggered by one execution run in order-id order, after the execution that triggered them,
and a cascade is drained completely before the command returns.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from sortedcontainers import SortedDict  # type: ignore[import-untyped]

from venue.book import Book, Level, Order
from venue.events import (
    BookChanged,
    Cancelled,
    Event,
    Expired,
    Trade,
    Triggered,
)
from venue.instruments import Instrument
from venue.marketdata import MarketStats
from venue.native import mypyc_attr
from venue.shardmap import ShardedDict
from venue.types import (
    CancelReason,
    OrderStatus,
    OrdType,
    Phase,
    Side,
    StpMode,
    StpScope,
)

_new: Final = tuple.__new__
_TRADE: Final = Trade
_PARTIAL: Final = OrderStatus.PARTIALLY_FILLED
_FILLED: Final = OrderStatus.FILLED
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_STP_OFF: Final = StpMode.OFF


class SymbolState:
    """Everything the engine knows about one instrument."""

    __slots__ = (
        "instrument",
        "symbol",
        "lot_size",
        "min_qty",
        "max_qty",
        "book",
        "phase",
        "stats",
        "buy_stops",
        "sell_stops",
        "pool",
        "stp_mode",
        "stp_account",
        "pro_rata",
        "band",
        "banded",
        "touched_bids",
        "touched_asks",
        "dirty",
    )

    def __init__(
        self, inst: Instrument, stp_mode: StpMode, stp_scope: StpScope, tape_size: int
    ) -> None:
        from venue.types import Algorithm

        self.instrument = inst
        self.symbol = inst.symbol
        # Copies of the instrument's quantity rules for the fast paths (it is immutable).
        self.lot_size = inst.lot_size
        self.min_qty = inst.min_qty
        self.max_qty = inst.max_qty
        self.book = Book(inst.symbol)
        self.phase = inst.initial_phase
        self.stats = MarketStats(tape_size)
        # stop price -> {order id: order}; buys trigger at or above, sells at or below.
        self.buy_stops: SortedDict = SortedDict()
        self.sell_stops: SortedDict = SortedDict()
        # At-the-close orders waiting for the closing auction, by order id.
        self.pool: dict[int, Order] = {}
        self.stp_mode = inst.stp_mode or stp_mode
        self.stp_account = (inst.stp_scope or stp_scope) is StpScope.ACCOUNT
        self.pro_rata = inst.algorithm is Algorithm.PRO_RATA
        self.band = inst.band(inst.reference_ticks)
        # Without a band configuration `band` is always None: nothing to refresh.
        self.banded = inst.band_ticks is not None or inst.band_pct is not None
        # Prices whose displayed level changed during the current command (market data),
        # each with whether the level was on the book when the command started.
        self.touched_bids: dict[int, bool] = {}
        self.touched_asks: dict[int, bool] = {}
        self.dirty = False

    @property
    def reference_price(self) -> int | None:
        last = self.stats.last_price
        return last if last is not None else self.instrument.reference_ticks

    def refresh_band(self) -> None:
        if self.banded:
            self.band = self.instrument.band(self.reference_price)


@mypyc_attr(allow_interpreted_subclasses=True)
class Matcher:
    """Engine state and matching primitives (see `venue.engine.Engine`)."""

    def __init__(self, *, md_events: bool, retain_done: bool) -> None:
        self._syms: dict[str, SymbolState] = {}
        # An entry per live (and, retained, done) order: sharded, so they grow in small
        # steps (venue.shardmap).
        self._live: ShardedDict[int, Order] = ShardedDict()
        self._done: ShardedDict[int, Order] = ShardedDict()
        self._retain_done = retain_done
        self._md_events = md_events
        self._out: list[Event] = []
        self._seq = 0
        self._next_id = 1
        self._next_trade = 1
        self._prio = 0
        self._triggers: deque[tuple[Order, int]] = deque()
        # Instruments with touched price levels in the current command.
        self._dirty: list[SymbolState] = []

    # -- bookkeeping ---------------------------------------------------------------------

    def _touch(self, sym: SymbolState, is_buy: bool, price: int, existed: bool = True) -> None:
        """Note a changed price level for the market-data flush (nothing when market-data
        events are off: the touch sets only feed `BookChanged`). `existed`: whether the
        level was on the book before this change (False when the change created it); only
        the first touch of a level in a command counts."""
        if not self._md_events:
            return
        if not sym.dirty:
            sym.dirty = True
            self._dirty.append(sym)
        touched = sym.touched_bids if is_buy else sym.touched_asks
        if price not in touched:
            touched[price] = existed

    def _flush_md(self) -> None:
        """Emit one BookChanged per touched level, with its state after the command:
        per instrument in first-touch order, bids then asks, each in first-touch order.
        A level both created and gone within the command was never shown: nothing."""
        out = self._out
        append = out.append
        s = self._seq
        for sym in self._dirty:
            sym.dirty = False
            symbol = sym.symbol
            touched = sym.touched_bids
            if touched:
                get = sym.book.bids.get
                for px, existed in touched.items():
                    lvl = get(-px)
                    if lvl is None:
                        if existed:
                            s += 1
                            append(_new(BookChanged, (s, symbol, _BUY, px, 0, 0)))
                    else:
                        s += 1
                        append(_new(BookChanged, (s, symbol, _BUY, px, lvl.qty, lvl.count)))
                touched.clear()
            touched = sym.touched_asks
            if touched:
                get = sym.book.asks.get
                for px, existed in touched.items():
                    lvl = get(px)
                    if lvl is None:
                        if existed:
                            s += 1
                            append(_new(BookChanged, (s, symbol, _SELL, px, 0, 0)))
                    else:
                        s += 1
                        append(_new(BookChanged, (s, symbol, _SELL, px, lvl.qty, lvl.count)))
                touched.clear()
        self._seq = s
        self._dirty.clear()

    def _finish(self, o: Order, status: OrderStatus) -> None:
        o.status = status
        del self._live[o.id]
        if self._retain_done:
            self._done[o.id] = o

    def _rest(self, sym: SymbolState, o: Order) -> None:
        """Put an order (price set, leaves > 0) at the back of its level."""
        mf = o.max_floor
        o.display = o.leaves if mf is None or mf > o.leaves else mf
        sym.book.add(o)
        lvl = o.level
        assert lvl is not None
        self._touch(sym, o.is_buy, lvl.price, lvl.count > 1)

    def _unlink(self, sym: SymbolState, o: Order) -> None:
        """Take a live order out of wherever it waits (book, stops, pool)."""
        if o.level is not None:
            self._touch(sym, o.is_buy, o.level.price)
            sym.book.remove(o)
        elif o.status is OrderStatus.PENDING_TRIGGER:
            stops = sym.buy_stops if o.is_buy else sym.sell_stops
            bucket = stops[o.stop_price]
            del bucket[o.id]
            if not bucket:
                del stops[o.stop_price]
        elif o.status is OrderStatus.PENDING_AUCTION:
            del sym.pool[o.id]

    def _cancel(self, sym: SymbolState, o: Order, reason: CancelReason, ref: str = "") -> None:
        qty = o.leaves
        self._unlink(sym, o)
        o.leaves = o.display = 0
        self._finish(o, OrderStatus.CANCELLED)
        self._seq = s = self._seq + 1
        self._out.append(_new(Cancelled, (s, o.info, o.cum, o.notional, qty, reason, ref)))

    def _cancel_taker(self, o: Order, reason: CancelReason) -> None:
        """Cancel the remainder of an incoming order that is not on the book."""
        qty = o.leaves
        o.leaves = o.display = 0
        self._finish(o, OrderStatus.CANCELLED)
        self._seq = s = self._seq + 1
        self._out.append(_new(Cancelled, (s, o.info, o.cum, o.notional, qty, reason, "")))

    def _expire(self, sym: SymbolState, o: Order) -> None:
        qty = o.leaves
        self._unlink(sym, o)
        o.leaves = o.display = 0
        self._finish(o, OrderStatus.EXPIRED)
        self._seq = s = self._seq + 1
        self._out.append(_new(Expired, (s, o.info, o.cum, o.notional, qty)))

    # -- fills ---------------------------------------------------------------------------

    def _fill_resting(self, sym: SymbolState, o: Order, q: int, px: int) -> None:
        """Fill `q` of a resting order at `px` (its level's price in continuous trading,
        the auction price in an uncross); refill an iceberg peak at the back."""
        lvl = o.level
        assert lvl is not None
        o.leaves -= q
        o.cum += q
        o.notional += q * px
        d = o.display
        if q < d:
            o.display = d - q
            lvl.qty -= q
            o.status = _PARTIAL
        else:
            lvl.qty -= d
            lvl.hidden -= q - d
            o.display = 0
            if o.leaves == 0:
                sym.book.remove(o)
                self._finish(o, _FILLED)
            else:
                mf = o.max_floor
                assert mf is not None
                nd = mf if mf < o.leaves else o.leaves
                o.display = nd
                lvl.qty += nd
                lvl.hidden -= nd
                self._prio += 1
                o.priority = self._prio
                sym.book.move_to_back(o)
                o.status = _PARTIAL
        # The order's own level changed (in an auction uncross `px` is the one auction
        # price, not the level's).
        self._touch(sym, o.is_buy, lvl.price)

    def _trade(
        self, sym: SymbolState, maker: Order, taker: Order, q: int, px: int, aggressor: Side | None
    ) -> None:
        self._seq = s = self._seq + 1
        tid = self._next_trade
        self._next_trade = tid + 1
        t = _new(
            _TRADE,
            (
                s,
                tid,
                sym.symbol,
                px,
                q,
                aggressor,
                maker.info,
                maker.leaves,
                maker.cum,
                maker.notional,
                taker.info,
                taker.leaves,
                taker.cum,
                taker.notional,
            ),
        )
        self._out.append(t)
        sym.stats.on_trade(t)

    def _match(self, sym: SymbolState, t: Order, limit: int | None) -> tuple[int, int] | None:
        """Match incoming order `t` against the opposite side up to `limit` (None: no
        limit). Returns the (lowest, highest) trade price, or None if nothing traded.
        When self-trade prevention cancels the aggressor, `t.status` is CANCELLED."""
        is_buy = t.is_buy
        levels = sym.book.asks if is_buy else sym.book.bids
        stp = sym.stp_mode is not _STP_OFF
        tkey = t.stp_key
        aggressor = t.side
        lo = hi = 0
        traded = False
        orders = sym.book.orders
        live = self._live
        done = self._done
        retain = self._retain_done
        md = self._md_events
        touched = sym.touched_asks if is_buy else sym.touched_bids
        symbol = sym.symbol
        append = self._out.append
        # FIFO trades update the statistics once, after the loop (see the end).
        pro_rata = sym.pro_rata
        stats = sym.stats
        tape_append = stats.tape.append
        cum0 = t.cum
        notional0 = t.notional
        tid0 = self._next_trade
        q = 0
        stopped = False
        while t.leaves and levels:
            # Best level: SortedDict keeps its keys in a SortedList of sublists.
            key = levels._list._lists[0][0]
            lvl: Level = levels[key]
            px = lvl.price
            if limit is not None and (px > limit if is_buy else px < limit):
                break
            if pro_rata:
                did, alive = self._match_prorata(sym, lvl, t, px, stp)
                if did:
                    if not traded:
                        lo = hi = px
                        traded = True
                    elif is_buy:
                        hi = px
                    else:
                        lo = px
                if not alive:
                    break
                continue
            # FIFO. `_fill_resting`, `_touch`, `_finish` and `_trade` inlined for
            # fully displayed makers (display == leaves); icebergs use `_fill_resting`.
            while t.leaves:
                m = lvl.head
                if m is None:
                    break
                if stp and m.stp_key == tkey:
                    if self._self_trade(sym, m, t):
                        stopped = True
                        break
                    continue
                tl = t.leaves
                d = m.display
                q = d if d < tl else tl
                if m.max_floor is not None:
                    self._fill_resting(sym, m, q, px)
                else:
                    m.leaves -= q
                    m.cum += q
                    m.notional += q * px
                    if q < d:
                        m.display = d - q
                        lvl.qty -= q
                        m.status = _PARTIAL
                    else:
                        lvl.qty -= d
                        m.display = 0
                        # Book.remove of the head of the level, inlined.
                        nxt = m.next
                        lvl.head = nxt
                        if nxt is None:
                            lvl.tail = None
                        else:
                            nxt.prev = None
                        m.level = m.next = None
                        lvl.count = c = lvl.count - 1
                        del orders[m.id]
                        if not c:
                            del levels[key]
                        m.status = _FILLED
                        del live[m.id]
                        if retain:
                            done[m.id] = m
                    if md:
                        if not sym.dirty:
                            sym.dirty = True
                            self._dirty.append(sym)
                        if px not in touched:
                            touched[px] = True
                t.leaves = tl - q
                t.cum += q
                t.notional += q * px
                if not traded:
                    lo = hi = px
                    traded = True
                elif is_buy:
                    hi = px
                else:
                    lo = px
                self._seq = s = self._seq + 1
                tid = self._next_trade
                self._next_trade = tid + 1
                tr = _new(
                    _TRADE,
                    (
                        s,
                        tid,
                        symbol,
                        px,
                        q,
                        aggressor,
                        m.info,
                        m.leaves,
                        m.cum,
                        m.notional,
                        t.info,
                        t.leaves,
                        t.cum,
                        t.notional,
                    ),
                )
                append(tr)
                tape_append(tr)
            if stopped:
                break
        if not traded:
            return None
        if not pro_rata:
            # `MarketStats.on_trade` for each FIFO trade of this match, at once: prices
            # only move away from the touch, so the first trade is at `lo` for a buy
            # (`hi` for a sell) and the last at the other end.
            stats.last_price = hi if is_buy else lo
            stats.last_qty = q
            stats.volume += t.cum - cum0
            stats.notional += t.notional - notional0
            stats.trades += self._next_trade - tid0
            if stats.open is None:
                stats.open = lo if is_buy else hi
                stats.high = hi
                stats.low = lo
            else:
                if hi > stats.high:  # type: ignore[operator]
                    stats.high = hi
                if lo < stats.low:  # type: ignore[operator]
                    stats.low = lo
        return lo, hi

    def _self_trade(self, sym: SymbolState, m: Order, t: Order) -> bool:
        """Apply self-trade prevention to maker `m` and taker `t`. Returns True when the
        taker is cancelled (matching must stop)."""
        mode = sym.stp_mode
        if mode is StpMode.CANCEL_RESTING or mode is StpMode.CANCEL_BOTH:
            self._cancel(sym, m, CancelReason.SELF_TRADE)
        if mode is StpMode.CANCEL_AGGRESSOR or mode is StpMode.CANCEL_BOTH:
            self._cancel_taker(t, CancelReason.SELF_TRADE)
            return True
        return False

    def _match_prorata(
        self, sym: SymbolState, lvl: Level, t: Order, px: int, stp: bool
    ) -> tuple[bool, bool]:
        """Fill `t` at one level in proportion to displayed size: each order gets
        floor(size * q / total), then the remainder goes in time priority from the top of
        the queue, each order up to its size. Returns (traded, taker still alive)."""
        if stp:
            for m in list(lvl):
                if m.stp_key == t.stp_key and self._self_trade(sym, m, t):
                    return False, False
        traded = False
        while t.leaves and lvl.count:
            avail = lvl.qty
            q = t.leaves if t.leaves < avail else avail
            orders = list(lvl)
            if q == avail:
                allocs = [m.display for m in orders]
            else:
                allocs = [m.display * q // avail for m in orders]
                rem = q - sum(allocs)
                for i, m in enumerate(orders):
                    if not rem:
                        break
                    extra = min(rem, m.display - allocs[i])
                    allocs[i] += extra
                    rem -= extra
            for m, a in zip(orders, allocs, strict=True):
                if a:
                    self._fill_resting(sym, m, a, px)
                    t.leaves -= a
                    t.cum += a
                    t.notional += a * px
                    traded = True
                    self._trade(sym, m, t, a, px, t.side)
        return traded, True

    # -- stops ---------------------------------------------------------------------------

    def _add_stop(self, sym: SymbolState, o: Order) -> None:
        o.status = OrderStatus.PENDING_TRIGGER
        stops = sym.buy_stops if o.is_buy else sym.sell_stops
        bucket = stops.get(o.stop_price)
        if bucket is None:
            stops[o.stop_price] = {o.id: o}
        else:
            bucket[o.id] = o

    def _collect_triggers(self, sym: SymbolState, lo: int, hi: int) -> None:
        """Queue the stops triggered by trades between `lo` and `hi`, in order-id order."""
        found: list[tuple[Order, int]] = []
        if sym.buy_stops:
            for sp in list(sym.buy_stops.irange(maximum=hi)):
                found.extend((o, hi) for o in sym.buy_stops.pop(sp).values())
        if sym.sell_stops:
            for sp in list(sym.sell_stops.irange(minimum=lo)):
                found.extend((o, lo) for o in sym.sell_stops.pop(sp).values())
        if found:
            found.sort(key=lambda p: p[0].id)
            for o, _ in found:
                o.status = OrderStatus.NEW if o.cum == 0 else _PARTIAL
            self._triggers.extend(found)

    def _drain_triggers(self, sym: SymbolState) -> None:
        while self._triggers:
            o, trig_px = self._triggers.popleft()
            if o.id not in self._live:
                continue
            if sym.phase is not Phase.CONTINUOUS:
                self._add_stop(sym, o)
                continue
            self._seq = s = self._seq + 1
            self._out.append(_new(Triggered, (s, o.info, o.leaves, o.cum, o.notional, trig_px)))
            self._prio += 1
            o.priority = self._prio
            if o.ord_type is OrdType.STOP:
                o.ord_type = OrdType.MARKET
            else:
                o.ord_type = OrdType.LIMIT
            self._execute(sym, o)

    def _execute(self, sym: SymbolState, o: Order) -> None:
        """Run an accepted order in continuous trading: match, then rest or cancel the
        remainder according to its type and time in force. Queues triggered stops."""
        raise NotImplementedError
