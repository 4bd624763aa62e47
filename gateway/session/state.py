"""The session state machine: states and the legal transitions, as data.

Everything that decides which state the session may move to lives here. Handlers in the
core return the next state; ``FixSession._set_state`` is the one choke point that applies
it after checking it against :data:`TRANSITIONS`.

States (acceptor):
- AWAITING_LOGON: connected, the first message must be a valid Logon.
- ACTIVE: logged on, inbound sequence in order.
- AWAITING_RESEND: logged on, a ResendRequest is out for a gap; higher messages are queued.
- LOGOUT_SENT: we sent Logout; waiting for the peer's Logout or the logout timeout.
- DISCONNECTED: terminal; the shell closes the connection after the last flush.
"""

from __future__ import annotations

import enum
from typing import Final

from gateway.session.errors import LocalProtocolError

__all__ = [
    "HEARTBEATING",
    "LOGGED_ON",
    "SENDS_APPLICATION",
    "TRANSITIONS",
    "SessionState",
    "check_transition",
]


class SessionState(enum.Enum):
    AWAITING_LOGON = "awaiting_logon"
    ACTIVE = "active"
    AWAITING_RESEND = "awaiting_resend"
    LOGOUT_SENT = "logout_sent"
    DISCONNECTED = "disconnected"

    # Members are singletons compared by identity: hash them by identity too (in C), not
    # by name in Python (Enum.__hash__); state-set membership is on the per-message path.
    __hash__ = object.__hash__


_S = SessionState

TRANSITIONS: Final[dict[SessionState, frozenset[SessionState]]] = {
    _S.AWAITING_LOGON: frozenset(
        {_S.AWAITING_LOGON, _S.ACTIVE, _S.AWAITING_RESEND, _S.DISCONNECTED}
    ),
    _S.ACTIVE: frozenset({_S.ACTIVE, _S.AWAITING_RESEND, _S.LOGOUT_SENT, _S.DISCONNECTED}),
    _S.AWAITING_RESEND: frozenset({_S.ACTIVE, _S.AWAITING_RESEND, _S.LOGOUT_SENT, _S.DISCONNECTED}),
    _S.LOGOUT_SENT: frozenset({_S.LOGOUT_SENT, _S.DISCONNECTED}),
    _S.DISCONNECTED: frozenset({_S.DISCONNECTED}),
}

#: States in which a Logon has been accepted on this connection.
LOGGED_ON: Final = frozenset({_S.ACTIVE, _S.AWAITING_RESEND, _S.LOGOUT_SENT})

#: States in which application messages are written to the wire (otherwise only stored).
SENDS_APPLICATION: Final = frozenset({_S.ACTIVE, _S.AWAITING_RESEND})

#: States in which the heartbeat / test-request timers run.
HEARTBEATING: Final = frozenset({_S.ACTIVE, _S.AWAITING_RESEND})


def check_transition(old: SessionState, new: SessionState) -> None:
    """Raise LocalProtocolError if the core tries an illegal move (a bug, not the peer)."""
    if new not in TRANSITIONS[old]:
        raise LocalProtocolError(f"illegal session transition {old.name} -> {new.name}")
