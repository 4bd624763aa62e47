"""Behaviour check for speed work: `python -m venue.golden [--quick] [--record F | --check F]`.

Role: not a test and not used by the engine. Runs long seeded random command streams and
the benchmark streams through `Engine.submit` and prints the sha256 of `encode_events`
(plus the final snapshot) per stream and over all of them. An optimisation of the engine
must leave every hash unchanged: record the hashes before the change (`--record`) and
compare after (`--check`).

Streams: (a) every command type (limit/market/stop/stop-limit, every time in force,
icebergs, GTD, replaces and cancels of live, done and unknown orders, mass cancels, phase
changes, halts, resumes, expiry, end of day, schedules) on four instruments (FIFO with a
tick band; pro-rata; lot size + percentage band + account-scoped STP; a trading schedule
starting closed), for every STP mode, market-data events on and off, `retain_done` on and
off, with a snapshot restored into a new engine every few thousand commands; (b) the bench
mix and deep-queue streams, market data on and off.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import sys
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from venue import bench
from venue.commands import (
    AdvanceTime,
    CancelOrder,
    EndOfDay,
    ExpireOrders,
    Halt,
    MassCancel,
    NewOrder,
    ReplaceOrder,
    Resume,
    SetPhase,
)
from venue.engine import Engine
from venue.events import (
    Accepted,
    Cancelled,
    Expired,
    OrderInfo,
    Replaced,
    Trade,
    Triggered,
    encode_events,
)
from venue.instruments import Instrument, ScheduleEntry
from venue.phases import IllegalTransition
from venue.types import (
    Algorithm,
    OrdType,
    Phase,
    RejectReason,
    Side,
    StpMode,
    StpScope,
    TimeInForce,
)

T0 = datetime(2024, 1, 2, 7, 30, tzinfo=UTC)
SYMBOLS = ["A", "B", "C", "D"]


def instruments() -> list[Instrument]:
    return [
        Instrument(symbol="A", band_ticks=12, reference_price=Decimal("1.00")),
        Instrument(symbol="B", algorithm=Algorithm.PRO_RATA),
        Instrument(
            symbol="C",
            lot_size=10,
            band_pct=Decimal("8"),
            reference_price=Decimal("1.00"),
            stp_scope=StpScope.ACCOUNT,
        ),
        Instrument(
            symbol="D",
            initial_phase=Phase.CLOSED,
            schedule=(
                ScheduleEntry(at=time(8, 0), phase=Phase.PRE_OPEN),
                ScheduleEntry(at=time(8, 30), phase=Phase.OPENING_AUCTION),
                ScheduleEntry(at=time(9, 0), phase=Phase.CONTINUOUS),
                ScheduleEntry(at=time(16, 0), phase=Phase.CLOSING_AUCTION),
                ScheduleEntry(at=time(16, 30), phase=Phase.CLOSED),
            ),
        ),
    ]


class _Gen:
    """Seeded command generator; it learns live orders from the events only."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.live: dict[int, OrderInfo] = {}
        self.max_id = 0

    def learn(self, events: list[Any]) -> None:
        live = self.live
        for e in events:
            t = type(e)
            if t is Accepted or t is Replaced or t is Triggered:
                live[e.order.order_id] = e.order
                self.max_id = max(self.max_id, e.order.order_id)
            elif t is Cancelled or t is Expired:
                live.pop(e.order.order_id, None)
            elif t is Trade:
                if e.maker_leaves == 0:
                    live.pop(e.maker.order_id, None)
                if e.taker_leaves == 0:
                    live.pop(e.taker.order_id, None)

    def _price(self, symbol: str) -> int:
        return 100 + self.rng.randint(-15, 15)

    def new_order(self, now: datetime) -> NewOrder:
        r = self.rng
        symbol = r.choice(SYMBOLS)
        lot = 10 if symbol == "C" else 1
        ot = r.choices(
            [OrdType.LIMIT, OrdType.MARKET, OrdType.STOP, OrdType.STOP_LIMIT], [70, 12, 9, 9]
        )[0]
        tif = r.choices(list(TimeInForce), [40, 15, 12, 6, 10, 8, 9])[0]
        qty = r.randint(1, 40) * lot
        if r.random() < 0.02:
            qty += 1  # off-lot for C, else fine
        priced = ot is OrdType.LIMIT or ot is OrdType.STOP_LIMIT
        stop = ot is OrdType.STOP or ot is OrdType.STOP_LIMIT
        if r.random() < 0.02:
            priced = not priced  # invalid combination
        floor = None
        if priced and r.random() < 0.15:
            floor = r.randint(1, max(1, qty // lot)) * lot
        expire_at = None
        if tif is TimeInForce.GTD or r.random() < 0.01:
            expire_at = now + timedelta(seconds=r.randint(-5, 600))
        return NewOrder(
            symbol=symbol if r.random() > 0.003 else "ZZZ",
            side=r.choice([Side.BUY, Side.SELL]),
            qty=qty,
            ord_type=ot,
            tif=tif,
            price=self._price(symbol) if priced else None,
            stop_price=self._price(symbol) if stop else None,
            max_floor=floor,
            expire_at=expire_at,
            owner=r.choice(["s1", "s2", "s3"]),
            firm=r.choice(["f1", "f2", "f3"]),
            account=r.choice(["a1", "a2"]),
            client_ref=f"c{r.randrange(1000)}",
            short_sale=r.random() < 0.1,
        )

    def pick_id(self) -> int:
        r = self.rng
        x = r.random()
        if x < 0.8 and self.live:
            return r.choice(list(self.live))
        if x < 0.95:
            return r.randint(1, self.max_id + 1)
        return r.choice([0, -1, self.max_id + 50])

    def command(self, now: datetime) -> Any:
        r = self.rng
        x = r.random()
        if x < 0.55:
            return self.new_order(now)
        if x < 0.72:
            return CancelOrder(
                order_id=self.pick_id(), owner="s1", client_ref=f"x{r.randrange(99)}"
            )
        if x < 0.9:
            oid = self.pick_id()
            info = self.live.get(oid)
            lot = 10 if info is not None and info.symbol == "C" else 1
            qty = r.randint(1, 45) * lot
            price = stop = floor = None
            if info is not None:
                price = info.price
                stop = info.stop_price
                floor = info.max_floor
                y = r.random()
                if y < 0.3 and price is not None:
                    price = price + r.randint(-3, 3)
                elif y < 0.4 and stop is not None:
                    stop = stop + r.randint(-3, 3)
                elif y < 0.5 and info.ord_type in (OrdType.LIMIT, OrdType.STOP_LIMIT):
                    floor = r.choice([None, lot, 2 * lot, qty])
                elif y < 0.53:
                    price = self._price(info.symbol)  # maybe invalid for its type
            else:
                price = self._price("A")
            return ReplaceOrder(
                order_id=oid,
                qty=qty,
                price=price,
                stop_price=stop,
                max_floor=floor,
                owner="s2",
                client_ref=f"r{r.randrange(99)}",
            )
        if x < 0.985:
            return self.new_order(now)
        if x < 0.987:
            return MassCancel(
                owner=r.choice([None, "s1", "s2"]),
                firm=r.choice([None, "f1"]),
                account=r.choice([None, None, "a1"]),
                symbol=r.choice([None, *SYMBOLS]),
                side=r.choice([None, Side.BUY, Side.SELL]),
                client_ref="m",
            )
        sym = r.choice(SYMBOLS)
        if x < 0.992:
            ph = Phase.CONTINUOUS if r.random() < 0.5 else r.choice(list(Phase))
            return SetPhase(symbol=sym, phase=ph)
        if x < 0.993:
            return Halt(symbol=sym)
        if x < 0.995:
            return Resume(symbol=sym, immediate=r.random() < 0.7)
        if x < 0.997:
            return ExpireOrders(symbol=r.choice([None, sym]))
        if x < 0.9975:
            return EndOfDay(symbol=r.choice([None, sym]))
        return AdvanceTime()


def random_stream(
    seed: int, n: int, stp: StpMode, md: bool, retain: bool, snap_every: int
) -> bytes:
    """Events of one seeded stream of `n` commands, plus snapshots along the way."""
    gen = _Gen(seed)
    kw: dict[str, Any] = {"stp_mode": stp, "md_events": md, "retain_done": retain}
    engine = Engine(instruments(), **kw)
    h = hashlib.sha256()
    now = T0
    for i in range(n):
        now += timedelta(seconds=gen.rng.choice([0, 1, 2, 5, 17]))
        cmd = gen.command(now)
        try:
            evs = engine.submit(cmd, now)
        except IllegalTransition as exc:
            evs = []
            h.update(f"illegal {exc}".encode())
        if isinstance(cmd, NewOrder) and gen.rng.random() < 0.01:
            evs += engine.reject(cmd, gen.rng.choice(_REASONS))
        gen.learn(evs)
        h.update(encode_events(evs))
        h.update(b"\x00")
        if snap_every and i % snap_every == snap_every - 1:
            engine.check_invariants()
            snap = engine.snapshot()
            h.update(repr(snap).encode())
            for s in engine.symbols:
                h.update(repr((engine.bbo(s), engine.depth(s, 10), engine.phase(s))).encode())
                st = engine.stats(s)
                h.update(repr((st.last_price, st.volume, st.notional, st.vwap)).encode())
            engine = Engine(instruments(), **kw)
            engine.restore(snap)
    h.update(repr(engine.snapshot()).encode())
    for oid in range(1, gen.max_id + 2):
        v = engine.order(oid)
        if v is not None:
            h.update(repr((v.order_id, v.status, v.leaves_qty, v.display_qty, v.cum_qty)).encode())
    return h.digest()


_REASONS = [RejectReason.PRICE_OFF_TICK, RejectReason.UNKNOWN_SYMBOL]


def bench_stream(name: str, n: int, md: bool) -> bytes:
    if name == "mix":
        engine, cmds = bench._mix(n, 7, md)
        dry, _ = bench._mix(0, 7)
        cmds = bench._fix_replaces(dry, cmds)
    else:
        engine, cmds = bench._deep(n, md)
    h = hashlib.sha256()
    for c in cmds:
        h.update(encode_events(engine.submit(c, bench.NOW)))
        h.update(b"\x00")
    engine.check_invariants()
    h.update(repr(engine.snapshot()).encode())
    return h.digest()


def run(quick: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    n = 10_000 if quick else 60_000
    seed = 0
    for stp in StpMode:
        for md in (True, False):
            for retain in (True, False):
                seed += 1
                key = f"random seed={seed} stp={stp.value} md={md} retain={retain}"
                out[key] = random_stream(seed, n, stp, md, retain, 5_000).hex()
                print(key, out[key][:16], flush=True, file=sys.stderr)
    nb = 50_000 if quick else 200_000
    for name in ("mix", "deep"):
        for md in (True, False):
            key = f"bench {name} n={nb} md={md}"
            out[key] = bench_stream(name, nb, md).hex()
            print(key, out[key][:16], flush=True, file=sys.stderr)
    out["ALL"] = hashlib.sha256("".join(out.values()).encode()).hexdigest()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="shorter streams")
    ap.add_argument("--record", help="write the hashes to this JSON file")
    ap.add_argument("--check", help="compare with the hashes in this JSON file")
    args = ap.parse_args()
    got = run(args.quick)
    print("ALL", got["ALL"])
    if args.record:
        with open(args.record, "w") as f:
            json.dump(got, f, indent=1)
    if args.check:
        with open(args.check) as f:
            want = json.load(f)
        bad = [k for k in want if want[k] != got.get(k)]
        for k in bad:
            print("DIFFERENT:", k)
        print("golden: OK" if not bad else "golden: MISMATCH")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
