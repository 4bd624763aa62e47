"""The message store seam: what the asyncio shell persists for FIX sessions.

Role: the ``MessageStore`` protocol and the record types a write batch is made of. The
session core produces records (``data_to_send()``); the shell gathers the records of every
session of one loop turn into one batch, ``write``s it (one transaction, committed on
return), and only then writes the bytes to the sockets ("persist, then tell").

Invariants every implementation keeps (tests/unit/store runs them against all of them):
- ``write`` is atomic: all records of the batch or none; committed when it returns. A
  failure raises (``StoreError`` or the driver's error) and leaves the store unchanged.
- records apply in batch order: a ``ResetRecord`` drops the session's stored messages and
  puts both sequence numbers back to 1, so an ``OutboundRecord`` with seq 1 after it in the
  same batch (reset-on-logon) is legal;
- an ``OutboundRecord`` for a (session, seq) already stored is an error
  (``DuplicateMessageError``): sequence numbers are never reused without a reset;
- the last ``SeqRecord`` of a session in a batch wins; a session's row is created on first
  ``load`` or first ``SeqRecord``/``ResetRecord``;
- ``created_at`` is timezone-aware UTC; it changes only on reset.

This module imports no database library, so a pure core may import the record types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


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


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundRecord:
    """One outbound message, exactly as sent (raw bytes, header and trailer included)."""

    session_id: str
    seq: int
    raw: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class SeqRecord:
    """The session's next expected sequence numbers after this batch."""

    session_id: str
    next_sender_seq: int
    next_target_seq: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetRecord:
    """Drop the session's stored messages; sequence numbers back to 1; new ``created_at``."""

    session_id: str
    created_at: datetime  # aware


StoreRecord = OutboundRecord | SeqRecord | ResetRecord


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
        """Same as ``write([ResetRecord(session_id=session_id, created_at=now)])``."""
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


def check_record(record: StoreRecord) -> None:
    """Reject a record no store may accept (raises ``StoreError``)."""
    if isinstance(record, OutboundRecord):
        if record.seq < 1:
            raise StoreError(f"{record.session_id}: outbound seq {record.seq} < 1")
    elif isinstance(record, SeqRecord):
        if record.next_sender_seq < 1 or record.next_target_seq < 1:
            raise StoreError(f"{record.session_id}: next sequence numbers must be >= 1")
    elif isinstance(record, ResetRecord):
        if record.created_at.tzinfo is None:
            raise StoreError(f"{record.session_id}: reset time must be timezone-aware")
    else:
        raise StoreError(f"not a store record: {type(record).__name__}")
