"""Write and read the order-entry tables (journal, orders, executions, trades).

Role: the SQL side of gateway.app: `write_in` adds a flush's rows inside the caller's
transaction (the same one that stores the FIX messages reporting them); `load_journal`
and `load_seen` read back what recovery needs.

Invariants: insert-only; one executemany per table per flush; journal read in position
order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, Table, delete, inspect, select

from gateway.app.journal import decode_command
from gateway.app.service import Pending
from gateway.app.tables import (
    DROPPED_EXECUTIONS_INDEX,
    executions,
    kill_switches,
    orders,
    trades,
    venue_journal,
)
from gateway.session import StoreRecord
from gateway.store.bulk import insert_rows
from gateway.store.schema import metadata
from gateway.store.sql import SqlMessageStore
from venue.commands import Command


def create_tables(engine: Engine) -> None:
    """Create what is missing: tables, and the columns later versions added to a table a
    database already has (nullable, so its old rows read as unknown)."""
    metadata.create_all(engine)
    add_missing_columns(engine, executions)
    drop_index_if_present(engine, executions, DROPPED_EXECUTIONS_INDEX)


def _schema_of(engine: Engine) -> str | None:
    schema: str | None = engine.get_execution_options().get("schema_translate_map", {}).get(None)
    return schema


def add_missing_columns(engine: Engine, table: Table) -> None:
    """ALTER TABLE ... ADD COLUMN for each nullable column of `table` the database lacks."""
    schema = _schema_of(engine)
    present = {c["name"] for c in inspect(engine).get_columns(table.name, schema=schema)}
    missing = [c for c in table.columns if c.name not in present]
    if not missing:
        return
    prep = engine.dialect.identifier_preparer
    name = prep.quote(table.name)
    if schema:
        name = f"{prep.quote_schema(schema)}.{name}"
    with engine.begin() as conn:
        for column in missing:
            if not column.nullable:
                raise RuntimeError(f"cannot add NOT NULL column {table.name}.{column.name}")
            kind = column.type.compile(dialect=engine.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {name} ADD COLUMN {prep.quote(column.name)} {kind}")


def write_batch_in(
    conn: Connection, store: SqlMessageStore, records: Sequence[StoreRecord], pending: Pending
) -> None:
    """A flush's FIX records and the application's rows, in the caller's transaction (the
    same in the venue process and in the writer process)."""
    store.write_in(conn, records)
    write_in(conn, pending)


def write_in(conn: Connection, pending: Pending) -> None:
    """Insert the rows of `pending` inside the caller's transaction."""
    insert_rows(conn, venue_journal, pending.journal)
    insert_rows(conn, orders, pending.orders)
    insert_rows(conn, executions, pending.executions)
    insert_rows(conn, trades, pending.trades)
    for action, target, kind, at_us in pending.kill_switches:  # rare: operator commands
        conn.execute(delete(kill_switches).where(kill_switches.c.target == target))
        if action == "set":
            conn.execute(kill_switches.insert().values(target=target, kind=kind, since_us=at_us))


def drop_index_if_present(engine: Engine, table: Table, name: str) -> None:
    """DROP INDEX `name` (an index of `table`) if the database has it."""
    schema = _schema_of(engine)
    if name not in {i["name"] for i in inspect(engine).get_indexes(table.name, schema=schema)}:
        return
    prep = engine.dialect.identifier_preparer
    qualified = prep.quote(name)
    if schema:
        qualified = f"{prep.quote_schema(schema)}.{qualified}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX {qualified}")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def load_journal(engine: Engine, batch: int = 10_000) -> Iterator[tuple[int, datetime, Command]]:
    """Every journaled command, in order: (position, time, command)."""
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(
            select(
                venue_journal.c.position,
                venue_journal.c.at_us,
                venue_journal.c.kind,
                venue_journal.c.payload,
            ).order_by(venue_journal.c.position)
        )
        for position, at_us, kind, payload in result:
            yield position, _EPOCH + timedelta(microseconds=at_us), decode_command(kind, payload)


def load_seen(engine: Engine) -> Iterator[tuple[str, str]]:
    """(session id, ClOrdID) of every order request answered with an ExecutionReport."""
    with engine.connect() as conn:
        result = conn.execute(select(executions.c.session_id, executions.c.cl_ord_id).distinct())
        yield from ((str(s), str(c)) for s, c in result)


def load_kill_switches(engine: Engine) -> list[tuple[str, str]]:
    """(target, "firm" | "account") of every kill switch in force."""
    with engine.connect() as conn:
        rows = conn.execute(select(kill_switches.c.target, kill_switches.c.kind))
        return [(str(t), str(k)) for t, k in rows]
