"""Events the session core reports to the shell and the application layer.

Role: small frozen values drained with ``FixSession.next_event()``.

Invariants: events come out in the order things happened; ``Disconnect`` is always the
last event of a connection, after which the shell flushes ``data_to_send()``, persists,
writes, and closes the socket. ``LoggedOn`` means the session is now bound to this
connection (the shell's registry refuses a second connection while it is logged on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from fixspec.codec import FixMessage
from gateway.session._trusted import native_or_trusted

__all__ = [
    "ApplicationMessage",
    "Disconnect",
    "Event",
    "GarbledReceived",
    "LoggedOn",
    "LoggedOut",
    "RejectReceived",
    "RejectSent",
    "SequenceGap",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedOn:
    session_id: str
    heartbeat_interval: int
    reset_seq_nums: bool
    username: str | None = None

    def __post_init__(self) -> None:
        if self.heartbeat_interval < 1:
            raise ValueError("heartbeat_interval must be >= 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationMessage:
    """An inbound application message, validated and in sequence."""

    msg_type: str
    msg: FixMessage
    seq: int
    poss_dup: bool = False
    poss_resend: bool = False

    def __post_init__(self) -> None:
        if not self.msg_type or self.seq < 1:
            raise ValueError("an application message needs a MsgType and a seq >= 1")


_ALLOC_APP: Final[Any] = ApplicationMessage.__new__


def _native_application_message(
    msg_type: str, msg: FixMessage, seq: int, poss_dup: bool, poss_resend: bool
) -> ApplicationMessage:
    m: ApplicationMessage = _ALLOC_APP(ApplicationMessage)  # compiled only: see _trusted
    m.msg_type = msg_type  # type: ignore[misc]
    m.msg = msg  # type: ignore[misc]
    m.seq = seq  # type: ignore[misc]
    m.poss_dup = poss_dup  # type: ignore[misc]
    m.poss_resend = poss_resend  # type: ignore[misc]
    return m


#: ``ApplicationMessage`` without the checks, for the session core (positional:
#: msg_type, msg, seq, poss_dup, poss_resend).
trusted_application_message: Final[
    Callable[[str, FixMessage, int, bool, bool], ApplicationMessage]
] = native_or_trusted(ApplicationMessage, _native_application_message)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedOut:
    text: str | None
    initiated_by_peer: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Disconnect:
    """Close the connection once the pending output is flushed."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectReceived:
    """The peer sent a session-level Reject(3)."""

    ref_seq: int | None
    reason: int | None
    ref_tag: int | None
    ref_msg_type: str | None
    text: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectSent:
    """We rejected an inbound message with a session-level Reject(3)."""

    ref_seq: int
    reason: int
    ref_tag: int | None
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GarbledReceived:
    """Bytes that were not a well-formed message were ignored."""

    why: str
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SequenceGap:
    """Inbound seq too high: a ResendRequest went out for ``begin``..infinity."""

    begin: int
    received: int


Event = (
    LoggedOn
    | ApplicationMessage
    | LoggedOut
    | Disconnect
    | RejectReceived
    | RejectSent
    | GarbledReceived
    | SequenceGap
)
