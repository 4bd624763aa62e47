"""gateway.session: the FIX 4.4 session layer as a sans-I/O state machine.

Imports fixspec only: no sockets, asyncio, clocks, SQL, logging or metrics.
"""

from gateway.session._trusted import native_or_trusted, trusted_constructor
from gateway.session.admin import business_reject_body
from gateway.session.auth import hash_password, verify_password
from gateway.session.core import FixSession, ResendSource
from gateway.session.errors import LocalProtocolError
from gateway.session.events import (
    ApplicationMessage,
    Disconnect,
    Event,
    GarbledReceived,
    LoggedOn,
    LoggedOut,
    RejectReceived,
    RejectSent,
    SequenceGap,
)
from gateway.session.identify import PeerIdentity, peek_identity
from gateway.session.records import OutboundMessage, SeqNumbers, SessionReset, StoreRecord
from gateway.session.settings import Credentials, Role, SessionSettings
from gateway.session.state import SessionState

__all__ = [
    "native_or_trusted",
    "trusted_constructor",
    "ApplicationMessage",
    "Credentials",
    "Disconnect",
    "Event",
    "FixSession",
    "GarbledReceived",
    "LocalProtocolError",
    "LoggedOn",
    "LoggedOut",
    "OutboundMessage",
    "PeerIdentity",
    "RejectReceived",
    "RejectSent",
    "ResendSource",
    "Role",
    "SeqNumbers",
    "SequenceGap",
    "SessionReset",
    "SessionSettings",
    "SessionState",
    "StoreRecord",
    "business_reject_body",
    "hash_password",
    "peek_identity",
    "verify_password",
]
