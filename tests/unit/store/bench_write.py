"""Measure MessageStore.write: a batch of N outbound messages + one seq update per batch.

Not a test (not collected). Run: .venv/bin/python tests/unit/store/bench_write.py
Prints time per batch and per message for SQLite (synchronous FULL and NORMAL, WAL) and,
when reachable, PostgreSQL (a throwaway schema).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from gateway.store.base import MessageStore, OutboundMessage, SeqNumbers, StoreRecord  # noqa: E402
from gateway.store.sql import SqlMessageStore  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RAW = b"8=FIX.4.4\x019=180\x0135=8\x01" + b"x" * 190 + b"10=000\x01"  # ~ an ExecutionReport


def batches(session: str, size: int, count: int) -> list[list[StoreRecord]]:
    out: list[list[StoreRecord]] = []
    seq = 1
    for _ in range(count):
        batch: list[StoreRecord] = [
            OutboundMessage(session_id=session, seq=s, msg_type="8", raw=RAW)
            for s in range(seq, seq + size)
        ]
        seq += size
        batch.append(SeqNumbers(session_id=session, next_sender_seq=seq, next_target_seq=seq))
        out.append(batch)
    return out


def measure(name: str, store: MessageStore, size: int, count: int) -> None:
    store.load("BENCH")
    todo = batches("BENCH", size, count + 5)
    for batch in todo[:5]:  # warm-up: connections, statement cache
        store.write(batch)
    times = []
    for batch in todo[5:]:
        t0 = time.perf_counter()
        store.write(batch)
        times.append(time.perf_counter() - t0)
    mean = statistics.fmean(times)
    p50 = statistics.median(times)
    p99 = sorted(times)[int(len(times) * 0.99) - 1]
    print(
        f"{name:<22} batch={size:>4}  mean {mean * 1e3:7.3f} ms  p50 {p50 * 1e3:7.3f} ms  "
        f"p99 {p99 * 1e3:7.3f} ms  per msg {mean / size * 1e6:7.1f} us  "
        f"({size / mean:,.0f} msg/s)"
    )
    store.close()


def main() -> None:
    count = 300
    for size in (100, 1):
        for sync in ("full", "normal"):
            with tempfile.TemporaryDirectory() as tmp:
                store = SqlMessageStore(f"sqlite:///{tmp}/bench.db", sqlite_synchronous=sync)
                measure(f"sqlite WAL {sync}", store, size, count)
        try:
            import psycopg

            raw_url = PG_URL.replace("+psycopg", "")
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(raw_url, autocommit=True, connect_timeout=2) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            try:
                measure("postgresql", SqlMessageStore(PG_URL, schema=schema), size, count)
            finally:
                with psycopg.connect(raw_url, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        except Exception as exc:  # noqa: BLE001 - report and go on
            print(f"postgresql: skipped ({exc})")


if __name__ == "__main__":
    main()
