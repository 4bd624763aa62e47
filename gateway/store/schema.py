"""The SQL tables of the venue: one shared ``MetaData``.

Role: the single place where tables are declared, so the order-entry layer can add its
order/execution tables next to the FIX session tables and everything is created (and can be
written in one transaction) on the same database.

Invariants:
- ``fix_sessions``: one row per session id; ``created_at`` is stored as UTC (read back as
  aware UTC by the store, since SQLite keeps no offset).
- ``fix_messages``: outbound raw messages (with their MsgType), primary key
  (session_id, seq); a seq is stored at most once per session between resets. No foreign
  key: a message row never outlives a reset of its session because the store deletes them
  in the same transaction.
- Tables carry no schema name; a caller that wants one (tests on a shared PostgreSQL) maps
  it with ``schema_translate_map``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, LargeBinary, MetaData, String, Table

metadata = MetaData()

SESSION_ID_LENGTH = 200

fix_sessions = Table(
    "fix_sessions",
    metadata,
    Column("session_id", String(SESSION_ID_LENGTH), primary_key=True),
    Column("next_sender_seq", BigInteger, nullable=False),
    Column("next_target_seq", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_with_rowid=False,
)

fix_messages = Table(
    "fix_messages",
    metadata,
    Column("session_id", String(SESSION_ID_LENGTH), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("msg_type", String(8), nullable=False),  # for inspection; resends parse raw
    Column("raw", LargeBinary, nullable=False),
)
