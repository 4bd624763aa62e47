"""WAL checkpoints beside the writer, not inside its commits (SQLite).

Role: SQLite copies its write-ahead log into the database file (a checkpoint) inside the
COMMIT that takes the log past `wal_autocheckpoint` pages (1,000 by default). The venue's
commits are small and many (about 13 pages for a one-order commit), so one commit in
about 80 paid for copying 4 MB and syncing the database file, and every order queued
behind that commit saw it in its latency: the tail of the open-loop latency. The writer
process therefore raises its own connection's threshold to a backstop (`BACKSTOP_PAGES`)
and runs a `Checkpointer`: a thread with a connection of its own that runs PASSIVE
checkpoints every `INTERVAL_S`. SQLite lets a checkpoint run while another connection
commits in WAL mode, and the sqlite3 module releases the GIL while SQLite works, so the
writer keeps committing meanwhile.

Under steady load a PASSIVE checkpoint never catches up with the log's end (the writer
appends while it copies), and SQLite starts the log afresh only once every frame has been
copied; so the log grows to the backstop and the writer's own commit that crosses it
checkpoints and restarts the log (cheaply, as nearly every frame has already been copied
here). On an idle database a checkpoint finds nothing to copy and syncs nothing.

Invariants:
- Durability is unchanged: a commit is durable once it is in the log (synced at commit
  with synchronous=FULL); a checkpoint only copies what is already durable, and a crash
  during one is recovered by SQLite.
- A PASSIVE checkpoint never waits for, nor blocks, the writer's commits.
- `stop()` ends the thread within one interval plus one checkpoint; errors of a
  checkpoint are counted, reported to `on_error` (the first, then every hundredth: a
  failing disk must not flood the log every 20 ms) and retried at the next interval
  (the backstop still holds).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

#: The writer's own connection checkpoints only past this many log pages (about 80 MB):
#: under steady load, where the log restarts (see module docstring).
BACKSTOP_PAGES = 20_000
#: Short, so that each checkpoint is small: its sync of the database file delays the
#: commits' syncs of the log (on ext4 the syncs share one journal), and a big one stalls
#: every order in flight. Live, open loop at 10,000 orders/s (fixload, synchronous=FULL),
#: p99 by interval: 1 s 14.8-14.9 ms, 0.2 s 7.6-12.0 ms, 0.05 s 4.9-5.5 ms, 0.02 s
#: 3.6-4.8 ms, 0.01 s 4.3-4.4 ms; p50 about 1 ms and the closed-loop rate alike in all.
#: (Replayed one-order commits had shown the checkpoints' first gain: commit p99 3.2 ->
#: 2.0-2.5 ms against checkpoints inside the commit.)
INTERVAL_S = 0.02
#: Failed checkpoints reported: the first, then one in this many.
REPORT_EVERY = 100


class Checkpointer:
    """PASSIVE checkpoints of the SQLite database at `path`, every `interval_s`, on a
    thread of their own (see module docstring)."""

    def __init__(
        self,
        path: str,
        *,
        synchronous: str,
        interval_s: float = INTERVAL_S,
        on_error: Callable[[str, int], None] | None = None,
    ) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # The checkpoint syncs the database file as this connection's level says.
        self._conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._interval_s = interval_s
        self._on_error = on_error
        self._stop = threading.Event()
        self.checkpoints = 0
        self.errors = 0
        self._thread = threading.Thread(target=self._run, name="fixvenue-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:
                self.errors += 1
                if self._on_error is not None and (self.errors - 1) % REPORT_EVERY == 0:
                    self._on_error(f"{type(exc).__name__}: {exc}", self.errors)
            else:
                self.checkpoints += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10.0)
        if not self._thread.is_alive():
            self._conn.close()
