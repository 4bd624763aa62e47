"""A real counterparty: the quickfix initiator against `python -m gateway run` (a subprocess).

The venue runs with the shipped default configuration (CLIENT1..CLIENT8 -> FIXVENUE) on a
free port with its SQLite store in tmp_path, so it can be stopped and restarted like a user
would. Every wait is bounded; quickfix callbacks only enqueue (see qfclient.py).

Each test uses its own SenderCompID: quickfix keeps a process-wide session registry, and a
second initiator for a session ID it has seen in this process crashes it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("quickfix")

from qfclient import QfInitiator, Seen  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def from_admin(msg_type: str) -> object:
    return lambda s: s.kind == "from_admin" and s.msg_type == msg_type


def quiet_for(qf: QfInitiator, seconds: float) -> list[Seen]:
    """Everything quickfix reported during `seconds` (no wait beyond that)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            qf.wait_for(lambda s: False, timeout=max(0.05, end - time.monotonic()))
        except AssertionError:
            break
    return qf.seen


def test_logon_heartbeats_test_request_and_logout(
    start_venue, free_port: int, tmp_path: Path
) -> None:
    start_venue("--port", str(free_port), "--data-dir", str(tmp_path / "data"))
    with QfInitiator(
        tmp_path / "qf", free_port, sender="CLIENT2", heartbeat=1, reset_on_logon=True
    ) as qf:
        qf.wait_kind("logon")
        for _ in range(3):  # HeartBtInt=1: the venue keeps the line alive
            qf.wait_for(from_admin("0"), timeout=3, what="venue Heartbeat")
        qf.send("1", {112: "QF-TR-1"})
        qf.wait_for(
            lambda s: s.kind == "from_admin" and s.msg_type == "0" and s.field(112) == "QF-TR-1",
            timeout=5,
            what="Heartbeat answering the TestRequest",
        )
        qf.session.logout("done")
        qf.wait_for(from_admin("5"), timeout=5, what="venue Logout")
        qf.wait_kind("logout", timeout=5)
        assert qf.app.dropped == 0


def test_restart_of_the_venue_keeps_sequence_numbers(
    start_venue, free_port: int, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    venue = start_venue("--port", str(free_port), "--data-dir", str(data))
    with QfInitiator(
        tmp_path / "qf", free_port, sender="CLIENT3", heartbeat=30, reset_on_logon=False
    ) as qf:
        qf.wait_kind("logon")
        qf.send("1", {112: "BEFORE"})
        qf.wait_for(lambda s: s.kind == "from_admin" and s.field(112) == "BEFORE", timeout=5)
        assert venue.stop() == 0  # SIGTERM: the venue logs out, quickfix answers
        qf.wait_for(from_admin("5"), timeout=10, what="venue Logout on SIGTERM")
        qf.wait_kind("logout", timeout=10)
        expected_from_venue = qf.session.getExpectedTargetNum()
        assert expected_from_venue > 2

        start_venue("--port", str(free_port), "--data-dir", str(data))  # quickfix reconnects
        logon = qf.wait_for(from_admin("A"), timeout=20, what="venue Logon after restart")
        assert logon.field(34) == str(expected_from_venue)
        assert logon.field(141) in (None, "N")
        qf.wait_kind("logon")
        seen = quiet_for(qf, 1.0)
        # quickfix may burn a number on a Logon attempt while the old venue is closing; a
        # ResendRequest for that is fine, one for anything the old venue processed is not.
        logout_reply = next(s for s in seen if s.kind == "to_admin" and s.msg_type == "5")
        processed = int(logout_reply.field(34) or 0)
        asked = [int(s.field(7) or 0) for s in seen if s.kind == "from_admin" and s.msg_type == "2"]
        assert all(begin > processed for begin in asked), (
            f"the venue forgot inbound messages it processed before the restart: "
            f"ResendRequest from {asked}, last processed {processed}"
        )


def test_gap_on_the_initiator_side_is_resent_and_gap_filled(
    start_venue, free_port: int, tmp_path: Path
) -> None:
    start_venue("--port", str(free_port), "--data-dir", str(tmp_path / "data"))
    with QfInitiator(
        tmp_path / "qf", free_port, sender="CLIENT4", heartbeat=30, reset_on_logon=True
    ) as qf:
        qf.wait_kind("logon")
        qf.send(
            "D",
            {11: "ORD-1", 55: "AAPL", 54: "1", 60: "20260101-00:00:00", 40: "2", 38: "100"}
            | {44: "100.00"},
        )
        answer = qf.wait_kind("from_app", timeout=5)  # one application answer (j or 8)
        answered_seq = int(answer.field(34) or 0)
        assert answered_seq >= 2
        # quickfix counts a message after fromApp returns: let it finish before rewinding
        deadline = time.monotonic() + 5
        while qf.session.getExpectedTargetNum() <= answered_seq:
            assert time.monotonic() < deadline, "quickfix did not count the answer"
            time.sleep(0.01)
        qf.session.setNextTargetMsgSeqNum(1)  # forget everything the venue sent
        qf.send("1", {112: "AFTER-GAP"})
        request = qf.wait_for(
            lambda s: s.kind == "to_admin" and s.msg_type == "2",
            timeout=5,
            what="quickfix ResendRequest",
        )
        assert request.field(7) == "1", request
        gap_fill = qf.wait_for(from_admin("4"), timeout=5, what="SequenceReset-GapFill")
        assert gap_fill.field(123) == "Y" and gap_fill.field(43) == "Y"
        resent = qf.wait_for(
            lambda s: s.kind == "from_app" and s.field(34) == str(answered_seq),
            timeout=5,
            what="the application message resent",
        )
        assert resent.field(43) == "Y" and resent.field(122)
        assert resent.msg_type == answer.msg_type
        qf.wait_for(
            lambda s: s.kind == "from_admin" and s.field(112) == "AFTER-GAP",
            timeout=5,
            what="Heartbeat answering the TestRequest after the gap",
        )
        assert qf.session.isLoggedOn()


def test_fixvenue_run_with_shipped_defaults_as_a_user_would(
    start_venue, free_port: int, tmp_path: Path
) -> None:
    venue = start_venue("--port", str(free_port), cwd=tmp_path)  # no config, ./var
    assert any("FIXVENUE" in line for line in venue.stderr_lines)
    with QfInitiator(tmp_path / "qf", free_port, sender="CLIENT1", target="FIXVENUE") as qf:
        qf.wait_kind("logon")
        qf.session.logout("bye")
        qf.wait_for(from_admin("5"), timeout=5, what="venue Logout")
        qf.wait_kind("logout", timeout=5)
    assert (tmp_path / "var" / "fixvenue.db").is_file()
    assert venue.stop() == 0
