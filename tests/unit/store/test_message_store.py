"""The MessageStore contract, run against the memory, SQLite and PostgreSQL stores.

PostgreSQL: every test gets its own schema (dropped afterwards), so parallel runs on the
shared server do not collide; the variant is skipped only when no server is reachable.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.store import MEMORY_URL, open_store
from gateway.store.base import (
    DuplicateMessageError,
    MessageStore,
    OutboundMessage,
    SeqNumbers,
    SessionReset,
    StoreError,
    StoreRecord,
)
from gateway.store.memory import MemoryMessageStore
from gateway.store.sql import SqlMessageStore

pytestmark = pytest.mark.timeout(60)

PG_URL = os.environ.get("FIXVENUE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[3]
T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=2):
            return True
    except Exception:
        return False


class Clock:
    """A settable clock for the stores' own timestamps (row creation, SessionReset)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Backend:
    kind: str
    url: str
    schema: str | None
    clock: Callable[[], datetime]

    def open(self) -> MessageStore:
        if self.kind == "memory":
            return MemoryMessageStore(clock=self.clock)
        return SqlMessageStore(self.url, schema=self.schema, clock=self.clock)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    clock = Clock(T0)
    if request.param == "memory":
        yield Backend("memory", MEMORY_URL, None, clock)
    elif request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'db' / 'store.db'}", None, clock)
    else:
        if not pg_reachable():
            pytest.skip("no PostgreSQL server reachable at " + PG_URL)
        import psycopg

        schema = f"t_store_{uuid.uuid4().hex[:12]}"
        raw_url = PG_URL.replace("+psycopg", "")
        with psycopg.connect(raw_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield Backend("postgresql", PG_URL, schema, clock)
        finally:
            with psycopg.connect(raw_url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def store(backend: Backend) -> Iterator[MessageStore]:
    s = backend.open()
    yield s
    s.close()


def out(seq: int, session: str = "S1") -> OutboundMessage:
    raw = f"8=FIX.4.4\x0135=8\x0134={seq}\x01".encode()
    return OutboundMessage(session_id=session, seq=seq, msg_type="8", raw=raw)


def seqs(sender: int, target: int, session: str = "S1") -> SeqNumbers:
    return SeqNumbers(session_id=session, next_sender_seq=sender, next_target_seq=target)


def clock_of(backend: Backend) -> Clock:
    assert isinstance(backend.clock, Clock)
    return backend.clock


# ---------------------------------------------------------------- load
def test_fresh_load_creates_the_session(store: MessageStore) -> None:
    s = store.load("S1")
    assert (s.next_sender_seq, s.next_target_seq, s.created_at) == (1, 1, T0)
    assert s.created_at.tzinfo is not None
    assert store.messages("S1", 1, None) == []


def test_load_twice_keeps_created_at(backend: Backend) -> None:
    times = iter([T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)])
    backend.clock = lambda: next(times)
    store = backend.open()
    try:
        first = store.load("S1")
        assert store.load("S1") == first
    finally:
        store.close()


# ---------------------------------------------------------------- write and read back
def test_write_batch_then_read(store: MessageStore) -> None:
    store.load("S1")
    store.write([out(1), out(2), out(3), seqs(4, 7)])
    s = store.load("S1")
    assert (s.next_sender_seq, s.next_target_seq, s.created_at) == (4, 7, T0)
    assert store.messages("S1", 1, None) == [(i, out(i).raw) for i in (1, 2, 3)]


def test_messages_range_is_inclusive_and_ordered(store: MessageStore) -> None:
    store.write([out(5), out(1), out(3), out(2), seqs(6, 1)])  # seq 4: never stored
    assert [seq for seq, _ in store.messages("S1", 2, 3)] == [2, 3]
    assert [seq for seq, _ in store.messages("S1", 2, None)] == [2, 3, 5]
    assert [seq for seq, _ in store.messages("S1", 4, 4)] == []
    assert [seq for seq, _ in store.messages("S1", 5, 5)] == [5]
    assert [seq for seq, _ in store.messages("S1", 1, 100)] == [1, 2, 3, 5]
    assert store.messages("S1", 6, None) == []
    assert store.messages("S1", 3, 2) == []
    assert store.messages("OTHER", 1, None) == []


def test_two_sessions_in_one_batch(store: MessageStore) -> None:
    store.write([out(1, "A"), out(1, "B"), out(2, "A"), seqs(3, 2, "A"), seqs(2, 5, "B")])
    a, b = store.load("A"), store.load("B")
    assert (a.next_sender_seq, a.next_target_seq) == (3, 2)
    assert (b.next_sender_seq, b.next_target_seq) == (2, 5)
    assert [seq for seq, _ in store.messages("A", 1, None)] == [1, 2]
    assert store.messages("B", 1, None) == [(1, out(1, "B").raw)]


def test_last_seq_record_of_a_session_wins(store: MessageStore) -> None:
    store.write([seqs(2, 2), out(1), seqs(3, 4), seqs(5, 6)])
    s = store.load("S1")
    assert (s.next_sender_seq, s.next_target_seq) == (5, 6)


def test_seq_record_creates_a_missing_session(store: MessageStore) -> None:
    store.write([seqs(9, 8, "NEW")])
    s = store.load("NEW")
    assert (s.next_sender_seq, s.next_target_seq, s.created_at) == (9, 8, T0)


def test_messages_only_batch_keeps_seqs(store: MessageStore) -> None:
    store.write([seqs(3, 3)])
    store.write([out(3)])
    assert store.load("S1").next_sender_seq == 3
    assert [seq for seq, _ in store.messages("S1", 1, None)] == [3]


def test_empty_batch_is_a_no_op(store: MessageStore) -> None:
    store.write([])
    assert store.messages("S1", 1, None) == []


# ---------------------------------------------------------------- errors are atomic
def test_duplicate_seq_rolls_back_the_whole_batch(store: MessageStore) -> None:
    store.write([out(1), seqs(2, 1)])
    with pytest.raises(DuplicateMessageError):
        store.write([out(1, "OTHER"), seqs(2, 2, "OTHER"), out(2), out(1), seqs(3, 9)])
    assert [seq for seq, _ in store.messages("S1", 1, None)] == [1]
    assert store.messages("OTHER", 1, None) == []
    s = store.load("S1")
    assert (s.next_sender_seq, s.next_target_seq) == (2, 1)
    store.write([out(2), seqs(3, 1)])  # still usable afterwards
    assert store.load("S1").next_sender_seq == 3


def test_not_a_record_is_refused(store: MessageStore) -> None:
    bad: Any = ("S1", 2, b"raw")
    with pytest.raises(StoreError, match="not a store record"):
        store.write([out(1), bad])
    assert store.messages("S1", 1, None) == []


def test_closed_store_refuses_use(backend: Backend) -> None:
    store = backend.open()
    store.close()
    with pytest.raises(StoreError):
        store.load("S1")
    store.close()  # idempotent


# ---------------------------------------------------------------- reset
def test_reset_drops_messages_and_seqs(store: MessageStore) -> None:
    store.write([out(1), out(2), seqs(3, 5), out(1, "B"), seqs(2, 2, "B")])
    later = T0 + timedelta(days=1)
    store.reset("S1", later)
    s = store.load("S1")
    assert (s.next_sender_seq, s.next_target_seq, s.created_at) == (1, 1, later)
    assert store.messages("S1", 1, None) == []
    b = store.load("B")  # untouched
    assert (b.next_sender_seq, len(store.messages("B", 1, None))) == (2, 1)


def test_session_reset_then_seq_one_in_the_same_batch(
    backend: Backend, store: MessageStore
) -> None:
    """Reset on logon: the new Logon is seq 1 again, in the batch that resets."""
    store.write([out(1), out(2), seqs(3, 3), out(1, "B"), seqs(2, 2, "B")])
    later = T0 + timedelta(minutes=5)
    clock_of(backend).now = later
    records: list[StoreRecord] = [
        out(3),  # before the reset: dropped with the rest
        out(2, "B"),
        SessionReset(session_id="S1"),
        out(1, "S1"),
        seqs(2, 2),
        seqs(3, 3, "B"),
    ]
    store.write(records)
    b = store.load("B")
    assert (b.next_sender_seq, b.created_at) == (3, T0)
    assert [seq for seq, _ in store.messages("B", 1, None)] == [1, 2]
    s = store.load("S1")
    assert (s.next_sender_seq, s.next_target_seq, s.created_at) == (2, 2, later)
    assert store.messages("S1", 1, None) == [(1, out(1).raw)]


def test_reset_of_an_unknown_session_creates_it(store: MessageStore) -> None:
    store.reset("NEW", T0 + timedelta(seconds=1))
    assert store.load("NEW").created_at == T0 + timedelta(seconds=1)
    store.write([SessionReset(session_id="NEW2")])
    assert store.load("NEW2").created_at == T0


# ---------------------------------------------------------------- durability
def test_reopen_after_close_keeps_data(backend: Backend) -> None:
    if backend.kind == "memory":
        pytest.skip("the memory store keeps nothing")
    store = backend.open()
    store.write([out(1), out(2), seqs(3, 4), out(1, "B"), seqs(2, 1, "B")])
    store.close()
    store = backend.open()
    try:
        s = store.load("S1")
        assert (s.next_sender_seq, s.next_target_seq, s.created_at) == (3, 4, T0)
        assert [seq for seq, _ in store.messages("S1", 1, None)] == [1, 2]
        assert store.load("B").next_sender_seq == 2
    finally:
        store.close()


CHILD = """
import sys
sys.path.insert(0, {repo!r})
from gateway.store.base import OutboundMessage, SeqNumbers
from gateway.store.sql import SqlMessageStore

store = SqlMessageStore({url!r}, schema={schema!r})
store.load("K")
batch_no = 0
while True:
    first = batch_no * 10 + 1
    records = [
        OutboundMessage(session_id="K", seq=s, msg_type="8", raw=b"m%d" % s)
        for s in range(first, first + 10)
    ]
    records.append(
        SeqNumbers(session_id="K", next_sender_seq=first + 10, next_target_seq=batch_no + 2)
    )
    store.write(records)
    print(batch_no, flush=True)  # reported only after the commit returned
    batch_no += 1
"""


def test_committed_batches_survive_sigkill(backend: Backend) -> None:
    if backend.kind == "memory":
        pytest.skip("the memory store keeps nothing")
    code = CHILD.format(repo=str(REPO), url=backend.url, schema=backend.schema)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    reported = -1
    try:
        while reported < 30:  # let it commit 31 batches, then kill it mid-stream
            line = child.stdout.readline()
            assert line, "child exited early"
            reported = int(line)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    store = backend.open()
    try:
        s = store.load("K")
        # every batch reported as committed is there, and the store is consistent: the
        # stored seqs are exactly 1 .. next_sender_seq - 1 (whole batches only)
        assert s.next_sender_seq >= (reported + 1) * 10 + 1
        assert (s.next_sender_seq - 1) % 10 == 0
        assert s.next_target_seq == (s.next_sender_seq - 1) // 10 + 1
        stored = store.messages("K", 1, None)
        assert [seq for seq, _ in stored] == list(range(1, s.next_sender_seq))
        assert all(raw == b"m%d" % seq for seq, raw in stored)
    finally:
        store.close()


# ---------------------------------------------------------------- factory
def test_open_store_by_url(tmp_path: Path) -> None:
    memory = open_store(MEMORY_URL)
    assert isinstance(memory, MemoryMessageStore)
    sql = open_store(f"sqlite:///{tmp_path / 'new' / 'dir' / 'x.db'}", sqlite_synchronous="normal")
    try:
        assert isinstance(sql, SqlMessageStore)
        assert (tmp_path / "new" / "dir" / "x.db").exists()
    finally:
        sql.close()


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported database"):
        SqlMessageStore("mysql://u@localhost/x")


def test_bad_sqlite_synchronous_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="sqlite_synchronous"):
        SqlMessageStore(f"sqlite:///{tmp_path / 'x.db'}", sqlite_synchronous="off")


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    store = SqlMessageStore(f"sqlite:///{tmp_path / 'x.db'}", sqlite_synchronous="full")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        store.close()
