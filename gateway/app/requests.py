"""Client order requests -> one venue command, or the one reject that answers them.

Role: the handlers of NewOrderSingle (D), OrderCancelRequest (F), OrderCancelReplaceRequest
(G), OrderStatusRequest (H) and OrderMassCancelRequest (q) of an order-entry session:
admission (the risk throttle), validation, locating the order a request names, ownership,
pre-trade risk; then either `submit` (OrderEntry's: it journals the command and reports
its events) or a reject through the `Reporter`.

Invariants:
- Each handler runs its checks in a fixed order; the first that fails gives a `Problem`
  (the FIX reject code and Text) and the handler sends it from one place: an
  ExecutionReport 150=8 for a D, an OrderCancelReject for an F or G. A refusal of the
  throttle may then also log the session out (risk config).
- Ownership is by firm: a session acts only on its own firm's orders, named by OrderID(37)
  or by a ClOrdID of the order's chain (see gateway.app.orders).
- A ClOrdID with control characters is quoted escaped in the reject the check gives.
- Never raises on client input; a PossResend of a NewOrderSingle already seen is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, time
from typing import Any, Final

from fixspec.codec import FixMessage
from fixspec.enums import CxlRejReason, OrdRejReason
from gateway.app import reports as rp
from gateway.app.fixmap import ORD_STATUS
from gateway.app.model import RejectObserver, Request, SessionProfile
from gateway.app.orders import OrderIds
from gateway.app.reporting import Reporter
from gateway.app.riskgate import CXL_REJ_REASON
from gateway.app.riskgate import ORD_REJ_REASON as RISK_REJ_REASON
from gateway.app.translate import OrderFields, Refusal, order_fields, parse_qty, symbol_of
from gateway.session import ApplicationMessage, native_or_trusted
from risk import Reject, RiskEngine
from venue import commands as vc
from venue import events as ve
from venue.engine import Engine
from venue.types import OrderStatus, OrdType, Side, TimeInForce

_ALLOC_NEW_ORDER: Final[Any] = vc.NewOrder.__new__


def _native_new_order(
    symbol: str,
    side: Side,
    qty: int,
    ord_type: OrdType,
    tif: TimeInForce,
    price: int | None,
    stop_price: int | None,
    max_floor: int | None,
    expire_at: datetime | None,
    owner: str,
    firm: str,
    account: str,
    client_ref: str,
    short_sale: bool,
) -> vc.NewOrder:
    o: vc.NewOrder = _ALLOC_NEW_ORDER(vc.NewOrder)  # compiled only: gateway.session._trusted
    o.symbol = symbol  # type: ignore[misc]
    o.side = side  # type: ignore[misc]
    o.qty = qty  # type: ignore[misc]
    o.ord_type = ord_type  # type: ignore[misc]
    o.tif = tif  # type: ignore[misc]
    o.price = price  # type: ignore[misc]
    o.stop_price = stop_price  # type: ignore[misc]
    o.max_floor = max_floor  # type: ignore[misc]
    o.expire_at = expire_at  # type: ignore[misc]
    o.owner = owner  # type: ignore[misc]
    o.firm = firm  # type: ignore[misc]
    o.account = account  # type: ignore[misc]
    o.client_ref = client_ref  # type: ignore[misc]
    o.short_sale = short_sale  # type: ignore[misc]
    return o


#: vc.NewOrder(...) without the frozen dataclass's per-field __setattr__ (one per order; the
#: engine checks the values): positional, in field order.
_new_order: Final[Callable[..., vc.NewOrder]] = native_or_trusted(vc.NewOrder, _native_new_order)

#: Why a request is refused: (OrdRejReason or CxlRejReason, Text).
Problem = tuple[int, str]

#: The ClOrdID check's problem (99 is "other" for OrdRejReason and CxlRejReason alike).
_CONTROL_CHARS: Final[Problem] = (OrdRejReason.OTHER, "ClOrdID(11) contains control characters")

_LIVE: Final = (
    OrderStatus.NEW,
    OrderStatus.PARTIALLY_FILLED,
    OrderStatus.PENDING_TRIGGER,
    OrderStatus.PENDING_AUCTION,
)
_MASS_CANCEL_SIDE: Final = {b"1": Side.BUY, b"2": Side.SELL, b"5": Side.SELL}


def _in_use(clid: str) -> str:
    return f"ClOrdID(11) {clid} is already in use by a live order"


def _quoted(clid: str, problem: Problem) -> str:
    """The ClOrdID a reject quotes: escaped when the reject is about its control chars."""
    return clid.encode("unicode_escape").decode() if problem is _CONTROL_CHARS else clid


class Requests:
    """The D/F/G/H/q handlers of OrderEntry (module docstring)."""

    def __init__(
        self,
        engine: Engine,
        ids: OrderIds,
        reporter: Reporter,
        submit: Callable[[vc.Command, float], None],
        *,
        trading_day_end: time,
        security_ids: Mapping[str, str],
        reject_observers: list[RejectObserver],
    ) -> None:
        self.engine = engine
        self.ids = ids
        #: Pre-trade risk; OrderEntry keeps it in step with its own `risk`.
        self.risk: RiskEngine | None = None
        self._rep = reporter
        self._pricers = reporter.pricers
        self._submit = submit
        self._day_end = trading_day_end
        self._by_security_id = security_ids
        #: The same list as OrderEntry.reject_observers.
        self._reject_observers = reject_observers

    # -- NewOrderSingle -------------------------------------------------------------------
    def new_order(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        msg = message.msg
        sid = profile.session_id
        clid = msg.get_str(11) or ""
        if message.poss_resend and self.ids.was_seen(sid, clid):
            return  # a PossResend of an order we already have: ignore silently
        self.ids.mark_seen(sid, clid)
        self._rep.req = Request(sid, clid)
        account = msg.get_str(1) or (profile.accounts[0] if profile.accounts else "")
        symbol = symbol_of(msg, self._by_security_id)
        risk = self.risk
        refused = None if risk is None else risk.admit_message(sid, profile.firm, now)
        pricer = self._pricers.get(symbol)
        problem: Problem
        if refused is not None:
            problem = RISK_REJ_REASON[refused.check], refused.text
        elif profile.accounts and account not in profile.accounts:
            text = f"Account(1) {account} is not allowed for this session"
            problem = OrdRejReason.UNKNOWN_ACCOUNT, text
        elif not clid.isprintable():
            problem = _CONTROL_CHARS
        elif self.ids.is_live_clordid(profile.firm, clid):
            problem = OrdRejReason.DUPLICATE_ORDER, _in_use(clid)
        elif pricer is None:
            problem = OrdRejReason.UNKNOWN_SYMBOL, f"unknown symbol {symbol or '(none)'}"
        else:
            entered = self._enter(profile, msg, pricer, clid, account, symbol, now)
            if entered is None:
                return
            problem = entered
        self._reject_new(msg, sid, _quoted(clid, problem), symbol, account, problem, now)
        if refused is not None:
            self._throttle_logout(profile, refused.text)

    def _enter(
        self,
        profile: SessionProfile,
        msg: FixMessage,
        pricer: rp.Pricer,
        clid: str,
        account: str,
        symbol: str,
        now: float,
    ) -> Problem | None:
        """Submit a D that passed the gateway's checks, unless its order fields or
        pre-trade risk (which may change it: a market order becomes a protective limit)
        refuse it: then the problem, for the caller's reject."""
        fields = order_fields(msg, pricer.instrument, self._day_end, now)
        if isinstance(fields, Refusal):
            return fields.ord_rej_reason, fields.text
        cmd = _new_order(  # vc.NewOrder, fields in declaration order
            symbol,
            fields.side,
            fields.qty,
            fields.ord_type,
            fields.tif,
            fields.price,
            fields.stop_price,
            fields.max_floor,
            fields.expire_at,
            profile.session_id,
            profile.firm,
            account,
            clid,
            fields.short_sale,
        )
        if self.risk is not None:
            verdict = self.risk.evaluate(cmd, now)
            if isinstance(verdict, Reject):
                return RISK_REJ_REASON[verdict.check], verdict.text
            cmd = verdict
        self._submit(cmd, now)
        return None

    def _reject_new(
        self,
        msg: FixMessage,
        sid: str,
        clid: str,
        symbol: str,
        account: str,
        problem: Problem,
        now: float,
    ) -> None:
        """ExecutionReport 150=8 for a D refused before the engine, echoing the request."""
        reason, text = problem
        qty = parse_qty(msg.get(38))
        for observe in self._reject_observers:
            observe(symbol, reason)
        self._rep.reject_report(
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

    def _throttle_logout(self, profile: SessionProfile, text: str) -> None:
        logout = getattr(self._rep.outbox, "logout", None)
        if self.risk is not None and self.risk.throttle_logout(profile.firm) and logout:
            logout(profile.session_id, text)

    # -- OrderCancelRequest, OrderCancelReplaceRequest ------------------------------------
    def cancel(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        self._cancel_or_replace(profile, message, now, replace=False)

    def replace(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        self._cancel_or_replace(profile, message, now, replace=True)

    def _cancel_or_replace(
        self, profile: SessionProfile, message: ApplicationMessage, now: float, *, replace: bool
    ) -> None:
        msg = message.msg
        sid = profile.session_id
        clid = msg.get_str(11) or ""
        orig = msg.get_str(41) or ""
        self._rep.req = Request(sid, clid, orig)
        found = self._locate(profile, msg)
        oid: int | None = None
        refused = None
        problem: Problem
        if isinstance(found, str):
            problem = CxlRejReason.UNKNOWN_ORDER, found
        else:
            oid = found
            if replace and self.risk is not None:  # cancels are never throttled
                refused = self.risk.admit_message(sid, profile.firm, now)
            if refused is not None:
                problem = CXL_REJ_REASON[refused.check], refused.text
            elif not clid.isprintable():
                problem = _CONTROL_CHARS
            elif self.ids.is_live_clordid(profile.firm, clid):
                problem = CxlRejReason.DUPLICATE_CL_ORD_ID, _in_use(clid)
            else:
                cmd = (
                    self._replace_command(msg, found, sid, clid, now)
                    if replace
                    else vc.CancelOrder(order_id=found, owner=sid, client_ref=clid)
                )
                if not isinstance(cmd, tuple):
                    self._submit(cmd, now)
                    return
                problem = cmd
        response_to = b"2" if replace else b"1"
        reason, text = problem
        self._rep.cancel_reject(
            sid, oid, _quoted(clid, problem), orig, response_to, reason, text, now
        )
        if refused is not None:
            self._throttle_logout(profile, refused.text)

    def _replace_command(
        self, msg: FixMessage, oid: int, sid: str, clid: str, now: float
    ) -> vc.ReplaceOrder | Problem:
        """The replace of a live order; of an order that is not live, one the venue rejects
        (it answers with the order's state)."""
        view = self.engine.order(oid)
        if view is None or view.status not in _LIVE:
            return vc.ReplaceOrder(order_id=oid, qty=1, owner=sid, client_ref=clid)
        info = view.info
        inst = self._pricers[info.symbol].instrument
        fields = order_fields(msg, inst, self._day_end, now)
        if isinstance(fields, Refusal):
            return CxlRejReason.OTHER, fields.text
        unchangeable = _unchangeable(info, fields, msg)
        if unchangeable:
            return CxlRejReason.OTHER, unchangeable
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
            return CXL_REJ_REASON[refused.check], refused.text
        return cmd

    def _locate(self, profile: SessionProfile, msg: FixMessage) -> int | str:
        """The order a cancel/replace/status request names (OrderID(37), else
        OrigClOrdID(41)), or why none of the firm's orders is."""
        oid_raw = msg.get(37)
        if oid_raw is not None and oid_raw.isdigit():
            oid = int(oid_raw)
            ref = self.ids.ref(oid)
            if ref is None:
                return f"unknown OrderID(37) {oid}"
            if ref.firm != profile.firm:
                return f"OrderID(37) {oid} is not an order of firm {profile.firm}"
            return oid
        orig = msg.get_str(41) or ""
        found = self.ids.find(profile.firm, orig)
        if found is None:
            return f"unknown order: OrigClOrdID(41) {orig or '(none)'}"
        return found

    # -- OrderStatusRequest ---------------------------------------------------------------
    def status(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        msg = message.msg
        sid = profile.session_id
        clid = msg.get_str(11) or ""
        found = self._locate_status(profile, msg)
        view = None if isinstance(found, str) else self.engine.order(found)
        rep = self._rep
        if view is None:
            body = rp.unknown_order_status(
                order_id=msg.get(37) or b"NONE",
                cl_ord_id=clid,
                exec_id=rep.gen_exec_id(),
                symbol=msg.get(55) or b"[N/A]",
                side=msg.get(54) or b"1",
                text=found if isinstance(found, str) else "",
                transact_time=rep.ts(now),
            )
            rep.send(sid, "8", body)
            return
        info = view.info
        body, _row = rp.execution_report(
            self._pricers[info.symbol],
            info,
            session_id=sid,
            exec_id=rep.gen_exec_id(),
            exec_type=b"I",
            ord_status=ORD_STATUS[view.status],
            leaves=view.leaves_qty if view.status in _LIVE else 0,
            cum=view.cum_qty,
            notional=view.notional,
            transact_time=rep.ts(now),
        )
        rep.send(sid, "8", body)

    def _locate_status(self, profile: SessionProfile, msg: FixMessage) -> int | str:
        """As `_locate`, but without an OrderID the request names the order by ClOrdID(11)."""
        oid_raw = msg.get(37)
        if oid_raw is not None and oid_raw.isdigit():
            return self._locate(profile, msg)
        clid = msg.get_str(11) or ""
        found = self.ids.find(profile.firm, clid)
        if found is None:
            return f"unknown order: ClOrdID(11) {clid}"
        return found

    # -- OrderMassCancelRequest -----------------------------------------------------------
    def mass_cancel(self, profile: SessionProfile, message: ApplicationMessage, now: float) -> None:
        msg = message.msg
        sid = profile.session_id
        clid = msg.get_str(11) or ""
        req_type = msg.get(530) or b""
        self._rep.req = Request(sid, clid)
        symbol: str | None = None
        reject: tuple[int, str] | None = None
        if req_type == b"1":
            symbol = symbol_of(msg, self._by_security_id)
            if symbol not in self._pricers:
                reject = 1, f"unknown symbol {symbol}"
        elif req_type != b"7":
            shown = req_type.decode("latin-1")
            reject = 99, f"MassCancelRequestType(530)={shown} is not supported (1, 7)"
        if reject is not None:
            self._rep.mass_cancel_report(sid, clid, req_type, 0, now, reject=reject)
            return
        side = _MASS_CANCEL_SIDE.get(msg.get(54) or b"")
        self._submit(
            vc.MassCancel(firm=profile.firm, symbol=symbol, side=side, client_ref=clid), now
        )


def _unchangeable(info: ve.OrderInfo, f: OrderFields, msg: FixMessage) -> str:
    """What a cancel/replace may not change, or "" when it changes none of it."""
    if f.symbol != info.symbol:
        return f"Symbol(55) cannot change ({info.symbol} -> {f.symbol})"
    if f.side is not info.side:
        return "Side(54) cannot change on a cancel/replace"
    if f.ord_type is not info.ord_type:
        return "OrdType(40) cannot change on a cancel/replace"
    if msg.get(59) is not None and f.tif is not info.tif:
        return "TimeInForce(59) cannot change on a cancel/replace"
    return ""
