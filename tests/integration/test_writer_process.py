"""The writer process: batches committed in another process, acknowledged only once
committed, failures answered (and rolled back), a dead writer failing every later commit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import structlog
from sqlalchemy import func, select

from gateway.app import persist
from gateway.app.model import Pending
from gateway.app.tables import kill_switches, venue_journal
from gateway.app.writer import (
    WriterProcess,
    _report_checkpoint_error,
    batch_from_frame,
    batch_to_frame,
    commit_group,
    records_from_wire,
    records_to_wire,
    write_group_in,
)
from gateway.logs import child_env, configure_from_env, configure_logging
from gateway.session import OutboundMessage, SeqNumbers, SessionReset
from gateway.store.base import StoreError
from gateway.store.sql import SqlMessageStore
from tests.integration.pgdb import fresh_database

pytestmark = pytest.mark.timeout(60)

SID = "FIX.4.4:FIXVENUE->CLIENT1"


def message(seq: int) -> OutboundMessage:
    raw = b"8=FIX.4.4\x019=5\x0135=8\x0110=000\x01"
    return OutboundMessage(session_id=SID, seq=seq, msg_type="8", raw=raw)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, SqlMessageStore]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'venue.db'}"
        store = SqlMessageStore(url)
        persist.create_tables(store.engine)
        yield url, store
        store.close()
        return
    with fresh_database("fixvenue_w_") as url:
        store = SqlMessageStore(url)
        persist.create_tables(store.engine)
        try:
            yield url, store
        finally:
            store.close()


def journal_rows(store: SqlMessageStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(venue_journal)).scalar_one())


def test_records_travel_as_tuples_and_come_back_equal() -> None:
    records = [
        message(1),
        SeqNumbers(session_id=SID, next_sender_seq=2, next_target_seq=7),
        SessionReset(session_id=SID),
    ]
    assert records_from_wire(records_to_wire(records)) == records


def test_a_batch_frame_is_marshalled_and_pickled_only_when_marshal_refuses() -> None:
    records = [message(1), SeqNumbers(session_id=SID, next_sender_seq=2, next_target_seq=7)]
    rows = Pending(
        journal=[(1, 1_000, "new", "{}")],
        orders=[(1, SID, "F", "A", "c1", "AAPL", "1", "2", "0", 100, "99.5", None, 1_000)],
        trades=[(1, "AAPL", "99.5", 100, 1, 2, 1, 2, "1", 1_000)],
        kill_switches=[("set", "FIRM1", "firm", 2_000)],
    )
    frame = batch_to_frame(records, rows)
    assert frame[:1] == b"M"
    wire, back = batch_from_frame(frame)
    assert records_from_wire(wire) == records and back == rows
    odd = Pending(executions=[("x", Decimal("1.5"))])  # marshal refuses a Decimal
    frame = batch_to_frame(records, odd)
    assert frame[:1] == b"P"
    wire, back = batch_from_frame(frame)
    assert records_from_wire(wire) == records and back == odd


def test_a_batch_is_committed_before_commit_returns(db: tuple[str, SqlMessageStore]) -> None:
    url, store = db
    writer = WriterProcess(url)
    try:
        rows = Pending(journal=[(1, 1_000, "new", "{}"), (2, 2_000, "new", "{}")])
        job = writer.stage(
            [
                message(1),
                message(2),
                SeqNumbers(session_id=SID, next_sender_seq=3, next_target_seq=5),
            ],
            rows,
        )
        job()
        assert [seq for seq, _ in store.messages(SID, 1, None)] == [1, 2]
        assert store.load(SID).next_sender_seq == 3
        assert store.load(SID).next_target_seq == 5
        assert journal_rows(store) == 2
    finally:
        writer.close()
    assert writer._proc.returncode == 0  # noqa: SLF001 - it ended at the end of its input


def test_batches_sent_back_to_back_are_all_committed_in_order(
    db: tuple[str, SqlMessageStore],
) -> None:
    url, store = db
    writer = WriterProcess(url)
    try:
        jobs = [
            writer.stage([message(i)], Pending(journal=[(i, i, "new", "{}")])) for i in range(1, 41)
        ]
        for job in jobs:  # the answers, in order (some batches share a transaction)
            job()
        assert [seq for seq, _ in store.messages(SID, 1, None)] == list(range(1, 41))
        assert journal_rows(store) == 40
    finally:
        writer.close()


def test_a_failed_batch_is_answered_rolled_back_and_the_next_one_commits(
    db: tuple[str, SqlMessageStore],
) -> None:
    url, store = db
    writer = WriterProcess(url)
    try:
        writer.stage([message(1)], Pending())()
        # Seq 1 again: the primary key refuses it; the journal row of the batch goes too.
        bad = writer.stage([message(1)], Pending(journal=[(1, 1, "new", "{}")]))
        with pytest.raises(StoreError, match="IntegrityError"):
            bad()
        assert journal_rows(store) == 0
        writer.stage([message(2)], Pending(journal=[(1, 1, "new", "{}")]))()
        assert [seq for seq, _ in store.messages(SID, 1, None)] == [1, 2]
        assert journal_rows(store) == 1
    finally:
        writer.close()


def test_a_dead_writer_fails_every_later_commit(db: tuple[str, SqlMessageStore]) -> None:
    url, store = db
    writer = WriterProcess(url)
    try:
        os.kill(writer.pid, signal.SIGKILL)
        writer._proc.wait(timeout=10)  # noqa: SLF001
        with pytest.raises(StoreError, match="gone"):
            writer.stage([message(1)], Pending())()
        with pytest.raises(StoreError, match="gone"):
            writer.stage([message(2)], Pending())()
        assert store.messages(SID, 1, None) == []
    finally:
        writer.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_writer_dies_with_the_venue(db: tuple[str, SqlMessageStore]) -> None:
    """A SIGKILLed venue takes its writer along: a restarted venue never races an old
    writer still committing."""
    url, _ = db
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from gateway.app.writer import WriterProcess\n"
            f"w = WriterProcess({url!r})\n"
            "print(w.pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert parent.stdout is not None
    writer_pid = int(parent.stdout.readline())
    os.kill(writer_pid, 0)  # alive
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(writer_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    pytest.fail("the writer outlived the venue")


def test_the_venue_stops_with_an_error_when_its_writer_dies(tmp_path: Path) -> None:
    """Without its writer nothing can be persisted, so nothing can be acknowledged: the
    venue says so and exits 1 (a supervisor restarts it; recovery replays the journal)."""
    root = Path(__file__).resolve().parents[2]
    venue = subprocess.Popen(
        [sys.executable, "-m", "gateway", "run", "--port", "0", "--data-dir", str(tmp_path),
         "--no-metrics", "--no-admin"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=root,
        text=True,
    )  # fmt: skip
    try:
        assert venue.stderr is not None
        line = venue.stderr.readline()  # the "listening" line: started
        assert "listening" in line, line
        children = subprocess.run(
            ["pgrep", "-P", str(venue.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(children) == 1, children
        os.kill(int(children[0]), signal.SIGKILL)
        assert venue.wait(timeout=20) == 1
        rest = venue.stderr.read()
        assert "writer process is gone" in rest, rest
    finally:
        if venue.poll() is None:
            venue.kill()
            venue.wait()


def test_a_group_of_batches_is_written_as_if_one_after_the_other(
    db: tuple[str, SqlMessageStore],
) -> None:
    _, store = db
    other = "FIX.4.4:FIXVENUE->CLIENT2"
    first = [
        message(1),
        OutboundMessage(session_id=other, seq=1, msg_type="8", raw=b"8=FIX.4.4\x0110=001\x01"),
        SeqNumbers(session_id=SID, next_sender_seq=2, next_target_seq=4),
        SeqNumbers(session_id=other, next_sender_seq=2, next_target_seq=9),
    ]
    second = [message(2), SeqNumbers(session_id=SID, next_sender_seq=3, next_target_seq=6)]
    batches = [
        (records_to_wire(first), Pending(journal=[(1, 1, "new", "{}")])),
        (records_to_wire(second), Pending(journal=[(2, 2, "new", "{}"), (3, 3, "new", "{}")])),
    ]
    with store.engine.begin() as conn:
        write_group_in(conn, store, batches)
    assert [seq for seq, _ in store.messages(SID, 1, None)] == [1, 2]
    assert [raw for _, raw in store.messages(other, 1, None)] == [b"8=FIX.4.4\x0110=001\x01"]
    assert (store.load(SID).next_sender_seq, store.load(SID).next_target_seq) == (3, 6)
    assert (store.load(other).next_sender_seq, store.load(other).next_target_seq) == (2, 9)
    assert journal_rows(store) == 3


def test_a_group_with_a_session_reset_keeps_what_follows_the_reset_only(
    db: tuple[str, SqlMessageStore],
) -> None:
    _, store = db
    batches = [
        (records_to_wire([message(1), message(2)]), Pending()),
        (
            records_to_wire(
                [
                    SessionReset(session_id=SID),
                    message(1),
                    SeqNumbers(session_id=SID, next_sender_seq=2, next_target_seq=2),
                ]
            ),
            Pending(),
        ),
    ]
    with store.engine.begin() as conn:
        write_group_in(conn, store, batches)
    assert [seq for seq, _ in store.messages(SID, 1, None)] == [1]
    assert store.load(SID).next_sender_seq == 2


def test_commit_group_commits_on_the_dbapi_connection_and_rolls_back_a_failure(
    db: tuple[str, SqlMessageStore],
) -> None:
    """The writer's usual transaction (straight on the DB-API connection): committed when
    commit_group returns, all or nothing, and the connection serves the next group."""
    _, store = db
    ok = [(records_to_wire([message(1), message(2)]), Pending(journal=[(1, 1, "new", "{}")]))]
    with store.engine.connect() as conn:
        commit_group(conn, store, ok)
        assert journal_rows(store) == 1  # visible to another connection: committed
        assert store.load(SID).next_sender_seq == 1  # no numbers in that group
        dup = [(records_to_wire([message(3), message(1)]), Pending(journal=[(2, 2, "new", "{}")]))]
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            commit_group(conn, store, dup)
        numbers = SeqNumbers(session_id=SID, next_sender_seq=4, next_target_seq=9)
        again = [(records_to_wire([message(3), numbers]), Pending(journal=[(2, 2, "new", "{}")]))]
        commit_group(conn, store, again)
    assert [seq for seq, _ in store.messages(SID, 1, None)] == [1, 2, 3]
    assert journal_rows(store) == 2
    loaded = store.load(SID)
    assert (loaded.next_sender_seq, loaded.next_target_seq) == (4, 9)


def test_a_session_first_stored_by_a_group_gets_its_creation_time(
    db: tuple[str, SqlMessageStore],
) -> None:
    """The numbers' upsert creates the session row when it is new: created_at goes through
    the dialect's conversion and reads back as aware UTC."""
    _, store = db
    new = "FIX.4.4:FIXVENUE->CLIENT9"
    numbers = SeqNumbers(session_id=new, next_sender_seq=5, next_target_seq=3)
    with store.engine.connect() as conn:
        commit_group(conn, store, [(records_to_wire([numbers]), Pending())])
    loaded = store.load(new)
    assert (loaded.next_sender_seq, loaded.next_target_seq) == (5, 3)
    assert loaded.created_at.tzinfo is not None
    assert abs(time.time() - loaded.created_at.timestamp()) < 60


def test_a_group_with_a_kill_switch_is_committed_too(db: tuple[str, SqlMessageStore]) -> None:
    _, store = db
    rows = Pending(journal=[(1, 1, "new", "{}")], kill_switches=[("set", "FIRM1", "firm", 7)])
    with store.engine.connect() as conn:
        commit_group(conn, store, [(records_to_wire([message(1)]), rows)])
        commit_group(conn, store, [(records_to_wire([message(2)]), Pending())])
    assert persist.load_kill_switches(store.engine) == [("FIRM1", "firm")]
    assert [seq for seq, _ in store.messages(SID, 1, None)] == [1, 2]
    with store.engine.connect() as conn:
        assert conn.execute(select(kill_switches.c.since_us)).scalar_one() == 7


def test_a_checkpoint_failure_is_logged_on_stderr_never_on_the_pipe(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As the writer process starts: the venue's level and format, to stderr.
    configure_logging("info", "json")
    env = child_env()
    try:
        configure_from_env(env, file=sys.stderr)
        _report_checkpoint_error("OperationalError: disk I/O error", 101)
    finally:
        structlog.reset_defaults()
    out, err = capsys.readouterr()
    assert out == ""  # stdout is the writer's answer pipe to the venue
    line = json.loads(err)
    assert line["event"] == "checkpoint_failed" and line["level"] == "warning"
    assert line["error"] == "OperationalError: disk I/O error" and line["errors"] == 101


def test_the_writer_logs_at_the_level_the_venue_was_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("error", "json")
    env = child_env()
    try:
        configure_from_env(env, file=sys.stderr)
        _report_checkpoint_error("OperationalError: disk I/O error", 1)  # a warning
    finally:
        structlog.reset_defaults()
    assert capsys.readouterr() == ("", "")
