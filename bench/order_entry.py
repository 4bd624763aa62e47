#!/usr/bin/env python3
"""Order-entry benchmark: ../shared/fixload against `fixvenue run` (SQLite, default settings).

Prints acked orders/s and order-to-first-ExecutionReport latency for:
  1. 1 session, 100 orders in flight (throughput)
  2. 4 sessions, 100 orders in flight each
  3. 1 session, 1 order in flight (latency)
  4. open loop at half the rate of (1) (p99 at a sustainable rate)
and (1) against ../shared/fixload/minvenue.py in the same run, for the ratio (`--pairs N`
repeats (1) and minvenue back to back N times, a ratio per pair). 20% of the
orders cross, so trades happen. Every venue starts on a fresh data directory and a free
loopback port; everything it starts is stopped before it exits.

Usage: python bench/order_entry.py [--orders 30000] [--pairs 1] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def start(cmd: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    wait_port(port)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def fixload(shared: Path, port: int, target: str, pid: int, *extra: str) -> dict[str, object]:
    cmd = [
        sys.executable, str(shared / "fixload" / "fixload.py"), "--port", str(port),
        "--target", target, "--sender", "CLIENT{i}", "--cross-ratio", "0.2", "--quiet",
        "--peer-pid", str(pid), *extra,
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, check=False, timeout=900).stdout
    return dict(json.loads(out))


def venue(data: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    cmd = [sys.executable, "-m", "gateway", "run", "--port", str(port), "--data-dir", str(data)]
    return start(cmd, port), port


def line(name: str, r: dict[str, object]) -> str:
    t = r["throughput"]
    lat = r["latency_us"]
    cpu = r["cpu"]
    assert isinstance(t, dict) and isinstance(lat, dict) and isinstance(cpu, dict)
    ok = "" if r.get("complete") else "  (INCOMPLETE)"
    return (
        f"{name:<44} {t['acked_per_s']:>10,.0f} {lat['p50']:>9,.0f} {lat['p99']:>9,.0f}"
        f" {cpu.get('peer_cpu_pct', 0):>6.0f}% {cpu.get('other_processes_pct', 0):>6.0f}%{ok}"
    )


def minvenue(shared: Path, n: str, warm: str) -> dict[str, object]:
    port = free_port()
    proc = start(
        [sys.executable, str(shared / "fixload" / "minvenue.py"), "--port", str(port)], port
    )
    try:
        extra = ["--orders", n, "--warmup", warm, "--window", "100"]
        return fixload(shared, port, "MINVENUE", proc.pid, *extra)
    finally:
        stop(proc)


def acked(r: dict[str, object]) -> float:
    t = r["throughput"]
    assert isinstance(t, dict)
    return float(t["acked_per_s"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=30000)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument(
        "--pairs",
        type=int,
        default=1,
        help="extra (fixvenue, minvenue) pairs, back to back, for the ratio on a noisy machine",
    )
    args = ap.parse_args()
    n, warm = str(args.orders), str(max(1000, args.orders // 10))
    results: list[tuple[str, dict[str, object]]] = []
    with tempfile.TemporaryDirectory(prefix="fixvenue-bench-") as tmp:
        w = ["--window", "100"]
        runs = [
            ("fixvenue: 1 session, window 100", ["--orders", n, "--warmup", warm, *w]),
            (
                "fixvenue: 4 sessions, window 100",
                ["--sessions", "4", "--orders", str(args.orders // 4), "--warmup", warm, *w],
            ),
            (
                "fixvenue: 1 session, window 1 (latency)",
                ["--orders", str(max(2000, args.orders // 10)), "--warmup", "200", "--window", "1"],
            ),
        ]
        for i, (name, extra) in enumerate(runs):
            proc, port = venue(Path(tmp) / f"v{i}")
            try:
                results.append((name, fixload(args.shared, port, "FIXVENUE", proc.pid, *extra)))
            finally:
                stop(proc)
        sustained = results[0][1]["throughput"]
        assert isinstance(sustained, dict)
        rate = max(100, int(sustained["acked_per_s"] / 2))
        proc, port = venue(Path(tmp) / "v-rate")
        try:
            name = f"fixvenue: 1 session, open loop {rate}/s"
            extra = ["--orders", n, "--warmup", warm, "--window", "1000", "--rate", str(rate)]
            results.append((name, fixload(args.shared, port, "FIXVENUE", proc.pid, *extra)))
        finally:
            stop(proc)
        results.append(("minvenue: 1 session, window 100", minvenue(args.shared, n, warm)))
        ratios = [acked(results[0][1]) / max(1.0, acked(results[-1][1]))]
        for k in range(args.pairs - 1):
            proc, port = venue(Path(tmp) / f"v-pair{k}")
            try:
                w100 = ["--orders", n, "--warmup", warm, *w]
                ours = fixload(args.shared, port, "FIXVENUE", proc.pid, *w100)
            finally:
                stop(proc)
            floor = minvenue(args.shared, n, warm)
            results += [
                (f"pair {k + 2}: fixvenue, window 100", ours),
                (f"pair {k + 2}: minvenue", floor),
            ]
            ratios.append(acked(ours) / max(1.0, acked(floor)))
    head = f"{'scenario':<44} {'acked/s':>10} {'p50 us':>9} {'p99 us':>9} {'cpu':>7} {'others':>7}"
    print(head)
    for name, r in results:
        print(line(name, r))
    shown = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"ratio fixvenue / minvenue (1 session, window 100), pair by pair: {shown}")
    print("(cpu: the venue's CPU, 100% = one core; others: the rest of the machine but the")
    print(" generator, e.g. the venue's writer process)")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
