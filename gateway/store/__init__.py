"""Persistent FIX message store: the ``MessageStore`` seam and its implementations.

``open_store(url)`` picks the implementation: ``memory://`` for the in-memory store, any
SQLAlchemy URL (``sqlite:///...``, ``postgresql+psycopg://...``) for the SQL store.
"""

from __future__ import annotations

from gateway.store.base import (
    DuplicateMessageError,
    MessageStore,
    OutboundMessage,
    SeqNumbers,
    SessionReset,
    StoredSession,
    StoreError,
    StoreRecord,
)
from gateway.store.daily import due_for_reset

MEMORY_URL = "memory://"


def open_store(url: str, *, sqlite_synchronous: str = "full") -> MessageStore:
    """Open the store named by ``url`` (creates the tables / the SQLite directory)."""
    if url == MEMORY_URL:
        from gateway.store.memory import MemoryMessageStore

        return MemoryMessageStore()
    from gateway.store.sql import SqlMessageStore

    return SqlMessageStore(url, sqlite_synchronous=sqlite_synchronous)


__all__ = [
    "MEMORY_URL",
    "DuplicateMessageError",
    "MessageStore",
    "OutboundMessage",
    "SeqNumbers",
    "SessionReset",
    "StoreError",
    "StoreRecord",
    "StoredSession",
    "due_for_reset",
    "open_store",
]
