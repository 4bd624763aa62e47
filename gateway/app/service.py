"""The order-entry application: FIX application messages in, venue commands, reports out.

Role: the router behind the session layer (gateway.app.router's seam: `on_message`,
`on_session_down`, `tick`), plus the operator's commands and the kill switch. It owns the
engine, the ClOrdID bookkeeping (`ids`), pre-trade risk (`risk`) and the rows decided
since the last commit (`pending`); the work is split between
- `gateway.app.requests`: the D/F/G/H/q handlers (checks, locating orders, ownership);
- `gateway.app.reporting`: venue events -> ExecutionReports, OrderCancelRejects,
  mass-cancel reports, drop copies, market data and rows, for every session concerned (a
  passive fill belongs to the session that owns the resting order, logged on or not: the
  session layer stores it for resend);
- `gateway.app.model`: the shared types (re-exported here).

Invariants:
- Exactly one answer per request (a report, a reject, or silence for a PossResend
  duplicate); a malformed or unsupported request never raises.
- Everything this layer decides is in `pending` (journal, orders, executions, trades)
  until the shell commits it together with the FIX messages that report it.
- The engine is only changed through `_submit`, which journals the command: replaying the
  journal (see `replay`) rebuilds the engine and the ClOrdID bookkeeping exactly.
- `risk`, `copies` and `md` may be set after construction (the composition root does);
  the parts that use them follow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from time import perf_counter as _perf

from fixspec.enums import BusinessRejectReason
from gateway.app import reports as rp
from gateway.app.journal import encode_command
from gateway.app.model import (
    ACCEPTED,
    CANCELLED,
    EXPIRED,
    REJECTED,
    REPLACED,
    TRADE,
    Copies,
    EventObserver,
    MarketData,
    Outbox,
    Pending,
    RejectObserver,
    Request,
    SessionProfile,
    micros,
    to_datetime,
    venue_time,
)
from gateway.app.orders import OrderIds
from gateway.app.reporting import Reporter
from gateway.app.requests import Requests
from gateway.session import ApplicationMessage
from risk import RiskEngine
from venue import commands as vc
from venue import events as ve
from venue.engine import Engine

__all__ = [
    "Copies",
    "EventObserver",
    "MarketData",
    "OrderEntry",
    "Outbox",
    "Pending",
    "SessionProfile",
    "micros",
    "to_datetime",
]

_UTC = UTC
_Handler = Callable[[SessionProfile, ApplicationMessage, float], None]


class OrderEntry:
    """The application router for order entry (see module docstring)."""

    def __init__(
        self,
        engine: Engine,
        sessions: Iterable[SessionProfile],
        *,
        trading_day_end: time = time(21, 0),
        market_data: MarketData | None = None,
        security_ids: dict[str, str] | None = None,
    ) -> None:
        self.engine = engine
        self.profiles = {p.session_id: p for p in sessions}
        self.ids = OrderIds()
        self.trading_day_end = trading_day_end
        self.journal_position = 0
        self.last_end_of_day: datetime | None = None
        #: Time of the last journaled command replayed at start (None: empty journal).
        self.replayed_until: datetime | None = None
        self.observers: list[EventObserver] = []
        #: Gateway-level rejects (never reached the engine): (symbol, OrdRejReason).
        self.reject_observers: list[RejectObserver] = []
        pricers = {s: rp.Pricer(engine.instrument(s)) for s in engine.symbols}
        self._rep = Reporter(engine, pricers, self.profiles, Pending(), market_data)
        self._report = self._rep.report
        self._requests = Requests(
            engine,
            self.ids,
            self._rep,
            self._submit,
            trading_day_end=trading_day_end,
            security_ids=dict(security_ids or {}),
            reject_observers=self.reject_observers,
        )
        self._risk: RiskEngine | None = None
        req = self._requests
        self._handlers: dict[str, _Handler] = {
            "D": req.new_order,
            "F": req.cancel,
            "G": req.replace,
            "H": req.status,
            "q": req.mass_cancel,
            "V": self._market_data,
            "x": self._security_list,
        }

    # -- what the composition root sets -----------------------------------------------------
    @property
    def risk(self) -> RiskEngine | None:
        """Pre-trade risk (built by gateway.app.riskgate from the config); None = off."""
        return self._risk

    @risk.setter
    def risk(self, risk: RiskEngine | None) -> None:
        self._risk = self._requests.risk = risk

    @property
    def copies(self) -> Copies | None:
        """Drop-copy fan-out, set by the composition root when drop-copy sessions exist."""
        return self._rep.copies

    @copies.setter
    def copies(self, copies: Copies | None) -> None:
        self._rep.copies = copies

    @property
    def md(self) -> MarketData | None:
        return self._rep.md

    @md.setter
    def md(self, md: MarketData | None) -> None:
        self._rep.md = md

    @property
    def pending(self) -> Pending:
        """Rows decided since the last `take_pending`."""
        return self._rep.pending

    # -- the router seam -----------------------------------------------------------------
    def on_message(
        self, session_id: str, message: ApplicationMessage, now: float, outbox: Outbox
    ) -> None:
        handler = self._handlers.get(message.msg_type)
        self._rep.outbox = outbox
        if handler is None:
            self._rep.business_reject(
                session_id,
                message,
                BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE,
                f"Unsupported message type {message.msg_type}",
            )
            return
        profile = self.profiles.get(session_id)
        if profile is None or (profile.drop_copy and message.msg_type in "DFGq"):
            self._rep.business_reject(
                session_id,
                message,
                BusinessRejectReason.NOT_AUTHORIZED,
                "this session may not enter or cancel orders (drop copy)",
            )
            return
        handler(profile, message, now)

    def on_session_down(self, session_id: str, now: float, outbox: Outbox) -> None:
        """A session's connection ended: drop its subscriptions, cancel if configured."""
        if self.md is not None:
            self.md.on_disconnect(session_id)
        profile = self.profiles.get(session_id)
        if profile is not None and profile.cancel_on_disconnect:
            self._rep.outbox = outbox
            self._rep.req = Request(session_id)
            self._submit(vc.MassCancel(owner=session_id, client_ref=""), now, quiet_summary=True)

    def tick(self, now: float, outbox: Outbox) -> None:
        """Time-driven work: trading schedules, GTD expiry, DAY expiry at the day's end."""
        self._rep.outbox = outbox
        self._rep.req = None
        dt = datetime.fromtimestamp(now, _UTC)
        boundary = self.end_of_day_boundary(dt)
        if self.last_end_of_day is None or self.last_end_of_day < boundary:
            if self.last_end_of_day is not None or self._has_day_orders_before(boundary):
                self._submit(vc.EndOfDay(), now)
            self.last_end_of_day = boundary
        self._submit(vc.AdvanceTime(), now, journal_if_empty=False)

    def operator(self, cmd: vc.Command, now: float, outbox: Outbox) -> None:
        """An operator command (admin: Halt, Resume, ...): journaled and reported like any
        other; the caller's outbox touches the flusher, as for `tick`."""
        self._rep.outbox = outbox
        self._rep.req = None
        self._submit(cmd, now)

    # -- pre-trade risk: kill switch ----------------------------------------------------------
    def kill(self, target: str, now: float, outbox: Outbox) -> int:
        """Kill switch for a firm or an account: cancel its open orders (each owner gets
        the cancel reports) and refuse its new orders until `release`. Returns how many
        orders were cancelled. Raises KeyError for an unknown firm/account, RuntimeError
        when pre-trade risk is off."""
        risk = self._risk_on()
        firm, account = self._kill_target(target)
        risk.kill(firm=firm, account=account)
        kind = "firm" if firm is not None else "account"
        self.pending.kill_switches.append(("set", target, kind, venue_time(now)[1]))
        live = sum(
            1
            for o in self.engine.live_orders()
            if (o.info.firm == firm if firm is not None else o.info.account == account)
        )
        self._rep.outbox = outbox
        self._rep.req = None
        self._rep.cancel_note = "cancelled by the kill switch"
        try:
            self._submit(vc.MassCancel(firm=firm, account=account), now)
        finally:
            self._rep.cancel_note = None
        return live

    def release(self, target: str) -> bool:
        """Lift the kill switch of a firm or an account; False if it was not set."""
        firm, account = self._kill_target(target)
        kind = "firm" if firm is not None else "account"
        self.pending.kill_switches.append(("clear", target, kind, 0))
        return self._risk_on().release(firm=firm, account=account)

    def restore_kill_switch(self, target: str, kind: str) -> None:
        """At start: a kill switch in force before the restart blocks again (its orders
        were cancelled when it was set)."""
        if self.risk is None:
            return
        if kind == "firm":
            self.risk.kill(firm=target)
        else:
            self.risk.kill(account=target)

    def _risk_on(self) -> RiskEngine:
        if self.risk is None:
            raise RuntimeError("pre-trade risk is off ([risk] enabled = false)")
        return self.risk

    def _kill_target(self, target: str) -> tuple[str | None, str | None]:
        profiles = self.profiles.values()
        if any(p.firm == target for p in profiles if not p.drop_copy):
            return target, None
        if any(target in p.accounts for p in profiles):
            return None, target
        raise KeyError(f"unknown firm or account {target!r}")

    def _risk_events(self, cmd: vc.Command, events: Sequence[ve.Event]) -> None:
        assert self._risk is not None
        self._risk.on_events(events)
        if type(cmd) is vc.EndOfDay:
            self._risk.new_day()  # filled notional and positions are intraday

    def end_of_day_boundary(self, now: datetime) -> datetime:
        """The latest trading-day end at or before `now`."""
        today = datetime.combine(now.date(), self.trading_day_end, _UTC)
        return today if today <= now else today - timedelta(days=1)

    def _has_day_orders_before(self, boundary: datetime) -> bool:
        """At the first tick after a start: are there live DAY orders of a day that ended
        while the venue was down? Only when the replayed journal stops before `boundary`
        (orders entered since the start, or before the restart on the same trading day,
        belong to the current day)."""
        return (
            self.replayed_until is not None
            and self.replayed_until < boundary
            and any(o.tif.name == "DAY" for o in self.engine.live_orders())
        )

    def take_pending(self) -> Pending:
        p, self._rep.pending = self._rep.pending, Pending()
        return p

    # -- replay ----------------------------------------------------------------------------
    def replay(self, commands: Iterable[tuple[int, datetime, vc.Command]]) -> int:
        """Rebuild from the journal (no reports, no rows). Returns commands replayed."""
        n = 0
        for position, at, cmd in commands:
            events = self.engine.submit(cmd, at)
            self._track(events)
            if self._risk is not None:
                self._risk_events(cmd, events)
            if isinstance(cmd, vc.EndOfDay):
                self.last_end_of_day = self.end_of_day_boundary(at)
            self.journal_position = position
            self.replayed_until = at
            n += 1
        return n

    def remember_seen(self, session_id: str, cl_ord_id: str) -> None:
        self.ids.mark_seen(session_id, cl_ord_id)

    def _market_data(
        self, profile: SessionProfile, message: ApplicationMessage, now: float
    ) -> None:
        if self.md is None:
            self._rep.business_reject(
                profile.session_id,
                message,
                BusinessRejectReason.APPLICATION_NOT_AVAILABLE,
                "market data is off",
            )
            return
        for sid, mt, body in self.md.on_request(
            profile.session_id, message.msg, datetime.fromtimestamp(now, _UTC)
        ):
            self._rep.send(sid, mt, body)

    def _security_list(
        self, profile: SessionProfile, message: ApplicationMessage, now: float
    ) -> None:
        from gateway.app.securities import security_list

        for sid, mt, body in security_list(
            self.engine, profile.session_id, message.msg, datetime.fromtimestamp(now, _UTC)
        ):
            self._rep.send(sid, mt, body)

    # -- the engine and the journal -----------------------------------------
    def _submit(
        self,
        cmd: vc.Command,
        now: float,
        *,
        journal_if_empty: bool = True,
        quiet_summary: bool = False,
    ) -> None:
        at, at_us = venue_time(now)
        if self.observers:
            t0 = _perf()
            events = self.engine.submit(cmd, at)
            spent = _perf() - t0
        else:
            events, spent = self.engine.submit(cmd, at), 0.0
        if not events and not journal_if_empty:
            return
        self.journal_position += 1
        kind, payload = encode_command(cmd)
        self._rep.pending.journal.append((self.journal_position, at_us, kind, payload))
        self._track(events)
        if self._risk is not None:
            self._risk_events(cmd, events)
        for observe in self.observers:
            observe(events, at, spent)
        self._report(events, now, at, at_us, quiet_summary=quiet_summary)

    def _track(self, events: Sequence[ve.Event]) -> None:
        ids = self.ids
        for e in events:
            t = type(e)
            if t is ACCEPTED:
                assert isinstance(e, ACCEPTED)
                ids.accepted(e.order)
            elif t is TRADE:
                assert isinstance(e, TRADE)
                if e.maker_leaves == 0:
                    ids.done(e.maker.order_id)
                if e.taker_leaves == 0:
                    ids.done(e.taker.order_id)
            elif t is REPLACED:
                assert isinstance(e, REPLACED)
                ids.replaced(e.order)
                if e.leaves_qty == 0:
                    ids.done(e.order.order_id)
            elif t is CANCELLED:
                assert isinstance(e, CANCELLED)
                ids.cancel_ref(e.order.firm, e.order.order_id, e.request_ref)
                ids.done(e.order.order_id)
            elif t is EXPIRED:
                assert isinstance(e, EXPIRED)
                ids.done(e.order.order_id)
            elif t is REJECTED:
                assert isinstance(e, REJECTED)
                ids.mark_seen(e.command.owner, e.command.client_ref)
