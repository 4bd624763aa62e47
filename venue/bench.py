"""Benchmark: `python -m venue.bench [--commands N] [--seed S]`.

Role: measure commands per second and per-command latency (p50/p99) of `Engine.submit`
for (1) a realistic mix over a few hundred price levels: ~50% passive limit inserts, 30%
cancels, 10% replaces, 10% aggressive orders; (2) a deep single-level queue swept by
aggressive orders. Not a test: it prints figures. Command objects are generated before
the timed region (seeded, so runs are comparable); only `Engine.submit` calls are timed.
Each scenario runs with market-data events on (as the gateway uses the engine) and off,
`--repeat` times each (fresh engine per run); the best and the median are printed because
the host is shared with other work.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from venue.commands import CancelOrder, NewOrder, ReplaceOrder
from venue.engine import Engine
from venue.instruments import Instrument
from venue.types import OrdType, Side, TimeInForce

NOW = datetime(2024, 1, 2, 12, tzinfo=UTC)
MID = 10_000


def _mix(n: int, seed: int, md_events: bool = True) -> tuple[Engine, list[Any]]:
    """Pre-generate the mix. Order ids are predictable (assigned 1, 2, ... to accepted
    orders), so the generator tracks which of its passive orders should still rest."""
    rng = random.Random(seed)
    engine = Engine([Instrument(symbol="X")], md_events=md_events)
    # Warm book: 300 levels a side.
    next_id = 1
    live: list[int] = []
    for i in range(3000):
        side = Side.BUY if i % 2 else Side.SELL
        off = 1 + (i // 2) % 300
        price = MID - off if side is Side.BUY else MID + off
        engine.submit(NewOrder(symbol="X", side=side, qty=100, price=price, firm="w"), NOW)
        live.append(next_id)
        next_id += 1
    cmds: list[Any] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.5 or not live:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            off = 1 + int(rng.expovariate(1 / 40)) % 300
            price = MID - off if side is Side.BUY else MID + off
            cmds.append(
                NewOrder(
                    symbol="X",
                    side=side,
                    qty=rng.randrange(1, 10) * 100,
                    price=price,
                    firm=f"f{rng.randrange(8)}",
                    owner="s",
                    client_ref="c",
                )
            )
            live.append(next_id)
            next_id += 1
        elif r < 0.8:
            oid = live.pop(rng.randrange(len(live)))
            cmds.append(CancelOrder(order_id=oid, client_ref="x"))
        elif r < 0.9:
            k = rng.randrange(len(live))
            cmds.append(
                ReplaceOrder(
                    order_id=live[k], qty=rng.randrange(1, 10) * 100, price=None, client_ref="r"
                )
            )
        else:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            cmds.append(
                NewOrder(
                    symbol="X",
                    side=side,
                    qty=rng.randrange(1, 5) * 100,
                    ord_type=OrdType.MARKET,
                    tif=TimeInForce.IOC,
                    firm="agg",
                    client_ref="m",
                )
            )
            next_id += 1
    return engine, cmds


def _fix_replaces(engine: Engine, cmds: list[Any]) -> list[Any]:
    """Replaces need the resting price; fill it in from a dry run on a copy."""
    out = []
    for c in cmds:
        if isinstance(c, ReplaceOrder):
            view = engine.order(c.order_id)
            price = view.price if view is not None else MID
            c = ReplaceOrder(order_id=c.order_id, qty=c.qty, price=price, client_ref=c.client_ref)
        out.append(c)
        engine.submit(c, NOW)
    return out


def _deep(n: int, md_events: bool = True) -> tuple[Engine, list[Any]]:
    engine = Engine([Instrument(symbol="X")], md_events=md_events)
    cmds: list[Any] = []
    for i in range(n):
        if i % 10 == 9:
            cmds.append(
                NewOrder(
                    symbol="X", side=Side.BUY, qty=300, price=MID, tif=TimeInForce.IOC, firm="b"
                )
            )
        else:
            cmds.append(NewOrder(symbol="X", side=Side.SELL, qty=100, price=MID, firm="s"))
    # Start with a deep queue at one price.
    for _ in range(20_000):
        engine.submit(NewOrder(symbol="X", side=Side.SELL, qty=100, price=MID, firm="s"), NOW)
    return engine, cmds


#: While timing: "off" (no collection), or "on" with the venue process's policy
#: (gateway/net/gcpolicy.py: young collections only, thresholds 2,000 / 4).
GC_MODE = "off"


_DEFAULT_THRESHOLDS = gc.get_threshold()


def _gc_pause() -> None:
    gc.collect()
    if GC_MODE == "off":
        gc.disable()
    else:
        gc.set_threshold(2_000, 4, 1 << 30)


def _gc_resume() -> None:
    gc.set_threshold(*_DEFAULT_THRESHOLDS)
    gc.enable()


def _throughput(engine: Engine, cmds: list[Any]) -> float:
    submit = engine.submit
    _gc_pause()
    try:
        t0 = time.perf_counter()
        for c in cmds:
            submit(c, NOW)
        return len(cmds) / (time.perf_counter() - t0)
    finally:
        _gc_resume()


def _latency(engine: Engine, cmds: list[Any]) -> tuple[float, float]:
    submit = engine.submit
    clock = time.perf_counter_ns
    lat = []
    _gc_pause()
    try:
        for c in cmds:
            a = clock()
            submit(c, NOW)
            lat.append(clock() - a)
    finally:
        _gc_resume()
    lat.sort()
    return lat[len(lat) // 2] / 1000, lat[int(len(lat) * 0.99)] / 1000


def run_scenario(name: str, build: Any, n: int, repeat: int) -> str:
    tputs: list[float] = []
    p50s: list[float] = []
    p99s: list[float] = []
    for _ in range(repeat):
        engine, cmds = build()
        tputs.append(_throughput(engine, cmds))
        engine2, cmds2 = build()
        p50, p99 = _latency(engine2, cmds2)
        p50s.append(p50)
        p99s.append(p99)
    med = statistics.median
    return (
        f"{name:<36} {n:>8,} cmds  cmds/s best {max(tputs):>9,.0f} median {med(tputs):>9,.0f}"
        f"  p50 best {min(p50s):5.2f} med {med(p50s):5.2f} us"
        f"  p99 best {min(p99s):5.2f} med {med(p99s):5.2f} us"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--commands", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--md", choices=["on", "off", "both"], default="both")
    ap.add_argument(
        "--gc",
        choices=["off", "on"],
        default="off",
        help="garbage collector while timing: off, or on as in the venue process",
    )
    args = ap.parse_args()
    global GC_MODE
    GC_MODE = args.gc
    n = args.commands
    mds = {"on": [True], "off": [False], "both": [True, False]}[args.md]

    for md in mds:

        def mix(md: bool = md) -> tuple[Engine, list[Any]]:
            engine, cmds = _mix(n, args.seed, md)
            dry, _ = _mix(0, args.seed)
            cmds = _fix_replaces(dry, cmds)
            return engine, cmds

        def deep(md: bool = md) -> tuple[Engine, list[Any]]:
            return _deep(n, md)

        tag = "md on" if md else "md off"
        print(run_scenario(f"mix 50/30/10/10, 300 lvls, {tag}", mix, n, args.repeat), flush=True)
        print(run_scenario(f"deep single-level queue, {tag}", deep, n, args.repeat), flush=True)


if __name__ == "__main__":
    main()
