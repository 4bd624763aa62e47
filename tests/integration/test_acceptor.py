"""The asyncio acceptor with raw-socket clients: logon, refusals, persistence and resends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from inproc import VENUE, VenueThread, settings
from rawclient import FixClient

from gateway.app.router import Outbox, Router
from gateway.session import ApplicationMessage, business_reject_body

pytestmark = pytest.mark.timeout(60)

EXECUTION_REPORT = [
    (37, "id"), (17, "id"), (150, "0"), (39, "0"), (55, "WLRI"),
    (54, "1"), (151, "100"), (14, "0"), (6, "0.0"),
]  # fmt: skip


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'venue.db'}"


@pytest.fixture
def venue(db_url: str) -> Iterator[VenueThread]:
    with VenueThread([settings("CLIENT1"), settings("CLIENT2")], db_url) as running:
        yield running


def logon(venue: VenueThread, client: str = "CLIENT1", **kw: object) -> FixClient:
    fix = FixClient(venue.port, client, VENUE)
    fix.logon(**kw)  # type: ignore[arg-type]
    reply = fix.expect("A")
    assert reply.get(56) == client.encode()
    return fix


def test_logon_and_logout(venue: VenueThread) -> None:
    with logon(venue) as fix:
        assert fix.receive  # logged on
        fix.send("5")
        assert fix.expect("5").get_int(34) == 2
        assert fix.expect_closed() == []


def test_test_request_answered_with_heartbeat(venue: VenueThread) -> None:
    with logon(venue) as fix:
        fix.send("1", [(112, "PING-1")])
        assert fix.expect("0").get(112) == b"PING-1"


def test_unknown_comp_id_is_disconnected_without_answer(venue: VenueThread) -> None:
    with FixClient(venue.port, "NOBODY", VENUE) as fix:
        fix.logon()
        assert fix.expect_closed() == []
    with FixClient(venue.port, "CLIENT1", "NOTUS") as fix:
        fix.logon()
        assert fix.expect_closed() == []


def test_first_message_not_a_logon_is_disconnected(venue: VenueThread) -> None:
    with FixClient(venue.port, "CLIENT1", VENUE) as fix:
        fix.send("0")
        assert fix.expect_closed() == []


def test_second_connection_is_dropped_and_first_stays_up(venue: VenueThread) -> None:
    with logon(venue) as first, FixClient(venue.port, "CLIENT1", VENUE) as second:
        second.logon(seq=1)
        assert second.expect_closed() == []
        first.send("1", [(112, "STILL-THERE")])
        assert first.expect("0").get(112) == b"STILL-THERE"


def test_application_message_gets_business_reject(venue: VenueThread) -> None:
    with logon(venue) as fix:
        seq = fix.send("8", EXECUTION_REPORT)
        reject = fix.expect("j")
        assert reject.get_int(380) == 3
        assert reject.get_int(45) == seq
        assert reject.get(372) == b"8"


def test_sequence_numbers_survive_a_restart_and_resend_comes_from_the_store(
    db_url: str,
) -> None:
    sessions = [settings("CLIENT1")]
    with VenueThread(sessions, db_url) as venue, logon(venue) as fix:  # venue seq 1
        fix.send("8", EXECUTION_REPORT)
        fix.expect("j")  # venue seq 2
        fix.send("5")
        fix.expect("5")  # venue seq 3
        fix.expect_closed()
        client_next = fix.next_seq  # 4

    with VenueThread(sessions, db_url) as venue, FixClient(venue.port, "CLIENT1", VENUE) as fix:
        fix.next_seq = client_next
        fix.logon()
        reply = fix.expect("A")
        assert reply.get_int(34) == 4  # the venue's numbering continued across the restart
        fix.send("2", [(7, "1"), (16, "0")])
        resent: dict[int, bytes] = {}
        while max(resent, default=0) < 4:
            msg = fix.receive()
            assert msg is not None
            seq = msg.get_int(34)
            assert seq is not None
            assert msg.get(43) == b"Y", msg
            if msg.msg_type == "4" and msg.get(123) == b"Y":
                new_seq = msg.get_int(36)
                assert new_seq is not None
                for n in range(seq, new_seq):
                    resent[n] = b"gap"
            else:
                resent[seq] = msg.msg_type.encode()
        assert resent[2] == b"j"  # the application message, from the SQLite store
        assert resent[1] == resent[3] == b"gap"  # admin messages are gap-filled


class CopyToClient2(Router):
    """Answers as the placeholder does and copies every message to CLIENT2's session."""

    def on_message(
        self, session_id: str, message: ApplicationMessage, now: float, outbox: Outbox
    ) -> None:
        super().on_message(session_id, message, now, outbox)
        body = business_reject_body(message.seq, message.msg_type, 3, "copy")
        outbox.send(f"FIX.4.4:{VENUE}->CLIENT2", "j", body)


def test_message_for_a_logged_off_session_is_stored_and_resent_at_logon(db_url: str) -> None:
    sessions = [settings("CLIENT1"), settings("CLIENT2")]
    with VenueThread(sessions, db_url, router=CopyToClient2()) as venue:
        with logon(venue, "CLIENT1") as fix:
            fix.send("8", EXECUTION_REPORT)
            fix.expect("j")
        with FixClient(venue.port, "CLIENT2", VENUE) as fix:
            fix.logon()
            assert fix.expect("A").get_int(34) == 2  # seq 1 went to the stored copy
            fix.send("2", [(7, "1"), (16, "0")])
            copy = fix.expect("j")
            assert copy.get_int(34) == 1 and copy.get(43) == b"Y"
            assert copy.get(58) == b"copy"
