"""A writer process: the store's transactions on the machine's other core.

Role: the event loop decides, the writer process persists. Under CPython one process runs
Python on one core at a time (the GIL), and a commit costs the order-entry loop 10-15 us
per order (building and binding the rows as much as SQLite's own work), so a writer
*thread* mostly waits for the loop. `WriterProcess` starts
`python -m gateway.app.writer` beside the venue; each flush's FIX records and
application rows travel to it pickled, as plain tuples, over a pipe; it runs them in one
transaction (the same `write_in` code as in process) and answers one byte per batch.
`WriterProcess.commit` blocks until that answer, so the Flusher runs it on its writer
thread: the loop goes on, and the bytes of a batch are still written only after its
commit.

Invariants:
- A batch is acknowledged only after its transaction committed; an error rolls it back
  and is answered with its text (the Flusher then tells nobody of that batch).
- Batches are committed one at a time, in the order sent.
- The writer never outlives the venue: on Linux it is killed with its parent
  (PR_SET_PDEATHSIG; a batch it was committing rolls back), elsewhere it stops at the end
  of its input. A restarted venue therefore never races an old writer.
- A dead writer fails every later commit (no silent loss); the venue logs it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any

from gateway.session import OutboundMessage, SeqNumbers, SessionReset, StoreRecord
from gateway.store.base import StoreError

_LEN = struct.Struct(">I")
OK = b"\x00"
FAILED = b"\x01"
_PR_SET_PDEATHSIG = 1

#: A batch as it travels: records as tuples (cheap to pickle), then the app's rows.
WireRecord = tuple[Any, ...]


def records_to_wire(records: Sequence[StoreRecord]) -> list[WireRecord]:
    out: list[WireRecord] = []
    append = out.append
    for r in records:
        if type(r) is OutboundMessage:
            append(("m", r.session_id, r.seq, r.msg_type, r.raw))
        elif type(r) is SeqNumbers:
            append(("s", r.session_id, r.next_sender_seq, r.next_target_seq))
        elif type(r) is SessionReset:
            append(("r", r.session_id))
        else:
            raise StoreError(f"not a store record: {r!r}")
    return out


def records_from_wire(wire: Sequence[WireRecord]) -> list[StoreRecord]:
    out: list[StoreRecord] = []
    for w in wire:
        kind = w[0]
        if kind == "m":
            out.append(OutboundMessage(session_id=w[1], seq=w[2], msg_type=w[3], raw=w[4]))
        elif kind == "s":
            out.append(SeqNumbers(session_id=w[1], next_sender_seq=w[2], next_target_seq=w[3]))
        else:
            out.append(SessionReset(session_id=w[1]))
    return out


class WriterProcess:
    """The venue's side of the writer process (see module docstring)."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "full") -> None:
        env = dict(os.environ)
        env["FIXVENUE_WRITER_URL"] = url
        env["FIXVENUE_WRITER_SYNCHRONOUS"] = sqlite_synchronous
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.app.writer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._to: IO[bytes] = self._proc.stdin
        self._from: IO[bytes] = self._proc.stdout
        self._lock = threading.Lock()  # one batch at a time, whoever calls
        self._dead: str | None = None
        self._expect(b"R")  # ready: the store opened in the writer

    @property
    def pid(self) -> int:
        return self._proc.pid

    def stage(self, records: Sequence[StoreRecord], rows: object) -> Callable[[], None]:
        """Pickle a batch now (on the loop); the returned job commits it (anywhere)."""
        data = pickle.dumps((records_to_wire(records), rows), protocol=pickle.HIGHEST_PROTOCOL)
        return lambda: self.commit(data)

    def commit(self, data: bytes) -> None:
        """Send one pickled batch and wait until it is committed (or fails)."""
        with self._lock:
            if self._dead is not None:
                raise StoreError(f"the writer process is gone: {self._dead}")
            try:
                self._to.write(_LEN.pack(len(data)))
                self._to.write(data)
                self._to.flush()
                self._expect(OK)
            except (OSError, EOFError) as exc:
                self._dead = str(exc) or type(exc).__name__
                raise StoreError(f"the writer process is gone: {self._dead}") from exc

    def _expect(self, answer: bytes) -> None:
        got = self._from.read(1)
        if not got:
            code = self._proc.poll()
            raise EOFError(f"writer exited (status {code})")
        if got == answer:
            return
        if got == FAILED:
            (n,) = _LEN.unpack(_read_exactly(self._from, _LEN.size))
            text = _read_exactly(self._from, n).decode("utf-8", "replace")
            raise StoreError(f"commit failed in the writer process: {text}")
        raise EOFError(f"writer answered {got!r}")

    def close(self, timeout: float = 10.0) -> None:
        """End the input (the writer finishes what it has and exits), then reap it."""
        with self._lock:
            with contextlib.suppress(OSError):
                self._to.close()
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            with contextlib.suppress(OSError):
                self._from.close()
            self._dead = self._dead or "closed"


def remote_stage(
    take_rows: Callable[[], object], writer: WriterProcess
) -> Callable[[Sequence[StoreRecord]], Callable[[], None]]:
    """The Flusher's stage for a writer process: each batch takes the application's rows
    (`take_rows`, e.g. OrderEntry.take_pending) and is committed by `writer`."""

    def stage(batch: Sequence[StoreRecord]) -> Callable[[], None]:
        return writer.stage(batch, take_rows())

    return stage


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise EOFError("short read")
    return bytes(data)


# -- the writer process itself ------------------------------------------------------------


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def main() -> int:
    _die_with_parent()
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the venue decides when we stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.getppid() != parent:  # the parent died before prctl took effect
        return 1
    from gateway.app import persist
    from gateway.store.sql import SqlMessageStore

    url = os.environ["FIXVENUE_WRITER_URL"]
    store = SqlMessageStore(url, sqlite_synchronous=os.environ["FIXVENUE_WRITER_SYNCHRONOUS"])
    engine = store.engine
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    out.write(b"R")
    out.flush()
    try:
        while True:
            head = inp.read(_LEN.size)
            if len(head) < _LEN.size:
                return 0  # end of input: the venue closed us
            (n,) = _LEN.unpack(head)
            wire, rows = pickle.loads(_read_exactly(inp, n))
            try:
                with engine.begin() as conn:
                    store.write_in(conn, records_from_wire(wire))
                    if rows is not None:
                        persist.write_in(conn, rows)
            except Exception as exc:  # answered; the venue decides what it means
                text = f"{type(exc).__name__}: {exc}".encode()
                out.write(FAILED + _LEN.pack(len(text)) + text)
            else:
                out.write(OK)
            out.flush()
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
