"""Regulatory records: the order audit trail and the trade reports, as flat rows.

Role: the pure half of regulatory reporting. It defines the exported columns (each one
imitating a field of MiFIR RTS 24 order records, MiFIR RTS 22 transaction reports or US CAT
events; the README documents them) and turns the stored rows (executions joined with
orders; trades joined with the orders of both sides) into export rows. `dropcopy.queries`
reads the database, `dropcopy.export` writes the files.

Invariants:
- One order event per ExecutionReport the venue recorded (the executions table), one trade
  report per match (the trades table): nothing is invented, nothing is merged.
- Times are the venue's, UTC, ISO 8601 with microseconds (`2026-01-02T09:30:00.123456Z`).
- The event code follows RTS 24 Annex Table 2 field 21: NEWO new, REME replaced by the
  member, CAME cancelled by the member (including a mass cancel), CAMO cancelled by the
  venue (IOC/market remainder, self-trade prevention, replaced down to the filled qty),
  PARF partial fill, FILL fill, EXPI expired, REMO rejected, TRIG a stop triggered.
- Prices are the exact decimal strings the venue stored; quantities are integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Exported order-event columns, in file order.
ORDER_COLUMNS: tuple[str, ...] = (
    "event_time",
    "event_code",
    "venue",
    "firm",
    "account",
    "order_id",
    "exec_id",
    "cl_ord_id",
    "orig_cl_ord_id",
    "symbol",
    "side",
    "short_selling",
    "order_type",
    "time_in_force",
    "price",
    "stop_price",
    "currency",
    "order_qty",
    "last_qty",
    "last_px",
    "leaves_qty",
    "cum_qty",
    "order_status",
    "text",
)

#: Exported trade-report columns, in file order.
TRADE_COLUMNS: tuple[str, ...] = (
    "trade_id",
    "trading_date_time",
    "venue",
    "symbol",
    "price",
    "currency",
    "quantity",
    "notional",
    "buyer_firm",
    "buyer_account",
    "buy_order_id",
    "seller_firm",
    "seller_account",
    "sell_order_id",
    "aggressor_side",
)

_SIDE = {"1": "BUYI", "2": "SELL", "5": "SELL"}
_ORD_TYPE = {"1": "MARKET", "2": "LIMIT", "3": "STOP", "4": "STOP_LIMIT"}
_TIF = {"0": "DAVY", "1": "GTCV", "3": "IOCV", "4": "FOKV", "6": "GTDV"}
_STATUS = {
    "0": "NEW",
    "1": "PARTIALLY_FILLED",
    "2": "FILLED",
    "4": "CANCELLED",
    "8": "REJECTED",
    "C": "EXPIRED",
}
#: Cancels the member asked for (no text: an OrderCancelRequest; or a mass cancel).
_MEMBER_CANCEL_TEXTS = frozenset({"", "cancelled by mass cancel"})


def iso_time(micros: int) -> str:
    """Integer microseconds since the epoch -> ISO 8601 UTC with 6 decimals and a Z."""
    return (_EPOCH + timedelta(microseconds=micros)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_code(exec_type: str, ord_status: str, text: str | None) -> str:
    """The RTS 24 style event code of one ExecutionReport (see module docstring)."""
    if exec_type == "F":
        return "FILL" if ord_status == "2" else "PARF"
    if exec_type == "4":
        return "CAME" if (text or "") in _MEMBER_CANCEL_TEXTS else "CAMO"
    return {"0": "NEWO", "5": "REME", "C": "EXPI", "8": "REMO", "D": "TRIG"}.get(
        exec_type, f"X{exec_type}"
    )


#: The columns `dropcopy.queries.order_events` selects, in order.
ORDER_SOURCE = (
    "transact_time_us",
    "exec_type",
    "ord_status",
    "order_id",
    "exec_id",
    "cl_ord_id",
    "orig_cl_ord_id",
    "session_id",
    "symbol",
    "side",
    "order_qty",
    "last_qty",
    "last_px",
    "leaves_qty",
    "cum_qty",
    "text",
    "firm",
    "account",
    "ord_type",
    "time_in_force",
    "price",
    "stop_px",
)


def order_event(
    src: tuple[object, ...],
    *,
    venue: str,
    firms: Mapping[str, str],
    currencies: Mapping[str, str],
) -> dict[str, object]:
    """One audit-trail row from an ORDER_SOURCE tuple. A rejected order the venue never
    accepted has no orders row: its firm comes from its session (`firms`)."""
    (at, exec_type, status, order_id, exec_id, clid, orig, session_id, symbol, side) = src[:10]
    (order_qty, last_qty, last_px, leaves, cum, text, firm, account) = src[10:18]
    (ord_type, tif, price, stop_px) = src[18:22]
    symbol_s, text_s = str(symbol), None if text is None else str(text)
    return {
        "event_time": iso_time(int(at)),  # type: ignore[call-overload]
        "event_code": event_code(str(exec_type), str(status), text_s),
        "venue": venue,
        "firm": firm if firm is not None else firms.get(str(session_id), ""),
        "account": account or "",
        "order_id": order_id,
        "exec_id": exec_id,
        "cl_ord_id": clid,
        "orig_cl_ord_id": orig or "",
        "symbol": symbol_s,
        "side": _SIDE.get(str(side), str(side)),
        "short_selling": "SESH" if side == "5" else "",
        "order_type": _ORD_TYPE.get(str(ord_type), "") if ord_type else "",
        "time_in_force": _TIF.get(str(tif), "") if tif else "",
        "price": price or "",
        "stop_price": stop_px or "",
        "currency": currencies.get(symbol_s, ""),
        "order_qty": order_qty,
        "last_qty": last_qty,
        "last_px": last_px or "",
        "leaves_qty": leaves,
        "cum_qty": cum,
        "order_status": _STATUS.get(str(status), str(status)),
        "text": text_s or "",
    }


#: The columns `dropcopy.queries.trade_reports` selects, in order.
TRADE_SOURCE = (
    "trade_id",
    "executed_at_us",
    "symbol",
    "price",
    "qty",
    "buy_order_id",
    "sell_order_id",
    "aggressor_side",
    "buyer_firm",
    "buyer_account",
    "seller_firm",
    "seller_account",
)


def trade_report(
    src: tuple[object, ...], *, venue: str, currencies: Mapping[str, str]
) -> dict[str, object]:
    """One trade report from a TRADE_SOURCE tuple; a side whose order row is missing
    has an empty firm and account (reconciliation flags it)."""
    (trade_id, at, symbol, price, qty, buy_oid, sell_oid, aggressor) = src[:8]
    (buyer_firm, buyer_account, seller_firm, seller_account) = src[8:12]
    symbol_s = str(symbol)
    return {
        "trade_id": trade_id,
        "trading_date_time": iso_time(int(at)),  # type: ignore[call-overload]
        "venue": venue,
        "symbol": symbol_s,
        "price": price,
        "currency": currencies.get(symbol_s, ""),
        "quantity": qty,
        "notional": str(Decimal(str(price)) * int(qty)),  # type: ignore[call-overload]
        "buyer_firm": buyer_firm or "",
        "buyer_account": buyer_account or "",
        "buy_order_id": buy_oid,
        "seller_firm": seller_firm or "",
        "seller_account": seller_account or "",
        "sell_order_id": sell_oid,
        "aggressor_side": {"1": "BUYI", "2": "SELL"}.get(str(aggressor), ""),
    }
