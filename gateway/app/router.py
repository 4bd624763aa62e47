"""Application router (placeholder): every application message gets a BusinessMessageReject.

Role: the seam between the asyncio shell and the application layer. The shell calls
`on_message(session_id, message, now, outbox)` for each ApplicationMessage event of a
logged-on session, `on_session_down` when a logged-on session's connection ends, and
`tick(now, outbox)` about once a second (schedules, expiries). The router answers by
calling `outbox.send(session_id, msg_type, body)` for any session, logged on or not (a
passive fill belongs to another session; a logged-off session stores it for a resend).
`body` is the encoded application fields, without header and trailer.

This placeholder answers every message with BusinessMessageReject (35=j) 380=3
"unsupported message type", quoting RefSeqNum (45) and RefMsgType (372). The order-entry
layer replaces it behind the same seam.

Invariants: synchronous, no I/O; exactly one answer per application message.
"""

from __future__ import annotations

from typing import Protocol

from gateway.session import ApplicationMessage, business_reject_body

MSG_TYPE_BUSINESS_MESSAGE_REJECT = "j"
UNSUPPORTED_MESSAGE_TYPE = 3  # BusinessRejectReason (380)


class Outbox(Protocol):
    """Where the application layer hands outbound application messages."""

    def send(self, session_id: str, msg_type: str, body: bytes) -> None: ...


class AppRouter(Protocol):
    """What the shell calls: every application message, session ends, and a clock tick."""

    def on_message(
        self, session_id: str, message: ApplicationMessage, now: float, outbox: Outbox
    ) -> None: ...

    def on_session_down(self, session_id: str, now: float, outbox: Outbox) -> None: ...

    def tick(self, now: float, outbox: Outbox) -> None: ...


class Router:
    """Placeholder router: rejects every application message as unsupported."""

    def on_session_down(self, session_id: str, now: float, outbox: Outbox) -> None:
        return None

    def tick(self, now: float, outbox: Outbox) -> None:
        return None

    def on_message(
        self, session_id: str, message: ApplicationMessage, now: float, outbox: Outbox
    ) -> None:
        body = business_reject_body(
            message.seq,
            message.msg_type,
            UNSUPPORTED_MESSAGE_TYPE,
            f"Unsupported message type {message.msg_type}",
        )
        outbox.send(session_id, MSG_TYPE_BUSINESS_MESSAGE_REJECT, body)
