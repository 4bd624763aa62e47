"""Pre-trade risk end to end: quickfix initiators against `python -m gateway run` with tight
limits; the kill switch from the operator's command line (`fixvenue admin kill FIRM`).

Sessions CLIENT60..CLIENT79 (firms FIRM60.., accounts ACC60..) get their own limits in the
test configuration, so no quickfix session ID is shared with another e2e module. Every
test ends (in the `parties` fixture of this module) by checking that quickfix sent no
session-level Reject: every risk reject is a valid FIX 4.4 message.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("quickfix")

from qfclient import QfInitiator  # noqa: E402
from test_order_entry import Party  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

FIRST, LAST = 60, 79
_numbers = itertools.count(FIRST)
TT = "20260101-00:00:00"
LIMITS = """
max_order_qty = 1000
max_order_notional = "50000"
collar_pct = 5
credit_limit = "80000"
position_limit = 700
throttle_msgs_per_s = 20
throttle_window_ms = 1000
restricted_symbols = ["MSFT"]
short_sale_restricted_symbols = ["GOOG"]
duplicate_window_ms = 1000
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def risk_config(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    blocks = [(repo_root / "config" / "default.toml").read_text()]
    for n in range(FIRST, LAST + 1):
        blocks.append(
            f'\n[[sessions]]\nsender_comp_id = "CLIENT{n}"\nrole = "trading"\n'
            f'firm = "FIRM{n}"\naccounts = ["ACC{n}"]\nheartbeat_min = 1\n'
            "heartbeat_max = 300\nreset_on_logon = false\ncancel_on_disconnect = false\n"
        )
    for n in range(FIRST, LAST + 1):
        blocks.append(f"\n[risk.firms.FIRM{n}]\n{LIMITS}")
    path = tmp_path_factory.mktemp("config") / "risk.toml"
    path.write_text("".join(blocks))
    return path


class Venue:
    def __init__(self, config: Path, data: Path, admin_port: int) -> None:
        self.config, self.data, self.admin_port = config, data, admin_port

    def admin(self, *args: str) -> str:
        cmd = [
            sys.executable, "-m", "gateway", "admin", "--config", str(self.config),
            "--data-dir", str(self.data), "--url", f"http://127.0.0.1:{self.admin_port}",
            *args,
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture
def parties(
    start_venue, free_port: int, tmp_path: Path, risk_config: Path
) -> Iterator[Callable[..., tuple[Venue, list[Party]]]]:
    started: list[Party] = []

    def start(n: int = 2) -> tuple[Venue, list[Party]]:
        data, admin_port = tmp_path / "data", _port()
        start_venue(
            "--config", str(risk_config), "--port", str(free_port), "--data-dir", str(data),
            "--admin-port", str(admin_port), "--no-metrics", "--log-level", "warning",
        )  # fmt: skip
        numbers = list(itertools.islice(_numbers, n))
        assert numbers[-1] <= LAST, "more sessions than the test configuration has"
        for k in numbers:
            qf = QfInitiator(tmp_path / f"CLIENT{k}", free_port, sender=f"CLIENT{k}", heartbeat=30)
            started.append(Party(qf.start(), k))
        for p in started:
            p.qf.wait_kind("logon", timeout=15)
        return Venue(risk_config, data, admin_port), list(started)

    yield start
    try:
        for p in started:
            p.settle(0.1)
            assert p.rejects == [], f"{p.name}: session-level rejects: {p.rejects}"
    finally:
        for p in started:
            p.qf.stop()


def reject_of(p: Party, clid: str) -> tuple[str, str]:
    m = p.er(clid, "8")
    assert (m[39], m[151], m[14], m[11]) == ("8", "0", "0", clid), m
    return m[103], m[58]


# -- every check ------------------------------------------------------------------------------


def test_each_check_rejects_with_its_code_and_text(parties) -> None:
    _, (trader,) = parties(1)
    trader.order("Q", "1", 1001, "100.00")
    assert reject_of(trader, "Q") == (
        "3", "risk order_qty: order quantity 1001 exceeds the maximum order quantity 1000",
    )  # fmt: skip
    trader.order("N", "1", 600, "100.00")
    assert reject_of(trader, "N") == (
        "3", "risk order_notional: order notional 60000.00 exceeds the maximum order "
        "notional 50000.00",
    )  # fmt: skip
    trader.order("C", "1", 10, "105.01")
    assert reject_of(trader, "C") == (
        "99", "risk price_collar: price 105.01 is outside the collar 95.00..105.00 "
        "(5% around the reference 100.00)",
    )  # fmt: skip
    trader.order("R", "1", 10, "101.50", symbol="MSFT")
    assert reject_of(trader, "R") == (
        "0", f"risk restricted_list: MSFT is on the restricted list of account {trader.account}",
    )  # fmt: skip
    trader.order("SS", "5", 10, "99.75", symbol="GOOG")
    code, text = reject_of(trader, "SS")
    assert code == "0" and text.startswith("risk short_sale: short sales of GOOG")
    trader.order("A", "1", 450, "100.00")  # rests: 45000 open, long 450 if filled
    trader.er("A", "0")
    trader.order("D", "1", 450, "100.00")  # the same order again within 1 s
    code, text = reject_of(trader, "D")
    assert code == "6" and text.startswith("risk duplicate_order: same account, symbol, side")
    trader.order("CR", "1", 400, "99.00")  # 45000 + 39600 > 80000
    assert reject_of(trader, "CR") == (
        "3", "risk credit: open + filled notional 84600.00 would exceed the credit limit "
        f"80000.00 of firm FIRM{trader.account[3:]}",
    )  # fmt: skip
    trader.order("P", "1", 260, "99.00")  # credit ok (70740), long 710 > 700
    assert reject_of(trader, "P") == (
        "3", f"risk position: net position of account {trader.account} in AAPL would reach "
        "710 if every open order filled (limit +/-700)",
    )  # fmt: skip
    trader.order("P2", "1", 250, "99.00")  # exactly 700: at the limit passes
    trader.er("P2", "0")
    trader.replace("A2", "A", "1", 450, "106.00")
    cxl = trader.msg("9", t11="A2")
    assert (cxl[434], cxl[102], cxl[39], cxl[41]) == ("2", "99", "0", "A"), cxl
    assert cxl[58].startswith("risk price_collar: price 106.00 is outside the collar")
    assert trader.settle() == []


def test_market_order_trades_only_inside_the_collar(parties) -> None:
    _, (buyer, seller) = parties(2)
    seller.order("S1", "2", 10, "104.00")
    seller.er("S1", "0")
    buyer.order("M", "1", 30, None)
    ack = buyer.er("M", "0")
    assert (ack[40], ack[44], ack[59]) == ("2", "105.00", "3"), ack  # a protective limit
    fill = buyer.er("M", "F")
    assert (fill[32], fill[31]) == ("10", "104.00")
    rest = buyer.er("M", "4")
    assert (rest[39], rest[14], rest[151]) == ("4", "10", "0")
    seller.er("S1", "F")


def test_throttle_rejects_new_orders_with_limit_and_window_but_never_cancels(parties) -> None:
    _, (trader,) = parties(1)
    for i in range(25):
        trader.order(f"T{i}", "1", 1, f"{95 + i * 0.01:.2f}")
    acks = [trader.er(f"T{i}", "0") for i in range(20)]
    assert len(acks) == 20
    for i in range(20, 25):
        assert reject_of(trader, f"T{i}") == (
            "99", "risk throttle: more than 20 messages in 1 s (limit 20 per 1 s)",
        )  # fmt: skip
    trader.cancel("X0", "T0", "1")
    assert trader.er("X0", "4")[41] == "T0"


# -- the kill switch ---------------------------------------------------------------------------


def test_kill_switch_from_the_cli_cancels_and_blocks_one_firm_only(parties) -> None:
    venue, (a, b) = parties(2)
    a.order("A1", "1", 10, "99.00")
    a.order("A2", "2", 10, "101.00")
    b.order("B1", "1", 10, "98.00")
    for p, clid in ((a, "A1"), (a, "A2"), (b, "B1")):
        p.er(clid, "0")
    firm_a = f"FIRM{a.account[3:]}"
    out = venue.admin("kill", firm_a)
    assert "cancelled: 2" in out, out
    for clid in ("A1", "A2"):
        m = a.er(clid, "4")
        assert (m[39], m[151], m[58]) == ("4", "0", "cancelled by the kill switch"), m
    a.order("A3", "1", 10, "99.00")
    assert reject_of(a, "A3") == (
        "0",
        f"risk kill_switch: firm {firm_a} is blocked by the kill switch",
    )
    b.order("B2", "1", 10, "97.00")
    b.er("B2", "0")
    assert b.settle() == []  # B's resting order was not touched
    assert "released: True" in venue.admin("release", firm_a)
    # Not A1's price: within the duplicate window (1 s) that would be a duplicate of A1.
    a.order("A4", "1", 10, "98.50")
    a.er("A4", "0")
    assert a.settle() == []
