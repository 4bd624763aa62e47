"""Persist, then tell: one store transaction per event-loop turn, then the socket writes.

Role: connections register themselves as *touched* whenever they called into their
session (bytes in, timer, application send, logout). The first touch of a turn schedules
one flush (`loop.call_soon`, or `call_later` when a flush interval is configured). The
flush drains every touched session and hands ALL their records to ONE transaction
(`stage(batch)` takes the application's rows too and returns the job that commits them);
only once that transaction has committed are the bytes handed to the transports. Then
each connection runs its post-flush work (close after Disconnect, slow-reader check,
timer). The commit runs inline, on a writer thread, or in a writer process (the stage then
returns a commit already under way, with a `future`); with the last two the loop decides
the next flush while the previous one commits.

Invariants:
- No byte reaches a transport before the records of the same flush are committed, and
  flushes complete (write their bytes) in the order they were made.
- A failed commit tells nobody of its flush or of the flushes made after it: the touched
  connections are aborted (their peers will resend what we did not persist), and the
  error is logged.
- `settle()` before a store read: everything decided so far is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
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
    """Batches the output of every touched connection of a loop turn.

    With `writer_thread=True` the transaction of a flush runs on one writer thread; with
    `remote=True` the stage has already sent it to a writer process and returns its
    commit (`future`, and a call that waits for it). Either way the loop goes on reading
    and deciding the next batch; the bytes of a flush are written, in flush order, when
    its commit is done. At most `max_in_flight` commits are outstanding; one more waits
    for the oldest. A failed commit refuses the commits queued behind it, so nothing
    decided after the failure is told either."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        commit: Callable[[list[StoreRecord]], None] | None = None,
        *,
        stage: Callable[[list[StoreRecord]], Callable[[], None]] | None = None,
        interval_s: float = 0.0,
        on_commit: Callable[[int], None] | None = None,
        has_pending: Callable[[], bool] | None = None,
        writer_thread: bool = False,
        remote: bool = False,
        max_in_flight: int = 4,
    ) -> None:
        self._loop = loop
        # Rows of the application layer (journal, orders, ...) wait in the application;
        # a command that told nobody (a halt with no subscribers) still has to commit.
        self._has_pending = has_pending
        if stage is None:
            if commit is None:
                raise ValueError("a Flusher needs commit or stage")
            stage = _stage_of(commit)
        self._stage = stage
        self._interval_s = interval_s
        self._touched: dict[Flushable, None] = {}
        self._scheduled = False
        self._on_commit = on_commit
        self.flushes = 0  # flushes with work done (idle detection)
        self._writer = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="fixvenue-writer")
            if writer_thread
            else None
        )
        #: Stage returns commits already under way elsewhere (a writer process): objects
        #: with a `future`, called to wait for it.
        self._remote = remote
        self._max_in_flight = max(1, max_in_flight)
        self._in_flight: deque[_Flight] = deque()
        self._refusing = False  # a commit failed: refuse what was queued behind it

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

    @property
    def pipelined(self) -> bool:
        """Commits run beside the loop (it pays to flush a big read in pieces)."""
        return self._writer is not None or self._remote

    def flush(self) -> None:
        """Commit the records of every touched connection, then write their bytes."""
        self._scheduled = False
        if self._in_flight:
            self._complete_done()  # what has committed goes out now, even mid-turn
        touched, self._touched = self._touched, {}
        app_pending = self._has_pending is not None and self._has_pending()
        if not touched and not app_pending:
            return
        self.flushes += 1
        outputs: list[tuple[Flushable, bytes]] = []
        batch: list[StoreRecord] = []
        for conn in touched:
            data, records = conn.take_output()
            batch.extend(records)
            if data:
                outputs.append((conn, data))
        job = self._stage(batch) if batch or app_pending else None
        flight = _Flight(touched, outputs, len(batch))
        if self._writer is None and not self._remote:
            if job is not None:
                try:
                    job()
                except Exception:
                    flight.failed = True
                    log.exception("store_write_failed", records=len(batch))
            self._complete(flight)
            return
        if len(self._in_flight) >= self._max_in_flight:
            self._wait(self._in_flight[0])  # back-pressure: the writer is behind
            self._complete_done()
        if job is not None:
            future = getattr(job, "future", None)
            if future is not None:  # already sent to a writer process
                flight.future, flight.waiter = future, job
            else:
                assert self._writer is not None
                flight.future = self._writer.submit(self._run, job, len(batch))
            # A writer process is answered on the loop's own thread: no thread-safe wake-up
            # (a write to the loop's self-pipe and one more loop turn per commit).
            flight.future.add_done_callback(self._wake_here if self._remote else self._wake)
        self._in_flight.append(flight)
        if job is None:
            self._complete_done()

    def settle(self) -> None:
        """Flush what is pending and wait until every commit so far is done: call before
        reading the store (a session's numbers, a resend), so the read sees it all."""
        if self._touched or (self._has_pending is not None and self._has_pending()):
            self.flush()
        self.wait_committed()

    def wait_committed(self) -> None:
        """Block until every commit handed to the writer so far is done (the bytes may
        still be waiting for the loop). Safe to call from inside a connection's pump."""
        for flight in list(self._in_flight):
            self._wait(flight)

    def close(self) -> None:
        """Flush, wait for every commit and write what they allow; stop the writer."""
        self.settle()
        self._complete_done()
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    # -- the writer thread ----------------------------------------------------------------

    def _run(self, job: Callable[[], None], records: int) -> None:
        """On the writer thread: one transaction, unless an earlier one failed."""
        if self._refusing:
            raise RuntimeError("an earlier commit failed")
        try:
            job()
        except Exception:
            self._refusing = True
            raise

    def _wake(self, _future: Future[None]) -> None:
        """Where the commit finished (the writer thread, or the loop reading a writer
        process's answer): have the loop complete what is done, in order, on a later turn
        (never inside the pump that may be waiting for it)."""
        # A closed loop raises RuntimeError: close() completes what is left.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._complete_done)

    def _wake_here(self, _future: Future[None]) -> None:
        """`_wake` for commits answered on the loop's thread (a writer process's answers are
        read there): a later turn of this loop completes them."""
        with contextlib.suppress(RuntimeError):  # a closed loop: close() completes the rest
            self._loop.call_soon(self._complete_done)

    @staticmethod
    def _wait(flight: _Flight) -> None:
        with contextlib.suppress(Exception):
            if flight.waiter is not None:
                flight.waiter()  # reads the writer process's answers until this one
            elif flight.future is not None:
                flight.future.result()

    def _complete_done(self) -> None:
        """On the loop: complete finished flights from the oldest, stopping at the first
        that is still committing (bytes go out in flush order)."""
        in_flight = self._in_flight
        while in_flight:
            flight = in_flight[0]
            future = flight.future
            if future is not None:
                if not future.done():
                    return
                if future.exception() is not None:
                    flight.failed = True
                    self._refusing = True
                    log.error(
                        "store_write_failed", records=flight.records, error=str(future.exception())
                    )
            if self._refusing:
                # Decided after a batch that was not persisted: told nobody either (a
                # writer process may have committed it: persisted and untold is safe).
                flight.failed = True
            in_flight.popleft()
            self._complete(flight)
        self._refusing = False  # nothing queued behind a failure any more

    def _complete(self, flight: _Flight) -> None:
        if flight.failed:
            for conn in flight.touched:
                conn.abort("store write failed")
            return
        if self._on_commit is not None and flight.records:
            self._on_commit(flight.records)
        for conn, data in flight.outputs:
            conn.write_out(data)
        for conn in flight.touched:
            conn.after_flush()


@dataclass(slots=True)
class _Flight:
    """One flush: who was touched, what to write once committed, and the commit."""

    touched: dict[Flushable, None]
    outputs: list[tuple[Flushable, bytes]]
    records: int
    future: Future[None] | None = None
    waiter: Callable[[], None] | None = None
    failed: bool = False


def _stage_of(
    commit: Callable[[list[StoreRecord]], None],
) -> Callable[[list[StoreRecord]], Callable[[], None]]:
    """A plain `commit(batch)` as a stage: the job commits the batch."""

    def stage(batch: list[StoreRecord]) -> Callable[[], None]:
        return lambda: commit(batch)

    return stage
