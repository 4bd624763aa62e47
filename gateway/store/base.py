"""The message store seam: what the asyncio shell persists for FIX sessions.

Role: the ``MessageStore`` protocol. A write batch is made of the records the session core
publishes (gateway/session/records.py, re-exported here): ``SessionReset``,
``OutboundMessage``, ``SeqNumbers``. The shell gathers the records of every session of one
loop turn into one batch, ``write``s it (one transaction, committed on return), and only
then writes the bytes to the sockets ("persist, then tell").

Invariants every implementation keeps (tests/unit/store runs them against all of them):
- ``write`` is atomic: all records of the batch or none; committed when it returns. A
  failure raises (``StoreError`` or the driver's error) and leaves the store unchanged.
- records apply in batch order: a ``SessionReset`` drops the session's stored messages and
  puts both sequence numbers back to 1, so an ``OutboundMessage`` with seq 1 after it in the
  same batch (reset on logon) is legal;
- an ``OutboundMessage`` for a (session, seq) already stored is an error
  (``DuplicateMessageError``): sequence numbers are never reused without a reset;
- the last ``SeqNumbers`` of a session in a batch wins; a session's row is created on first
  ``load`` or first ``SeqNumbers``/``SessionReset``;
- ``created_at`` is timezone-aware UTC, taken from the store's clock when the row is created
  or reset (``reset(session_id, now)`` takes it from the caller); it changes only on reset.

This module imports no database library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from gateway.session.records import OutboundMessage, SeqNumbers, SessionReset, StoreRecord

__all__ = [
    "DuplicateMessageError",
    "MessageStore",
    "OutboundMessage",
    "SeqNumbers",
    "SessionReset",
    "StoreError",
    "StoreRecord",
    "StoredSession",
    "as_utc",
    "check_record",
    "utc_now",
]


class StoreError(Exception):
    """The store refused a batch or a request (the batch was not committed)."""


class DuplicateMessageError(StoreError):
    """An outbound message with an already stored (session_id, seq)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredSession:
    """The persisted state of one session, as ``load`` returns it."""

    next_sender_seq: int
    next_target_seq: int
    created_at: datetime  # aware, UTC: when the sequence numbers were last reset


class MessageStore(Protocol):
    """Persistent per-session sequence numbers and outbound messages (for resends).

    Synchronous: the asyncio shell calls it on its loop (one writer).
    """

    def load(self, session_id: str) -> StoredSession:
        """The session's state; creates it (seqs 1/1, created now) if missing."""
        ...

    def messages(self, session_id: str, begin: int, end: int | None) -> list[tuple[int, bytes]]:
        """Stored outbound messages with ``begin <= seq <= end`` (no upper bound when
        ``end`` is None), ordered by seq. Gaps (never stored) are simply absent."""
        ...

    def write(self, records: Sequence[StoreRecord]) -> None:
        """Apply the records in order in one transaction; committed when this returns."""
        ...

    def reset(self, session_id: str, now: datetime) -> None:
        """Like ``write([SessionReset(session_id=session_id)])``, with ``now`` as the
        new ``created_at`` (used for the daily reset)."""
        ...

    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
        ...


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def check_record(record: object) -> None:
    """Reject anything that is not a store record (raises ``StoreError``).

    The records check their own values on construction (seq >= 1, ...)."""
    if not isinstance(record, OutboundMessage | SeqNumbers | SessionReset):
        raise StoreError(f"not a store record: {type(record).__name__}")
