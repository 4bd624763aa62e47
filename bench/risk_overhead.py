#!/usr/bin/env python3
"""Pre-trade risk overhead: the order-entry benchmark with `[risk] enabled` on and off.

Runs ../shared/fixload against `fixvenue run` (shipped defaults; SQLite, default settings),
1 session with 100 orders in flight and 20% crossing orders, alternating risk on / off
`--repeat` times each on a fresh data directory, and prints the medians of acked orders/s,
p50/p99 latency and the venue's CPU time per order (the least noisy figure on a shared
machine), with the overhead of risk on each.

With --in-process it measures the same workload (fixload's: alternating sides, 20%
crossing, 4 symbols, qty 100) through `OrderEntry.on_message` without sockets, session or
store: the time risk itself adds per order, free of the network and of the noise of
other processes' scheduling.

Usage: python bench/risk_overhead.py [--orders 20000] [--repeat 5] [--shared ../shared]
       python bench/risk_overhead.py --in-process [--orders 20000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from order_entry import ROOT, fixload, free_port, start, stop  # noqa: E402


def configs(tmp: Path) -> dict[str, Path]:
    text = (ROOT / "config" / "default.toml").read_text()
    assert "[risk]\nenabled = true" in text, "config/default.toml: no [risk] enabled = true"
    out = {}
    for name, on in (("risk on", "true"), ("risk off", "false")):
        path = tmp / f"{name.replace(' ', '-')}.toml"
        path.write_text(text.replace("[risk]\nenabled = true", f"[risk]\nenabled = {on}"))
        out[name] = path
    return out


def run_once(shared: Path, config: Path, data: Path, orders: int) -> dict[str, float]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "gateway", "run", "--config", str(config), "--port", str(port),
        "--data-dir", str(data), "--no-metrics", "--no-admin", "--log-level", "warning",
    ]  # fmt: skip
    proc = start(cmd, port)
    try:
        warm = max(1000, orders // 10)
        r = fixload(
            shared, port, "FIXVENUE", proc.pid,
            "--orders", str(orders), "--warmup", str(warm), "--window", "100",
        )  # fmt: skip
    finally:
        stop(proc)
    t, lat, cpu = r["throughput"], r["latency_us"], r["cpu"]
    assert isinstance(t, dict) and isinstance(lat, dict) and isinstance(cpu, dict)
    sent = float(r.get("orders_sent", orders + warm))  # type: ignore[arg-type]
    return {
        "acked/s": float(t["acked_per_s"]),
        "p50 us": float(lat["p50"]),
        "p99 us": float(lat["p99"]),
        "cpu us/order": 1e6 * float(cpu.get("peer_cpu_s") or 0.0) / sent,
    }


def in_process(orders: int, repeat: int) -> int:
    """Median wall time per order through OrderEntry.on_message, risk on vs off."""
    import gc
    import random
    import time

    from config.load import load_config
    from fixspec.codec import parse
    from gateway.app import build, riskgate
    from gateway.app.service import OrderEntry
    from gateway.session import ApplicationMessage
    from venue.engine import Engine

    config = load_config(None)
    rng = random.Random(1)
    symbols = ["AAPL", "MSFT", "GOOG", "AMZN"]
    msgs = []
    for i in range(orders):
        buy = (i // 4) % 2 == 0  # every symbol gets both sides
        ticks = 5 if rng.random() < 0.2 else -rng.randint(1, 5)  # crossing or passive
        px = 100 + (ticks if buy else -ticks) * 0.01
        raw = (
            f"35=D\x0111=o{i}\x0121=1\x0155={symbols[i % 4]}\x0154={1 if buy else 2}"
            f"\x0138=100\x0140=2\x0144={px:.2f}\x0159=0\x0160=20260101-00:00:00\x01"
        ).encode()
        msgs.append(ApplicationMessage(msg_type="D", msg=parse(raw), seq=i + 1))

    class Null:
        def send(self, session_id: str, msg_type: str, body: bytes) -> None:
            pass

    sid = config.sessions[0].session_id

    def once(risk: bool) -> float:
        engine = Engine(build.instruments(config), retain_done=True)
        app = OrderEntry(engine, build.session_profiles(config))
        if risk:
            app.risk = riskgate.build(config, [engine.instrument(s) for s in engine.symbols])
        out, now = Null(), 1_790_000_000.0
        gc.collect()
        t0 = time.process_time()  # CPU time of this process: less noisy than wall time
        for i, m in enumerate(msgs):
            app.on_message(sid, m, now + i / 15000, out)
            if i % 100 == 99:
                app.take_pending()
        return (time.process_time() - t0) / orders * 1e6

    def risk_alone() -> float:
        """CPU per order of the risk work alone: throttle, checks and the events."""
        engine = Engine(build.instruments(config), retain_done=True)
        app = OrderEntry(engine, build.session_profiles(config))
        script: list[tuple[Any, list[Any]]] = []
        submit = engine.submit

        def recording(cmd: Any, at: Any) -> list[Any]:
            events = submit(cmd, at)
            script.append((cmd, events))
            return events

        engine.submit = recording  # type: ignore[method-assign]
        for i, m in enumerate(msgs):
            app.on_message(sid, m, 1_790_000_000.0 + i / 15000, Null())
        best = float("inf")
        for _ in range(repeat):
            risk = riskgate.build(config, [engine.instrument(s) for s in engine.symbols])
            assert risk is not None
            firm = app.profiles[sid].firm
            gc.collect()
            t0 = time.process_time()
            for i, (cmd, events) in enumerate(script):
                now = 1_790_000_000.0 + i / 15000
                risk.admit_message(sid, firm, now)
                risk.evaluate(cmd, now)
                risk.on_events(events)
            best = min(best, (time.process_time() - t0) / orders * 1e6)
        return best

    times: dict[str, list[float]] = {"risk off": [], "risk on": []}
    for i in range(repeat):
        for name in ("risk off", "risk on") if i % 2 else ("risk on", "risk off"):
            times[name].append(once(name == "risk on"))
    print(f"in-process, {orders} orders, {repeat} runs each: OrderEntry.on_message CPU/order")
    for stat in (statistics.median, min):
        off, on = (stat(times[n]) for n in ("risk off", "risk on"))
        print(
            f"  {stat.__name__:<6} risk off {off:6.2f} us   risk on {on:6.2f} us   "
            f"risk adds {on - off:5.2f} us ({100 * (on / off - 1):+.1f}%)"
        )
    print(f"  risk alone (throttle + checks + events, best of {repeat}): {risk_alone():.2f} us")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--in-process", action="store_true", help="no sockets: OrderEntry only")
    args = ap.parse_args()
    if args.in_process:
        return in_process(args.orders, args.repeat)
    runs: dict[str, list[dict[str, float]]] = {"risk on": [], "risk off": []}
    with tempfile.TemporaryDirectory(prefix="fixvenue-risk-bench-") as tmp:
        cfg = configs(Path(tmp))
        for i in range(args.repeat):
            for name in ("risk off", "risk on") if i % 2 else ("risk on", "risk off"):
                data = Path(tmp) / f"{name.replace(' ', '-')}-{i}"
                r = run_once(args.shared, cfg[name], data, args.orders)
                runs[name].append(r)
                print(
                    f"  run {i + 1} {name:<8} " + "  ".join(f"{k} {v:,.1f}" for k, v in r.items())
                )
    keys = list(runs["risk on"][0])
    med = {n: {k: statistics.median(r[k] for r in rs) for k in keys} for n, rs in runs.items()}
    print(f"medians of {args.repeat} runs, {args.orders} orders, 1 session, window 100:")
    print(f"{'':<10}" + "".join(f"{k:>16}" for k in keys))
    for name in ("risk off", "risk on"):
        print(f"{name:<10}" + "".join(f"{med[name][k]:>16,.1f}" for k in keys))
    on, off = med["risk on"], med["risk off"]
    per_order_on, per_order_off = 1e6 / on["acked/s"], 1e6 / off["acked/s"]
    print(
        f"per-order cost (1/throughput): {per_order_off:.1f} -> {per_order_on:.1f} us "
        f"({100 * (per_order_on / per_order_off - 1):+.1f}%); venue CPU per order "
        f"{off['cpu us/order']:.1f} -> {on['cpu us/order']:.1f} us "
        f"({100 * (on['cpu us/order'] / off['cpu us/order'] - 1):+.1f}%)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
