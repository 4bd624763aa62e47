"""Crash recovery: SIGKILL the venue mid-stream, restart it, and lose nothing acknowledged.

A raw FIX client sends orders continuously (half of them crossing, so trades happen); the
venue is killed with SIGKILL while orders are in flight and restarted on the same data
directory. Afterwards every order the client saw acknowledged is still known to the venue
(resting or filled), every fill the client saw exists exactly once in the trades table,
the reports the client missed arrive by resend, and the session resumes with correct
sequence numbers.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from fixspec.codec import FixMessage
from tests.conftest import VenueProcess, find_free_port
from tests.integration.rawclient import FixClient, utc_timestamp

pytestmark = pytest.mark.timeout(180)


class Tracker:
    """What the client was told: acknowledged orders, fills, ExecIDs, seq numbers."""

    def __init__(self) -> None:
        self.acked: set[str] = set()
        self.fills: dict[str, tuple[str, str]] = {}  # ExecID -> (ClOrdID, TrdMatchID)
        self.exec_ids: list[str] = []
        self.seqs: set[int] = set()
        self.last_seq = 0

    def see(self, msg: FixMessage) -> None:
        seq = msg.get_int(34) or 0
        if seq in self.seqs:
            assert msg.get(43) == b"Y", f"seq {seq} received twice without PossDupFlag"
            return  # a resend of something already seen
        self.seqs.add(seq)
        self.last_seq = max(self.last_seq, seq)
        if msg.msg_type != "8":
            return
        exec_id = msg.get_str(17) or ""
        self.exec_ids.append(exec_id)
        clid = msg.get_str(11) or ""
        if msg.get(150) == b"0":
            self.acked.add(clid)
        elif msg.get(150) == b"F":
            # The match id (the trade id) of a fill travels in SecondaryExecID(527).
            self.fills[exec_id] = (clid, msg.get_str(527) or "")


def order_fields(i: int) -> list[tuple[int, str | bytes]]:
    side = "1" if i % 2 else "2"
    # Sells rest at 100.00..100.04, buys cross up to 100.02: some fills, some resting.
    price = f"{100 + (i % 5) / 100:.2f}" if side == "2" else f"{100 + (i % 3) / 100:.2f}"
    return [
        (11, f"o{i}"),
        (1, "ACC1"),
        (55, "AAPL"),
        (54, side),
        (38, "10"),
        (40, "2"),
        (44, price),
        (59, "1"),  # GTC: survives anything
        (60, utc_timestamp()),
    ]


def drain(client: FixClient, tracker: Tracker, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            msg = client.receive(timeout=max(0.01, deadline - time.monotonic()))
        except (TimeoutError, OSError):
            return
        if msg is None:
            return
        tracker.see(msg)


def test_sigkill_mid_stream_loses_nothing_acknowledged(tmp_path: Path) -> None:
    port = find_free_port()
    data = tmp_path / "data"
    args = ["--port", str(port), "--data-dir", str(data)]
    venue = VenueProcess(args, Path.cwd())
    tracker = Tracker()
    client = FixClient(port, "CLIENT1", "FIXVENUE", timeout=5.0)
    client.logon(reset=True)
    assert client.expect("A").get(141) == b"Y"
    tracker.seqs.add(1)
    tracker.last_seq = 1
    sent = 0
    try:
        # Stream orders; kill the venue once it has acknowledged a good number of them.
        while len(tracker.acked) < 150 and sent < 2000:
            for _ in range(20):
                client.send("D", order_fields(sent))
                sent += 1
            drain(client, tracker, 0.02)
        for _ in range(50):  # more in flight at the moment of the kill
            client.send("D", order_fields(sent))
            sent += 1
        venue.proc.send_signal(signal.SIGKILL)
        venue.proc.wait(timeout=10)
        drain(client, tracker, 2.0)
    finally:
        client.close()
        venue.stop()
    our_next_seq = client.next_seq
    last_seq_before = tracker.last_seq
    acked_before = set(tracker.acked)
    fills_before = dict(tracker.fills)
    assert acked_before and fills_before, "the stream produced acknowledgements and fills"

    venue = VenueProcess(args, Path.cwd())
    try:
        client = FixClient(port, "CLIENT1", "FIXVENUE", timeout=5.0)
        client.next_seq = our_next_seq  # sequence numbers continue across the crash
        client.logon()
        logon = client.expect("A")
        # Our orders the venue never persisted were never acknowledged: gap-fill them.
        tracker.see(logon)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                msg = client.receive(timeout=1.0)
            except TimeoutError:
                break
            assert msg is not None
            if msg.msg_type == "2":
                begin = msg.get_int(7)
                assert begin is not None
                client.send(
                    "4",
                    [(43, "Y"), (122, utc_timestamp()), (123, "Y"), (36, str(client.next_seq))],
                    seq=begin,
                )
                continue
            tracker.see(msg)
        # Reports we missed (committed, not yet written when the venue died) by resend.
        client.send("2", [(7, str(last_seq_before + 1)), (16, "0")])
        drain(client, tracker, 2.0)

        # Every acknowledged order is known: resting or filled, never unknown.
        for clid in sorted(acked_before):
            client.send("H", [(11, clid), (55, "AAPL"), (54, "1" if int(clid[1:]) % 2 else "2")])
        statuses: dict[str, bytes] = {}
        deadline = time.monotonic() + 15
        while len(statuses) < len(acked_before) and time.monotonic() < deadline:
            m = client.receive(timeout=10.0)
            assert m is not None
            if m.msg_type == "8" and m.get(150) == b"I":
                statuses[m.get_str(11) or ""] = m.get(39) or b""
            else:
                tracker.see(m)
        assert set(statuses) == acked_before
        assert all(s in (b"0", b"1", b"2") for s in statuses.values()), statuses
        client.send("5", [])
        drain(client, tracker, 1.0)
        client.close()
    finally:
        venue.stop()

    # No trade lost or doubled: every fill the client saw is one stored trade.
    db = sqlite3.connect(data / "fixvenue.db")
    trade_ids = [str(r[0]) for r in db.execute("SELECT trade_id FROM trades")]
    exec_ids = [r[0] for r in db.execute("SELECT exec_id FROM executions")]
    db.close()
    assert len(trade_ids) == len(set(trade_ids))
    assert len(exec_ids) == len(set(exec_ids))
    for exec_id, (_clid, match_id) in tracker.fills.items():
        assert match_id in trade_ids, (exec_id, match_id)
    assert set(fills_before) <= set(tracker.fills)
    # The client never saw the same ExecID twice as a new message.
    assert len(tracker.exec_ids) == len(set(tracker.exec_ids))
