"""The Checkpointer copies the SQLite log into the database file beside the commits,
while the committing connection (its threshold raised to the backstop) never does."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from gateway.store.checkpoint import BACKSTOP_PAGES, REPORT_EVERY, Checkpointer

pytestmark = pytest.mark.timeout(60)


def committing_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
    conn.execute("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB)")
    return conn


def commit_rows(conn: sqlite3.Connection, start: int, count: int) -> None:
    """`count` small commits, a few pages of log each (as the venue's are)."""
    for k in range(start, start + count):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t VALUES (?, ?)", (k, os.urandom(3000)))
        conn.execute("COMMIT")


def test_the_committing_connection_alone_leaves_everything_in_the_log(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    conn = committing_connection(db)
    before = db.stat().st_size
    commit_rows(conn, 0, 1500)  # ~1,500+ log pages: past SQLite's default of 1,000
    assert db.stat().st_size == before  # no checkpoint inside a commit
    assert Path(f"{db}-wal").stat().st_size > 1500 * 3000
    conn.close()


def test_the_checkpointer_copies_the_log_into_the_database_while_commits_go_on(
    tmp_path: Path,
) -> None:
    db = tmp_path / "v.db"
    conn = committing_connection(db)
    before = db.stat().st_size
    checkpointer = Checkpointer(str(db), synchronous="full", interval_s=0.01)
    try:
        commit_rows(conn, 0, 300)
        deadline = time.monotonic() + 20
        while db.stat().st_size < before + 300 * 3000 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert db.stat().st_size >= before + 300 * 3000  # the pages reached the database
        commit_rows(conn, 300, 300)  # and commits still go through beside it
    finally:
        checkpointer.stop()
    assert checkpointer.checkpoints > 0
    assert checkpointer.errors == 0
    rows = sqlite3.connect(db).execute("SELECT count(*) FROM t").fetchone()
    assert rows == (600,)
    conn.close()


def test_a_failing_checkpoint_is_counted_reported_and_retried(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    conn = committing_connection(db)
    commit_rows(conn, 0, 10)
    reports: list[tuple[str, int]] = []
    checkpointer = Checkpointer(
        str(db), synchronous="full", interval_s=0.001, on_error=lambda e, n: reports.append((e, n))
    )
    try:
        deadline = time.monotonic() + 20
        while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert checkpointer.checkpoints > 0 and checkpointer.errors == 0
        # Its connection unusable (as after an I/O error): each later checkpoint fails.
        checkpointer._conn.close()
        while checkpointer.errors <= REPORT_EVERY and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        checkpointer.stop()
    assert checkpointer.errors > REPORT_EVERY  # retried every interval, not given up
    assert [n for _, n in reports][:2] == [1, REPORT_EVERY + 1]  # the first, then 1 in 100
    assert "closed database" in reports[0][0]
    commit_rows(conn, 10, 10)  # the commits never depended on it
    conn.close()
