"""Bulk inserts through the driver's own executemany, for the write-heavy tables.

Role: SQLAlchemy Core spends several microseconds per row building parameter dicts and
running bind processors; the FIX message and order-entry tables take several rows per
order, so their inserts go straight to the DB-API cursor with positional tuples. The SQL
text is still derived from the Table objects (names, columns) and the dialect's paramstyle.

Invariants: values must already be in the driver's native types (int, str, bytes, None);
the statement runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table

_cache: dict[tuple[str, str, str | None, str], str] = {}


def insert_sql(conn: Connection, table: Table, schema: str | None = None) -> str:
    dialect = conn.dialect
    key = (dialect.name, dialect.paramstyle, schema, table.name)
    sql = _cache.get(key)
    if sql is None:
        prep = dialect.identifier_preparer
        name = prep.quote(table.name)
        if schema:
            name = f"{prep.quote_schema(schema)}.{name}"
        cols = ", ".join(prep.quote(c.name) for c in table.columns)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO {name} ({cols}) VALUES ({', '.join([mark] * len(table.columns))})"
        _cache[key] = sql
    return sql


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[tuple[object, ...]], schema: str | None = None
) -> None:
    """INSERT every row (a tuple in the table's column order) with one executemany."""
    if rows:
        conn.exec_driver_sql(insert_sql(conn, table, schema), list(rows))
