"""MarketDataHub against a real venue engine: snapshots, increments, rejects, status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixspec.codec import FixMessage, encode_body, encode_field, parse
from fixspec.validate import validate
from gateway.app.marketdata import MarketDataHub, Outgoing
from venue.commands import (
    CancelOrder,
    Command,
    Halt,
    NewOrder,
    ReplaceOrder,
    Resume,
    SetPhase,
)
from venue.engine import Engine
from venue.events import Trade
from venue.instruments import Instrument
from venue.types import OrdType, Phase, Side, TimeInForce

pytestmark = pytest.mark.timeout(60)

NOW = datetime(2024, 1, 2, 10, tzinfo=UTC)
AAA = Instrument(symbol="AAA", tick_size=Decimal("0.01"))
BBB = Instrument(symbol="BBB", tick_size=Decimal("0.25"), lot_size=10, min_qty=10)
INSTRUMENTS = {"AAA": AAA, "BBB": BBB}


def make_engine() -> Engine:
    return Engine([AAA, BBB])


def md_request(
    req_id: str,
    kind: str = "1",
    symbols: tuple[str, ...] = ("AAA",),
    types: tuple[str, ...] = ("0", "1", "2"),
    depth: int | str = 0,
    update: str | None = None,
    aggregated: str | None = None,
) -> FixMessage:
    """A MarketDataRequest as the router hands it over (header included), validated."""
    pairs: list[tuple[int, bytes | str | int]] = [(262, req_id), (263, kind), (264, depth)]
    if update is not None:
        pairs.append((265, update))
    if aggregated is not None:
        pairs.append((266, aggregated))
    pairs.append((267, len(types)))
    pairs += [(269, t) for t in types]
    pairs.append((146, len(symbols)))
    pairs += [(55, s) for s in symbols]
    return wrap("V", encode_body(pairs))


def wrap(msg_type: str, body: bytes) -> FixMessage:
    """``body`` inside a minimal header and trailer, parsed back."""
    head = encode_body(
        [(35, msg_type), (49, "VENUE"), (56, "CLIENT"), (34, 7), (52, "20240102-10:00:00.000")]
    )
    content = head + body
    raw = encode_field(8, "FIX.4.4") + encode_field(9, len(content)) + content
    return parse(raw + encode_field(10, f"{sum(raw) % 256:03d}"))


def check_valid(outs: list[Outgoing]) -> None:
    for _sid, msg_type, body in outs:
        assert body.endswith(b"\x01")
        violation = validate(wrap(msg_type, body))
        assert violation is None, (msg_type, body, violation)


def fields(body: bytes) -> list[tuple[int, str]]:
    return [(t, v.decode()) for t, v in parse(body).pairs]


def entries(body: bytes, first: int) -> list[dict[int, str]]:
    """The NoMDEntries entries of a W (first=269) or X (first=279) body."""
    out: list[dict[int, str]] = []
    started = False
    for tag, value in fields(body):
        if tag == 268:
            started = True
        elif started:
            if tag == first:
                out.append({})
            out[-1][tag] = value
    return out


def px(symbol: str, ticks: int) -> Decimal:
    return INSTRUMENTS[symbol].ticks_to_price(ticks)


@dataclass
class ClientBook:
    """What a client holds after applying W then X messages (price-keyed)."""

    bids: dict[Decimal, tuple[int, int]] = field(default_factory=dict)
    asks: dict[Decimal, tuple[int, int]] = field(default_factory=dict)
    trades: list[tuple[Decimal, int]] = field(default_factory=list)
    stats: dict[str, str] = field(default_factory=dict)

    def side(self, t: str) -> dict[Decimal, tuple[int, int]]:
        return self.bids if t == "0" else self.asks

    def snapshot(self, body: bytes) -> None:
        self.bids.clear()
        self.asks.clear()
        self.stats.clear()
        positions: dict[str, int] = {"0": 0, "1": 0}
        for e in entries(body, 269):
            t = e[269]
            if t in ("0", "1"):
                positions[t] += 1
                assert int(e[290]) == positions[t]
                self.side(t)[Decimal(e[270])] = (int(e[271]), int(e[346]))
            elif t != "2":
                self.stats[t] = e.get(270) or e[271]

    def increment(self, body: bytes, symbol: str) -> None:
        for e in entries(body, 279):
            if e[55] != symbol:
                continue
            action, t = e[279], e[269]
            if t == "2":
                assert action == "0"
                self.trades.append((Decimal(e[270]), int(e[271])))
            elif t in ("0", "1"):
                levels, price = self.side(t), Decimal(e[270])
                if action == "2":
                    del levels[price]
                else:
                    assert (price in levels) == (action == "1"), e
                    levels[price] = (int(e[271]), int(e[346]))
            elif action == "2":
                del self.stats[t]
            else:
                assert (t in self.stats) == (action == "1"), e
                self.stats[t] = e.get(270) or e[271]


def engine_view(
    engine: Engine, symbol: str, depth: int
) -> tuple[dict[Decimal, tuple[int, int]], ...]:
    d = engine.depth(symbol, depth or 10**6)
    return tuple({px(symbol, lv.price): (lv.qty, lv.orders) for lv in side} for side in d)


def submit(engine: Engine, hub: MarketDataHub, cmd: Command) -> list[Outgoing]:
    outs = hub.on_events(engine.submit(cmd, NOW), NOW)
    check_valid(outs)
    return outs


def order(symbol: str, side: Side, ticks: int, qty: int, **kw: object) -> NewOrder:
    return NewOrder(symbol=symbol, side=side, qty=qty, price=ticks, owner="s1", **kw)  # type: ignore[arg-type]


def seed_book(engine: Engine) -> None:
    for cmd in (
        order("AAA", Side.BUY, 10000, 5),
        order("AAA", Side.BUY, 10000, 7),
        order("AAA", Side.BUY, 9999, 3),
        order("AAA", Side.BUY, 9990, 1),
        order("AAA", Side.SELL, 10001, 4),
        order("AAA", Side.SELL, 10005, 6),
        order("BBB", Side.BUY, 400, 20),
        order("BBB", Side.SELL, 401, 30),
    ):
        engine.submit(cmd, NOW)


# -- snapshots -----------------------------------------------------------------------------


def test_snapshot_matches_engine_depth_and_formats_prices() -> None:
    engine = make_engine()
    seed_book(engine)
    hub = MarketDataHub(engine)
    outs = hub.on_request("s1", md_request("r1", kind="0", symbols=("AAA", "BBB")), NOW)
    check_valid(outs)
    assert [(sid, mt) for sid, mt, _ in outs] == [("s1", "W"), ("s1", "W")]
    for (_, _, body), symbol in zip(outs, ("AAA", "BBB"), strict=True):
        head = fields(body)[:2]
        assert head == [(262, "r1"), (55, symbol)]
        client = ClientBook()
        client.snapshot(body)
        assert (client.bids, client.asks) == engine_view(engine, symbol, 0)
    body = outs[0][2]
    assert b"270=100.00\x01271=12\x01346=2\x01290=1\x01" in body
    assert b"270=100.01\x01271=4\x01346=1\x01290=1\x01" in body
    assert b"270=100.25\x01" in outs[1][2]  # BBB: 401 ticks of 0.25
    # A snapshot request leaves no subscription behind.
    assert hub.on_events(engine.submit(order("AAA", Side.BUY, 9000, 1), NOW), NOW) == []


def test_snapshot_depth_n_and_entry_types() -> None:
    engine = make_engine()
    seed_book(engine)
    hub = MarketDataHub(engine)
    [(_, _, body)] = hub.on_request("s1", md_request("r", kind="0", depth=2, types=("0",)), NOW)
    got = entries(body, 269)
    assert [(e[269], e[270], e[290]) for e in got] == [("0", "100.00", "1"), ("0", "99.99", "2")]


def test_snapshot_trade_and_statistics_entries() -> None:
    engine = make_engine()
    seed_book(engine)
    engine.submit(order("AAA", Side.SELL, 10000, 2), NOW)
    engine.submit(order("AAA", Side.SELL, 9999, 13), NOW)  # 10 @ 100.00 then 3 @ 99.99
    hub = MarketDataHub(engine)
    types = ("2", "4", "5", "7", "8", "9", "B")
    outs = hub.on_request("s1", md_request("r", kind="0", types=types), NOW)
    check_valid(outs)
    got = {e[269]: e for e in entries(outs[0][2], 269)}
    assert got["2"][270] == "99.99" and got["2"][271] == "3"
    assert got["4"][270] == "100.00"
    assert got["7"][270] == "100.00" and got["8"][270] == "99.99"
    assert got["B"][271] == "15"
    # VWAP = (12 * 100.00 + 3 * 99.99) / 15 = 99.998
    assert Decimal(got["9"][270]) == Decimal("99.998")
    assert "5" not in got  # no close yet
    assert "0" not in got and "1" not in got


# -- subscriptions ----------------------------------------------------------------------------


def subscribe(hub: MarketDataHub, sid: str, req: str, **kw: object) -> ClientBook:
    outs = hub.on_request(sid, md_request(req, **kw), NOW)  # type: ignore[arg-type]
    check_valid(outs)
    assert len(outs) == 1 and outs[0][1] == "W"
    book = ClientBook()
    book.snapshot(outs[0][2])
    return book


def test_incremental_updates_new_change_delete_and_trades() -> None:
    engine = make_engine()
    seed_book(engine)
    hub = MarketDataHub(engine)
    client = subscribe(hub, "s1", "r1")
    outs = submit(engine, hub, order("AAA", Side.BUY, 9998, 1))
    assert [(sid, mt) for sid, mt, _ in outs] == [("s1", "X")]
    assert fields(outs[0][2])[0] == (262, "r1")
    assert entries(outs[0][2], 279) == [
        {279: "0", 269: "0", 55: "AAA", 270: "99.98", 271: "1", 346: "1"}
    ]
    client.increment(outs[0][2], "AAA")
    outs = submit(engine, hub, order("AAA", Side.BUY, 10001, 6))  # takes 4 @ 100.01, rests 2
    got = entries(outs[0][2], 279)
    assert got == [
        {279: "0", 269: "0", 55: "AAA", 270: "100.01", 271: "2", 346: "1"},
        {279: "2", 269: "1", 55: "AAA", 270: "100.01"},
        {279: "0", 269: "2", 55: "AAA", 270: "100.01", 271: "4"},
    ]
    client.increment(outs[0][2], "AAA")
    outs = submit(engine, hub, order("AAA", Side.SELL, 10000, 5))  # 2 @ 100.01, 3 @ 100.00
    got = entries(outs[0][2], 279)
    assert {279: "2", 269: "0", 55: "AAA", 270: "100.01"} in got
    assert {279: "1", 269: "0", 55: "AAA", 270: "100.00", 271: "9", 346: "2"} in got
    trades = [e for e in got if e[269] == "2"]
    assert trades == [
        {279: "0", 269: "2", 55: "AAA", 270: "100.01", 271: "2"},
        {279: "0", 269: "2", 55: "AAA", 270: "100.00", 271: "3"},
    ]
    client.increment(outs[0][2], "AAA")
    assert (client.bids, client.asks) == engine_view(engine, "AAA", 0)
    # A command on another symbol sends nothing to an AAA-only subscriber.
    assert submit(engine, hub, order("BBB", Side.BUY, 399, 10)) == []
    # A rejected command sends nothing either.
    assert submit(engine, hub, order("AAA", Side.BUY, 10000, 0)) == []


def test_depth_n_subscription_sends_levels_entering_and_leaving() -> None:
    engine = make_engine()
    seed_book(engine)
    hub = MarketDataHub(engine)
    client = subscribe(hub, "s1", "top", depth=1, types=("0", "1"))
    assert list(client.bids) == [Decimal("100.00")]
    outs = submit(engine, hub, order("AAA", Side.BUY, 9995, 1))  # below the top: nothing
    assert outs == []
    outs = submit(engine, hub, order("AAA", Side.BUY, 10000, 1))
    assert entries(outs[0][2], 279) == [
        {279: "1", 269: "0", 55: "AAA", 270: "100.00", 271: "13", 346: "3"}
    ]
    client.increment(outs[0][2], "AAA")
    outs = submit(engine, hub, order("AAA", Side.SELL, 10000, 13))  # the top bid level goes
    got = entries(outs[0][2], 279)
    assert got[:2] == [
        {279: "2", 269: "0", 55: "AAA", 270: "100.00"},
        {279: "0", 269: "0", 55: "AAA", 270: "99.99", 271: "3", 346: "1"},
    ]
    client.increment(outs[0][2], "AAA")
    assert (client.bids, client.asks) == engine_view(engine, "AAA", 1)


def test_full_refresh_subscription_sends_snapshots() -> None:
    engine = make_engine()
    seed_book(engine)
    hub = MarketDataHub(engine)
    subscribe(hub, "s1", "full", update="0", types=("0", "1"))
    outs = submit(engine, hub, order("AAA", Side.SELL, 10004, 2))
    assert [(sid, mt) for sid, mt, _ in outs] == [("s1", "W")]
    client = ClientBook()
    client.snapshot(outs[0][2])
    assert (client.bids, client.asks) == engine_view(engine, "AAA", 0)


def test_multi_symbol_subscription_and_two_sessions() -> None:
    engine = make_engine()
    seed_book(engine)
    hub = MarketDataHub(engine)
    outs = hub.on_request("s1", md_request("both", symbols=("AAA", "BBB")), NOW)
    assert [fields(b)[1] for _, _, b in outs] == [(55, "AAA"), (55, "BBB")]
    subscribe(hub, "s2", "both", symbols=("BBB",))  # same MDReqID, other session: fine
    outs = submit(engine, hub, order("BBB", Side.BUY, 400, 10))
    assert sorted((sid, mt) for sid, mt, _ in outs) == [("s1", "X"), ("s2", "X")]


def test_unsubscribe_stops_updates_and_frees_the_id() -> None:
    engine = make_engine()
    hub = MarketDataHub(engine)
    subscribe(hub, "s1", "r1")
    assert submit(engine, hub, order("AAA", Side.BUY, 100, 1))
    assert hub.on_request("s1", md_request("r1", kind="2"), NOW) == []
    assert submit(engine, hub, order("AAA", Side.BUY, 101, 1)) == []
    subscribe(hub, "s1", "r1")  # the id may be used again


def test_disconnect_drops_only_that_sessions_subscriptions() -> None:
    engine = make_engine()
    hub = MarketDataHub(engine)
    subscribe(hub, "s1", "a")
    subscribe(hub, "s1", "b", symbols=("BBB",))
    subscribe(hub, "s2", "a")
    hub.on_disconnect("s1")
    hub.on_disconnect("nobody")
    outs = submit(engine, hub, order("AAA", Side.BUY, 100, 1))
    assert [sid for sid, _, _ in outs] == ["s2"]
    assert submit(engine, hub, order("BBB", Side.BUY, 100, 10)) == []
    hub.on_disconnect("s2")
    assert hub.on_events(engine.submit(order("AAA", Side.BUY, 100, 1), NOW), NOW) == []


def test_phase_change_sends_trading_session_status_once_per_session() -> None:
    engine = make_engine()
    hub = MarketDataHub(engine)
    subscribe(hub, "s1", "a")
    subscribe(hub, "s1", "b", types=("0",))
    subscribe(hub, "s2", "c", symbols=("BBB",))
    outs = submit(engine, hub, Halt(symbol="AAA"))
    assert [(sid, mt) for sid, mt, _ in outs] == [("s1", "h")]
    assert fields(outs[0][2]) == [
        (336, "AAA"),
        (625, "HALTED"),
        (325, "Y"),
        (340, "1"),
        (58, "AAA CONTINUOUS -> HALTED"),
    ]
    outs = submit(engine, hub, Resume(symbol="AAA", immediate=True))
    assert [dict(fields(b))[340] for _, mt, b in outs if mt == "h"] == ["4", "2"]
    outs = submit(engine, hub, SetPhase(symbol="BBB", phase=Phase.CLOSING_AUCTION))
    assert [(sid, dict(fields(b))[340]) for sid, _, b in outs] == [("s2", "5")]


def test_statistics_increments_and_closing_price() -> None:
    engine = make_engine()
    seed_book(engine)
    hub = MarketDataHub(engine)
    client = subscribe(hub, "s1", "st", types=("4", "5", "7", "8", "B"))
    assert client.stats == {"B": "0"}
    outs = submit(engine, hub, order("AAA", Side.SELL, 10000, 2))
    client.increment(outs[0][2], "AAA")
    assert client.stats == {"4": "100.00", "7": "100.00", "8": "100.00", "B": "2"}
    submit(engine, hub, SetPhase(symbol="AAA", phase=Phase.CLOSING_AUCTION))
    outs = submit(engine, hub, SetPhase(symbol="AAA", phase=Phase.CLOSED))
    for _, mt, body in outs:
        if mt == "X":
            client.increment(body, "AAA")
    assert client.stats["5"] == "100.00"


@pytest.mark.parametrize("depth", [0, 1])
def test_auction_uncross_updates_levels_away_from_the_uncross_price(depth: int) -> None:
    engine = make_engine()
    hub = MarketDataHub(engine)
    for _ in range(3):
        engine.submit(order("AAA", Side.BUY, 95, 1), NOW)
    client = subscribe(hub, "s1", "r", depth=depth)
    for cmd in (
        Halt(symbol="AAA"),
        Resume(symbol="AAA"),
        order("AAA", Side.SELL, 95, 1),
        order("AAA", Side.BUY, 96, 1),
        SetPhase(symbol="AAA", phase=Phase.CONTINUOUS),  # uncross: 1 @ 0.96
    ):
        for _, mt, body in submit(engine, hub, cmd):
            if mt == "X":
                client.increment(body, "AAA")
    assert client.trades == [(Decimal("0.96"), 1)]
    assert (client.bids, client.asks) == engine_view(engine, "AAA", depth)
    assert client.asks == {}


# -- rejects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (md_request("r", symbols=("ZZZ",)), "0"),
        (md_request("r", symbols=("AAA", "ZZZ")), "0"),
        (md_request("r", symbols=()), "0"),
        (md_request("r", kind="0", types=("3",)), "8"),
        (md_request("r", types=("0", "6")), "8"),
        (md_request("r", types=()), "8"),
        (md_request("r", depth="-1"), "5"),
        (md_request("r", depth="x"), "5"),
        (md_request("r", update="7"), "6"),
        (md_request("r", aggregated="N"), "7"),
        (md_request("r", kind="5"), "4"),
    ],
)
def test_rejects(request_: FixMessage, reason: str) -> None:
    engine = make_engine()
    hub = MarketDataHub(engine)
    outs = hub.on_request("s1", request_, NOW)
    check_valid(outs)
    assert [(sid, mt) for sid, mt, _ in outs] == [("s1", "Y")]
    got = dict(fields(outs[0][2]))
    assert got[262] == "r" and got[281] == reason and got[58]
    assert hub.on_events(engine.submit(order("AAA", Side.BUY, 100, 1), NOW), NOW) == []


def test_duplicate_md_req_id_is_rejected() -> None:
    engine = make_engine()
    hub = MarketDataHub(engine)
    subscribe(hub, "s1", "r1")
    for kind in ("1", "0"):
        outs = hub.on_request("s1", md_request("r1", kind=kind), NOW)
        check_valid(outs)
        assert dict(fields(outs[0][2]))[281] == "1"


def test_unsubscribe_of_unknown_id_is_rejected() -> None:
    hub = MarketDataHub(make_engine())
    outs = hub.on_request("s1", md_request("nope", kind="2"), NOW)
    check_valid(outs)
    assert [mt for _, mt, _ in outs] == ["Y"]
    got = dict(fields(outs[0][2]))
    assert got[262] == "nope" and 281 not in got and "unknown MDReqID" in got[58]


# -- the stream reproduces the book -------------------------------------------------------------

SIDES = st.sampled_from([Side.BUY, Side.SELL])


@st.composite
def commands(draw: st.DrawFn) -> list[tuple[str, object]]:
    n = draw(st.integers(1, 40))
    out: list[tuple[str, object]] = []
    for _ in range(n):
        kind = draw(
            st.sampled_from(["new", "new", "new", "market", "ioc", "cancel", "replace", "phase"])
        )
        symbol = draw(st.sampled_from(["AAA", "BBB"]))
        if kind == "phase":
            out.append((kind, symbol))
        elif kind in ("cancel", "replace"):
            out.append((kind, (draw(st.integers(0, 100)), draw(st.integers(1, 6)))))
        else:
            out.append(
                (kind, (symbol, draw(SIDES), draw(st.integers(95, 105)), draw(st.integers(1, 6))))
            )
    return out


def to_command(engine: Engine, kind: str, args: Any) -> Command | None:
    if kind == "phase":  # continuous -> halted -> re-opening auction -> uncross, continuous
        phase = engine.phase(args)
        if phase is Phase.CONTINUOUS:
            return Halt(symbol=args)
        if phase is Phase.HALTED:
            return Resume(symbol=args)
        return SetPhase(symbol=args, phase=Phase.CONTINUOUS)
    if kind in ("cancel", "replace"):
        pick, qty = args
        live = engine.live_orders()
        if not live:
            return None
        o = live[pick % len(live)]
        if kind == "cancel":
            return CancelOrder(order_id=o.order_id)
        lot = INSTRUMENTS[o.symbol].lot_size
        return ReplaceOrder(order_id=o.order_id, qty=qty * lot, price=o.price)
    symbol, side, ticks, qty = args
    qty *= INSTRUMENTS[symbol].lot_size
    if kind == "market":
        return NewOrder(symbol=symbol, side=side, qty=qty, ord_type=OrdType.MARKET)
    tif = TimeInForce.IOC if kind == "ioc" else TimeInForce.DAY
    return NewOrder(symbol=symbol, side=side, qty=qty, price=ticks, tif=tif)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cmds=commands(), depth=st.sampled_from([0, 1, 3]))
def test_incremental_stream_reproduces_the_engine_book(
    cmds: list[tuple[str, object]], depth: int
) -> None:
    engine = make_engine()
    hub = MarketDataHub(engine)
    clients = {s: subscribe(hub, "s1", f"r-{s}", symbols=(s,), depth=depth) for s in INSTRUMENTS}
    trades: dict[str, list[tuple[Decimal, int]]] = {s: [] for s in INSTRUMENTS}
    for kind, args in cmds:
        cmd = to_command(engine, kind, args)
        if cmd is None:
            continue
        events = engine.submit(cmd, NOW)
        outs = hub.on_events(events, NOW)
        check_valid(outs)
        for e in events:
            if isinstance(e, Trade):
                trades[e.symbol].append((px(e.symbol, e.price), e.qty))
        for sid, mt, body in outs:
            assert sid == "s1" and mt in ("X", "h")
            if mt == "h":
                continue
            symbol = fields(body)[0][1][2:]  # the MDReqID names the symbol
            clients[symbol].increment(body, symbol)
        for s, client in clients.items():
            assert (client.bids, client.asks) == engine_view(engine, s, depth)
    for s, client in clients.items():
        assert client.trades == trades[s]
