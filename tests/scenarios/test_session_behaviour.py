"""Session-core behaviours beyond the acceptance scripts, on a fake clock."""

from __future__ import annotations

import pytest

from gateway.session import (
    Credentials,
    Disconnect,
    LocalProtocolError,
    LoggedOn,
    OutboundMessage,
    RejectReceived,
    SeqNumbers,
    SessionReset,
    SessionState,
    hash_password,
)
from tests.scenarios.harness import Harness

pytestmark = pytest.mark.timeout(30)

LOGON = "35=A|34=1|98=0|108=30"


def logged_on(**kw: object) -> Harness:
    h = Harness(**kw)
    h.send(LOGON)
    h.expect("35=A|34=1|98=0|108=30")
    return h


def test_logon_event_and_records() -> None:
    h = logged_on()
    assert isinstance(h.events[0], LoggedOn)
    assert h.session.state is SessionState.ACTIVE and h.session.is_logged_on
    assert h.store.messages[1].startswith(b"8=FIX.4.4\x01")
    assert (h.store.next_sender, h.store.next_target) == (2, 2)


def test_records_order_reset_first_then_messages_then_numbers() -> None:
    h = Harness()
    h.session.receive_data(b"", h.now)
    from tests.scenarios.harness import fixify

    h.session.receive_data(
        fixify("8=FIX.4.4|35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=30", h.now), h.now
    )
    _, records = h.session.data_to_send()
    assert [type(r) for r in records] == [SessionReset, OutboundMessage, SeqNumbers]
    _, again = h.session.data_to_send()
    assert again == []  # numbers unchanged: no record


def test_reset_seq_num_flag_answered_with_141() -> None:
    h = Harness()
    h.send("35=A|34=1|98=0|108=30|141=Y")
    h.expect("35=A|34=1|141=Y")


def test_mid_session_logon_with_reset_resets_both_directions() -> None:
    h = logged_on()
    h.send("35=0|34=2")
    h.send("35=A|34=1|98=0|108=30|141=Y")
    h.expect("35=A|34=1|141=Y")
    assert h.store.messages.keys() == {1}
    h.send("35=1|34=2|112=X")
    h.expect("35=0|34=2|112=X")


@pytest.mark.parametrize(
    ("logon", "why"),
    [
        ("35=A|34=1|98=1|108=30", "EncryptMethod"),
        ("35=A|34=1|98=0|108=0", "HeartBtInt"),
        ("35=A|34=1|98=0|108=9999", "HeartBtInt"),
    ],
)
def test_bad_logon_parameters_logout_and_disconnect(logon: str, why: str) -> None:
    h = Harness()
    h.send(logon)
    msg = h.expect("35=5")
    assert why in (msg.get_str(58) or "")
    h.expect_disconnect(allow_logout=False)


def test_credentials_checked() -> None:
    creds = Credentials(username="alice", password_hash=hash_password("s3cret", iterations=1000))
    h = Harness(credentials=creds)
    h.send("35=A|34=1|98=0|108=30|553=alice|554=wrong")
    h.expect("35=5")
    h.expect_disconnect(allow_logout=False)
    h = Harness(credentials=creds)
    h.send("35=A|34=1|98=0|108=30|553=alice|554=s3cret")
    h.expect("35=A|34=1")
    assert isinstance(h.events[0], LoggedOn) and h.events[0].username == "alice"


def test_logon_timeout() -> None:
    h = Harness()
    h.raw(b"8=FIX.4.4\x01")  # starts the clock, no complete message
    h.advance(9.9)
    assert not h.disconnected
    h.advance(0.2)
    assert h.disconnected


def test_logon_seq_too_low_without_reset() -> None:
    h = Harness(reset_on_logon=False)
    h.store.next_target = 5
    h.connect()
    h.send("35=A|34=3|98=0|108=30")
    msg = h.expect("35=5")
    assert "expecting 5 but received 3" in (msg.get_str(58) or "")
    h.expect_disconnect(allow_logout=False)


def test_heartbeat_and_test_request_timers() -> None:
    h = logged_on()
    h.advance(29.9)
    h.expect_nothing()
    h.advance(0.1)
    h.expect("35=0|34=2")
    h.advance(6.0)  # 36 s inbound silence = 1.2 x 30
    tr = h.expect("35=1|34=3")
    assert tr.get(112)
    h.advance(30.0)  # no heartbeat while the TestRequest is outstanding
    h.expect_nothing()
    h.advance(6.0)  # 72 s = 2.4 x 30
    h.expect_disconnect()


def test_test_request_answered_clears_timer() -> None:
    h = logged_on()
    h.advance(36.0)
    h.expect("35=0")
    tr = h.expect("35=1")
    h.send(f"35=0|34=2|112={tr.get_str(112)}")
    h.advance(30.0)
    h.expect("35=0")
    assert not h.disconnected


def test_sequence_reset_gap_fill_and_reset_modes() -> None:
    h = logged_on()
    h.send("35=4|34=2|123=Y|36=10")
    assert h.session.next_target_seq == 10
    h.send("35=4|34=10|123=Y|36=5")  # lowering: Reject 5 on 36, number consumed
    h.expect("35=3|45=10|373=5|371=36")
    assert h.session.next_target_seq == 11
    h.send("35=4|34=1|36=20")  # reset mode: seq ignored
    assert h.session.next_target_seq == 20
    h.send("35=4|34=1|36=3")  # reset mode lowering: rejected, unchanged
    h.expect("35=3|373=5|371=36")
    assert h.session.next_target_seq == 20


def test_gap_filled_by_gap_fill_drains_queue() -> None:
    h = logged_on()
    h.send("35=1|34=5|112=Q")
    h.expect("35=2|7=2|16=0")
    assert h.session.state is SessionState.AWAITING_RESEND
    h.send("35=4|34=2|43=Y|122=<TIME>|123=Y|36=5")
    h.expect("35=0|112=Q")
    assert h.session.state is SessionState.ACTIVE and h.session.next_target_seq == 6


def test_resend_with_holes_in_store_gap_fills() -> None:
    h = logged_on()
    for _ in range(3):
        h.session.send("8", b"37=O\x01", h.now)
    h._pump()
    for seq in (2, 3, 4):
        h.expect(f"35=8|34={seq}")
    del h.store.messages[3]
    h.send("35=2|34=2|7=2|16=0")
    h.expect("35=8|34=2|43=Y|122=x")
    h.expect("35=4|34=3|43=Y|123=Y|36=4")
    h.expect("35=8|34=4|43=Y")


def test_send_while_not_logged_on_is_stored_not_written() -> None:
    h = Harness()
    seq = h.session.send("8", b"37=O\x01", h.now)
    data, records = h.session.data_to_send()
    assert seq == 1 and data == b""
    assert isinstance(records[0], OutboundMessage) and records[0].seq == 1
    with pytest.raises(LocalProtocolError):
        h.session.send("0", b"", h.now)
    with pytest.raises(LocalProtocolError):
        h.session.send("8", b"37=O", h.now)


def test_local_logout_and_timeout() -> None:
    h = logged_on()
    h.session.logout("shutting down", h.now)
    h._pump()
    msg = h.expect("35=5|34=2")
    assert msg.get_str(58) == "shutting down"
    assert h.session.state is SessionState.LOGOUT_SENT
    h.advance(1.9)
    assert not h.disconnected
    h.advance(0.2)
    assert h.disconnected


def test_local_logout_answered() -> None:
    h = logged_on()
    h.session.logout(None, h.now)
    h._pump()
    h.expect("35=5")
    h.send("35=5|34=2")
    h.expect_disconnect(allow_logout=False)


def test_reject_received_event_and_connection_lost() -> None:
    h = logged_on()
    h.send("35=3|34=2|45=1|373=5|371=36|58=bad")
    ev = [e for e in h.events if isinstance(e, RejectReceived)][0]
    assert (ev.ref_seq, ev.reason, ev.ref_tag, ev.text) == (1, 5, 36, "bad")
    h.session.connection_lost(h.now)
    h._pump()
    assert isinstance(h.events[-1], Disconnect)
    assert h.session.get_timer() is None


def test_queue_limit() -> None:
    h = logged_on(max_queued_messages=2)
    h.send("35=0|34=5")
    h.expect("35=2")
    h.send("35=0|34=6")
    h.send("35=0|34=7")
    h.expect_disconnect()


def test_garbled_after_logon_ignored_without_seq_advance() -> None:
    h = logged_on()
    h.raw(b"8=FIX.4.4\x019=5\x0135=0\x0110=000\x01")
    h.raw(b"garbage\x01")
    assert h.session.next_target_seq == 2 and not h.disconnected
    h.send("35=1|34=2|112=A")
    h.expect("35=0|112=A")


def test_missing_msgseqnum_logs_out() -> None:
    h = logged_on()
    h.send("35=0|112=A")
    h.expect("35=5")
    assert h.session.state is SessionState.LOGOUT_SENT


def test_logout_reply_to_our_logout_consumes_its_sequence_number() -> None:
    # A restart after a clean shutdown must not ask for the peer's Logout again.
    h = logged_on()
    h.send("35=0|34=2")
    h.session.logout("bye", h.now)
    h._pump()
    h.expect("35=5")
    h.send("35=5|34=3")
    h.expect_disconnect(allow_logout=False)
    assert h.session.next_target_seq == 4
    assert h.store.next_target == 4
