"""The order-entry tables, declared on the store's shared ``MetaData``.

Role: what the venue remembers about trading, written in the same transaction as the FIX
messages that report it (persist, then tell).

Invariants (all tables are insert-only, so a flush is a handful of executemany calls):
- ``venue_journal``: every command the engine accepted, by journal position, with the
  time it was applied; replaying it rebuilds the engine exactly (see gateway.app.journal).
- ``orders``: one row per order the venue accepted (static fields as first accepted).
- ``executions``: one row per ExecutionReport sent, keyed by ExecID (unique for the venue's
  life: derived from the engine's event sequence number).
- ``trades``: one row per match, keyed by the engine's trade id (TrdMatchID).
Prices are stored as decimal strings (exact), quantities as integers, times as integer
microseconds since the epoch (UTC): exact, portable, and cheap to write.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from gateway.store.schema import SESSION_ID_LENGTH, metadata

#: A 64-bit key that SQLite stores as the table's rowid (INTEGER PRIMARY KEY): one b-tree
#: per table instead of the table plus an index of its key, so a commit dirties half the
#: pages (SQLite's INTEGER is 64-bit; BIGINT would not be a rowid alias).
RowKey = BigInteger().with_variant(Integer(), "sqlite")

venue_journal = Table(
    "venue_journal",
    metadata,
    Column("position", RowKey, primary_key=True, autoincrement=False),
    Column("at_us", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", RowKey, primary_key=True, autoincrement=False),
    Column("session_id", String(SESSION_ID_LENGTH), nullable=False),
    Column("firm", String(64), nullable=False),
    Column("account", String(64), nullable=False),
    Column("cl_ord_id", String(128), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(1), nullable=False),
    Column("ord_type", String(1), nullable=False),
    Column("time_in_force", String(1), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("price", String(32)),
    Column("stop_px", String(32)),
    Column("created_at_us", BigInteger, nullable=False),
)

executions = Table(
    "executions",
    metadata,
    Column("exec_id", String(40), primary_key=True),
    Column("order_id", BigInteger),
    Column("session_id", String(SESSION_ID_LENGTH), nullable=False),
    Column("cl_ord_id", String(128), nullable=False),
    Column("orig_cl_ord_id", String(128)),
    Column("exec_type", String(1), nullable=False),
    Column("ord_status", String(1), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(1), nullable=False),
    Column("order_qty", BigInteger),
    Column("last_qty", BigInteger),
    Column("last_px", String(32)),
    Column("leaves_qty", BigInteger, nullable=False),
    Column("cum_qty", BigInteger, nullable=False),
    Column("avg_px", String(40), nullable=False),
    Column("text", Text),
    # The order's terms as this report stated them (after a replace, the new ones; for a
    # request refused before it became an order, what the report echoed).
    Column("ord_type", String(1)),
    Column("time_in_force", String(1)),
    Column("price", String(32)),
    Column("stop_px", String(32)),
    Column("transact_time_us", BigInteger, nullable=False),
)
#: An index that earlier versions kept on executions (session_id, cl_ord_id). Only the start-up
#: scan of `persist.load_seen` read it, and every commit wrote about six pages of it (a fifth
#: of the log a commit writes: its keys are not appended at the end); `create_tables` drops
#: it from a database that has it.
DROPPED_EXECUTIONS_INDEX = "ix_executions_session_clordid"

kill_switches = Table(
    "kill_switches",
    metadata,
    Column("target", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),  # "firm" | "account"
    Column("since_us", BigInteger, nullable=False),
)

trades = Table(
    "trades",
    metadata,
    Column("trade_id", RowKey, primary_key=True, autoincrement=False),
    Column("symbol", String(32), nullable=False),
    Column("price", String(32), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("buy_order_id", BigInteger, nullable=False),
    Column("sell_order_id", BigInteger, nullable=False),
    Column("maker_order_id", BigInteger, nullable=False),
    Column("taker_order_id", BigInteger, nullable=False),
    Column("aggressor_side", String(1)),
    Column("executed_at_us", BigInteger, nullable=False),
)
