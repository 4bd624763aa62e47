"""Bulk inserts straight to the DB-API cursor, many rows per statement.

Role: SQLAlchemy Core spends several microseconds per row building parameter dicts and
running bind processors; the FIX message and order-entry tables take several rows per
order, so their inserts go straight to the DB-API cursor with positional tuples. The SQL
text is still derived from the Table objects (names, columns) and the dialect's paramstyle.

Rows go out as multi-row `INSERT ... VALUES (..), (..), ...` statements: the driver binds
every value in C and the database inserts the whole chunk in one step, during which the
GIL is free (with `store.writer = "thread"` the commit runs on a writer thread beside the
event loop; one statement per row meant one GIL hand-over per row). Chunk sizes are
powers of two, so each table needs only a handful of distinct statements (the drivers
cache prepared statements by text).

Invariants: values must already be in the driver's native types (int, str, bytes, None);
the statements run inside the caller's transaction, rows in the order given.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError

_cache: dict[tuple[str, str, str | None, str], str] = {}
_multi: dict[tuple[str, str, str | None, str, int], str] = {}
_upsert: dict[tuple[str, str, str | None, str, tuple[str, ...], tuple[str, ...]], str] = {}

#: Rows per statement, at most (a power of two), and bound values per statement, at most.
MAX_CHUNK = 256
_SQLITE_VARIABLES = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999
_MAX_VARIABLES = {"sqlite": _SQLITE_VARIABLES, "postgresql": 65_535}


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


def multi_insert_sql(conn: Connection, table: Table, rows: int, schema: str | None = None) -> str:
    """`insert_sql` for `rows` rows in one statement."""
    dialect = conn.dialect
    key = (dialect.name, dialect.paramstyle, schema, table.name, rows)
    sql = _multi.get(key)
    if sql is None:
        one = insert_sql(conn, table, schema)
        head, _, values = one.partition(" VALUES ")
        sql = f"{head} VALUES {', '.join([values] * rows)}"
        _multi[key] = sql
    return sql


def upsert_sql(
    conn: Connection,
    table: Table,
    key: Sequence[str],
    update: Sequence[str],
    schema: str | None = None,
) -> str:
    """`insert_sql` that updates the `update` columns of a row whose `key` exists
    (``ON CONFLICT ... DO UPDATE``: the same text on SQLite >= 3.24 and PostgreSQL)."""
    dialect = conn.dialect
    cache_key = (dialect.name, dialect.paramstyle, schema, table.name, tuple(key), tuple(update))
    sql = _upsert.get(cache_key)
    if sql is None:
        quote = dialect.identifier_preparer.quote
        sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
        target = ", ".join(quote(c) for c in key)
        sql = f"{insert_sql(conn, table, schema)} ON CONFLICT ({target}) DO UPDATE SET {sets}"
        _upsert[cache_key] = sql
    return sql


def chunk_sizes(count: int, columns: int, dialect: str) -> list[int]:
    """How `count` rows split into statements: full chunks, then the binary digits of
    the rest (e.g. 300 rows of 4 columns: 256, 32, 8, 4)."""
    limit = min(MAX_CHUNK, _MAX_VARIABLES.get(dialect, 999) // max(1, columns))
    chunk = 1 << max(0, limit.bit_length() - 1)
    sizes = [chunk] * (count // chunk)
    rest = count % chunk
    bit = chunk >> 1
    while rest:
        if rest & bit:
            sizes.append(bit)
            rest -= bit
        bit >>= 1
    return sizes


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[tuple[object, ...]], schema: str | None = None
) -> None:
    """INSERT every row (a tuple in the table's column order), many rows per statement."""
    if not rows:
        return
    columns = len(table.columns)
    statements = []
    start = 0
    for size in chunk_sizes(len(rows), columns, conn.dialect.name):
        flat = list(itertools.chain.from_iterable(rows[start : start + size]))
        statements.append((multi_insert_sql(conn, table, size, schema), flat))
        start += size
    _run(conn, statements, many=False)


def upsert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[tuple[object, ...]],
    key: Sequence[str],
    update: Sequence[str],
    schema: str | None = None,
) -> None:
    """INSERT every row, or update the `update` columns of the row with the same `key`
    (one executemany; values already in the driver's types, as for `insert_rows`)."""
    if rows:
        _run(conn, [(upsert_sql(conn, table, key, update, schema), rows)], many=True)


def _run(conn: Connection, statements: Sequence[tuple[str, Sequence[Any]]], *, many: bool) -> None:
    """Each (sql, parameters) on one DB-API cursor of `conn` (executemany when `many`); a
    driver error is raised as SQLAlchemy would raise it (IntegrityError, ...)."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for sql, params in statements:
            try:
                if many:
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
            except dbapi.Error as exc:
                raise DBAPIError.instance(sql, None, exc, dbapi.Error) from exc
    finally:
        cursor.close()
