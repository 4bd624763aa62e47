"""The Flusher: persist, then tell -- inline and with the writer thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import pytest

from gateway.net.flush import Flusher

pytestmark = pytest.mark.timeout(30)


class Conn:
    """A Flushable that records what happened to it, and when (against the commits)."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.out = b""
        self.records: list[object] = []
        self.aborted: str | None = None

    def take_output(self) -> tuple[bytes, list[object]]:
        data, self.out = self.out, b""
        records, self.records = self.records, []
        return data, records

    def write_out(self, data: bytes) -> None:
        self.log.append(f"write {self.name} {data.decode()}")

    def after_flush(self) -> None:
        self.log.append(f"after {self.name}")

    def abort(self, reason: str) -> None:
        self.aborted = reason
        self.log.append(f"abort {self.name}")


class SlowStore:
    """A commit that takes a while, on whatever thread runs it; can be told to fail."""

    def __init__(self, log: list[str], delay_s: float = 0.02) -> None:
        self.log = log
        self.delay_s = delay_s
        self.committed: list[list[object]] = []
        self.fail_next = False
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def stage(self, batch: list[object]) -> Callable[[], None]:
        fail, self.fail_next = self.fail_next, False

        def job() -> None:
            time.sleep(self.delay_s)
            with self.lock:
                self.threads.add(threading.current_thread().name)
                if fail:
                    raise RuntimeError("disk full")
                self.committed.append(list(batch))
                self.log.append(f"commit {batch}")

        return job


async def settle_loop(flusher: Flusher, turns: int = 200) -> None:
    for _ in range(turns):
        await asyncio.sleep(0.005)
        if not flusher._in_flight:  # noqa: SLF001 - the test waits for completion
            return


@pytest.mark.parametrize("threaded", [False, True])
def test_bytes_are_written_only_after_their_commit_in_flush_order(threaded: bool) -> None:
    async def main() -> tuple[list[str], SlowStore]:
        log: list[str] = []
        store = SlowStore(log)
        flusher = Flusher(asyncio.get_running_loop(), stage=store.stage, writer_thread=threaded)
        a, b = Conn("a", log), Conn("b", log)
        for i in range(3):
            a.out, a.records = f"A{i}".encode(), [f"a{i}"]
            b.out, b.records = f"B{i}".encode(), [f"b{i}"]
            flusher.touch(a)
            flusher.touch(b)
            flusher.flush()
        await settle_loop(flusher)
        flusher.close()
        return log, store

    log, store = asyncio.run(main())
    assert store.committed == [["a0", "b0"], ["a1", "b1"], ["a2", "b2"]]
    for i in range(3):
        assert log.index(f"commit ['a{i}', 'b{i}']") < log.index(f"write a A{i}")
        assert log.index(f"write a A{i}") < log.index(f"write b B{i}")
    writes = [line for line in log if line.startswith(("write", "after"))]
    assert writes == [
        *("write a A0", "write b B0", "after a", "after b"),
        *("write a A1", "write b B1", "after a", "after b"),
        *("write a A2", "write b B2", "after a", "after b"),
    ]
    if threaded:
        assert store.threads == {"fixvenue-writer_0"}


def test_the_loop_goes_on_while_the_writer_commits() -> None:
    async def main() -> tuple[float, list[str]]:
        log: list[str] = []
        store = SlowStore(log, delay_s=0.2)
        flusher = Flusher(asyncio.get_running_loop(), stage=store.stage, writer_thread=True)
        a = Conn("a", log)
        a.out, a.records = b"A", ["a"]
        flusher.touch(a)
        t0 = time.monotonic()
        flusher.flush()
        returned_after = time.monotonic() - t0
        assert "write a A" not in log  # not before the commit
        await settle_loop(flusher)
        flusher.close()
        return returned_after, log

    returned_after, log = asyncio.run(main())
    assert returned_after < 0.1
    assert log.index("commit ['a']") < log.index("write a A")


def test_a_failed_commit_tells_nobody_and_refuses_what_was_queued_behind_it() -> None:
    async def main() -> tuple[list[str], SlowStore, Conn, Conn, Conn]:
        log: list[str] = []
        store = SlowStore(log, delay_s=0.05)
        flusher = Flusher(asyncio.get_running_loop(), stage=store.stage, writer_thread=True)
        a, b, c = Conn("a", log), Conn("b", log), Conn("c", log)
        store.fail_next = True
        a.out, a.records = b"A", ["a"]
        flusher.touch(a)
        flusher.flush()  # fails on the writer
        b.out, b.records = b"B", ["b"]
        flusher.touch(b)
        flusher.flush()  # queued behind the failure: refused
        await settle_loop(flusher)
        c.out, c.records = b"C", ["c"]  # after the failure was seen: commits again
        flusher.touch(c)
        flusher.flush()
        await settle_loop(flusher)
        flusher.close()
        return log, store, a, b, c

    log, store, a, b, c = asyncio.run(main())
    assert a.aborted and b.aborted and c.aborted is None
    assert not any(line.startswith(("write a", "write b")) for line in log)
    assert store.committed == [["c"]]
    assert "write c C" in log


def test_settle_waits_for_every_commit_so_a_read_sees_it() -> None:
    async def main() -> tuple[SlowStore, Conn, list[str]]:
        log: list[str] = []
        store = SlowStore(log, delay_s=0.05)
        flusher = Flusher(asyncio.get_running_loop(), stage=store.stage, writer_thread=True)
        a = Conn("a", log)
        a.out, a.records = b"A1", ["a1"]
        flusher.touch(a)
        flusher.flush()  # in flight
        a.out, a.records = b"A2", ["a2"]
        flusher.touch(a)  # pending, not flushed yet
        flusher.settle()
        committed = [list(x) for x in store.committed]
        await settle_loop(flusher)
        flusher.close()
        return store, a, committed

    store, _, committed_at_settle = asyncio.run(main())
    assert committed_at_settle == [["a1"], ["a2"]]


def test_back_pressure_bounds_the_commits_in_flight() -> None:
    async def main() -> int:
        log: list[str] = []
        store = SlowStore(log, delay_s=0.02)
        flusher = Flusher(
            asyncio.get_running_loop(), stage=store.stage, writer_thread=True, max_in_flight=2
        )
        a = Conn("a", log)
        most = 0
        for i in range(6):
            a.out, a.records = f"A{i}".encode(), [f"a{i}"]
            flusher.touch(a)
            flusher.flush()
            most = max(most, len(flusher._in_flight))  # noqa: SLF001
        await settle_loop(flusher)
        flusher.close()
        assert len(store.committed) == 6
        return most

    assert asyncio.run(main()) <= 2


class RemoteCommits:
    """A stage whose commits are under way elsewhere (like the writer process): each has
    a `future` the test answers, and calling it waits (answers everything sent)."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.sent: list[tuple[list[object], Future[None]]] = []

    def stage(self, batch: list[object]) -> Remote:
        future: Future[None] = Future()
        self.sent.append((list(batch), future))
        return Remote(future, self)

    def answer(self, ok: bool = True) -> None:
        batch, future = next((b, f) for b, f in self.sent if not f.done())
        if ok:
            self.log.append(f"commit {batch}")
            future.set_result(None)
        else:
            future.set_exception(RuntimeError("constraint failed"))

    def answer_all(self) -> None:
        while any(not f.done() for _, f in self.sent):
            self.answer()


class Remote:
    def __init__(self, future: Future[None], commits: RemoteCommits) -> None:
        self.future = future
        self._commits = commits

    def __call__(self) -> None:
        self._commits.answer_all()
        self.future.result()


def test_remote_commits_write_in_order_once_answered_and_refuse_after_a_failure() -> None:
    async def main() -> tuple[list[str], Conn, Conn, Conn, Conn]:
        log: list[str] = []
        commits = RemoteCommits(log)
        flusher = Flusher(asyncio.get_running_loop(), stage=commits.stage, remote=True)
        assert flusher.pipelined
        a, b, c, d = (Conn(n, log) for n in "abcd")
        for conn in (a, b, c):
            conn.out, conn.records = conn.name.upper().encode(), [conn.name]
            flusher.touch(conn)
            flusher.flush()
        await asyncio.sleep(0.01)
        assert not any(line.startswith("write") for line in log)  # nothing answered yet
        commits.answer()  # a committed
        await asyncio.sleep(0.01)
        assert "write a A" in log
        commits.answer(ok=False)  # b failed
        commits.answer()  # c committed, but decided after b: told nobody
        await asyncio.sleep(0.01)
        d.out, d.records = b"D", ["d"]  # after the failure was seen: back to normal
        flusher.touch(d)
        flusher.flush()
        flusher.settle()  # waits (the waiter answers everything sent)
        await asyncio.sleep(0.01)
        flusher.close()
        return log, a, b, c, d

    log, a, b, c, d = asyncio.run(main())
    assert a.aborted is None and d.aborted is None
    assert b.aborted and c.aborted
    assert "write d D" in log
    assert not any(line.startswith(("write b", "write c")) for line in log)
