"""The order-entry application: FIX application messages in, venue commands, reports out.

Role: the router behind the session layer. For each application message of a logged-on
session it checks who may do what, translates to a venue command, submits it to the
engine, journals the command, and turns the venue's events into ExecutionReports,
OrderCancelRejects, mass-cancel reports and market data for every session concerned (a
passive fill belongs to the session that owns the resting order, logged on or not: the
session layer stores it for resend).

Invariants:
- Exactly one answer per request (a report, a reject, or silence for a PossResend
  duplicate); a malformed or unsupported request never raises.
- Everything this layer decides is in `pending` (journal, orders, executions, trades)
  until the shell commits it together with the FIX messages that report it.
- The engine is only changed through `_submit`, which journals the command: replaying the
  journal (see `replay`) rebuilds the engine and the ClOrdID bookkeeping exactly.
"""

from __future__ import annotations

import itertools
import time as _time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from time import perf_counter as _perf
from typing import Protocol

from fixspec.codec import FixMessage
from fixspec.enums import BusinessRejectReason, CxlRejReason, OrdRejReason
from fixspec.utctime import TimestampFormatter
from gateway.app import reports as rp
from gateway.app.fixmap import (
    ORD_REJ_REASON,
    ORD_TYPE_TO_FIX,
    TIF_TO_FIX,
    cxl_rej_reason,
    side_to_fix,
)
from gateway.app.journal import encode_command
from gateway.app.orders import OrderIds
from gateway.app.riskgate import CXL_REJ_REASON
from gateway.app.riskgate import ORD_REJ_REASON as RISK_REJ_REASON
from gateway.app.translate import OrderFields, Refusal, order_fields, parse_qty, symbol_of
from gateway.session import ApplicationMessage, business_reject_body
from risk import Reject, RiskEngine
from venue import commands as vc
from venue import events as ve
from venue.engine import Engine
from venue.types import CancelReason, OrderStatus, Side

_UTC = UTC

ORD_STATUS: dict[OrderStatus, bytes] = {
    OrderStatus.NEW: b"0",
    OrderStatus.PARTIALLY_FILLED: b"1",
    OrderStatus.FILLED: b"2",
    OrderStatus.CANCELLED: b"4",
    OrderStatus.EXPIRED: b"C",
    OrderStatus.PENDING_TRIGGER: b"0",
    OrderStatus.PENDING_AUCTION: b"0",
}

CANCEL_TEXT: dict[CancelReason, str] = {
    CancelReason.USER: "cancelled on request",
    CancelReason.IOC_REMAINDER: "immediate-or-cancel remainder cancelled",
    CancelReason.MARKET_REMAINDER: (
        "market order remainder cancelled (no more liquidity within the band)"
    ),
    CancelReason.SELF_TRADE: "cancelled by self-trade prevention",
    CancelReason.MASS_CANCEL: "cancelled by mass cancel",
    CancelReason.REPLACED_TO_FILLED: (
        "order done: replaced to a quantity at or below the filled quantity"
    ),
}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_datetime(now: float) -> datetime:
    """The venue time of `now`, truncated to the microsecond (what the journal keeps)."""
    return _EPOCH + timedelta(microseconds=int(now * 1_000_000))


def micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND


class Outbox(Protocol):
    def send(self, session_id: str, msg_type: str, body: bytes) -> None: ...


class Copies(Protocol):
    """Drop copy (dropcopy.fixcopy.DropCopies): the messages that copy a report or a trade,
    as (session id, MsgType, body), sent through the same outbox as the original."""

    def execution_report(self, firm: str, body: bytes) -> list[tuple[str, str, bytes]]: ...
    def trade(
        self, trade: ve.Trade, price: bytes, transact_time: bytes
    ) -> list[tuple[str, str, bytes]]: ...


#: Sees every submitted command's events: (events, at, seconds spent in the engine).
#: Metrics and debug logs hang here; an observer must not raise nor change the venue.
EventObserver = Callable[[Sequence[ve.Event], datetime, float], None]


class MarketData(Protocol):
    def on_request(
        self, session_id: str, msg: FixMessage, now: datetime
    ) -> list[tuple[str, str, bytes]]: ...
    def on_events(
        self, events: Sequence[ve.Event], now: datetime
    ) -> list[tuple[str, str, bytes]]: ...
    def on_disconnect(self, session_id: str) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionProfile:
    """What order entry needs to know about a configured session."""

    session_id: str
    firm: str
    accounts: tuple[str, ...] = ()
    drop_copy: bool = False
    cancel_on_disconnect: bool = False


@dataclass(slots=True)
class Pending:
    """Rows decided since the last commit (see gateway.app.tables)."""

    journal: list[tuple[object, ...]] = field(default_factory=list)
    orders: list[tuple[object, ...]] = field(default_factory=list)
    executions: list[tuple[object, ...]] = field(default_factory=list)
    trades: list[tuple[object, ...]] = field(default_factory=list)
    #: Kill switches set or lifted: ("set" | "clear", target, "firm" | "account", at_us).
    kill_switches: list[tuple[str, str, str, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.journal or self.orders or self.executions or self.trades or self.kill_switches
        )


@dataclass(slots=True)
class _Request:
    """The request being processed: who asked, and what to answer with."""

    session_id: str
    cl_ord_id: str = ""
    orig_cl_ord_id: str = ""


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
        self.pending = Pending()
        self.trading_day_end = trading_day_end
        self.md = market_data
        self.journal_position = 0
        self.last_end_of_day: datetime | None = None
        #: Time of the last journaled command replayed at start (None: empty journal).
        self.replayed_until: datetime | None = None
        self._pricers = {s: rp.Pricer(engine.instrument(s)) for s in engine.symbols}
        self._by_security_id = dict(security_ids or {})
        self._ts = TimestampFormatter()
        self._gen_ids = itertools.count(1)
        self._req: _Request | None = None
        self._outbox: Outbox | None = None
        #: Drop-copy fan-out, set by the composition root when drop-copy sessions exist.
        self.copies: Copies | None = None
        self.observers: list[EventObserver] = []
        #: Gateway-level rejects (never reached the engine): (symbol, OrdRejReason).
        self.reject_observers: list[Callable[[str, int], None]] = []
        #: Pre-trade risk (built by gateway.app.riskgate from the config); None = off.
        self.risk: RiskEngine | None = None
        self._cancel_note: str | None = None  # Text of the cancels of a kill switch
        self._handlers = {
            "D": self._new_order,
            "F": self._cancel,
            "G": self._replace,
            "H": self._status,
            "q": self._mass_cancel,
            "V": self._market_data,
            "x": self._security_list,
        }

    # -- the router seam -----------------------------------------------------------------
    def on_message(
        self, session_id: str, message: ApplicationMessage, now: float, outbox: Outbox
    ) -> None:
        handler = self._handlers.get(message.msg_type)
        self._outbox = outbox
        if handler is None:
            self._business_reject(
                session_id,
                message,
                BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE,
                f"Unsupported message type {message.msg_type}",
            )
            return
        profile = self.profiles.get(session_id)
        if profile is None or (profile.drop_copy and message.msg_type in "DFGq"):
            self._business_reject(
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
            self._outbox = outbox
            self._req = _Request(session_id)
            self._submit(vc.MassCancel(owner=session_id, client_ref=""), now, quiet_summary=True)

    def tick(self, now: float, outbox: Outbox) -> None:
        """Time-driven work: trading schedules, GTD expiry, DAY expiry at the day's end."""
        self._outbox = outbox
        self._req = None
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
        self._outbox = outbox
        self._req = None
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
        self.pending.kill_switches.append(("set", target, kind, micros(to_datetime(now))))
        live = sum(
            1
            for o in self.engine.live_orders()
            if (o.info.firm == firm if firm is not None else o.info.account == account)
        )
        self._outbox = outbox
        self._req = None
        self._cancel_note = "cancelled by the kill switch"
        try:
            self._submit(vc.MassCancel(firm=firm, account=account), now)
        finally:
            self._cancel_note = None
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

    def _throttle_logout(self, profile: SessionProfile, text: str) -> None:
        logout = getattr(self._outbox, "logout", None)
        if self.risk is not None and self.risk.throttle_logout(profile.firm) and logout:
            logout(profile.session_id, text)

    def _risk_events(self, cmd: vc.Command, events: Sequence[ve.Event]) -> None:
        assert self.risk is not None
        self.risk.on_events(events)
        if type(cmd) is vc.EndOfDay:
            self.risk.new_day()  # filled notional and positions are intraday

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
        p, self.pending = self.pending, Pending()
        return p

    # -- replay ----------------------------------------------------------------------------
    def replay(self, commands: Iterable[tuple[int, datetime, vc.Command]]) -> int:
        """Rebuild from the journal (no reports, no rows). Returns commands replayed."""
        n = 0
        for position, at, cmd in commands:
            events = self.engine.submit(cmd, at)
            self._track(events)
            if self.risk is not None:
                self._risk_events(cmd, events)
            if isinstance(cmd, vc.EndOfDay):
                self.last_end_of_day = self.end_of_day_boundary(at)
            self.journal_position = position
            self.replayed_until = at
            n += 1
        return n

    def remember_seen(self, session_id: str, cl_ord_id: str) -> None:
        self.ids.mark_seen(session_id, cl_ord_id)

    # -- handlers --------------------------------------------------------------------------
    def _new_order(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        msg = message.msg
        sid = profile.session_id
        clid = msg.get_str(11) or ""
        if message.poss_resend and self.ids.was_seen(sid, clid):
            return  # a PossResend of an order we already have: ignore silently
        self.ids.mark_seen(sid, clid)
        self._req = _Request(sid, clid)
        account = msg.get_str(1) or (profile.accounts[0] if profile.accounts else "")
        symbol = symbol_of(msg, self._by_security_id)
        if self.risk is not None:
            refused = self.risk.admit_message(sid, profile.firm, now)
            if refused is not None:
                reason = RISK_REJ_REASON[refused.check]
                self._reject_new(msg, sid, clid, symbol, account, reason, refused.text, now)
                self._throttle_logout(profile, refused.text)
                return
        if profile.accounts and account not in profile.accounts:
            self._reject_new(
                msg,
                sid,
                clid,
                symbol,
                account,
                OrdRejReason.UNKNOWN_ACCOUNT,
                f"Account(1) {account} is not allowed for this session",
                now,
            )
            return
        if not clid.isprintable():
            self._reject_new(
                msg,
                sid,
                clid.encode("unicode_escape").decode(),
                symbol,
                account,
                OrdRejReason.OTHER,
                "ClOrdID(11) contains control characters",
                now,
            )
            return
        if self.ids.is_live_clordid(profile.firm, clid):
            self._reject_new(
                msg,
                sid,
                clid,
                symbol,
                account,
                OrdRejReason.DUPLICATE_ORDER,
                f"ClOrdID(11) {clid} is already in use by a live order",
                now,
            )
            return
        pricer = self._pricers.get(symbol)
        if pricer is None:
            self._reject_new(
                msg,
                sid,
                clid,
                symbol,
                account,
                OrdRejReason.UNKNOWN_SYMBOL,
                f"unknown symbol {symbol or '(none)'}",
                now,
            )
            return
        fields = order_fields(
            msg, pricer.instrument, self.trading_day_end, datetime.fromtimestamp(now, _UTC)
        )
        if isinstance(fields, Refusal):
            self._reject_new(
                msg, sid, clid, symbol, account, fields.ord_rej_reason, fields.text, now
            )
            return
        cmd = vc.NewOrder(
            symbol=symbol,
            side=fields.side,
            qty=fields.qty,
            ord_type=fields.ord_type,
            tif=fields.tif,
            price=fields.price,
            stop_price=fields.stop_price,
            max_floor=fields.max_floor,
            expire_at=fields.expire_at,
            owner=sid,
            firm=profile.firm,
            account=account,
            client_ref=clid,
            short_sale=fields.short_sale,
        )
        if self.risk is not None:
            verdict = self.risk.evaluate(cmd, now)
            if isinstance(verdict, Reject):
                reason = RISK_REJ_REASON[verdict.check]
                self._reject_new(msg, sid, clid, symbol, account, reason, verdict.text, now)
                return
            cmd = verdict
        self._submit(cmd, now)

    def _locate(self, profile: SessionProfile, msg: FixMessage) -> tuple[int | None, str]:
        """The order a cancel/replace/status request names, or None with why."""
        oid_raw = msg.get(37)
        orig = msg.get_str(41) or ""
        if oid_raw is not None and oid_raw.isdigit():
            oid = int(oid_raw)
            ref = self.ids.ref(oid)
            if ref is None:
                return None, f"unknown OrderID(37) {oid}"
            if ref.firm != profile.firm:
                return None, f"OrderID(37) {oid} is not an order of firm {profile.firm}"
            return oid, ""
        found = self.ids.find(profile.firm, orig)
        if found is None:
            return None, f"unknown order: OrigClOrdID(41) {orig or '(none)'}"
        return found, ""

    def _cancel(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        self._cancel_or_replace(profile, message, now, replace=False)

    def _replace(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        self._cancel_or_replace(profile, message, now, replace=True)

    def _cancel_or_replace(
        self, profile: SessionProfile, message: ApplicationMessage, now: float, *, replace: bool
    ) -> None:
        msg = message.msg
        sid = profile.session_id
        clid = msg.get_str(11) or ""
        orig = msg.get_str(41) or ""
        self._req = _Request(sid, clid, orig)
        response_to = b"2" if replace else b"1"
        oid, why = self._locate(profile, msg)
        if oid is None:
            self._cancel_reject(
                sid, None, clid, orig, b"8", response_to, CxlRejReason.UNKNOWN_ORDER, why, now
            )
            return
        if replace and self.risk is not None:  # cancels are never throttled
            refused = self.risk.admit_message(sid, profile.firm, now)
            if refused is not None:
                self._cancel_reject(
                    sid,
                    oid,
                    clid,
                    orig,
                    self._status_of(oid),
                    response_to,
                    CXL_REJ_REASON[refused.check],
                    refused.text,
                    now,
                )
                self._throttle_logout(profile, refused.text)
                return
        if not clid.isprintable():
            self._cancel_reject(
                sid,
                oid,
                clid.encode("unicode_escape").decode(),
                orig,
                self._status_of(oid),
                response_to,
                CxlRejReason.OTHER,
                "ClOrdID(11) contains control characters",
                now,
            )
            return
        if self.ids.is_live_clordid(profile.firm, clid):
            self._cancel_reject(
                sid,
                oid,
                clid,
                orig,
                self._status_of(oid),
                response_to,
                CxlRejReason.DUPLICATE_CL_ORD_ID,
                f"ClOrdID(11) {clid} is already in use by a live order",
                now,
            )
            return
        if not replace:
            self._submit(vc.CancelOrder(order_id=oid, owner=sid, client_ref=clid), now)
            return
        view = self.engine.order(oid)
        if view is None or view.status not in (
            OrderStatus.NEW,
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.PENDING_TRIGGER,
            OrderStatus.PENDING_AUCTION,
        ):
            self._submit(vc.ReplaceOrder(order_id=oid, qty=1, owner=sid, client_ref=clid), now)
            return
        info = view.info
        pricer = self._pricers[info.symbol]
        fields = order_fields(
            msg, pricer.instrument, self.trading_day_end, datetime.fromtimestamp(now, _UTC)
        )
        problem = (
            fields.text if isinstance(fields, Refusal) else self._unchangeable(info, fields, msg)
        )
        if problem or isinstance(fields, Refusal):
            self._cancel_reject(
                sid,
                oid,
                clid,
                orig,
                self._status_of(oid),
                response_to,
                CxlRejReason.OTHER,
                problem,
                now,
            )
            return
        cmd = vc.ReplaceOrder(
            order_id=oid,
            qty=fields.qty,
            price=fields.price,
            stop_price=fields.stop_price,
            max_floor=fields.max_floor,
            owner=sid,
            client_ref=clid,
        )
        refused = None if self.risk is None else self.risk.check_replace(cmd, now)
        if refused is not None:
            self._cancel_reject(
                sid,
                oid,
                clid,
                orig,
                self._status_of(oid),
                response_to,
                CXL_REJ_REASON[refused.check],
                refused.text,
                now,
            )
            return
        self._submit(cmd, now)

    @staticmethod
    def _unchangeable(info: ve.OrderInfo, f: OrderFields, msg: FixMessage) -> str:
        if f.symbol != info.symbol:
            return f"Symbol(55) cannot change ({info.symbol} -> {f.symbol})"
        if f.side is not info.side:
            return "Side(54) cannot change on a cancel/replace"
        if f.ord_type is not info.ord_type:
            return "OrdType(40) cannot change on a cancel/replace"
        if msg.get(59) is not None and f.tif is not info.tif:
            return "TimeInForce(59) cannot change on a cancel/replace"
        return ""

    def _status(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        msg = message.msg
        sid = profile.session_id
        clid = msg.get_str(11) or ""
        oid, why = self._locate_status(profile, msg)
        view = self.engine.order(oid) if oid is not None else None
        if view is None:
            body = (
                b"37=%s\x0111=%s\x0117=%s\x01150=I\x0139=8\x0155=%s\x0154=%s\x01"
                b"151=0\x0114=0\x016=0\x0160=%s\x0158=%s\x01"
                % (
                    (msg.get(37) or b"NONE"),
                    clid.encode(),
                    self._gen_exec_id().encode(),
                    msg.get(55) or b"[N/A]",
                    msg.get(54) or b"1",
                    self._ts(now),
                    why.encode(),
                )
            )
            self._send(sid, "8", body)
            return
        info = view.info
        body, _row = rp.execution_report(
            self._pricers[info.symbol],
            info,
            session_id=sid,
            exec_id=self._gen_exec_id(),
            exec_type=b"I",
            ord_status=ORD_STATUS[view.status],
            leaves=view.leaves_qty
            if view.status
            in (
                OrderStatus.NEW,
                OrderStatus.PARTIALLY_FILLED,
                OrderStatus.PENDING_TRIGGER,
                OrderStatus.PENDING_AUCTION,
            )
            else 0,
            cum=view.cum_qty,
            notional=view.notional,
            transact_time=self._ts(now),
        )
        self._send(sid, "8", body)

    def _locate_status(self, profile: SessionProfile, msg: FixMessage) -> tuple[int | None, str]:
        oid_raw = msg.get(37)
        if oid_raw is not None and oid_raw.isdigit():
            return self._locate(profile, msg)
        clid = msg.get_str(11) or ""
        found = self.ids.find(profile.firm, clid)
        if found is None:
            return None, f"unknown order: ClOrdID(11) {clid}"
        return found, ""

    def _mass_cancel(
        self, profile: SessionProfile, message: ApplicationMessage, now: float
    ) -> None:
        msg = message.msg
        sid = profile.session_id
        clid = msg.get_str(11) or ""
        req_type = msg.get(530) or b""
        self._req = _Request(sid, clid)
        symbol: str | None = None
        if req_type == b"1":
            symbol = symbol_of(msg, self._by_security_id)
            if symbol not in self._pricers:
                self._mass_cancel_report(
                    sid, clid, req_type, 0, now, reject=(1, f"unknown symbol {symbol}")
                )
                return
        elif req_type != b"7":
            self._mass_cancel_report(
                sid,
                clid,
                req_type,
                0,
                now,
                reject=(
                    99,
                    f"MassCancelRequestType(530)={req_type.decode('latin-1')} "
                    "is not supported (1, 7)",
                ),
            )
            return
        side_raw = msg.get(54)
        side = {b"1": Side.BUY, b"2": Side.SELL, b"5": Side.SELL}.get(side_raw or b"")
        self._submit(
            vc.MassCancel(firm=profile.firm, symbol=symbol, side=side, client_ref=clid), now
        )

    def _market_data(
        self, profile: SessionProfile, message: ApplicationMessage, now: float
    ) -> None:
        if self.md is None:
            self._business_reject(
                profile.session_id,
                message,
                BusinessRejectReason.APPLICATION_NOT_AVAILABLE,
                "market data is off",
            )
            return
        for sid, mt, body in self.md.on_request(
            profile.session_id, message.msg, datetime.fromtimestamp(now, _UTC)
        ):
            self._send(sid, mt, body)

    def _security_list(
        self, profile: SessionProfile, message: ApplicationMessage, now: float
    ) -> None:
        from gateway.app.securities import security_list

        for sid, mt, body in security_list(
            self.engine, profile.session_id, message.msg, datetime.fromtimestamp(now, _UTC)
        ):
            self._send(sid, mt, body)

    # -- the engine, the journal and the reports -----------------------------------------
    def _submit(
        self,
        cmd: vc.Command,
        now: float,
        *,
        journal_if_empty: bool = True,
        quiet_summary: bool = False,
    ) -> None:
        at = to_datetime(now)
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
        self.pending.journal.append((self.journal_position, micros(at), kind, payload))
        self._track(events)
        if self.risk is not None:
            self._risk_events(cmd, events)
        for observe in self.observers:
            observe(events, at, spent)
        self._report(events, now, at, quiet_summary=quiet_summary)

    def _track(self, events: Sequence[ve.Event]) -> None:
        ids = self.ids
        for e in events:
            t = type(e)
            if t is ve.Accepted:
                ids.accepted(e.order)  # type: ignore[union-attr]
            elif t is ve.Trade:
                assert isinstance(e, ve.Trade)
                if e.maker_leaves == 0:
                    ids.done(e.maker.order_id)
                if e.taker_leaves == 0:
                    ids.done(e.taker.order_id)
            elif t is ve.Replaced:
                assert isinstance(e, ve.Replaced)
                ids.replaced(e.order)
                if e.leaves_qty == 0:
                    ids.done(e.order.order_id)
            elif t is ve.Cancelled:
                assert isinstance(e, ve.Cancelled)
                ids.cancel_ref(e.order.firm, e.order.order_id, e.request_ref)
                ids.done(e.order.order_id)
            elif t is ve.Expired:
                assert isinstance(e, ve.Expired)
                ids.done(e.order.order_id)
            elif t is ve.Rejected:
                assert isinstance(e, ve.Rejected)
                ids.mark_seen(e.command.owner, e.command.client_ref)

    def _report(
        self, events: Sequence[ve.Event], now: float, at: datetime, *, quiet_summary: bool
    ) -> None:
        tt = self._ts(now)
        for e in events:
            t = type(e)
            if t is ve.BookChanged:
                continue
            if t is ve.Accepted:
                assert isinstance(e, ve.Accepted)
                o = e.order
                self._er(o, str(e.seq), b"0", b"0", e.leaves_qty, e.cum_qty, e.notional, tt, at)
                self.pending.orders.append(self._order_row(o, at))
            elif t is ve.Trade:
                assert isinstance(e, ve.Trade)
                self._trade(e, tt, at)
            elif t is ve.Cancelled:
                assert isinstance(e, ve.Cancelled)
                o = e.order
                if e.reason is CancelReason.USER:
                    self._er(
                        o,
                        str(e.seq),
                        b"4",
                        b"4",
                        0,
                        e.cum_qty,
                        e.notional,
                        tt,
                        at,
                        cl_ord_id=e.request_ref or o.client_ref,
                        orig=o.client_ref,
                    )
                else:
                    self._er(
                        o,
                        str(e.seq),
                        b"4",
                        b"4",
                        0,
                        e.cum_qty,
                        e.notional,
                        tt,
                        at,
                        text=self._cancel_note or CANCEL_TEXT[e.reason],
                    )
            elif t is ve.Replaced:
                assert isinstance(e, ve.Replaced)
                o = e.order
                status = b"2" if e.leaves_qty == 0 else (b"1" if e.cum_qty else b"0")
                self._er(
                    o,
                    str(e.seq),
                    b"5",
                    status,
                    e.leaves_qty,
                    e.cum_qty,
                    e.notional,
                    tt,
                    at,
                    orig=e.old_client_ref,
                    text="replaced; time priority lost"
                    if e.priority_lost
                    else "replaced; time priority kept",
                )
            elif t is ve.Triggered:
                assert isinstance(e, ve.Triggered)
                status = b"1" if e.cum_qty else b"0"
                self._er(  # FIX 4.4 has no ExecType L (Triggered): Restated, Other
                    e.order,
                    str(e.seq),
                    b"D",
                    status,
                    e.leaves_qty,
                    e.cum_qty,
                    e.notional,
                    tt,
                    at,
                    text="stop triggered",
                    restatement_reason=99,
                )
            elif t is ve.Expired:
                assert isinstance(e, ve.Expired)
                self._er(
                    e.order,
                    str(e.seq),
                    b"C",
                    b"C",
                    0,
                    e.cum_qty,
                    e.notional,
                    tt,
                    at,
                    text="expired",
                )
            elif t is ve.Rejected:
                assert isinstance(e, ve.Rejected)
                c = e.command
                pricer = self._pricers.get(c.symbol)
                self._reject_report(
                    c.owner,
                    c.client_ref,
                    c.symbol,
                    b"5" if c.short_sale else (b"1" if c.side is Side.BUY else b"2"),
                    c.account,
                    c.qty,
                    None if pricer is None or c.price is None else pricer.px(c.price),
                    ORD_REJ_REASON[e.reason],
                    e.text,
                    now,
                    exec_id=str(e.seq),
                )
            elif t is ve.CancelRejected or t is ve.ReplaceRejected:
                assert isinstance(e, (ve.CancelRejected, ve.ReplaceRejected))
                req = self._req
                orig = req.orig_cl_ord_id if req is not None else ""
                self._cancel_reject(
                    e.owner,
                    e.order_id,
                    e.client_ref,
                    orig,
                    self._status_of(e.order_id),
                    b"1" if t is ve.CancelRejected else b"2",
                    cxl_rej_reason(e.reason),
                    e.text,
                    now,
                )
            elif t is ve.MassCancelled:
                assert isinstance(e, ve.MassCancelled)
                req = self._req
                if req is not None and not quiet_summary:
                    req_type = b"1" if e.symbol is not None else b"7"
                    self._mass_cancel_report(
                        req.session_id,
                        e.client_ref,
                        req_type,
                        e.cancelled,
                        now,
                        order_id=str(e.seq),
                    )
        if self.md is not None:
            for sid, mt, body in self.md.on_events(events, at):
                self._send(sid, mt, body)

    def _er(
        self,
        o: ve.OrderInfo,
        exec_id: str,
        exec_type: bytes,
        status: bytes,
        leaves: int,
        cum: int,
        notional: int,
        tt: bytes,
        at: datetime,
        *,
        cl_ord_id: str | None = None,
        orig: str | None = None,
        text: str | None = None,
        last_qty: int | None = None,
        last_px: int | None = None,
        match_id: int | None = None,
        restatement_reason: int | None = None,
    ) -> None:
        body, row = rp.execution_report(
            self._pricers[o.symbol],
            o,
            session_id=o.owner,
            exec_id=exec_id,
            exec_type=exec_type,
            ord_status=status,
            leaves=leaves,
            cum=cum,
            notional=notional,
            transact_time=tt,
            cl_ord_id=cl_ord_id,
            orig_cl_ord_id=orig,
            last_qty=last_qty,
            last_px=last_px,
            trd_match_id=match_id,
            text=text,
            restatement_reason=restatement_reason,
        )
        self._send(o.owner, "8", body)
        if self.copies is not None:
            for sid, mt, copy in self.copies.execution_report(o.firm, body):
                self._send(sid, mt, copy)
        req = self._req
        if (
            req is not None
            and req.session_id != o.owner
            and exec_type in (b"4", b"5")
            and cl_ord_id != o.client_ref
        ):
            self._send(req.session_id, "8", body)
        self._exec_row(row, at)

    def _trade(self, e: ve.Trade, tt: bytes, at: datetime) -> None:
        for o, leaves, cum, notional, suffix in (
            (e.maker, e.maker_leaves, e.maker_cum, e.maker_notional, ".M"),
            (e.taker, e.taker_leaves, e.taker_cum, e.taker_notional, ".T"),
        ):
            self._er(
                o,
                f"{e.seq}{suffix}",
                b"F",
                b"2" if leaves == 0 else b"1",
                leaves,
                cum,
                notional,
                tt,
                at,
                last_qty=e.qty,
                last_px=e.price,
                match_id=e.trade_id,
            )
        buy, sell = (e.maker, e.taker) if e.maker.side is Side.BUY else (e.taker, e.maker)
        aggressor = e.aggressor_side
        self.pending.trades.append(
            (
                e.trade_id,
                e.symbol,
                self._pricers[e.symbol].px(e.price).decode(),
                e.qty,
                buy.order_id,
                sell.order_id,
                e.maker.order_id,
                e.taker.order_id,
                None if aggressor is None else ("1" if aggressor is Side.BUY else "2"),
                micros(at),
            )
        )
        if self.copies is not None:
            for sid, mt, copy in self.copies.trade(e, self._pricers[e.symbol].px(e.price), tt):
                self._send(sid, mt, copy)

    def _status_of(self, order_id: int | None) -> bytes:
        view = self.engine.order(order_id) if order_id is not None else None
        return b"8" if view is None else ORD_STATUS[view.status]

    def _order_row(self, o: ve.OrderInfo, at: datetime) -> tuple[object, ...]:
        pricer = self._pricers[o.symbol]
        return (
            o.order_id,
            o.owner,
            o.firm,
            o.account,
            o.client_ref,
            o.symbol,
            side_to_fix(o.side, o.short_sale).decode(),
            ORD_TYPE_TO_FIX[o.ord_type].decode(),
            TIF_TO_FIX[o.tif].decode(),
            o.qty,
            None if o.price is None else pricer.px(o.price).decode(),
            None if o.stop_price is None else pricer.px(o.stop_price).decode(),
            micros(at),
        )

    def _exec_row(self, row: rp.ExecRow, at: datetime) -> None:
        self.pending.executions.append((*row, micros(at)))

    # -- rejects and summaries ------------------------------------------------------------
    def _reject_new(
        self,
        msg: FixMessage,
        sid: str,
        clid: str,
        symbol: str,
        account: str,
        reason: int,
        text: str,
        now: float,
    ) -> None:
        qty = parse_qty(msg.get(38))
        for observe in self.reject_observers:
            observe(symbol, reason)
        self._reject_report(
            sid,
            clid,
            symbol,
            msg.get(54) or b"1",
            account,
            qty if isinstance(qty, int) else None,
            msg.get(44),
            reason,
            text,
            now,
            ord_type=msg.get(40),
        )

    def _reject_report(
        self,
        sid: str,
        clid: str,
        symbol: str,
        side: bytes,
        account: str,
        qty: int | None,
        price: bytes | None,
        reason: int,
        text: str,
        now: float,
        *,
        exec_id: str | None = None,
        ord_type: bytes | None = None,
    ) -> None:
        body, row = rp.rejected_order_report(
            session_id=sid,
            exec_id=exec_id or self._gen_exec_id(),
            cl_ord_id=clid,
            symbol=symbol,
            side=side,
            account=account,
            order_qty=qty,
            ord_type=ord_type,
            price=price,
            ord_rej_reason=reason,
            text=text,
            transact_time=self._ts(now),
        )
        self._send(sid, "8", body)
        if self.copies is not None and sid in self.profiles:
            for dc_sid, mt, copy in self.copies.execution_report(self.profiles[sid].firm, body):
                self._send(dc_sid, mt, copy)
        self._exec_row(row, datetime.fromtimestamp(now, _UTC))

    def _cancel_reject(
        self,
        sid: str,
        order_id: int | None,
        clid: str,
        orig: str,
        status: bytes,
        response_to: bytes,
        reason: int,
        text: str,
        now: float,
    ) -> None:
        body = rp.order_cancel_reject(
            order_id=order_id,
            cl_ord_id=clid,
            orig_cl_ord_id=orig,
            ord_status=status,
            response_to=response_to,
            reason=reason,
            text=text,
            transact_time=self._ts(now),
        )
        self._send(sid, "9", body)

    def _mass_cancel_report(
        self,
        sid: str,
        clid: str,
        req_type: bytes,
        affected: int,
        now: float,
        *,
        order_id: str | None = None,
        reject: tuple[int, str] | None = None,
    ) -> None:
        oid = order_id or self._gen_exec_id()
        parts = [b"11=%s\x0137=%s\x01530=%s\x01" % (clid.encode(), oid.encode(), req_type or b"7")]
        if reject is None:
            parts.append(b"531=%s\x01533=%d\x01" % (req_type or b"7", affected))
        else:
            parts.append(b"531=0\x01532=%d\x0158=%s\x01" % (reject[0], reject[1].encode()))
        parts.append(b"60=%s\x01" % self._ts(now))
        self._send(sid, "r", b"".join(parts))

    def _business_reject(
        self, sid: str, message: ApplicationMessage, reason: int, text: str
    ) -> None:
        body = business_reject_body(message.seq, message.msg_type, reason, text)
        self._send(sid, "j", body)

    def _send(self, session_id: str, msg_type: str, body: bytes) -> None:
        assert self._outbox is not None
        self._outbox.send(session_id, msg_type, body)

    def _gen_exec_id(self) -> str:
        """An id for a report the venue core did not sequence (status, gateway rejects):
        unique across restarts because it is stamped with the wall clock."""
        return f"G{_time.time_ns():x}.{next(self._gen_ids)}"
