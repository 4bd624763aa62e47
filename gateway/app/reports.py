"""Venue state -> FIX 4.4 ExecutionReport (8), OrderCancelReject (9), OrderMassCancelReport (r).

Role: encode what the venue said, exactly per FIX 4.4, as application bodies (fields
without header and trailer) plus the row the executions table keeps of each report.

Invariants:
- Every ExecutionReport carries OrderID, ClOrdID, ExecID, ExecType, OrdStatus, Symbol,
  Side, OrderQty, OrdType, LeavesQty, CumQty, AvgPx and TransactTime; Price/StopPx/TIF when
  the order has them; LastQty/LastPx and the match id on fills; OrdRejReason/Text on
  rejects; ExecRestatementReason(378) on restatements (150=D: a stop order triggered).
- Only fields FIX 4.4 defines for the ExecutionReport: the venue's match id (one per trade,
  the same on both sides) goes in SecondaryExecID(527), since TrdMatchID(880) belongs to
  the ExecutionReport only from FIX 5.0 on (a FIX 4.4 engine rejects it with 35=3 373=2).
- Prices are exact decimals from integer ticks; AvgPx is exact when it falls on a tick and
  rounded to 8 decimal places otherwise.
- LeavesQty + CumQty == OrderQty for a live order; LeavesQty == 0 once the order is done.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, NamedTuple

from gateway.app.fixmap import ORD_TYPE_TO_FIX, TIF_TO_FIX, side_to_fix
from venue.events import OrderInfo
from venue.instruments import Instrument
from venue.shardmap import ShardedDict

_AVG_QUANTUM = Decimal("0.00000001")


class Pricer:
    """Exact tick <-> decimal text for one instrument, cached for the hot path."""

    __slots__ = ("_cache", "_static", "_stored", "instrument", "tick")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.tick = instrument.tick_size
        self._cache: dict[int, bytes] = {}
        # Up to 100,000 entries: sharded, so it grows in small steps (venue.shardmap).
        self._static: ShardedDict[int, tuple[OrderInfo, bytes, str, Terms]] = ShardedDict()
        self._stored = 0  # entries stored since the last clear (at least len(_static))

    def static(self, info: OrderInfo) -> tuple[bytes, str, Terms]:
        """The fields of an order's reports that only change with a replace (Account, Symbol,
        Side, OrderQty, OrdType, Price, StopPx, TimeInForce, ExpireTime, MaxFloor), its Side
        as text and its terms as the executions row keeps them; cached per order while its
        `OrderInfo` (shared by its events) stays the same."""
        hit = self._static.get(info.order_id)
        if hit is not None and hit[0] is info:
            return hit[1], hit[2], hit[3]
        side = side_to_fix(info.side, info.short_sale)
        ord_type = ORD_TYPE_TO_FIX[info.ord_type._name_]
        tif = TIF_TO_FIX[info.tif._name_]
        price = None if info.price is None else self.px(info.price)
        stop = None if info.stop_price is None else self.px(info.stop_price)
        parts = [
            b"1=%s\x0155=%s\x0154=%s\x0138=%d\x0140=%s\x01"
            % (info.account.encode(), info.symbol.encode(), side, info.qty, ord_type)
        ]
        if price is not None:
            parts.append(b"44=%s\x01" % price)
        if stop is not None:
            parts.append(b"99=%s\x01" % stop)
        parts.append(b"59=%s\x01" % tif)
        if info.expire_at is not None:  # GTD: the expiry the order lives to, to the ms
            parts.append(info.expire_at.strftime("126=%Y%m%d-%H:%M:%S.%f").encode()[:-3] + b"\x01")
        if info.max_floor is not None:
            parts.append(b"111=%d\x01" % info.max_floor)
        static = b"".join(parts)
        terms: Terms = (
            ord_type.decode(),
            tif.decode(),
            None if price is None else price.decode(),
            None if stop is None else stop.decode(),
        )
        if self._stored >= 100_000:
            self._static.clear()  # bounded: a miss only costs a rebuild
            self._stored = 0
        self._static[info.order_id] = (info, static, side.decode(), terms)
        self._stored += 1
        return static, side.decode(), terms

    def px(self, ticks: int) -> bytes:
        v = self._cache.get(ticks)
        if v is None:
            v = str(ticks * self.tick).encode()
            if len(self._cache) < 100_000:
                self._cache[ticks] = v
        return v

    def avg(self, notional: int, cum: int) -> bytes:
        if cum == 0:
            return b"0"
        q, r = divmod(notional, cum)
        if r == 0:
            return self.px(q)
        value = (Decimal(notional) * self.tick / cum).quantize(_AVG_QUANTUM, ROUND_HALF_EVEN)
        return str(value).encode()


#: An order's terms as an executions row keeps them: OrdType, TimeInForce, Price, StopPx
#: (FIX values; prices as exact decimal text), as the report stated them.
Terms = tuple[str, str, str | None, str | None]


class ExecRow(NamedTuple):
    """What the executions table keeps of one ExecutionReport. Built with `_new_row`: a
    NamedTuple's own constructor is an interpreted function, and one runs per report."""

    exec_id: str
    order_id: int | None
    session_id: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    exec_type: str
    ord_status: str
    symbol: str
    side: str
    order_qty: int | None
    last_qty: int | None
    last_px: str | None
    leaves_qty: int
    cum_qty: int
    avg_px: str
    text: str | None
    ord_type: str | None
    time_in_force: str | None
    price: str | None
    stop_px: str | None


_new_row: Final = tuple.__new__


def execution_report(
    pricer: Pricer,
    info: OrderInfo,
    *,
    session_id: str,
    exec_id: str,
    exec_type: bytes,
    ord_status: bytes,
    leaves: int,
    cum: int,
    notional: int,
    transact_time: bytes,
    cl_ord_id: str | None = None,
    orig_cl_ord_id: str | None = None,
    last_qty: int | None = None,
    last_px: int | None = None,
    trd_match_id: int | None = None,
    text: str | None = None,
    restatement_reason: int | None = None,
) -> tuple[bytes, ExecRow]:
    """An ExecutionReport for an order the venue knows, and its executions row."""
    clid = info.client_ref if cl_ord_id is None else cl_ord_id
    static, side, terms = pricer.static(info)
    avg = pricer.avg(notional, cum)
    parts = [
        b"37=%d\x0111=%s\x01%s17=%s\x01150=%s\x0139=%s\x01%s%s"
        % (
            info.order_id,
            clid.encode(),
            b"" if orig_cl_ord_id is None else b"41=%s\x01" % orig_cl_ord_id.encode(),
            exec_id.encode(),
            exec_type,
            ord_status,
            b"" if restatement_reason is None else b"378=%d\x01" % restatement_reason,
            static,
        )
    ]
    px_text: bytes | None = None
    if last_qty is not None and last_px is not None:
        px_text = pricer.px(last_px)
        parts.append(b"32=%d\x0131=%s\x01" % (last_qty, px_text))
    parts.append(b"151=%d\x0114=%d\x016=%s\x0160=%s\x01" % (leaves, cum, avg, transact_time))
    if trd_match_id is not None:
        parts.append(b"527=%d\x01" % trd_match_id)
    if text:
        parts.append(b"58=%s\x01" % _clean(text))
    row = _new_row(
        ExecRow,
        (
            exec_id,
            info.order_id,
            session_id,
            clid,
            orig_cl_ord_id,
            exec_type.decode(),
            ord_status.decode(),
            info.symbol,
            side,
            info.qty,
            last_qty,
            None if px_text is None else px_text.decode(),
            leaves,
            cum,
            avg.decode(),
            text,
            *terms,
        ),
    )
    return b"".join(parts), row


def rejected_order_report(
    *,
    session_id: str,
    exec_id: str,
    cl_ord_id: str,
    symbol: str,
    side: bytes,
    account: str,
    order_qty: int | None,
    ord_type: bytes | None,
    price: bytes | None,
    ord_rej_reason: int,
    text: str,
    transact_time: bytes,
) -> tuple[bytes, ExecRow]:
    """ExecutionReport 150=8 39=8 for a NewOrderSingle the venue never accepted."""
    parts = [
        b"37=NONE\x0111=%s\x0117=%s\x01150=8\x0139=8\x01" % (cl_ord_id.encode(), exec_id.encode())
    ]
    if account:
        parts.append(b"1=%s\x01" % account.encode())
    parts.append(b"55=%s\x0154=%s\x01" % (symbol.encode() or b"[N/A]", side))
    if order_qty is not None:
        parts.append(b"38=%d\x01" % order_qty)
    if ord_type is not None:
        parts.append(b"40=%s\x01" % ord_type)
    if price is not None:
        parts.append(b"44=%s\x01" % price)
    parts.append(
        b"151=0\x0114=0\x016=0\x0160=%s\x01103=%d\x0158=%s\x01"
        % (transact_time, ord_rej_reason, _clean(text))
    )
    row = ExecRow(
        exec_id,
        None,
        session_id,
        cl_ord_id,
        None,
        "8",
        "8",
        symbol,
        side.decode(),
        order_qty,
        None,
        None,
        0,
        0,
        "0",
        text,
        None if ord_type is None else ord_type.decode(),
        None,
        None if price is None else price.decode(),
        None,
    )
    return b"".join(parts), row


def order_cancel_reject(
    *,
    order_id: int | None,
    cl_ord_id: str,
    orig_cl_ord_id: str,
    ord_status: bytes,
    response_to: bytes,
    reason: int,
    text: str,
    transact_time: bytes,
) -> bytes:
    """OrderCancelReject (9) for a cancel (434=1) or cancel/replace (434=2) request."""
    oid = b"NONE" if order_id is None else b"%d" % order_id
    return b"37=%s\x0111=%s\x0141=%s\x0139=%s\x0160=%s\x01434=%s\x01102=%d\x0158=%s\x01" % (
        oid,
        cl_ord_id.encode(),
        orig_cl_ord_id.encode(),
        ord_status,
        transact_time,
        response_to,
        reason,
        _clean(text),
    )


def order_row(pricer: Pricer, o: OrderInfo, at_us: int) -> tuple[object, ...]:
    """What the orders table keeps of an accepted order."""
    return (
        o.order_id,
        o.owner,
        o.firm,
        o.account,
        o.client_ref,
        o.symbol,
        side_to_fix(o.side, o.short_sale).decode(),
        ORD_TYPE_TO_FIX[o.ord_type._name_].decode(),
        TIF_TO_FIX[o.tif._name_].decode(),
        o.qty,
        None if o.price is None else pricer.px(o.price).decode(),
        None if o.stop_price is None else pricer.px(o.stop_price).decode(),
        at_us,
    )


def unknown_order_status(
    *,
    order_id: bytes,
    cl_ord_id: str,
    exec_id: str,
    symbol: bytes,
    side: bytes,
    text: str,
    transact_time: bytes,
) -> bytes:
    """ExecutionReport 150=I 39=8: the answer to a status request for an unknown order,
    quoting the request's OrderID, Symbol and Side."""
    return (
        b"37=%s\x0111=%s\x0117=%s\x01150=I\x0139=8\x0155=%s\x0154=%s\x01"
        b"151=0\x0114=0\x016=0\x0160=%s\x0158=%s\x01"
        % (
            order_id,
            cl_ord_id.encode(),
            exec_id.encode(),
            symbol,
            side,
            transact_time,
            text.encode(),
        )
    )


def mass_cancel_report(
    *,
    cl_ord_id: str,
    order_id: str,
    req_type: bytes,
    affected: int,
    reject: tuple[int, str] | None,
    transact_time: bytes,
) -> bytes:
    """OrderMassCancelReport (r): how many orders a mass cancel cancelled, or why it was
    rejected (531=0 with MassCancelRejectReason(532) and Text)."""
    req = req_type or b"7"
    parts = [b"11=%s\x0137=%s\x01530=%s\x01" % (cl_ord_id.encode(), order_id.encode(), req)]
    if reject is None:
        parts.append(b"531=%s\x01533=%d\x01" % (req, affected))
    else:
        parts.append(b"531=0\x01532=%d\x0158=%s\x01" % (reject[0], reject[1].encode()))
    parts.append(b"60=%s\x01" % transact_time)
    return b"".join(parts)


def _clean(text: str) -> bytes:
    """Free text never carries SOH (it would end the field)."""
    return text.replace("\x01", " ").encode("latin-1", "replace")
