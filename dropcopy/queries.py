"""Read the venue's committed trading records for the portfolio and the reports.

Role: the SQL half of `dropcopy`: streaming SELECTs over the order-entry tables (orders,
executions, trades: see gateway.app.tables, named here with lightweight `table()`
constructs so this package does not import the gateway). Every query streams with
`yield_per` (a server-side cursor on PostgreSQL), so memory stays constant however many
rows there are; only the portfolio keeps state, one entry per position.

Invariants: read-only; a query sees one consistent snapshot (one connection, one SELECT);
rows come in execution order (time, then the venue's event sequence, which is the numeric
prefix of the ExecID: ordered by length then text).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, case, column, func, select, table
from sqlalchemy.sql.expression import TableClause

from dropcopy.portfolio import Fill, Method, Portfolio
from dropcopy.regulatory import ORDER_SOURCE, TRADE_SOURCE

BATCH = 5_000
_ORDER_COLS = (
    "order_id",
    "session_id",
    "firm",
    "account",
    "cl_ord_id",
    "symbol",
    "side",
    "ord_type",
    "time_in_force",
    "qty",
    "price",
    "stop_px",
    "created_at_us",
)
_EXEC_COLS = (
    "exec_id",
    "order_id",
    "session_id",
    "cl_ord_id",
    "orig_cl_ord_id",
    "exec_type",
    "ord_status",
    "symbol",
    "side",
    "order_qty",
    "last_qty",
    "last_px",
    "leaves_qty",
    "cum_qty",
    "avg_px",
    "text",
    "ord_type",
    "time_in_force",
    "price",
    "stop_px",
    "transact_time_us",
)
_TRADE_COLS = (
    "trade_id",
    "symbol",
    "price",
    "qty",
    "buy_order_id",
    "sell_order_id",
    "maker_order_id",
    "taker_order_id",
    "aggressor_side",
    "executed_at_us",
)


class Tables:
    """The three tables, optionally in a schema (PostgreSQL)."""

    def __init__(self, schema: str | None = None) -> None:
        self.orders = table("orders", *map(column, _ORDER_COLS), schema=schema)
        self.executions = table("executions", *map(column, _EXEC_COLS), schema=schema)
        self.trades = table("trades", *map(column, _TRADE_COLS), schema=schema)


def _stream(engine: Engine, query: Select[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
        for row in result:
            yield tuple(row)


def _in_execution_order(
    q: Select[tuple[object, ...]], t: TableClause
) -> Select[tuple[object, ...]]:
    e = t.c
    return q.order_by(e.transact_time_us, func.length(e.exec_id), e.exec_id)


def order_events(
    engine: Engine, t: Tables, since_us: int | None = None, until_us: int | None = None
) -> Iterator[tuple[object, ...]]:
    """Executions LEFT JOIN orders (ORDER_SOURCE columns), since <= time < until."""
    e, o = t.executions.c, t.orders.c
    cols: list[ColumnElement[Any]] = [e[n] for n in ORDER_SOURCE[:16]]
    # The terms the report stated; a row written before executions kept them (ord_type
    # NULL) falls back to the order as first accepted.
    old = e.ord_type.is_(None)
    cols += [o.firm, o.account]
    cols += [
        case((old, o[n]), else_=e[n]) for n in ("ord_type", "time_in_force", "price", "stop_px")
    ]
    joined = t.executions.outerjoin(t.orders, o.order_id == e.order_id)
    q = select(*cols).select_from(joined)
    q = q.where(*_window(e.transact_time_us, since_us, until_us))
    return _stream(engine, _in_execution_order(q, t.executions))


def trade_reports(
    engine: Engine, t: Tables, since_us: int | None = None, until_us: int | None = None
) -> Iterator[tuple[object, ...]]:
    """Trades LEFT JOIN the buy and the sell orders (TRADE_SOURCE columns), by trade id."""
    tr = t.trades.c
    buy, sell = t.orders.alias("b"), t.orders.alias("s")
    q = (
        select(
            *(tr[n] for n in TRADE_SOURCE[:8]),
            buy.c.firm,
            buy.c.account,
            sell.c.firm,
            sell.c.account,
        )
        .select_from(
            t.trades.outerjoin(buy, buy.c.order_id == tr.buy_order_id).outerjoin(
                sell, sell.c.order_id == tr.sell_order_id
            )
        )
        .where(*_window(tr.executed_at_us, since_us, until_us))
        .order_by(tr.trade_id)
    )
    return _stream(engine, q)


def _window(
    col: ColumnElement[Any], since_us: int | None, until_us: int | None
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if since_us is not None:
        conds.append(col >= since_us)
    if until_us is not None:
        conds.append(col < until_us)
    return conds


def fills(engine: Engine, t: Tables) -> Iterator[tuple[Fill, str]]:
    """Every fill in execution order, as a portfolio Fill and its ExecID. A fill whose
    order row is missing has an empty firm and account."""
    e, o = t.executions.c, t.orders.c
    q = (
        select(e.exec_id, e.symbol, e.side, e.last_qty, e.last_px, o.firm, o.account)
        .select_from(t.executions.outerjoin(t.orders, o.order_id == e.order_id))
        .where(e.exec_type == "F")
    )
    for exec_id, symbol, side, qty, px, firm, account in _stream(
        engine, _in_execution_order(q, t.executions)
    ):
        xid = str(exec_id)
        maker = True if xid.endswith(".M") else (False if xid.endswith(".T") else None)
        fill = Fill(
            firm=str(firm or ""),
            account=str(account or ""),
            symbol=str(symbol),
            buy=side == "1",
            qty=int(qty),  # type: ignore[call-overload]
            price=Decimal(str(px)),
            maker=maker,
        )
        yield fill, xid


def load_portfolio(
    engine: Engine,
    t: Tables,
    method: Method = "fifo",
    *,
    maker_fee_bps: Decimal = Decimal(0),
    taker_fee_bps: Decimal = Decimal(0),
) -> Portfolio:
    """The portfolio rebuilt from every stored fill."""
    portfolio = Portfolio(method, maker_fee_bps=maker_fee_bps, taker_fee_bps=taker_fee_bps)
    for fill, _ in fills(engine, t):
        portfolio.apply(fill)
    return portfolio
