"""A writer process: the store's transactions on the machine's other core.

Role: the event loop decides, the writer process persists. Under CPython one process runs
Python on one core at a time (the GIL), and a commit costs the order-entry loop 10-15 us
per order (building and binding the rows as much as SQLite's own work), so a writer
*thread* mostly waits for the loop. `WriterProcess` starts
`python -m gateway.app.writer` beside the venue; each flush's FIX records and
application rows travel to it marshalled, as plain tuples, over a pipe; it runs them in one
transaction (the same `write_in` code as in process) and answers one byte per batch.
The event loop reads the answers (`attach`): each batch's Future completes there, and the
Flusher writes the bytes of the batches that committed, in order. The loop goes on
deciding while the writer commits; whatever has arrived meanwhile goes in the writer's
next transaction (group commit: fewer fsyncs under load).

Invariants:
- A batch is acknowledged only after its transaction committed; an error rolls it back
  and is answered with its text (the Flusher then tells nobody of that batch or of the
  batches decided after it).
- Batches are committed in the order sent, and answered in that order.
- The writer never outlives the venue: on Linux it is killed with its parent
  (PR_SET_PDEATHSIG; a batch it was committing rolls back), elsewhere it stops at the end
  of its input. A restarted venue therefore never races an old writer.
- A dead writer fails every later commit (no silent loss); the venue logs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import gc
import marshal
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import IO, Any

import structlog
from sqlalchemy import Connection, Engine

from gateway.app import persist
from gateway.app.model import Pending
from gateway.logs import child_env, configure_from_env
from gateway.session import OutboundMessage, SeqNumbers, SessionReset, StoreRecord
from gateway.session.records import as_tuples
from gateway.store.base import StoreError
from gateway.store.checkpoint import BACKSTOP_PAGES, Checkpointer
from gateway.store.sql import SqlMessageStore, sqlite_file

_LEN = struct.Struct(">I")
_F_SETPIPE_SZ = 1031  # Linux fcntl
PIPE_BYTES = 1 << 20
MAX_GROUP = 16  # reads of newly arrived batches folded into one transaction
OK = b"\x00"
FAILED = b"\x01"
_PR_SET_PDEATHSIG = 1

#: A batch as it travels: records as tuples (cheap to serialise), then the app's rows.
WireRecord = tuple[Any, ...]
#: The first byte of a frame: how the rest was serialised. `marshal` is the usual one (about
#: a third of pickle's cost for tuples of str/int/None: no memo, no class lookups); a batch
#: holding anything marshal refuses (an enum member, a Decimal) goes pickled.
_MARSHAL = b"M"
_PICKLE = b"P"


def batch_to_frame(records: Sequence[StoreRecord], rows: Pending) -> bytes:
    """One batch as the writer reads it (`batch_from_frame`)."""
    batch = (
        records_to_wire(records),
        (rows.journal, rows.orders, rows.executions, rows.trades, rows.kill_switches),
    )
    try:
        return _MARSHAL + marshal.dumps(batch)
    except ValueError:
        return _PICKLE + pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)


def batch_from_frame(frame: bytes) -> tuple[list[WireRecord], Pending]:
    body = memoryview(frame)[1:]
    wire, (journal, orders, executions, trades, kill_switches) = (
        marshal.loads(body) if frame[:1] == _MARSHAL else pickle.loads(body)
    )
    rows = Pending(
        journal=journal,
        orders=orders,
        executions=executions,
        trades=trades,
        kill_switches=kill_switches,
    )
    return wire, rows


def records_to_wire(records: Sequence[StoreRecord]) -> list[WireRecord]:
    try:
        return as_tuples(records)  # compiled
    except TypeError as exc:
        raise StoreError(str(exc)) from exc


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
    """The venue's side of the writer process (see module docstring).

    `stage` (on the event loop) pickles a batch and writes it to the pipe at once, so
    batches queue up in the writer while earlier ones commit; the `RemoteCommit` it
    returns completes when the writer answers (read on the loop after `attach`, or by
    calling it, which blocks). Everything runs on the thread of the event loop."""

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "full",
        on_gone: Callable[[str], None] | None = None,
    ) -> None:
        env = dict(os.environ)
        env["FIXVENUE_WRITER_URL"] = url
        env["FIXVENUE_WRITER_SYNCHRONOUS"] = sqlite_synchronous
        env.update(child_env())
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
        with contextlib.suppress(OSError, AttributeError):  # Linux: room for a few batches
            fcntl.fcntl(self._to.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)
        self._rfd = self._from.fileno()
        self._dead: str | None = None
        self._waiting: deque[Future[None]] = deque()  # sent, not yet answered, in order
        self._answers = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_gone = on_gone  # told once when the writer dies (not at close)
        self._closing = False
        try:
            self._expect_ready()  # the store opened in the writer
        except (OSError, EOFError):
            self.close(timeout=1.0)
            raise

    @property
    def pid(self) -> int:
        return self._proc.pid

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read the answers on `loop` as they come (no thread): each completes its
        batch's future there."""
        os.set_blocking(self._rfd, False)
        loop.add_reader(self._rfd, self._read_answers, False)
        self._loop = loop

    def stage(self, records: Sequence[StoreRecord], rows: Pending) -> RemoteCommit:
        """Send a batch now; the returned commit completes when the writer answers."""
        data = batch_to_frame(records, rows)
        future: Future[None] = Future()
        if self._dead is None:
            try:
                self._to.write(_LEN.pack(len(data)) + data)
                self._to.flush()
            except OSError as exc:
                self._fail_all(str(exc) or type(exc).__name__)
        if self._dead is not None:
            future.set_exception(StoreError(f"the writer process is gone: {self._dead}"))
        else:
            self._waiting.append(future)
        return RemoteCommit(future, self)

    def wait_for(self, future: Future[None]) -> None:
        """Block, reading answers, until `future` is done."""
        while not future.done():
            self._read_answers(True)

    def _read_answers(self, block: bool) -> None:
        if self._dead is not None:
            return
        if block:
            select.select([self._rfd], [], [])
        try:
            data = os.read(self._rfd, 65536)
        except BlockingIOError:
            return
        except OSError as exc:
            self._fail_all(str(exc))
            return
        if not data:
            self._fail_all(f"writer exited (status {self._proc.poll()})")
            return
        buf = self._answers
        buf += data
        pos = 0
        while pos < len(buf):
            kind = buf[pos]
            if kind == OK[0]:
                pos += 1
                if self._waiting:
                    self._waiting.popleft().set_result(None)
                continue
            if kind != FAILED[0]:
                self._fail_all(f"writer answered {bytes(buf[pos : pos + 1])!r}")
                return
            if len(buf) - pos < 1 + _LEN.size:
                break
            (n,) = _LEN.unpack_from(buf, pos + 1)
            if len(buf) - pos < 1 + _LEN.size + n:
                break
            text = bytes(buf[pos + 1 + _LEN.size : pos + 1 + _LEN.size + n]).decode(
                "utf-8", "replace"
            )
            pos += 1 + _LEN.size + n
            if self._waiting:
                self._waiting.popleft().set_exception(
                    StoreError(f"commit failed in the writer process: {text}")
                )
        del buf[:pos]

    def _fail_all(self, why: str) -> None:
        """The writer is gone: every batch not answered failed, and so will every later one."""
        if self._dead is None:
            self._dead = why
            if self._loop is not None:
                with contextlib.suppress(Exception):
                    self._loop.remove_reader(self._rfd)
            if not self._closing and self._on_gone is not None:
                self._on_gone(why)
        while self._waiting:
            self._waiting.popleft().set_exception(
                StoreError(f"the writer process is gone: {self._dead}")
            )

    def _expect_ready(self) -> None:
        got = self._from.read(1)
        if got != b"R":
            raise EOFError(f"writer did not start (status {self._proc.poll()}, said {got!r})")

    def close(self, timeout: float = 10.0) -> None:
        """End the input (the writer finishes what it has and exits), then reap it."""
        self._closing = True
        if self._loop is not None and self._dead is None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self._rfd)
        with contextlib.suppress(OSError):
            self._to.close()
        if self._dead is None and self._waiting:
            with contextlib.suppress(Exception):
                os.set_blocking(self._rfd, True)
                while self._waiting and self._dead is None:
                    self._read_answers(True)
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._fail_all("closed")
        with contextlib.suppress(OSError):
            self._from.close()


class RemoteCommit:
    """One batch sent to the writer process: `future` completes when the writer answers;
    calling it blocks until then and raises StoreError if the batch was not committed."""

    __slots__ = ("_writer", "future")

    def __init__(self, future: Future[None], writer: WriterProcess) -> None:
        self.future = future
        self._writer = writer

    def __call__(self) -> None:
        self._writer.wait_for(self.future)
        self.future.result()


def remote_stage(
    take_rows: Callable[[], Pending], writer: WriterProcess
) -> Callable[[Sequence[StoreRecord]], Callable[[], None]]:
    """The Flusher's stage for a writer process: each batch takes the application's rows
    (`take_rows`, e.g. OrderEntry.take_pending) and is committed by `writer`."""

    def stage(batch: Sequence[StoreRecord]) -> RemoteCommit:
        return writer.stage(batch, take_rows())

    return stage


# -- the writer process itself ------------------------------------------------------------


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class _Frames:
    """Length-prefixed frames from a file descriptor, with what has already arrived."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buf = bytearray()
        self.eof = False

    def read(self, *, block: bool) -> None:
        if not block and not select.select([self._fd], [], [], 0)[0]:
            return
        chunk = os.read(self._fd, PIPE_BYTES)
        if chunk:
            self._buf += chunk
        else:
            self.eof = True

    def take(self) -> list[bytes]:
        frames: list[bytes] = []
        buf, pos = self._buf, 0
        while len(buf) - pos >= _LEN.size:
            (n,) = _LEN.unpack_from(buf, pos)
            if len(buf) - pos - _LEN.size < n:
                break
            frames.append(bytes(buf[pos + _LEN.size : pos + _LEN.size + n]))
            pos += _LEN.size + n
        del buf[:pos]
        return frames


def write_group_in(
    conn: Connection, store: SqlMessageStore, batches: Sequence[tuple[list[WireRecord], Pending]]
) -> None:
    """The batches of one group commit as one: every table's rows in one insert (the batches'
    order kept), the latest sequence numbers of each session, no record objects rebuilt.
    A batch with a session reset (rare: a Logon with 141=Y) sends the group batch by batch,
    since a reset drops what precedes it."""
    if _has_reset(batches):
        for wire, rows in batches:
            persist.write_batch_in(conn, store, records_from_wire(wire), rows)
        return
    messages: list[tuple[object, ...]] = []
    seqs: dict[str, SeqNumbers] = {}
    merged = Pending()
    for wire, rows in batches:
        for w in wire:
            if w[0] == "m":
                messages.append(w[1:])
            else:
                seqs[w[1]] = SeqNumbers(session_id=w[1], next_sender_seq=w[2], next_target_seq=w[3])
        merged.journal += rows.journal
        merged.orders += rows.orders
        merged.executions += rows.executions
        merged.trades += rows.trades
        merged.kill_switches += rows.kill_switches
    store.write_rows_in(conn, messages, seqs)
    persist.write_in(conn, merged)


def _has_reset(batches: Sequence[tuple[list[WireRecord], Pending]]) -> bool:
    return any(w[0] == "r" for wire, _ in batches for w in wire)


def commit_group(
    conn: Connection, store: SqlMessageStore, batches: Sequence[tuple[list[WireRecord], Pending]]
) -> None:
    """`write_group_in` in one transaction of its own, committed when this returns.

    The usual group (rows to insert, numbers to upsert) runs its transaction straight on
    the DB-API connection: SQLAlchemy's begin and commit cost the writer more than some
    small groups' inserts. A group with a session reset or a kill switch (statements built
    with SQLAlchemy, and rare) runs in a SQLAlchemy transaction."""
    if _has_reset(batches) or any(rows.kill_switches for _, rows in batches):
        with conn.begin():
            write_group_in(conn, store, batches)
        return
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite":
        raw.execute("BEGIN")  # the store's SQLite connections leave BEGIN to us
    try:
        write_group_in(conn, store, batches)
    except BaseException:
        raw.rollback()
        raise
    raw.commit()


def _connect(engine: Engine, sqlite_path: str | None) -> Connection:
    """The writer's connection; on SQLite it leaves checkpoints to the Checkpointer."""
    conn = engine.connect()
    if sqlite_path is not None:
        raw: Any = conn.connection.dbapi_connection
        raw.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
    return conn


def _report_checkpoint_error(error: str, errors: int) -> None:
    """Commits go on and the log grows towards the backstop: the operator should know why."""
    structlog.get_logger("gateway.writer").warning("checkpoint_failed", error=error, errors=errors)


def main() -> int:
    _die_with_parent()
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the venue decides when we stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.getppid() != parent:  # the parent died before prctl took effect
        return 1
    configure_from_env(file=sys.stderr)  # stdout is the answer pipe to the venue
    url = os.environ["FIXVENUE_WRITER_URL"]
    synchronous = os.environ["FIXVENUE_WRITER_SYNCHRONOUS"]
    store = SqlMessageStore(url, sqlite_synchronous=synchronous)
    engine = store.engine
    path = sqlite_file(engine.url)
    # SQLite: the log is copied into the database beside the commits, not inside one.
    checkpointer = (
        Checkpointer(path, synchronous=synchronous, on_error=_report_checkpoint_error)
        if path
        else None
    )
    out = sys.stdout.buffer
    out.write(b"R")
    out.flush()
    frames = _Frames(sys.stdin.fileno())
    # One connection for the writer's life (no pool checkout and reset per commit); a
    # failed group gets a fresh one, whatever the failure did to this one.
    conn = _connect(engine, path)
    # Everything loaded so far (SQLAlchemy, the dialect, the schema: ~56,000 objects) is
    # permanent: left in the collected generations, a full collection walked it for about
    # 30 ms, and every commit waiting meanwhile showed up in the venue's p99.
    gc.collect()
    gc.freeze()
    try:
        while True:
            batch = frames.take()
            while not batch and not frames.eof:
                frames.read(block=True)
                batch = frames.take()
            if not batch:
                return 0  # end of input: the venue closed us
            # Group commit: every batch that has arrived goes in this transaction.
            for _ in range(MAX_GROUP):
                frames.read(block=False)
                more = frames.take()
                if not more:
                    break
                batch.extend(more)
            try:
                commit_group(conn, store, [batch_from_frame(frame) for frame in batch])
            except Exception as exc:  # answered; the venue decides what it means
                text = f"{type(exc).__name__}: {exc}".encode()
                out.write((FAILED + _LEN.pack(len(text)) + text) * len(batch))
                conn.close()
                conn = _connect(engine, path)
            else:
                out.write(OK * len(batch))
            out.flush()
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        conn.close()
        store.close()


if __name__ == "__main__":
    sys.exit(main())
