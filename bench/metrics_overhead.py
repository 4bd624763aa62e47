#!/usr/bin/env python3
"""Metrics overhead: the order-entry benchmark (1 session, window 100) with metrics on/off.

Runs `fixvenue run` alternately with and without `--no-metrics` (admin off in both), each
on a fresh data directory and free ports, `--repeat` times, and prints the median acked
orders/s and latency of each, and the throughput cost of metrics in percent.

Usage: python bench/metrics_overhead.py [--orders 20000] [--repeat 5] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from order_entry import ROOT, fixload, free_port, start, stop  # noqa: E402


def run(data: Path, shared: Path, orders: int, metrics: bool) -> dict[str, object]:
    port = free_port()
    cmd = [sys.executable, "-m", "gateway", "run", "--port", str(port), "--data-dir", str(data)]
    cmd += ["--no-admin"] + (["--metrics-port", str(free_port())] if metrics else ["--no-metrics"])
    proc = start(cmd, port)
    try:
        extra = ["--orders", str(orders), "--warmup", str(max(1000, orders // 10))]
        return fixload(shared, port, "FIXVENUE", proc.pid, *extra, "--window", "100")
    finally:
        stop(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    got: dict[bool, list[dict[str, object]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="fixvenue-bench-") as tmp:
        for i in range(args.repeat):
            for metrics in (False, True):
                r = run(Path(tmp) / f"{i}-{metrics}", args.shared, args.orders, metrics)
                got[metrics].append(r)
                t = r["throughput"]
                assert isinstance(t, dict)
                print(f"run {i} metrics={'on ' if metrics else 'off'} {t['acked_per_s']:,.0f}/s")
    med: dict[bool, float] = {}
    for metrics in (False, True):
        rates = [r["throughput"]["acked_per_s"] for r in got[metrics]]  # type: ignore[index]
        p50 = [r["latency_us"]["p50"] for r in got[metrics]]  # type: ignore[index]
        p99 = [r["latency_us"]["p99"] for r in got[metrics]]  # type: ignore[index]
        med[metrics] = statistics.median(rates)
        print(
            f"metrics {'on ' if metrics else 'off'}: median {med[metrics]:,.0f} acked/s, "
            f"p50 {statistics.median(p50):,.0f} us, p99 {statistics.median(p99):,.0f} us "
            f"(runs: {', '.join(f'{x:,.0f}' for x in rates)})"
        )
    print(f"throughput cost of metrics: {100 * (1 - med[True] / med[False]):.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
