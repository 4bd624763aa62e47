"""Operations against a running venue subprocess: /metrics deltas, admin commands, the demo.

Every venue binds 127.0.0.1 on free ports; waits are bounded; pytest-timeout caps each test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO_ROOT, find_free_port
from prometheus_client.parser import text_string_to_metric_families
from rawclient import FixClient

from gateway.admin.client import AdminCallError, call

pytestmark = pytest.mark.timeout(90)


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(snap: dict, name: str, **labels: str) -> float:
    return snap.get((name, tuple(sorted(labels.items()))), 0.0)


def order(cl: str, side: str, qty: int, price: str, symbol: str = "AAPL") -> list:
    return [(11, cl), (55, symbol), (54, side), (38, str(qty)), (40, "2"), (44, price)] + [
        (59, "0"),
        (60, "20260101-00:00:00.000"),
    ]


def ers(fix: FixClient, n: int) -> list:
    return [fix.expect("8") for _ in range(n)]


@pytest.fixture
def venue(start_venue, tmp_path: Path):
    ports = {k: find_free_port() for k in ("fix", "metrics", "admin")}
    proc = start_venue(
        "--port",
        str(ports["fix"]),
        "--metrics-port",
        str(ports["metrics"]),
        "--admin-port",
        str(ports["admin"]),
        "--data-dir",
        str(tmp_path),
    )
    token = (tmp_path / "admin.token").read_text().strip()
    return proc, ports, f"http://127.0.0.1:{ports['admin']}", token


CANCEL = [(11, "X1"), (41, "B1"), (55, "AAPL"), (54, "1"), (38, "100")] + [
    (60, "20260101-00:00:00.000")
]
S1 = "FIX.4.4:FIXVENUE->CLIENT1"
S2 = "FIX.4.4:FIXVENUE->CLIENT2"


def test_metrics_move_by_the_exact_amounts(venue) -> None:
    _, ports, _, _ = venue
    before = scrape(ports["metrics"])
    with (
        FixClient(ports["fix"], "CLIENT1", "FIXVENUE") as c1,
        FixClient(ports["fix"], "CLIENT2", "FIXVENUE") as c2,
    ):
        c1.logon(reset=True)
        c1.expect("A")
        c2.logon(reset=True)
        c2.expect("A")
        c1.send("D", order("B1", "1", 100, "100.00"))
        ers(c1, 1)  # new, rests
        c2.send("D", order("S1", "2", 40, "99.00"))
        ers(c2, 2)  # new + fill (filled)
        ers(c1, 1)  # partial fill
        c1.send("F", CANCEL)
        ers(c1, 1)  # canceled
        c2.send("D", order("S2", "2", 10, "99.00", symbol="NOPE"))
        ers(c2, 1)  # gateway reject: unknown symbol
        time.sleep(1.3)  # the book gauges are sampled once a second
    time.sleep(0.3)
    after = scrape(ports["metrics"])

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("fixvenue_orders_total", symbol="AAPL", outcome="accepted") == 2
    assert delta("fixvenue_orders_total", symbol="AAPL", outcome="filled") == 1
    assert delta("fixvenue_orders_total", symbol="AAPL", outcome="canceled") == 1
    assert delta("fixvenue_orders_total", symbol="other", outcome="rejected") == 1
    assert delta("fixvenue_order_rejects_total", reason="gateway_unknown_symbol") == 1
    assert delta("fixvenue_trades_total", symbol="AAPL") == 1
    assert delta("fixvenue_traded_quantity_total", symbol="AAPL") == 40
    assert delta("fixvenue_traded_notional_total", symbol="AAPL") == pytest.approx(4000.0)
    assert delta("fixvenue_fix_messages_received_total", session=S1, msg_type="D") == 1
    assert delta("fixvenue_fix_messages_received_total", session=S1, msg_type="F") == 1
    assert delta("fixvenue_fix_messages_received_total", session=S2, msg_type="D") == 2
    assert delta("fixvenue_fix_messages_received_total", session=S1, msg_type="admin") == 1
    assert delta("fixvenue_fix_messages_sent_total", session=S1, msg_type="8") == 3
    assert delta("fixvenue_fix_messages_sent_total", session=S2, msg_type="8") == 3
    assert delta("fixvenue_fix_logons_total", session=S1) == 1
    assert delta("fixvenue_fix_logouts_total", session=S1) == 0
    assert delta("fixvenue_fix_disconnects_total", session=S1, reason="peer_closed") == 1
    assert value(after, "fixvenue_fix_session_logged_on", session=S1) == 0
    # one round trip per order-entry request that produced an ExecutionReport (D, D, F, D)
    assert delta("fixvenue_gateway_roundtrip_seconds_count") == 4
    # three commands reached the engine (two orders, one cancel); ticks may add AdvanceTime
    assert delta("fixvenue_matching_seconds_count") >= 3
    assert delta("fixvenue_db_commit_seconds_count") >= 3
    assert value(after, "fixvenue_book_resting_orders", symbol="AAPL") == 0
    assert value(after, "fixvenue_best_bid_price", symbol="AAPL") != value(
        after, "fixvenue_best_bid_price", symbol="AAPL"
    )  # NaN: empty book


def test_admin_sessions_book_halt_resume_disconnect_reset(venue) -> None:
    _, ports, url, token = venue
    with pytest.raises(AdminCallError, match="401"):
        call(url, "wrong-token", "sessions", {})
    with FixClient(ports["fix"], "CLIENT1", "FIXVENUE") as c1:
        c1.logon(reset=True)
        c1.expect("A")
        c1.send("D", order("B1", "1", 25, "99.50"))
        ers(c1, 1)
        rows = {r["counterparty"]: r for r in call(url, token, "sessions", {})}
        assert rows["CLIENT1"]["state"] == "active"
        assert rows["CLIENT1"]["next_target_seq"] == 3 and rows["CLIENT1"]["peer"]
        assert rows["CLIENT2"]["state"] == "logged_off"
        book = call(url, token, "book", {"symbol": "AAPL"})
        assert book["bids"] == [{"price": "99.50", "qty": 25, "orders": 1}]
        assert call(url, token, "halt", {"symbol": "AAPL"})["phase"] == "halted"
        c1.send("D", order("B2", "1", 5, "99.00"))
        rejected = ers(c1, 1)[0]
        assert rejected.get_str(150) == "8"
        assert call(url, token, "resume", {"symbol": "AAPL"})["phase"] == "continuous"
        c1.send("D", order("B3", "1", 5, "99.00"))
        assert ers(c1, 1)[0].get_str(150) == "0"
        with pytest.raises(AdminCallError, match="409"):
            call(url, token, "reset", {"session": "CLIENT1"})
        assert call(url, token, "disconnect", {"session": "CLIENT1"})["disconnecting"]
        got = c1.expect_closed(timeout=8)
        assert any(m.msg_type == "5" for m in got)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        rows = {r["counterparty"]: r for r in call(url, token, "sessions", {})}
        if rows["CLIENT1"]["state"] == "logged_off":
            break
        time.sleep(0.1)
    assert rows["CLIENT1"]["next_sender_seq"] > 1
    call(url, token, "reset", {"session": "CLIENT1"})
    rows = {r["counterparty"]: r for r in call(url, token, "sessions", {})}
    assert (rows["CLIENT1"]["next_sender_seq"], rows["CLIENT1"]["next_target_seq"]) == (1, 1)
    with pytest.raises(AdminCallError, match="404"):
        call(url, token, "halt", {"symbol": "NOPE"})


def test_admin_cli_tables_and_json(venue, tmp_path: Path) -> None:
    _, ports, url, _ = venue
    base = [sys.executable, "-m", "gateway", "admin", "--data-dir", str(tmp_path), "--url", url]
    run = subprocess.run(base + ["sessions"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert "COUNTERPARTY" in run.stdout and "CLIENT8" in run.stdout
    run = subprocess.run(
        base + ["--json", "book", "MSFT"], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 0 and json.loads(run.stdout)["symbol"] == "MSFT"
    run = subprocess.run(
        [sys.executable, "-m", "gateway", "admin", "--url", url, "--token", "x" * 20, "sessions"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 1 and "401" in run.stderr


def test_demo_exits_zero_with_the_expected_fills() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "demo"],
        capture_output=True,
        text=True,
        timeout=80,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "filled 30 @ 100.00  leaves 70 cum 30" in out
    assert "filled 70 @ 100.00  leaves 0 cum 100" in out
    assert "filled 30 @ 99.50  leaves 20 cum 30" in out
    assert "CANCELED" in out
    assert "CLIENT1: 3 fills, 130 shares" in out and "CLIENT2: 3 fills, 130 shares" in out
    assert "== fixvenue portfolio" in out and "FIRM1" in out
    assert "regulatory trade report: " in out
    assert "demo done" in out
