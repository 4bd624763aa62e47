"""Records the session core asks the shell to persist before it writes the bytes.

Role: the durable side effects of a flush (``FixSession.data_to_send``), in order.

Invariants: within one flush the order is ``SessionReset`` (at most one, first), then every
``OutboundMessage`` in sequence order, then at most one ``SeqNumbers`` holding the latest
numbers; the shell commits them in one transaction before writing any byte of the flush.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.session._trusted import trusted_constructor

__all__ = ["OutboundMessage", "SeqNumbers", "SessionReset", "StoreRecord"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundMessage:
    """A message we sent (or will send) with its sequence number, for resends."""

    session_id: str
    seq: int
    msg_type: str
    raw: bytes

    def __post_init__(self) -> None:
        if self.seq < 1:
            raise ValueError("seq must be >= 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class SeqNumbers:
    """The next sequence numbers, both directions, after this flush."""

    session_id: str
    next_sender_seq: int
    next_target_seq: int

    def __post_init__(self) -> None:
        if self.next_sender_seq < 1 or self.next_target_seq < 1:
            raise ValueError("sequence numbers start at 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionReset:
    """Both directions restart at 1: drop stored messages, reset the numbers."""

    session_id: str


StoreRecord = OutboundMessage | SeqNumbers | SessionReset

#: The same records without the checks, for the session core's own (valid) numbers;
#: positional, fields in declaration order.
trusted_outbound_message = trusted_constructor(OutboundMessage)
trusted_seq_numbers = trusted_constructor(SeqNumbers)
