"""Peek at the identity of the first message of a connection.

Role: the shell frames the first bytes, calls :func:`peek_identity` and picks the session
whose settings match (our SenderCompID = the peer's TargetCompID(56) and vice versa).
Pure and cheap; never raises on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass

from fixspec.codec import ParseError, parse

__all__ = ["PeerIdentity", "peek_identity"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerIdentity:
    begin_string: str
    msg_type: str
    sender_comp_id: str  # the peer's SenderCompID(49): our target_comp_id
    target_comp_id: str  # the peer's TargetCompID(56): our sender_comp_id


def peek_identity(raw: bytes) -> PeerIdentity | None:
    """Identity fields of one framed raw message, or None if they are missing."""
    try:
        msg = parse(raw)
    except ParseError:
        return None
    begin, mt = msg.get_str(8), msg.get_str(35)
    sender, target = msg.get_str(49), msg.get_str(56)
    if not begin or not mt or not sender or not target:
        return None
    return PeerIdentity(
        begin_string=begin, msg_type=mt, sender_comp_id=sender, target_comp_id=target
    )
