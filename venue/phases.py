"""Trading phases, schedules and expiry.

Role: the per-instrument phase machine (one table of legal moves, `TRANSITIONS`), the
side effects of a move (uncross when an auction ends, at-the-open/at-the-close orders
leave after their auction, DAY orders expire at the close, stops re-armed when
continuous trading starts), GTD and DAY expiry, and the trading schedule.

At-the-open orders take part in the auction that opens the market: the opening auction,
or, when a halt interrupts the pre-open or the opening auction, the re-opening auction
that replaces it (a halt in a call phase neither uncrosses nor expires anything). Whatever
is unfilled after that uncross expires (Expired), as after a normal opening uncross; they
never trade in continuous trading. (A re-opening after a halt in continuous trading finds
none: they expired when the market opened.)

At-the-close orders only ever trade in a closing auction. Entered in continuous trading
they wait outside the book (PENDING_AUCTION) and join it by time priority when the closing
auction starts; what the closing uncross leaves unfilled expires. When a halt interrupts
the closing auction, they leave the book and wait again (PENDING_AUCTION, time priority
kept) for the next closing auction, through the re-opening auction and continuous trading;
like every DAY order they expire at the close.

Invariants: the phase changes only in `_set_phase`, which emits exactly one PhaseChanged
per move; an illegal move raises `IllegalTransition` (operator misuse) and changes nothing.
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta

from venue.auction import run_uncross
from venue.events import PhaseChanged
from venue.matching import Matcher, SymbolState
from venue.native import mypyc_attr
from venue.types import AUCTION_PHASES, OrderStatus, Phase, TimeInForce

P = Phase
TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    P.CLOSED: frozenset({P.PRE_OPEN, P.OPENING_AUCTION, P.CONTINUOUS}),
    P.PRE_OPEN: frozenset({P.OPENING_AUCTION, P.CONTINUOUS, P.HALTED, P.CLOSED}),
    P.OPENING_AUCTION: frozenset({P.CONTINUOUS, P.HALTED, P.CLOSED}),
    P.CONTINUOUS: frozenset({P.HALTED, P.CLOSING_AUCTION, P.CLOSED}),
    P.HALTED: frozenset({P.REOPENING_AUCTION, P.CLOSED}),
    P.REOPENING_AUCTION: frozenset({P.CONTINUOUS, P.HALTED, P.CLOSED}),
    P.CLOSING_AUCTION: frozenset({P.CLOSED, P.HALTED}),
}
_OPENING = frozenset({P.PRE_OPEN, P.OPENING_AUCTION})
#: Phases whose end (other than by a halt) opens the market: after it, at-the-open
#: orders expire.
_OPENS = _OPENING | {P.REOPENING_AUCTION}
_DAY_TIFS = frozenset({TimeInForce.DAY, TimeInForce.AT_OPEN, TimeInForce.AT_CLOSE})


class IllegalTransition(ValueError):
    pass


@mypyc_attr(allow_interpreted_subclasses=True)
class PhaseMixin(Matcher):
    def __init__(self, *, md_events: bool, retain_done: bool) -> None:
        super().__init__(md_events=md_events, retain_done=retain_done)
        self._gtd: list[tuple[datetime, int]] = []
        self._sched_clock: datetime | None = None

    def _set_phase(self, sym: SymbolState, new: Phase) -> None:
        old = sym.phase
        if new is old:
            return
        if new not in TRANSITIONS[old]:
            raise IllegalTransition(f"{sym.symbol}: {old.value} -> {new.value}")
        self._seq += 1
        self._out.append(PhaseChanged(self._seq, sym.symbol, old, new))
        if old is P.CLOSED:
            sym.stats.new_day()
        ends_auction = old in AUCTION_PHASES and new is not P.HALTED
        if ends_auction or (old is P.PRE_OPEN and new is P.CONTINUOUS):
            run_uncross(self, sym)
        sym.phase = new
        if old in _OPENS and new not in _OPENING and new is not P.HALTED:
            self._expire_where(sym, lambda o: o.tif is TimeInForce.AT_OPEN)
        if new is P.CLOSING_AUCTION and sym.pool:
            self._rest_pool(sym)
        if old is P.CLOSING_AUCTION:
            if new is P.HALTED:
                self._pool_at_close(sym)
            else:
                self._expire_where(sym, lambda o: o.tif is TimeInForce.AT_CLOSE)
        if new is P.CLOSED:
            self._expire_where(sym, lambda o: o.tif in _DAY_TIFS)
            sym.stats.mark_close()
        if new is P.CONTINUOUS and sym.stats.last_price is not None:
            last = sym.stats.last_price
            self._collect_triggers(sym, last, last)
            self._drain_triggers(sym)

    def _rest_pool(self, sym: SymbolState) -> None:
        """The waiting at-the-close orders join the book when the closing auction starts,
        each at its place by time priority within its level (an order entered before a
        resting order at the same price stays ahead of it)."""
        orders = sorted(sym.pool.values(), key=lambda o: o.priority)
        sym.pool.clear()
        book = sym.book
        for o in orders:
            o.status = OrderStatus.PARTIALLY_FILLED if o.cum else OrderStatus.NEW
            mf = o.max_floor
            o.display = o.leaves if mf is None or mf > o.leaves else mf
            px = o.price
            assert px is not None
            self._touch(sym, o.is_buy, px, (-px in book.bids) if o.is_buy else (px in book.asks))
        book.merge_by_priority(orders)

    def _pool_at_close(self, sym: SymbolState) -> None:
        """A halt interrupted the closing auction: the at-the-close orders leave the book
        (in order-id order) and wait again for the next closing auction, their priority
        kept."""
        for oid in sorted(sym.book.orders):
            o = sym.book.orders[oid]
            if o.tif is TimeInForce.AT_CLOSE:
                self._unlink(sym, o)
                o.status = OrderStatus.PENDING_AUCTION
                sym.pool[oid] = o

    def _expire_where(self, sym: SymbolState, pred: object) -> None:
        assert callable(pred)
        for oid in sorted(self._live):
            o = self._live[oid]
            if o.info.symbol == sym.symbol and pred(o):
                self._expire(sym, o)

    def _expire_day(self, sym: SymbolState) -> None:
        self._expire_where(sym, lambda o: o.tif in _DAY_TIFS)

    def _expire_gtd(self, now: datetime, symbol: str | None) -> None:
        heap = self._gtd
        kept: list[tuple[datetime, int]] = []
        while heap and heap[0][0] <= now:
            at, oid = heapq.heappop(heap)
            o = self._live.get(oid)
            if o is None or o.expire_at != at:
                continue
            if symbol is not None and o.info.symbol != symbol:
                kept.append((at, oid))
                continue
            self._expire(self._syms[o.info.symbol], o)
        for item in kept:
            heapq.heappush(heap, item)

    def _advance_schedules(self, now: datetime) -> None:
        start = self._sched_clock
        self._sched_clock = now
        if start is None or now <= start:
            return
        due: list[tuple[datetime, str, Phase]] = []
        for sym in self._syms.values():
            sched = sym.instrument.schedule
            if not sched:
                continue
            day = start.date()
            while day <= now.date():
                for e in sched:
                    at = datetime.combine(day, e.at, tzinfo=now.tzinfo)
                    if start < at <= now:
                        due.append((at, sym.symbol, e.phase))
                day += timedelta(days=1)
        due.sort(key=lambda d: (d[0], d[1]))
        for _, symbol, phase in due:
            sym = self._syms[symbol]
            if phase is not sym.phase and phase in TRANSITIONS[sym.phase]:
                self._set_phase(sym, phase)
