"""Units of gateway.session: settings, state table, auth, bodies, identity peek."""

from __future__ import annotations

import pytest

from fixspec.codec import parse
from fixspec.utctime import format_timestamp, parse_timestamp
from gateway.session import (
    LocalProtocolError,
    SessionSettings,
    SessionState,
    business_reject_body,
    hash_password,
    peek_identity,
    verify_password,
)
from gateway.session.state import TRANSITIONS, check_transition
from tests.scenarios.harness import fixify

pytestmark = pytest.mark.timeout(30)


def test_settings_validation() -> None:
    with pytest.raises(ValueError):
        SessionSettings(session_id="s", sender_comp_id="", target_comp_id="B")
    with pytest.raises(ValueError):
        SessionSettings(
            session_id="s", sender_comp_id="A", target_comp_id="B", test_request_factor=3
        )


def test_state_table_is_total_and_disconnected_terminal() -> None:
    assert set(TRANSITIONS) == set(SessionState)
    assert TRANSITIONS[SessionState.DISCONNECTED] == {SessionState.DISCONNECTED}
    with pytest.raises(LocalProtocolError):
        check_transition(SessionState.LOGOUT_SENT, SessionState.ACTIVE)


def test_auth_roundtrip() -> None:
    stored = hash_password("pw", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$")
    assert verify_password("pw", stored) and not verify_password("px", stored)
    assert not verify_password("pw", "garbage")


def test_business_reject_body() -> None:
    body = business_reject_body(2, "8", 3, "Unsupported Message Type", ref_id="X")
    assert body == b"45=2\x01372=8\x01379=X\x01380=3\x0158=Unsupported Message Type\x01"


def test_peek_identity() -> None:
    raw = fixify("8=FIX.4.4|35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=30", 1e9)
    ident = peek_identity(raw)
    assert ident is not None and (ident.sender_comp_id, ident.target_comp_id) == ("TW44", "ISLD")
    assert peek_identity(b"8=FIX.4.4\x01junk\x01") is None


def test_timestamps_roundtrip() -> None:
    t = 1_700_000_000.123
    s = format_timestamp(t)
    assert s == b"20231114-22:13:20.123"
    assert parse_timestamp(s) == pytest.approx(t, abs=1e-6)
    assert parse_timestamp(b"20231114-22:13:20") == 1_700_000_000.0
    assert parse_timestamp(b"2023-11-14") is None


def test_outbound_message_layout() -> None:
    from tests.scenarios.harness import Harness

    h = Harness()
    h.send("35=A|34=1|98=0|108=30")
    msg = h.expect("35=A|34=1")
    assert [t for t, _ in msg.pairs][:7] == [8, 9, 35, 49, 56, 34, 52]
    assert parse(msg.raw).pairs[-1][0] == 10
