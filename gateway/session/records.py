"""Records the session core asks the shell to persist before it writes the bytes.

Role: the durable side effects of a flush (``FixSession.data_to_send``), in order.

Invariants: within one flush the order is ``SessionReset`` (at most one, first), then every
``OutboundMessage`` in sequence order, then at most one ``SeqNumbers`` holding the latest
numbers; the shell commits them in one transaction before writing any byte of the flush.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from gateway.session._trusted import native_or_trusted

__all__ = ["OutboundMessage", "SeqNumbers", "SessionReset", "StoreRecord", "as_tuples"]


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

_ALLOC_OUTBOUND: Final[Any] = OutboundMessage.__new__
_ALLOC_NUMBERS: Final[Any] = SeqNumbers.__new__


def _native_outbound_message(
    session_id: str, seq: int, msg_type: str, raw: bytes
) -> OutboundMessage:
    m: OutboundMessage = _ALLOC_OUTBOUND(OutboundMessage)  # compiled only: see _trusted
    m.session_id = session_id  # type: ignore[misc]
    m.seq = seq  # type: ignore[misc]
    m.msg_type = msg_type  # type: ignore[misc]
    m.raw = raw  # type: ignore[misc]
    return m


def _native_seq_numbers(session_id: str, next_sender_seq: int, next_target_seq: int) -> SeqNumbers:
    n: SeqNumbers = _ALLOC_NUMBERS(SeqNumbers)  # compiled only: see _trusted
    n.session_id = session_id  # type: ignore[misc]
    n.next_sender_seq = next_sender_seq  # type: ignore[misc]
    n.next_target_seq = next_target_seq  # type: ignore[misc]
    return n


#: The same records without the checks, for the session core's own (valid) numbers;
#: positional, fields in declaration order.
trusted_outbound_message: Final[Callable[[str, int, str, bytes], OutboundMessage]] = (
    native_or_trusted(OutboundMessage, _native_outbound_message)
)
trusted_seq_numbers: Final[Callable[[str, int, int], SeqNumbers]] = native_or_trusted(
    SeqNumbers, _native_seq_numbers
)


def as_tuples(records: Iterable[StoreRecord]) -> list[tuple[Any, ...]]:
    """Each record as a plain tuple, cheap to serialise: ``("m", session_id, seq, msg_type,
    raw)``, ``("s", session_id, next_sender_seq, next_target_seq)`` or ``("r", session_id)``."""
    out: list[tuple[Any, ...]] = []
    for r in records:
        if isinstance(r, OutboundMessage):
            out.append(("m", r.session_id, r.seq, r.msg_type, r.raw))
        elif isinstance(r, SeqNumbers):
            out.append(("s", r.session_id, r.next_sender_seq, r.next_target_seq))
        elif isinstance(r, SessionReset):
            out.append(("r", r.session_id))
        else:
            raise TypeError(f"not a store record: {r!r}")
    return out
