"""Persist, then tell: one store transaction per event-loop turn, then the socket writes.

Role: connections register themselves as *touched* whenever they called into their
session (bytes in, timer, application send, logout). The first touch of a turn schedules
one flush (`loop.call_soon`, or `call_later` when a flush interval is configured). The
flush drains every touched session, writes ALL their records in ONE transaction
(`commit(batch)`: `store.write`, or a composition that also writes the application's rows
in the same transaction), and only after it returns (committed) hands the bytes to the
transports. Then each connection runs its post-flush work (close after Disconnect,
slow-reader check, timer).

Invariants:
- No byte reaches a transport before the records of the same flush are committed.
- A failed commit tells nobody: the touched connections are aborted (their peers will
  resend what we did not persist), and the error is logged.
- One flush at a time; touches during a flush schedule the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

import structlog

from gateway.session import StoreRecord

log = structlog.get_logger("gateway.net")


class Flushable(Protocol):
    """What the flusher needs from a connection."""

    def take_output(self) -> tuple[bytes, list[StoreRecord]]: ...
    def write_out(self, data: bytes) -> None: ...
    def after_flush(self) -> None: ...
    def abort(self, reason: str) -> None: ...


class Flusher:
    """Batches the output of every touched connection of a loop turn."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        commit: Callable[[list[StoreRecord]], None],
        *,
        interval_s: float = 0.0,
        on_commit: Callable[[int], None] | None = None,
        has_pending: Callable[[], bool] | None = None,
    ) -> None:
        self._loop = loop
        # Rows of the application layer (journal, orders, ...) wait in the application;
        # a command that told nobody (a halt with no subscribers) still has to commit.
        self._has_pending = has_pending
        self._commit = commit
        self._interval_s = interval_s
        self._touched: dict[Flushable, None] = {}
        self._scheduled = False
        self._on_commit = on_commit

    def touch(self, conn: Flushable) -> None:
        """Note that `conn` has output (or state) to flush at the end of this turn."""
        self._touched[conn] = None
        self.request()

    def request(self) -> None:
        """Schedule a flush at the end of this turn (also with no connection touched)."""
        if not self._scheduled:
            self._scheduled = True
            if self._interval_s > 0:
                self._loop.call_later(self._interval_s, self.flush)
            else:
                self._loop.call_soon(self.flush)

    @property
    def pending(self) -> bool:
        return bool(self._touched)

    def flush(self) -> None:
        """Commit the records of every touched connection, then write their bytes."""
        self._scheduled = False
        touched, self._touched = self._touched, {}
        app_pending = self._has_pending is not None and self._has_pending()
        if not touched and not app_pending:
            return
        outputs: list[tuple[Flushable, bytes]] = []
        batch: list[StoreRecord] = []
        for conn in touched:
            data, records = conn.take_output()
            batch.extend(records)
            if data:
                outputs.append((conn, data))
        if batch or app_pending:
            try:
                self._commit(batch)
            except Exception:
                log.exception("store_write_failed", records=len(batch))
                for conn in touched:
                    conn.abort("store write failed")
                return
            if self._on_commit is not None:
                self._on_commit(len(batch))
        for conn, data in outputs:
            conn.write_out(data)
        for conn in touched:
            conn.after_flush()
