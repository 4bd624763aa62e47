"""In-memory ``MessageStore`` for tests and throwaway runs.

Role: the reference behaviour of the store seam without a database; the same test suite
runs against it and the SQL store.

Invariants: ``write`` validates and applies a batch to copies of the touched sessions and
swaps them in only when every record applied (atomic, like a transaction). Nothing
survives ``close`` or the process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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


@dataclass(slots=True)
class _Session:
    next_sender_seq: int
    next_target_seq: int
    created_at: datetime
    messages: dict[int, bytes] = field(default_factory=dict)

    def copy(self) -> _Session:
        return _Session(
            self.next_sender_seq, self.next_target_seq, self.created_at, dict(self.messages)
        )


class MemoryMessageStore:
    """A ``MessageStore`` in a dict."""

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("store is closed")

    def load(self, session_id: str) -> StoredSession:
        self._check_open()
        s = self._sessions.get(session_id)
        if s is None:
            s = self._sessions[session_id] = _Session(1, 1, as_utc(self._clock()))
        return StoredSession(
            next_sender_seq=s.next_sender_seq,
            next_target_seq=s.next_target_seq,
            created_at=s.created_at,
        )

    def messages(self, session_id: str, begin: int, end: int | None) -> list[tuple[int, bytes]]:
        self._check_open()
        s = self._sessions.get(session_id)
        if s is None:
            return []
        return sorted(
            (seq, raw)
            for seq, raw in s.messages.items()
            if seq >= begin and (end is None or seq <= end)
        )

    def write(self, records: Sequence[StoreRecord]) -> None:
        self._check_open()
        staged: dict[str, _Session] = {}

        def session(session_id: str) -> _Session:
            s = staged.get(session_id)
            if s is None:
                current = self._sessions.get(session_id)
                s = _Session(1, 1, as_utc(self._clock())) if current is None else current.copy()
                staged[session_id] = s
            return s

        for record in records:
            check_record(record)
            s = session(record.session_id)
            if isinstance(record, OutboundMessage):
                if record.seq in s.messages:
                    raise DuplicateMessageError(
                        f"{record.session_id}: outbound seq {record.seq} already stored"
                    )
                s.messages[record.seq] = bytes(record.raw)
            elif isinstance(record, SeqNumbers):
                s.next_sender_seq = record.next_sender_seq
                s.next_target_seq = record.next_target_seq
            else:  # SessionReset
                staged[record.session_id] = _Session(1, 1, as_utc(self._clock()))
        self._sessions.update(staged)

    def reset(self, session_id: str, now: datetime) -> None:
        self._check_open()
        self._sessions[session_id] = _Session(1, 1, as_utc(now))

    def close(self) -> None:
        self._closed = True
