"""``MessageStore`` on SQLAlchemy 2 Core: SQLite by default, PostgreSQL by URL.

Role: durable sequence numbers and outbound messages for the FIX sessions, written in one
transaction per batch (one per event-loop turn of the shell).

Invariants:
- ``write`` runs every record of the batch in ONE transaction and returns only after the
  COMMIT: outbound messages go in with executemany inserts, the latest sequence numbers per
  session with one executemany upsert; a ``SessionReset`` first flushes what precedes it,
  then deletes the session's messages and rewrites its row (batch order is kept).
- A duplicate (session_id, seq) rolls the whole batch back and raises
  ``DuplicateMessageError``.
- Tables are created on open (``metadata.create_all``, shared with other layers).

SQLite durability: WAL journal. ``synchronous=FULL`` (default) fsyncs the WAL at every
commit, so a committed batch survives a power loss; ``synchronous=NORMAL`` skips that fsync
and still survives a process crash (kill -9), because a committed transaction is already in
the WAL file (in the OS page cache) when COMMIT returns; it may lose the last commits on an
OS crash or power loss. One fsync per batch, not per message, is what batching buys.
``busy_timeout`` lets a second process (an inspection tool) wait instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError

from gateway.store.base import (
    DuplicateMessageError,
    OutboundMessage,
    SeqNumbers,
    StoredSession,
    StoreError,
    StoreRecord,
    as_utc,
    check_record,
    utc_now,
)
from gateway.store.bulk import insert_rows, upsert_rows
from gateway.store.schema import fix_messages, fix_sessions, metadata

SQLITE_SYNCHRONOUS = ("normal", "full")
_SESSION_KEY = ("session_id",)
_SESSION_NUMBERS = ("next_sender_seq", "next_target_seq")


def sqlite_file(url: URL) -> str | None:
    """The database file a SQLite URL names (None for another backend, an in-memory
    database or a ``file:`` URI)."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else database


def _prepare_sqlite(engine: Engine, synchronous: str) -> None:
    """WAL + the chosen sync level; explicit BEGIN so a transaction spans the whole batch."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


class SqlMessageStore:
    """A ``MessageStore`` on a SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        sqlite_synchronous: str = "full",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        parsed = make_url(url)
        self._clock = clock
        self._closed = False
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
                raise StoreError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}")
            database = sqlite_file(parsed)
            if database is not None:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed)
            _prepare_sqlite(engine, sqlite_synchronous)
            self._dialect: Any = sqlite
        elif backend == "postgresql":
            engine = create_engine(parsed)
            self._dialect = postgresql
        else:
            raise StoreError(f"unsupported database {backend!r}: use sqlite or postgresql")
        if schema is not None:
            engine = engine.execution_options(schema_translate_map={None: schema})
        self._schema = schema
        self._engine = engine
        metadata.create_all(engine)

        insert_session = self._dialect.insert(fix_sessions)
        self._create_session = insert_session.on_conflict_do_nothing(
            index_elements=[fix_sessions.c.session_id]
        )
        # The numbers are upserted straight through the DB-API cursor (every flush does it;
        # SQLAlchemy's statement path cost more than the upsert itself), so created_at
        # goes through the dialect's own conversion (a string on SQLite).
        created_at_type = fix_sessions.c.created_at.type.dialect_impl(engine.dialect)
        self._bind_created_at = created_at_type.bind_processor(engine.dialect)
        self._upsert_reset = insert_session.on_conflict_do_update(
            index_elements=[fix_sessions.c.session_id],
            set_={
                "next_sender_seq": insert_session.excluded.next_sender_seq,
                "next_target_seq": insert_session.excluded.next_target_seq,
                "created_at": insert_session.excluded.created_at,
            },
        )

    @property
    def engine(self) -> Engine:
        """The engine, for layers that add their own tables to the same database."""
        return self._engine

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("store is closed")

    # ------------------------------------------------------------------ reads
    def load(self, session_id: str) -> StoredSession:
        self._check_open()
        query = select(
            fix_sessions.c.next_sender_seq,
            fix_sessions.c.next_target_seq,
            fix_sessions.c.created_at,
        ).where(fix_sessions.c.session_id == session_id)
        with self._engine.begin() as conn:
            row = conn.execute(query).first()
            if row is None:
                conn.execute(
                    self._create_session,
                    {
                        "session_id": session_id,
                        "next_sender_seq": 1,
                        "next_target_seq": 1,
                        "created_at": as_utc(self._clock()),
                    },
                )
                row = conn.execute(query).one()
        return StoredSession(
            next_sender_seq=int(row.next_sender_seq),
            next_target_seq=int(row.next_target_seq),
            created_at=as_utc(row.created_at),
        )

    def messages(self, session_id: str, begin: int, end: int | None) -> list[tuple[int, bytes]]:
        self._check_open()
        query = (
            select(fix_messages.c.seq, fix_messages.c.raw)
            .where(fix_messages.c.session_id == session_id, fix_messages.c.seq >= begin)
            .order_by(fix_messages.c.seq)
        )
        if end is not None:
            query = query.where(fix_messages.c.seq <= end)
        with self._engine.connect() as conn:
            return [(int(seq), bytes(raw)) for seq, raw in conn.execute(query)]

    # ------------------------------------------------------------------ writes
    def write(self, records: Sequence[StoreRecord]) -> None:
        self._check_open()
        if not records:
            return
        try:
            with self._engine.begin() as conn:
                self.write_in(conn, records)
        except IntegrityError as exc:
            raise DuplicateMessageError(f"outbound message already stored: {exc.orig}") from exc

    def write_in(self, conn: Connection, records: Sequence[StoreRecord]) -> None:
        """Apply ``records`` inside the caller's transaction on ``conn`` (no commit).

        For a layer that commits its own rows together with the FIX records.
        """
        messages: list[tuple[object, ...]] = []
        seqs: dict[str, SeqNumbers] = {}
        for record in records:
            check_record(record)
            if isinstance(record, OutboundMessage):
                messages.append((record.session_id, record.seq, record.msg_type, record.raw))
            elif isinstance(record, SeqNumbers):
                seqs[record.session_id] = record
            else:  # SessionReset: what precedes it first, then drop and restart at 1
                self._flush(conn, messages, seqs)
                messages, seqs = [], {}
                self._reset_in(conn, record.session_id, self._clock())
        self._flush(conn, messages, seqs)

    def write_rows_in(
        self, conn: Connection, messages: list[tuple[object, ...]], seqs: dict[str, SeqNumbers]
    ) -> None:
        """Message rows ``(session_id, seq, msg_type, raw)`` and the latest numbers of each
        session, inside the caller's transaction: records already taken apart (the writer
        process's group commit), with no session reset among them."""
        self._flush(conn, messages, seqs)

    def _reset_in(self, conn: Connection, session_id: str, now: datetime) -> None:
        conn.execute(delete(fix_messages).where(fix_messages.c.session_id == session_id))
        conn.execute(
            self._upsert_reset,
            {
                "session_id": session_id,
                "next_sender_seq": 1,
                "next_target_seq": 1,
                "created_at": as_utc(now),
            },
        )

    def _flush(
        self, conn: Connection, messages: list[tuple[object, ...]], seqs: dict[str, SeqNumbers]
    ) -> None:
        if messages:
            insert_rows(conn, fix_messages, messages, self._schema)
        if seqs:
            created_at = as_utc(self._clock())
            bind = self._bind_created_at
            stamp = bind(created_at) if bind is not None else created_at
            rows = [
                (s.session_id, s.next_sender_seq, s.next_target_seq, stamp) for s in seqs.values()
            ]
            upsert_rows(
                conn,
                fix_sessions,
                rows,
                key=_SESSION_KEY,
                update=_SESSION_NUMBERS,
                schema=self._schema,
            )

    def reset(self, session_id: str, now: datetime) -> None:
        self._check_open()
        with self._engine.begin() as conn:
            self._reset_in(conn, session_id, now)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._engine.dispose()
