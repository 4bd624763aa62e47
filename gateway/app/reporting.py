"""Venue events and gateway decisions -> FIX reports, drop copies and rows.

Role: the outbound half of order entry. `Reporter.report` turns the events of one engine
command into ExecutionReports (to the owner of each order: a passive fill belongs to the
session that owns the resting order), OrderCancelRejects, OrderMassCancelReports and
market data; the `*_reject*` methods answer requests the gateway refused before the
engine saw them. Every report is copied to the drop-copy sessions of its firm and leaves
its row in `pending` (executions, orders, trades).

Invariants:
- Sends only through `outbox`, which OrderEntry sets before each call into this layer.
- `req` is the client request being answered (None for timer, operator and kill-switch
  work): a cancel or replace entered by another session of the owner's firm is also
  reported to the requester; a mass cancel's summary goes to the requester only.
- A report's row is appended in the same call that sends it: what is told is recorded.
"""

from __future__ import annotations

import itertools
import time as _time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Final

from fixspec.utctime import TimestampFormatter
from gateway.app import reports as rp
from gateway.app.fixmap import ORD_REJ_REASON, ORD_STATUS, cxl_rej_reason
from gateway.app.model import (
    ACCEPTED,
    BOOK_CHANGED,
    CANCEL_REJECTED,
    CANCELLED,
    EXPIRED,
    MASS_CANCELLED,
    REJECTED,
    REPLACE_REJECTED,
    REPLACED,
    TRADE,
    TRIGGERED,
    Copies,
    MarketData,
    Outbox,
    Pending,
    Request,
    SessionProfile,
    micros,
)
from gateway.session import ApplicationMessage, business_reject_body
from venue import events as ve
from venue.engine import Engine
from venue.types import CancelReason, Side

CANCEL_TEXT: Final[dict[CancelReason, str]] = {
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
_PRIORITY_LOST: Final = "replaced; time priority lost"
_PRIORITY_KEPT: Final = "replaced; time priority kept"


class Reporter:
    """Encodes, sends, copies and records every report of order entry (module docstring)."""

    def __init__(
        self,
        engine: Engine,
        pricers: Mapping[str, rp.Pricer],
        profiles: Mapping[str, SessionProfile],
        pending: Pending,
        market_data: MarketData | None,
    ) -> None:
        self.engine = engine
        self.pricers = pricers
        self.profiles = profiles
        #: Where rows go; OrderEntry swaps in a fresh one at each commit (take_pending).
        self.pending = pending
        self.md = market_data
        self.copies: Copies | None = None
        self.outbox: Outbox | None = None
        self.req: Request | None = None
        #: Text of the cancels of a kill switch (set while it runs).
        self.cancel_note: str | None = None
        self.ts = TimestampFormatter()
        self._gen_ids = itertools.count(1)

    # -- the events of one engine command ---------------------------------------------------
    def report(
        self,
        events: Sequence[ve.Event],
        now: float,
        at: datetime,
        at_us: int,
        *,
        quiet_summary: bool,
    ) -> None:
        """Report the events of one command applied at `at` (`at_us`: the same instant in
        microseconds since the epoch, what the rows keep)."""
        tt = self.ts(now)
        for e in events:
            t = type(e)
            if t is BOOK_CHANGED:
                continue
            if t is ACCEPTED:
                assert isinstance(e, ACCEPTED)
                o = e.order
                self._er(o, str(e.seq), b"0", b"0", e.leaves_qty, e.cum_qty, e.notional, tt, at_us)
                self.pending.orders.append(rp.order_row(self.pricers[o.symbol], o, at_us))
            elif t is TRADE:
                assert isinstance(e, TRADE)
                self._trade(e, tt, at_us)
            elif t is CANCELLED:
                assert isinstance(e, CANCELLED)
                o = e.order
                clid: str | None
                orig: str | None
                text: str | None
                if e.reason is CancelReason.USER:
                    clid, orig, text = e.request_ref or o.client_ref, o.client_ref, None
                else:
                    clid, orig, text = None, None, self.cancel_note or CANCEL_TEXT[e.reason]
                self._er(
                    o,
                    str(e.seq),
                    b"4",
                    b"4",
                    0,
                    e.cum_qty,
                    e.notional,
                    tt,
                    at_us,
                    cl_ord_id=clid,
                    orig=orig,
                    text=text,
                )
            elif t is REPLACED:
                assert isinstance(e, REPLACED)
                status = b"2" if e.leaves_qty == 0 else (b"1" if e.cum_qty else b"0")
                text = _PRIORITY_LOST if e.priority_lost else _PRIORITY_KEPT
                self._er(
                    e.order,
                    str(e.seq),
                    b"5",
                    status,
                    e.leaves_qty,
                    e.cum_qty,
                    e.notional,
                    tt,
                    at_us,
                    orig=e.old_client_ref,
                    text=text,
                )
            elif t is TRIGGERED:
                assert isinstance(e, TRIGGERED)
                status = b"1" if e.cum_qty else b"0"
                # FIX 4.4 has no ExecType L (Triggered): Restated, Other
                self._er(
                    e.order,
                    str(e.seq),
                    b"D",
                    status,
                    e.leaves_qty,
                    e.cum_qty,
                    e.notional,
                    tt,
                    at_us,
                    text="stop triggered",
                    restatement_reason=99,
                )
            elif t is EXPIRED:
                assert isinstance(e, EXPIRED)
                self._er(
                    e.order,
                    str(e.seq),
                    b"C",
                    b"C",
                    0,
                    e.cum_qty,
                    e.notional,
                    tt,
                    at_us,
                    text="expired",
                )
            elif t is REJECTED:
                assert isinstance(e, REJECTED)
                self._rejected(e, now)
            elif t is CANCEL_REJECTED or t is REPLACE_REJECTED:
                assert isinstance(e, (CANCEL_REJECTED, REPLACE_REJECTED))
                req = self.req
                self.cancel_reject(
                    e.owner,
                    e.order_id,
                    e.client_ref,
                    req.orig_cl_ord_id if req is not None else "",
                    b"1" if t is CANCEL_REJECTED else b"2",
                    cxl_rej_reason(e.reason),
                    e.text,
                    now,
                )
            elif t is MASS_CANCELLED:
                assert isinstance(e, MASS_CANCELLED)
                req = self.req
                if req is not None and not quiet_summary:
                    req_type = b"1" if e.symbol is not None else b"7"
                    self.mass_cancel_report(
                        req.session_id, e.client_ref, req_type, e.cancelled, now, str(e.seq)
                    )
        if self.md is not None:
            for sid, mt, body in self.md.on_events(events, at):
                self.send(sid, mt, body)

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
        at_us: int,
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
            self.pricers[o.symbol],
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
        self.send(o.owner, "8", body)
        if self.copies is not None:
            for sid, mt, copy in self.copies.execution_report(o.firm, body):
                self.send(sid, mt, copy)
        req = self.req
        if (
            req is not None
            and req.session_id != o.owner
            and exec_type in (b"4", b"5")
            and cl_ord_id != o.client_ref
        ):
            self.send(req.session_id, "8", body)
        self.pending.executions.append((*row, at_us))

    def _trade(self, e: ve.Trade, tt: bytes, at_us: int) -> None:
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
                at_us,
                last_qty=e.qty,
                last_px=e.price,
                match_id=e.trade_id,
            )
        # the trades row (inline: one call less per fill)
        buy, sell = (e.maker, e.taker) if e.maker.side is Side.BUY else (e.taker, e.maker)
        aggressor = e.aggressor_side
        pricer = self.pricers[e.symbol]
        self.pending.trades.append(
            (
                e.trade_id,
                e.symbol,
                pricer.px(e.price).decode(),
                e.qty,
                buy.order_id,
                sell.order_id,
                e.maker.order_id,
                e.taker.order_id,
                None if aggressor is None else ("1" if aggressor is Side.BUY else "2"),
                at_us,
            )
        )
        if self.copies is not None:
            for sid, mt, copy in self.copies.trade(e, pricer.px(e.price), tt):
                self.send(sid, mt, copy)

    def _rejected(self, e: ve.Rejected, now: float) -> None:
        c = e.command
        pricer = self.pricers.get(c.symbol)
        self.reject_report(
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

    # -- answers the gateway decides --------------------------------------------------------
    def status_of(self, order_id: int | None) -> bytes:
        """OrdStatus(39) of an order for an OrderCancelReject: 8 when unknown."""
        view = self.engine.order(order_id) if order_id is not None else None
        return b"8" if view is None else ORD_STATUS[view.status]

    def reject_report(
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
            exec_id=exec_id or self.gen_exec_id(),
            cl_ord_id=clid,
            symbol=symbol,
            side=side,
            account=account,
            order_qty=qty,
            ord_type=ord_type,
            price=price,
            ord_rej_reason=reason,
            text=text,
            transact_time=self.ts(now),
        )
        self.send(sid, "8", body)
        if self.copies is not None and sid in self.profiles:
            for dc_sid, mt, copy in self.copies.execution_report(self.profiles[sid].firm, body):
                self.send(dc_sid, mt, copy)
        self.pending.executions.append((*row, micros(datetime.fromtimestamp(now, UTC))))

    def cancel_reject(
        self,
        sid: str,
        order_id: int | None,
        clid: str,
        orig: str,
        response_to: bytes,
        reason: int,
        text: str,
        now: float,
    ) -> None:
        """OrderCancelReject (9), with the order's current status (8 when unknown)."""
        body = rp.order_cancel_reject(
            order_id=order_id,
            cl_ord_id=clid,
            orig_cl_ord_id=orig,
            ord_status=self.status_of(order_id),
            response_to=response_to,
            reason=reason,
            text=text,
            transact_time=self.ts(now),
        )
        self.send(sid, "9", body)

    def mass_cancel_report(
        self,
        sid: str,
        clid: str,
        req_type: bytes,
        affected: int,
        now: float,
        order_id: str | None = None,
        *,
        reject: tuple[int, str] | None = None,
    ) -> None:
        body = rp.mass_cancel_report(
            cl_ord_id=clid,
            order_id=order_id or self.gen_exec_id(),
            req_type=req_type,
            affected=affected,
            reject=reject,
            transact_time=self.ts(now),
        )
        self.send(sid, "r", body)

    def business_reject(
        self, sid: str, message: ApplicationMessage, reason: int, text: str
    ) -> None:
        body = business_reject_body(message.seq, message.msg_type, reason, text)
        self.send(sid, "j", body)

    def send(self, session_id: str, msg_type: str, body: bytes) -> None:
        assert self.outbox is not None
        self.outbox.send(session_id, msg_type, body)

    def gen_exec_id(self) -> str:
        """An id for a report the venue core did not sequence (status, gateway rejects):
        unique across restarts because it is stamped with the wall clock."""
        return f"G{_time.time_ns():x}.{next(self._gen_ids)}"
