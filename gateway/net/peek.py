"""Identify the session a new connection addresses, from its first complete frame.

Role: before a connection is bound to a FIX session, its bytes are framed here (fixspec's
BodyLength/CheckSum framer, bounded by the maximum message size) until the first frame is
complete. That frame must be a well-formed Logon; its BeginString and CompIDs pick the
configured session. The bytes are kept so that the session core sees the whole stream
from its first byte (it validates the Logon itself: SendingTime, HeartBtInt, credentials).

Invariants: bounded memory (at most one maximum-size message is held); no session state
is touched; the verdict is final (a connection is identified once).
"""

from __future__ import annotations

from dataclasses import dataclass

from fixspec.framing import Framer, Garbled
from gateway.session import PeerIdentity, peek_identity


@dataclass(frozen=True, slots=True)
class Refusal:
    """The first message cannot start a session; the connection is dropped."""

    why: str


class LogonPeeker:
    """Accumulates the first bytes of a connection until the first frame is complete."""

    def __init__(self, max_message_size: int) -> None:
        self._framer = Framer(max_message_size=max_message_size)
        self._buffer = bytearray()
        self._max = max_message_size

    def feed(self, data: bytes) -> PeerIdentity | Refusal | None:
        """Add bytes; return the verdict once the first frame is complete, else None."""
        self._buffer += data
        self._framer.feed(data)
        frame = self._framer.next_frame()
        if frame is None:
            if len(self._buffer) > 2 * self._max:
                return Refusal(f"no complete message in the first {len(self._buffer)} bytes")
            return None
        if isinstance(frame, Garbled):
            return Refusal(f"garbled first message: {frame.why}")
        return identify(frame)

    def take_buffer(self) -> bytes:
        """Every byte received so far (for the session core), then forget them."""
        data = bytes(self._buffer)
        self._buffer = bytearray()
        return data


def identify(raw: bytes) -> PeerIdentity | Refusal:
    """The identity of a first message, or why it cannot start a session."""
    identity = peek_identity(raw)
    if identity is None:
        return Refusal("first message lacks BeginString, MsgType or CompIDs")
    if identity.msg_type != "A":
        return Refusal(f"first message is not a Logon (35={identity.msg_type})")
    return identity
