#!/usr/bin/env python3
"""The venue process's own cost per order, without sockets or a load generator.

Builds the whole `fixvenue run` composition (default configuration, SQLite in a temporary
directory, risk, metrics, drop copy) on an event loop, connects one FixConnection to an
in-memory transport, logs CLIENT1 on, then feeds batches of NewOrderSingle exactly as
fixload encodes them (window-sized batches, 20% crossing) and lets the loop flush after
every batch, as it would after one socket read. Prints CPU microseconds per order and,
with --profile, the top functions of a cProfile run.

Usage: python bench/inprocess.py [--orders 30000] [--batch 100] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.load import apply_overrides, load_config  # noqa: E402
from config.schema import CommitWriter, Config, SqliteSynchronous  # noqa: E402
from gateway.cli import configure_logging, serve_components  # noqa: E402

SOH = b"\x01"


def frame(body: bytes) -> bytes:
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    msg = head + body
    return msg + b"10=%03d\x01" % (sum(msg) % 256)


def header(msg_type: bytes, seq: int, now: str) -> bytes:
    return b"35=%s\x0149=CLIENT1\x0156=FIXVENUE\x0134=%d\x0152=%s\x01" % (
        msg_type,
        seq,
        now.encode(),
    )


def orders(n: int, seed: int = 1, cross_ratio: float = 0.2) -> list[bytes]:
    """Order bodies as fixload builds them: alternate sides, 20% through the mid."""
    rnd = random.Random(seed)
    syms = [b"AAPL", b"MSFT", b"GOOG", b"AMZN"]
    out = []
    for i in range(n):
        sym = syms[(i // 2) % 4]
        buy = i % 2 == 0
        if rnd.random() < cross_ratio:
            px = 100.0 + 5 * 0.01 if buy else 100.0 - 5 * 0.01
        else:
            k = rnd.randint(1, 5)
            px = 100.0 - k * 0.01 if buy else 100.0 + k * 0.01
        out.append(
            b"11=B%d\x0121=1\x0155=%s\x0154=%s\x0138=100\x0140=2\x0144=%.2f\x0159=0\x01"
            % (i, sym, b"1" if buy else b"2", px)
        )
    return out


def without(config: Config, parts: list[str]) -> Config:
    """The configuration with some parts switched off, to measure what they cost."""
    for part in parts:
        if part == "metrics":
            config = replace(config, metrics=replace(config.metrics, enabled=False))
        elif part == "dropcopy":
            sessions = tuple(s for s in config.sessions if s.role.value != "drop-copy")
            config = replace(config, sessions=sessions)
        elif part == "risk":
            config = replace(config, risk=replace(config.risk, enabled=False))
        elif part == "fsync":
            store = replace(config.store, sqlite_synchronous=SqliteSynchronous.NORMAL)
            config = replace(config, store=store)
        elif part == "writer":
            config = replace(config, store=replace(config.store, writer=CommitWriter.INLINE))
        elif part == "process":
            config = replace(config, store=replace(config.store, writer=CommitWriter.THREAD))
        else:
            raise SystemExit(f"unknown part {part!r}")
    return config


class MemoryTransport:
    """Enough of asyncio.Transport for a FixConnection: counts what is written."""

    def __init__(self) -> None:
        self.written = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += len(data)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def run(args: argparse.Namespace, data_dir: Path) -> None:
    config = apply_overrides(load_config(None), port=0, data_dir=data_dir)
    config = without(config, args.without)
    async with serve_components(config) as running:
        acceptor = running.acceptor
        from gateway.net.connection import FixConnection

        shell = acceptor.shell
        assert shell is not None
        conn = FixConnection(shell)
        transport = MemoryTransport()
        conn.connection_made(transport)  # type: ignore[arg-type]
        now = time.strftime("%Y%m%d-%H:%M:%S.000", time.gmtime())
        conn.data_received(frame(header(b"A", 1, now) + b"98=0\x01108=30\x01141=Y\x01"))
        await asyncio.sleep(0)
        assert conn.logged_on, "logon failed"
        bodies = orders(args.warmup + args.orders)
        seq = 2
        msgs = []
        for body in bodies:
            msgs.append(frame(header(b"D", seq, now) + b"60=%s\x01" % now.encode() + body))
            seq += 1
        batches = [b"".join(msgs[i : i + args.batch]) for i in range(0, len(msgs), args.batch)]
        warm = args.warmup // args.batch
        for b in batches[:warm]:
            conn.data_received(b)
            await asyncio.sleep(0)
        profiler = cProfile.Profile() if args.profile else None
        gc.collect()
        t0, c0, l0 = time.perf_counter(), time.process_time(), time.thread_time()
        if profiler:
            profiler.enable()
        for b in batches[warm:]:
            conn.data_received(b)
            await asyncio.sleep(0)
        if profiler:
            profiler.disable()
        assert transport.written and not transport.closed, "the venue dropped the connection"
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        loop_cpu = time.thread_time() - l0
        n = len(bodies) - warm * args.batch
        print(
            f"{n} orders, batch {args.batch}: {cpu / n * 1e6:.1f} us CPU/order "
            f"({loop_cpu / n * 1e6:.1f} on the loop thread), "
            f"{wall / n * 1e6:.1f} us wall/order ({n / wall:,.0f} orders/s); "
            f"{transport.written / n:.0f} bytes out/order"
        )
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats(args.sort).print_stats(args.top)
            if args.callers:
                stats.print_callers(args.callers)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=30000)
    ap.add_argument("--warmup", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--without",
        action="append",
        default=[],
        choices=["metrics", "dropcopy", "risk", "fsync", "writer", "process"],
        help="switch a part off (repeatable) to measure its cost",
    )
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--callers", help="also print the callers of functions matching this")
    args = ap.parse_args()
    configure_logging("warning", "console")
    with tempfile.TemporaryDirectory(prefix="fixvenue-inproc-") as tmp:
        asyncio.run(run(args, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
