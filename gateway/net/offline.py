"""Messages for a session that has no live connection: numbered and stored for a resend.

Role: the application layer may address a session that is logged off (a passive fill
belongs to the owner of the resting order). The session core numbers and stores such a
message without transmitting it; this holder keeps one detached FixSession per logged-off
session, created from the store's state, and hands its records to the Flusher like a
connection does (it has no bytes to write).

Invariants: a detached session exists only while its session has no live connection; a
connection that binds the session first flushes the pending records (so `store.load`
sees them) and then discards the detached session.
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.net.records import merge_resend
from gateway.session import FixSession, SessionSettings, StoreRecord
from gateway.store import MessageStore


class OfflineSession:
    """A detached FixSession of a logged-off session; Flushable without a transport."""

    def __init__(
        self,
        settings: SessionSettings,
        store: MessageStore,
        new_session: Callable[..., FixSession],
    ) -> None:
        self._session_id = str(settings.session_id)
        stored = store.load(self._session_id)
        self._store = store
        self._records: list[StoreRecord] = []
        self.broken = False  # a commit failed: numbering in memory is ahead of the store
        self.session = new_session(
            settings,
            next_sender_seq=stored.next_sender_seq,
            next_target_seq=stored.next_target_seq,
            resend_source=self._resend_source,
        )

    def send(self, msg_type: str, body: bytes, now: float) -> int:
        # The records wait in the session's outbox until the flush takes them (one drain
        # per flush, not per message: a drop-copy session gets a copy of every report).
        return self.session.send(msg_type, body, now)

    def _drain(self) -> None:
        _, records = self.session.data_to_send()  # no bytes: nobody to send them to
        self._records.extend(records)
        while self.session.next_event() is not None:
            pass

    def _resend_source(self, begin: int, end: int | None) -> list[tuple[int, bytes]]:
        self._drain()
        stored = self._store.messages(self._session_id, begin, end)
        return merge_resend(stored, self._records, begin, end)

    # -- Flushable --------------------------------------------------------------------------

    def take_output(self) -> tuple[bytes, list[StoreRecord]]:
        self._drain()
        records, self._records = self._records, []
        return b"", records

    def write_out(self, data: bytes) -> None:
        return None

    def after_flush(self) -> None:
        return None

    def abort(self, reason: str) -> None:
        self._drain()
        self._records.clear()
        self.broken = True
