"""The exchange engine: commands in, events out.

Role: validate and apply commands (`submit(cmd, now)`), assign order ids, trade ids and
the event sequence, and offer read views and the recovery API. Pure and single-threaded:
no I/O, no clock (time is the `now` argument), no randomness, so the same commands at the
same times give the same events byte for byte.

Invariants: a rejected command changes nothing but the event sequence; every accepted
order is in `_live` until it is filled, cancelled or expired; after every command each
book satisfies `Book.check_invariants` (crossed only in a call phase).

Layers, each a module, each class the base of the next: `venue.matching.Matcher` (state and
matching primitives), `venue.phases.PhaseMixin` (trading phases, expiry),
`venue.recovery.RecoveryMixin` (snapshot and restore), `venue.entry.NewOrderMixin` (new
orders), `venue.amend.AmendMixin` (cancel, replace, mass cancel), and `Engine` here: the
entry point, the phase and time commands, and the read views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final

from venue.amend import AmendMixin
from venue.book import Book, OrderView
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
from venue.events import Event
from venue.instruments import Instrument
from venue.marketdata import Bbo, Depth, MarketStats, bbo, depth
from venue.matching import SymbolState
from venue.native import mypyc_attr
from venue.types import (
    CALL_PHASES,
    OrderStatus,
    OrdType,
    Phase,
    RejectReason,
    StpMode,
    StpScope,
)

_MARKET: Final = OrdType.MARKET
_CONT: Final = Phase.CONTINUOUS


#: Python subclasses of the engine (the fast-path tests route `submit` to the generic code)
#: must work when it is compiled too; so must they of its bases.
@mypyc_attr(allow_interpreted_subclasses=True)
class Engine(AmendMixin):
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

    def reject(self, cmd: NewOrder, reason: RejectReason, text: str | None = None) -> list[Event]:
        """A sequenced rejection decided outside the engine (e.g. PRICE_OFF_TICK found
        while converting a decimal price)."""
        self._out = []
        self._reject(cmd, reason, text)
        return self._out

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
