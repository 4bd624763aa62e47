"""Order entry end to end: two quickfix initiators (two firms) against `python -m gateway run`.

Each test starts its own venue (a subprocess, fresh SQLite in tmp_path, a free port on
127.0.0.1) with a test configuration: the shipped defaults plus trading sessions CLIENT9 ..
CLIENT40 (firms FIRM9.., accounts ACC9..) and a drop-copy session DROPCOPY9, so that no
test reuses a quickfix session ID of this process (a second initiator for a session ID
quickfix has seen crashes it) and none collides with tests/e2e/test_quickfix.py.

quickfix validates every incoming message against its FIX44.xml: a message of ours it
refuses shows up as a session-level Reject (35=3) it sends; every test ends by checking
there was none. Callbacks only enqueue (qfclient.py); all assertions run here, every wait
is bounded.
"""

from __future__ import annotations

import itertools
import queue
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("quickfix")

import quickfix as fix  # noqa: E402
from qfclient import QfInitiator  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

SOH = "\x01"
TT = "20260101-00:00:00"
FIRST_CLIENT, LAST_CLIENT = 9, 40
_numbers = itertools.count(FIRST_CLIENT)


# -- messages ---------------------------------------------------------------------------------


class Msg:
    """A received FIX message as ordered (tag, value) pairs."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.pairs = [(int(k), v) for k, _, v in (p.partition("=") for p in raw.split(SOH) if p)]

    def get(self, tag: int) -> str | None:
        return next((v for t, v in self.pairs if t == tag), None)

    def __getitem__(self, tag: int) -> str:
        value = self.get(tag)
        assert value is not None, f"tag {tag} missing in {self}"
        return value

    @property
    def type(self) -> str | None:
        return self.get(35)

    @property
    def seq(self) -> int:
        return int(self[34])

    def entries(self, count_tag: int, delimiter: int) -> list[dict[int, str]]:
        """The entries of the (last, flat) repeating group `count_tag`."""
        out: list[dict[int, str]] = []
        start = max(i for i, (t, _) in enumerate(self.pairs) if t == count_tag)
        for tag, value in self.pairs[start + 1 :]:
            if tag == 10:
                break
            if tag == delimiter:
                out.append({})
            out[-1].setdefault(tag, value)
        assert len(out) == int(self[count_tag]), self
        return out

    def __repr__(self) -> str:
        return self.raw.replace(SOH, "|")


Pred = Callable[[Msg], bool]


class Party:
    """One quickfix initiator: a firm's trading session (or the drop copy)."""

    def __init__(self, qf: QfInitiator, number: int) -> None:
        self.qf = qf
        self.name = qf.session_id.getSenderCompID().getValue()
        self.account = f"ACC{number}"
        self.inbox: list[Msg] = []  # application messages received, not yet expected
        self.received: list[Msg] = []  # every application message received
        self.rejects: list[str] = []  # session-level Rejects (35=3) either way
        self.sent_seqs: list[int] = []

    def _pump(self, timeout: float) -> None:
        try:
            seen = self.qf.app.events.get(timeout=timeout)
        except queue.Empty:
            return
        if seen.kind == "from_app":
            m = Msg(seen.raw)
            self.inbox.append(m)
            self.received.append(m)
        elif seen.kind in ("to_admin", "from_admin") and seen.msg_type == "3":
            self.rejects.append(f"{seen.kind}: {seen.raw.replace(SOH, '|')}")
        elif seen.kind == "to_app":
            self.sent_seqs.append(int(seen.field(34) or 0))

    def expect(self, pred: Pred, what: str, timeout: float = 10.0) -> Msg:
        """The first application message (received or arriving) matching `pred`."""
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.inbox):
                if pred(m):
                    return self.inbox.pop(i)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"{self.name}: timed out waiting for {what}; unexpected so far: "
                    f"{self.inbox[-8:]}; session rejects: {self.rejects}"
                )
            self._pump(min(remaining, 0.1))

    def er(self, clid: str, exec_type: str, timeout: float = 10.0) -> Msg:
        return self.expect(
            lambda m: m.type == "8" and m.get(11) == clid and m.get(150) == exec_type,
            f"ExecutionReport 11={clid} 150={exec_type}",
            timeout,
        )

    def msg(self, msg_type: str, timeout: float = 10.0, **tags: str) -> Msg:
        want = {int(k[1:]): v for k, v in tags.items()}  # t58="..." -> {58: "..."}
        return self.expect(
            lambda m: m.type == msg_type and all(m.get(t) == v for t, v in want.items()),
            f"35={msg_type} {want}",
            timeout,
        )

    def settle(self, seconds: float = 0.3) -> list[Msg]:
        """Pump for `seconds`; the application messages nobody expected so far."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._pump(min(left, 0.05))
        return list(self.inbox)

    def send(
        self,
        msg_type: str,
        fields: dict[int, str],
        groups: Sequence[tuple[int, int, list[dict[int, str]]]] = (),
    ) -> None:
        message = fix.Message()
        message.getHeader().setField(fix.MsgType(msg_type))
        for tag, value in fields.items():
            message.setField(tag, str(value))
        for count_tag, delimiter, entries in groups:
            for entry in entries:
                group = fix.Group(count_tag, delimiter)
                for tag, value in entry.items():
                    group.setField(tag, str(value))
                message.addGroup(group)
        assert fix.Session.sendToTarget(message, self.qf.session_id)

    def order(
        self,
        clid: str,
        side: str,
        qty: int | str,
        px: str | None = None,
        *,
        symbol: str = "AAPL",
        ord_type: str | None = None,
        **extra: str,
    ) -> None:
        fields = {11: clid, 1: self.account, 55: symbol, 54: side, 60: TT, 38: str(qty)}
        fields[40] = ord_type or ("2" if px is not None else "1")
        if px is not None:
            fields[44] = px
        fields.update({int(k[1:]): v for k, v in extra.items()})
        self.send("D", fields)

    def cancel(self, clid: str, orig: str, side: str, *, symbol: str = "AAPL", **extra: str):
        fields = {11: clid, 41: orig, 55: symbol, 54: side, 60: TT}
        fields.update({int(k[1:]): v for k, v in extra.items()})
        self.send("F", fields)

    def replace(
        self, clid: str, orig: str, side: str, qty: int, px: str, *, symbol: str = "AAPL"
    ) -> None:
        fields = {11: clid, 41: orig, 1: self.account, 55: symbol, 54: side, 60: TT}
        self.send("G", fields | {38: str(qty), 40: "2", 44: px})


# -- the venue and the parties ------------------------------------------------------------------


@pytest.fixture(scope="module")
def venue_config(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    text = (repo_root / "config" / "default.toml").read_text()
    # Pre-trade risk off: these tests reach the venue's own checks (band, lot, ...); the
    # risk checks have their own module (test_risk.py).
    assert "[risk]\nenabled = true" in text
    text = text.replace("[risk]\nenabled = true", "[risk]\nenabled = false")
    blocks = [text]
    for n in range(FIRST_CLIENT, LAST_CLIENT + 1):
        blocks.append(
            f'\n[[sessions]]\nsender_comp_id = "CLIENT{n}"\nrole = "trading"\n'
            f'firm = "FIRM{n}"\naccounts = ["ACC{n}"]\nheartbeat_min = 1\n'
            "heartbeat_max = 300\nreset_on_logon = false\ncancel_on_disconnect = false\n"
        )
    blocks.append(
        '\n[[sessions]]\nsender_comp_id = "DROPCOPY9"\nrole = "drop-copy"\n'
        'drop_copy_firms = ["*"]\nheartbeat_min = 1\nheartbeat_max = 300\n'
        "reset_on_logon = false\n"
    )
    path = tmp_path_factory.mktemp("config") / "venue.toml"
    path.write_text("".join(blocks))
    return path


@pytest.fixture
def parties(
    start_venue, free_port: int, tmp_path: Path, venue_config: Path
) -> Iterator[Callable[..., list[Party]]]:
    """`parties(n, drop_copy=False)`: a fresh venue and n logged-on firms (+ drop copy)."""
    started: list[Party] = []

    def start(n: int = 2, *, drop_copy: bool = False) -> list[Party]:
        start_venue(
            "--config",
            str(venue_config),
            "--port",
            str(free_port),
            "--data-dir",
            str(tmp_path / "data"),
            "--log-level",
            "warning",
        )
        names = [(f"CLIENT{k}", k) for k in itertools.islice(_numbers, n)]
        assert names[-1][1] <= LAST_CLIENT, "more sessions than the test configuration has"
        if drop_copy:
            names.append(("DROPCOPY9", 0))
        for name, k in names:
            qf = QfInitiator(tmp_path / name, free_port, sender=name, heartbeat=30)
            started.append(Party(qf.start(), k))
        for p in started:
            p.qf.wait_kind("logon", timeout=15)
        return list(started)

    yield start
    try:
        for p in started:
            p.settle(0.1)
            assert p.rejects == [], f"{p.name}: session-level rejects: {p.rejects}"
            exec_ids = [m[17] for m in p.received if m.type == "8"]
            assert len(exec_ids) == len(set(exec_ids)), f"{p.name}: ExecIDs repeat: {exec_ids}"
        all_ids = [m[17] for p in started for m in p.received if m.type == "8"]
        assert len(all_ids) == len(set(all_ids)), "ExecIDs repeat across sessions"
    finally:
        for p in started:
            p.qf.stop()


def fields(m: Msg, *tags: int) -> tuple[str | None, ...]:
    return tuple(m.get(t) for t in tags)


def dec(value: str | None) -> Decimal:
    assert value is not None
    return Decimal(value)


def assert_fill(
    m: Msg,
    *,
    clid: str,
    status: str,
    last_qty: int,
    last_px: str,
    leaves: int,
    cum: int,
    avg: str,
) -> None:
    assert m.type == "8" and m[150] == "F", m
    assert (m[11], m[39], int(m[32]), dec(m[31])) == (clid, status, last_qty, Decimal(last_px)), m
    assert (int(m[151]), int(m[14]), dec(m[6])) == (leaves, cum, Decimal(avg)), m
    assert m.get(527), f"fill without a match id: {m}"
    assert m.get(880) is None, m


# -- 1. a crossing order ----------------------------------------------------------------------


def test_crossing_buy_fills_resting_sell_both_sides_reported(parties) -> None:
    buyer, seller = parties(2)
    seller.order("S1", "2", 100, "100.00")
    s_ack = seller.er("S1", "0")
    assert fields(s_ack, 39, 151, 14, 6, 1, 55, 54, 38, 44) == (
        "0", "100", "0", "0", seller.account, "AAPL", "2", "100", "100.00",
    )  # fmt: skip
    buyer.order("B1", "1", 100, "100.05")
    b_ack = buyer.er("B1", "0")
    assert fields(b_ack, 39, 151, 14) == ("0", "100", "0")
    b_fill = buyer.er("B1", "F")
    s_fill = seller.er("S1", "F")  # the passive fill goes to the resting order's session
    assert_fill(
        b_fill, clid="B1", status="2", last_qty=100, last_px="100.00", leaves=0, cum=100,
        avg="100.00",
    )  # fmt: skip
    assert_fill(
        s_fill, clid="S1", status="2", last_qty=100, last_px="100.00", leaves=0, cum=100,
        avg="100.00",
    )  # fmt: skip
    assert b_fill[37] == b_ack[37] and s_fill[37] == s_ack[37] and b_ack[37] != s_ack[37]
    assert b_fill[527] == s_fill[527]
    assert len({b_ack[17], s_ack[17], b_fill[17], s_fill[17]}) == 4
    assert buyer.settle() == [] and seller.settle() == []  # nobody gets the other's report


# -- 2. partial fills over several levels --------------------------------------------------------


def test_partial_fills_across_price_levels_with_exact_avgpx(parties) -> None:
    buyer, seller = parties(2)
    for clid, qty, px in (("S1", 50, "100.00"), ("S2", 30, "100.01"), ("S3", 40, "100.02")):
        seller.order(clid, "2", qty, px)
        seller.er(clid, "0")
    buyer.order("B1", "1", 100, "100.02")
    buyer.er("B1", "0")
    fills = [buyer.er("B1", "F") for _ in range(3)]
    assert_fill(
        fills[0], clid="B1", status="1", last_qty=50, last_px="100.00", leaves=50, cum=50,
        avg="100.00",
    )  # fmt: skip
    assert_fill(
        fills[1], clid="B1", status="1", last_qty=30, last_px="100.01", leaves=20, cum=80,
        avg="100.00375",
    )  # fmt: skip
    assert_fill(
        fills[2], clid="B1", status="2", last_qty=20, last_px="100.02", leaves=0, cum=100,
        avg="100.007",
    )  # fmt: skip
    makers = [seller.er(c, "F") for c in ("S1", "S2", "S3")]
    assert_fill(
        makers[0], clid="S1", status="2", last_qty=50, last_px="100.00", leaves=0, cum=50,
        avg="100.00",
    )  # fmt: skip
    assert_fill(
        makers[1], clid="S2", status="2", last_qty=30, last_px="100.01", leaves=0, cum=30,
        avg="100.01",
    )  # fmt: skip
    assert_fill(
        makers[2], clid="S3", status="1", last_qty=20, last_px="100.02", leaves=20, cum=20,
        avg="100.02",
    )  # fmt: skip
    assert [f[527] for f in fills] == [m[527] for m in makers]
    assert len({f[527] for f in fills}) == 3


# -- 3. IOC and FOK ----------------------------------------------------------------------------


def test_ioc_remainder_cancelled_and_fok_rejected_or_filled(parties) -> None:
    buyer, seller = parties(2)
    seller.order("S1", "2", 50, "100.00")
    seller.er("S1", "0")
    buyer.order("IOC1", "1", 80, "100.00", t59="3")
    ack = buyer.er("IOC1", "0")
    assert ack[59] == "3"
    fill = buyer.er("IOC1", "F")
    assert_fill(
        fill, clid="IOC1", status="1", last_qty=50, last_px="100.00", leaves=30, cum=50,
        avg="100.00",
    )  # fmt: skip
    out = buyer.er("IOC1", "4")
    assert fields(out, 39, 151, 14, 37) == ("4", "0", "50", ack[37])
    assert dec(out[6]) == Decimal("100.00") and "immediate-or-cancel" in out[58]
    seller.er("S1", "F")

    seller.order("S2", "2", 30, "100.00")
    seller.er("S2", "0")
    buyer.order("FOK1", "1", 50, "100.00", t59="4")  # only 30 there: rejected, nothing trades
    rej = buyer.er("FOK1", "8")
    assert fields(rej, 39, 151, 14, 103) == ("8", "0", "0", "99")
    assert "fill-or-kill" in rej[58]
    buyer.order("FOK2", "1", 30, "100.00", t59="4")
    buyer.er("FOK2", "0")
    fok = buyer.er("FOK2", "F")
    assert_fill(
        fok, clid="FOK2", status="2", last_qty=30, last_px="100.00", leaves=0, cum=30,
        avg="100.00",
    )  # fmt: skip
    s2 = seller.er("S2", "F")
    assert (s2[39], s2[32], s2[527]) == ("2", "30", fok[527])
    assert buyer.settle() == [] and seller.settle() == []


# -- 4. stops -----------------------------------------------------------------------------------


def test_stop_triggered_by_a_trade_fills_and_stop_limit_rests(parties) -> None:
    buyer, seller = parties(2)
    seller.order("S1", "2", 100, "100.00")
    seller.er("S1", "0")
    buyer.order("STP1", "1", 40, None, ord_type="3", t99="100.00")
    stop_ack = buyer.er("STP1", "0")
    assert fields(stop_ack, 39, 99, 151) == ("0", "100.00", "40")
    assert buyer.settle() == []  # no trade yet: nothing happens
    buyer.order("B1", "1", 10, "100.00")  # trades at 100.00: the stop triggers
    buyer.er("B1", "0")
    buyer.er("B1", "F")
    triggered = buyer.er("STP1", "D")  # FIX 4.4: Restated (ExecType L is FIX 5.0)
    assert fields(triggered, 39, 151, 14, 37, 378) == ("0", "40", "0", stop_ack[37], "99")
    assert triggered[58] == "stop triggered"
    fill = buyer.er("STP1", "F")
    assert_fill(
        fill, clid="STP1", status="2", last_qty=40, last_px="100.00", leaves=0, cum=40,
        avg="100.00",
    )  # fmt: skip
    first, second = seller.er("S1", "F"), seller.er("S1", "F")
    assert (first[32], first[151], second[32], second[151]) == ("10", "90", "40", "50")
    assert second[527] == fill[527]

    # a stop-limit whose limit finds nothing after the trigger rests on the book
    seller.order("M1", "2", 10, "101.60", symbol="MSFT")
    seller.er("M1", "0")
    buyer.order("SL1", "1", 20, "101.60", symbol="MSFT", ord_type="4", t99="101.60")
    buyer.er("SL1", "0")
    buyer.order("MB1", "1", 10, "101.60", symbol="MSFT")
    buyer.er("MB1", "F")
    sl = buyer.er("SL1", "D")
    assert fields(sl, 39, 151, 14, 44, 99) == ("0", "20", "0", "101.60", "101.60")
    assert [m for m in buyer.settle() if m.get(11) == "SL1"] == []  # resting, not filled
    seller.order("M2", "2", 5, "101.60", symbol="MSFT")
    sl_fill = buyer.er("SL1", "F")
    assert_fill(
        sl_fill, clid="SL1", status="1", last_qty=5, last_px="101.60", leaves=15, cum=5,
        avg="101.60",
    )  # fmt: skip


# -- 5. iceberg ---------------------------------------------------------------------------------


def md_request(party: Party, req_id: str, kind: str, symbols: list[str]) -> None:
    party.send(
        "V",
        {262: req_id, 263: kind, 264: "0"} | ({265: "1"} if kind == "1" else {}),
        [(267, 269, [{269: "0"}, {269: "1"}]), (146, 55, [{55: s} for s in symbols])],
    )


def book_of(snapshot: Msg) -> dict[str, dict[Decimal, int]]:
    book: dict[str, dict[Decimal, int]] = {"0": {}, "1": {}}
    for e in snapshot.entries(268, 269):
        book[e[269]][Decimal(e[270])] = int(e[271])
    return book


def test_iceberg_shows_only_its_peak_and_fills_across_peaks(parties) -> None:
    buyer, seller = parties(2)
    seller.order("ICE", "2", 100, "100.00", t111="20")
    ack = seller.er("ICE", "0")
    assert fields(ack, 111, 151) == ("20", "100")
    md_request(buyer, "SNAP1", "0", ["AAPL"])
    assert book_of(buyer.msg("W", t262="SNAP1")) == {"0": {}, "1": {Decimal("100.00"): 20}}

    buyer.order("B1", "1", 50, "100.00")
    buyer.er("B1", "0")
    taker = [buyer.er("B1", "F") for _ in range(3)]  # 20 + 20 + 10: one fill per peak
    assert [(int(m[32]), int(m[151]), m[39]) for m in taker] == [
        (20, 30, "1"),
        (20, 10, "1"),
        (10, 0, "2"),
    ]
    maker = [seller.er("ICE", "F") for _ in range(3)]
    assert [(int(m[32]), int(m[151]), int(m[14]), m[39], m[111]) for m in maker] == [
        (20, 80, 20, "1", "20"),
        (20, 60, 40, "1", "20"),
        (10, 50, 50, "1", "20"),
    ]
    assert [m[527] for m in taker] == [m[527] for m in maker]
    assert dec(maker[-1][6]) == Decimal("100.00")
    md_request(buyer, "SNAP2", "0", ["AAPL"])  # 50 left, 10 of the current peak displayed
    assert book_of(buyer.msg("W", t262="SNAP2")) == {"0": {}, "1": {Decimal("100.00"): 10}}


# -- 6. cancel --------------------------------------------------------------------------------


def test_cancel_unknown_cancel_and_cancel_by_another_firm(parties) -> None:
    mine, other = parties(2)
    mine.order("O1", "1", 100, "99.00")
    ack = mine.er("O1", "0")
    mine.order("O2", "1", 100, "99.00")
    ack2 = mine.er("O2", "0")
    mine.cancel("C1", "O1", "1")
    cxl = mine.er("C1", "4")
    assert fields(cxl, 39, 41, 37, 151, 14, 6) == ("4", "O1", ack[37], "0", "0", "0")

    mine.cancel("C2", "NOPE", "1")
    rej = mine.msg("9", t11="C2")
    assert fields(rej, 41, 39, 434, 102) == ("NOPE", "8", "1", "1")
    assert rej.get(58)

    other.cancel("X1", "O2", "1", t37=ack2[37])  # another firm names our order by its id
    rej = other.msg("9", t11="X1")
    assert fields(rej, 41, 434, 102) == ("O2", "1", "1")
    assert "not an order of firm" in rej[58]
    assert mine.settle() == [] and other.settle() == []  # O2 untouched, nobody told
    mine.send("H", {11: "O2", 37: ack2[37], 55: "AAPL", 54: "1"})
    status = mine.er("O2", "I")
    assert fields(status, 39, 151, 14) == ("0", "100", "0")


# -- 7. replace ---------------------------------------------------------------------------------


def test_replace_keeps_priority_on_qty_down_and_loses_it_on_price_change(parties) -> None:
    buyer, seller = parties(2)
    seller.order("S1", "2", 100, "100.00")
    s1 = seller.er("S1", "0")
    seller.order("S2", "2", 100, "100.00")
    seller.er("S2", "0")
    seller.replace("S1R", "S1", "2", 60, "100.00")
    rep = seller.er("S1R", "5")
    assert fields(rep, 39, 41, 37, 38, 151, 14) == ("0", "S1", s1[37], "60", "60", "0")
    assert "priority kept" in rep[58]
    buyer.order("B1", "1", 60, "100.00")  # S1 (now S1R) is still first in the queue
    fill = seller.er("S1R", "F")
    assert fields(fill, 37, 39, 32, 151) == (s1[37], "2", "60", "0")
    assert [m for m in seller.settle() if m.get(11) == "S2"] == []

    # S3 at a worse price first, S4 at 100.01 after it; S3 moves to 100.01: behind S4 now
    seller.order("S3", "2", 50, "100.02")
    s3 = seller.er("S3", "0")
    seller.order("S4", "2", 50, "100.01")
    s4 = seller.er("S4", "0")
    buyer.order("B2", "1", 100, "100.00")  # takes what is left of S2 at 100.00
    assert seller.er("S2", "F")[39] == "2"
    seller.replace("S3R", "S3", "2", 50, "100.01")
    rep = seller.er("S3R", "5")
    assert fields(rep, 39, 41, 37, 44, 151) == ("0", "S3", s3[37], "100.01", "50")
    assert "priority lost" in rep[58]
    buyer.order("B3", "1", 50, "100.01")
    fill = seller.expect(lambda m: m.type == "8" and m.get(150) == "F", "the next maker fill")
    assert fields(fill, 11, 37, 32, 39) == ("S4", s4[37], "50", "2")
    assert [m for m in seller.settle() if m.get(11) == "S3R"] == []


# -- 8. rejects --------------------------------------------------------------------------------


def test_every_new_order_reject_path(parties) -> None:
    (trader,) = parties(1)

    def rejected(clid: str, reason: str, text: str) -> Msg:
        rej = trader.er(clid, "8")
        assert fields(rej, 39, 151, 14, 103) == ("8", "0", "0", reason), rej
        assert text in rej[58].lower(), rej
        return rej

    trader.order("R1", "1", 10, "100.00", symbol="ZZZZ")
    assert rejected("R1", "1", "unknown symbol")[55] == "ZZZZ"
    trader.order("R2", "1", 10, "100.005")
    rejected("R2", "99", "tick")
    trader.order("R3", "1", 0, "100.00")
    rejected("R3", "13", "orderqty(38)")
    trader.order("R4", "1", 10, None, ord_type="2")
    rejected("R4", "99", "price(44) is required")
    trader.order("R5", "1", 10, "111.00")
    rejected("R5", "99", "band")
    trader.order("R6", "2", 10, None, symbol="AMZN")  # a market order, empty book
    rejected("R6", "99", "no opposite side")
    trader.order("L1", "1", 10, "99.00")
    trader.er("L1", "0")
    trader.order("L1", "1", 20, "99.50")
    rejected("L1", "6", "already in use")
    trader.order("R7", "1", 10, "99.00", t1="ACC1")  # an account of another firm
    rejected("R7", "15", "account")
    trader.send("H", {11: "L1", 55: "AAPL", 54: "1"})  # the live L1 is the first one
    status = trader.er("L1", "I")
    assert fields(status, 39, 38, 44, 151) == ("0", "10", "99.00", "10")
    assert trader.settle() == []


# -- 9. status and mass cancel --------------------------------------------------------------------


def test_status_request_and_mass_cancel_by_symbol_and_all(parties) -> None:
    mine, other = parties(2)
    for clid, px, sym in (
        ("A1", "99.00", "AAPL"),
        ("A2", "99.01", "AAPL"),
        ("A3", "101.00", "MSFT"),
    ):
        mine.order(clid, "1", 10, px, symbol=sym)
    acks = {c: mine.er(c, "0") for c in ("A1", "A2", "A3")}
    other.order("B1", "1", 10, "99.00")
    other.er("B1", "0")
    other.order("X1", "2", 4, "99.01")  # partially fills A2
    other.er("X1", "0")
    other.er("X1", "F")
    mine.er("A2", "F")

    mine.send("H", {11: "A2", 37: acks["A2"][37], 55: "AAPL", 54: "1"})
    st = mine.er("A2", "I")
    assert fields(st, 37, 39, 151, 14, 38, 44) == (acks["A2"][37], "1", "6", "4", "10", "99.01")
    assert dec(st[6]) == Decimal("99.01")
    mine.send("H", {11: "NOSUCH", 55: "AAPL", 54: "1"})
    assert mine.er("NOSUCH", "I")[39] == "8"

    mine.send("q", {11: "MC1", 530: "1", 55: "AAPL", 60: TT})
    report = mine.msg("r", t11="MC1")
    assert fields(report, 530, 531, 533) == ("1", "1", "2")
    for clid in ("A1", "A2"):  # one cancel report per cancelled order
        cxl = mine.er(clid, "4")
        assert fields(cxl, 37, 39, 151) == (acks[clid][37], "4", "0") and cxl.get(58), cxl
    assert [m for m in mine.settle() if m.get(11) == "A3"] == []

    mine.send("q", {11: "MC2", 530: "7", 60: TT})
    report = mine.msg("r", t11="MC2")
    assert fields(report, 530, 531, 533) == ("7", "7", "1")
    a3 = mine.er("A3", "4")
    assert fields(a3, 39, 151, 14, 37) == ("4", "0", "0", acks["A3"][37])

    assert other.settle() == []  # the other firm's orders are untouched
    other.send("H", {11: "B1", 55: "AAPL", 54: "1"})
    assert fields(other.er("B1", "I"), 39, 151) == ("0", "10")


# -- 10. market data and the security list ------------------------------------------------------


def apply_increments(
    book: dict[str, dict[Decimal, int]], increments: list[Msg]
) -> dict[str, dict[Decimal, int]]:
    for x in increments:
        for e in x.entries(268, 279):
            side, px = book[e[269]], Decimal(e[270])
            if e[279] == "2":
                assert px in side, f"delete of a level not in the book: {x}"
                del side[px]
            elif e[279] == "0":
                assert px not in side, f"new level already in the book: {x}"
                side[px] = int(e[271])
            else:
                assert px in side, f"change of a level not in the book: {x}"
                side[px] = int(e[271])
    return book


def test_market_data_snapshot_subscription_rejects_and_security_list(parties) -> None:
    watcher, trader = parties(2)
    trader.order("G1", "1", 100, "99.70", symbol="GOOG")
    trader.er("G1", "0")
    md_request(watcher, "SNAP", "0", ["GOOG"])
    snap = watcher.msg("W", t262="SNAP")
    assert snap[55] == "GOOG" and book_of(snap) == {"0": {Decimal("99.70"): 100}, "1": {}}

    md_request(watcher, "SUB", "1", ["GOOG"])
    first = watcher.msg("W", t262="SUB")
    book = book_of(first)
    steps = [
        ("G2", "1", 50, "99.70"),  # same level: change
        ("G3", "1", 30, "99.60"),  # new bid level
        ("G4", "2", 40, "99.90"),  # new offer
        ("G5", "2", 20, "100.00"),
        ("G6", "2", 120, "99.70"),  # sells into 99.70 (150 there): bid level shrinks to 30
    ]
    for clid, side, qty, px in steps:
        trader.order(clid, side, qty, px, symbol="GOOG")
        trader.er(clid, "0")
    trader.cancel("G3X", "G3", "1", symbol="GOOG")  # the 99.60 level goes away
    trader.er("G3X", "4")
    trader.replace("G5R", "G5", "2", 25, "100.01", symbol="GOOG")
    trader.er("G5R", "5")
    md_request(watcher, "SNAP2", "0", ["GOOG"])
    final = watcher.msg("W", t262="SNAP2")
    increments = sorted(
        (m for m in watcher.inbox if m.type == "X" and m.seq < final.seq), key=lambda m: m.seq
    )
    assert increments and all(m[262] == "SUB" for m in increments)
    expected = {
        "0": {Decimal("99.70"): 30},
        "1": {Decimal("99.90"): 40, Decimal("100.01"): 25},
    }
    assert book_of(final) == expected
    assert apply_increments(book, increments) == expected
    watcher.inbox = [m for m in watcher.inbox if m not in increments]

    md_request(watcher, "BAD", "0", ["NOPE"])
    y = watcher.msg("Y", t262="BAD")
    assert y[281] == "0" and "NOPE" in y[58]

    watcher.send("x", {320: "SL1", 559: "4"})
    sl = watcher.msg("y", t320="SL1")
    assert fields(sl, 560, 393, 893) == ("0", "4", "Y")
    listed = sl.entries(146, 55)
    assert [e[55] for e in listed] == ["AAPL", "MSFT", "GOOG", "AMZN"]
    assert all(e.get(15) == "USD" for e in listed)


# -- 11. business message rejects ---------------------------------------------------------------


def test_unsupported_message_type_and_orders_from_the_drop_copy_session(parties) -> None:
    trader, dropcopy = parties(1, drop_copy=True)
    trader.send("c", {320: "SD1", 321: "0", 55: "AAPL"})  # SecurityDefinitionRequest
    j = trader.msg("j", t372="c")
    assert j[380] == "3" and j.get(58)
    assert int(j[45]) == trader.sent_seqs[-1]

    dropcopy.order("DC1", "1", 10, "100.00")
    j = dropcopy.msg("j", t372="D")
    assert j[380] == "6" and "drop copy" in j[58]
    assert int(j[45]) == dropcopy.sent_seqs[-1]
    assert dropcopy.settle() == [] and trader.settle() == []
