"""The outbound half of a session: numbering, header/trailer, store records, resends.

Role: build every message we send (header 8, 9, 35, 49, 56, 34, [43], 52, [122]; trailer
10), number it, record it for the store, and buffer the bytes until the shell drains them.

Invariants:
- ``next_seq`` advances by one per new message, whether or not it is transmitted (a message
  that cannot be written now is still stored, so a later ResendRequest can deliver it).
- Resent messages and gap fills keep their original numbers, carry PossDupFlag=Y and
  OrigSendingTime, and are never stored again.
- Records come out in the order they happened; one ``SeqNumbers`` per drain, last, when the
  numbers changed since the previous drain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from fixspec.codec import FixMessage, ParseError, encode_body, parse
from fixspec.dictionary import HEADER
from fixspec.framing import byte_sum_mod256
from fixspec.utctime import TimestampFormatter
from gateway.session.admin import sequence_reset_body
from gateway.session.records import (
    SessionReset,
    StoreRecord,
    trusted_outbound_message,
    trusted_seq_numbers,
)
from gateway.session.settings import SessionSettings

__all__ = ["ADMIN_MSG_TYPES", "Outbox"]

ADMIN_MSG_TYPES: Final = frozenset({"0", "1", "2", "3", "4", "5", "A"})
_HEADER_TAGS: Final = HEADER.body
_CHECKSUM_FIELDS: Final = tuple(b"10=%03d\x01" % i for i in range(256))


class Outbox:
    __slots__ = (
        "_begin",
        "_chunks",
        "_comp",
        "_flushed",
        "_fmt",
        "_heads",
        "_records",
        "_session_id",
        "last_sent",
        "next_seq",
    )

    def __init__(self, settings: SessionSettings, next_seq: int) -> None:
        if next_seq < 1:
            raise ValueError("next_sender_seq must be >= 1")
        self._session_id = settings.session_id
        self._begin = b"8=%s\x019=" % settings.begin_string.encode()
        self._comp = b"\x0149=%s\x0156=%s\x0134=" % (
            settings.sender_comp_id.encode(),
            settings.target_comp_id.encode(),
        )
        self._fmt = TimestampFormatter()
        self._heads: dict[str, bytes] = {}  # msg_type -> b"35=<type><SOH>49=..<SOH>34="
        self._chunks: list[bytes] = []
        self._records: list[StoreRecord] = []
        self._flushed: tuple[int, int] | None = None
        self.next_seq = next_seq
        self.last_sent: float | None = None

    def build(
        self, msg_type: bytes, seq: int, body: bytes, now: float, orig_sending: bytes | None
    ) -> bytes:
        """A complete message; ``orig_sending`` set means a possible duplicate (43=Y, 122)."""
        ts = self._fmt(now)
        if orig_sending is None:
            head = b"35=%s%s%d\x0152=%s\x01" % (msg_type, self._comp, seq, ts)
        else:
            head = b"35=%s%s%d\x0143=Y\x0152=%s\x01122=%s\x01" % (
                msg_type,
                self._comp,
                seq,
                ts,
                orig_sending,
            )
        return self._finish(head, body)

    def _finish(self, head: bytes, body: bytes) -> bytes:
        """BeginString and BodyLength before ``head + body``, CheckSum after."""
        msg = b"%s%d\x01%s%s" % (self._begin, len(head) + len(body), head, body)
        return msg + _CHECKSUM_FIELDS[byte_sum_mod256(msg)]

    def send(self, msg_type: str, body: bytes, now: float, *, transmit: bool) -> int:
        """Number, store and (if ``transmit``) buffer a new message; returns its seq."""
        seq = self.next_seq
        prefix = self._heads.get(msg_type)
        if prefix is None:
            prefix = self._heads[msg_type] = b"35=%s%s" % (msg_type.encode(), self._comp)
        raw = self._finish(b"%s%d\x0152=%s\x01" % (prefix, seq, self._fmt(now)), body)
        self.next_seq = seq + 1
        self._records.append(trusted_outbound_message(self._session_id, seq, msg_type, raw))
        if transmit:
            self._chunks.append(raw)
            self.last_sent = now
        return seq

    def reset(self) -> None:
        """Both directions restart at 1 (the caller resets the inbound side)."""
        self.next_seq = 1
        self._records.append(SessionReset(session_id=self._session_id))

    def resend(self, stored: Iterable[tuple[int, bytes]], begin: int, end: int, now: float) -> None:
        """Answer a ResendRequest for ``begin``..``end`` (inclusive): application messages
        again with PossDupFlag=Y, admin messages and holes as SequenceReset-GapFill."""
        nxt = begin
        for seq, raw in sorted(stored):
            if seq < nxt or seq > end:
                continue
            try:
                msg = parse(raw)
            except ParseError:
                continue  # an unreadable stored message is gap-filled
            if msg.msg_type in ADMIN_MSG_TYPES:
                continue
            if seq > nxt:
                self._gap_fill(nxt, seq, now)
            self._resend_one(msg, seq, now)
            nxt = seq + 1
        if nxt <= end:
            self._gap_fill(nxt, end + 1, now)

    def _gap_fill(self, seq: int, new_seq: int, now: float) -> None:
        body = sequence_reset_body(new_seq, gap_fill=True)
        self._chunks.append(self.build(b"4", seq, body, now, self._fmt(now)))
        self.last_sent = now

    def _resend_one(self, msg: FixMessage, seq: int, now: float) -> None:
        orig = msg.get(52) or self._fmt(now)
        body = encode_body((t, v) for t, v in msg.pairs if t not in _HEADER_TAGS and t != 10)
        mt = msg.get(35) or b""
        self._chunks.append(self.build(mt, seq, body, now, orig))
        self.last_sent = now

    def drain(self, next_target_seq: int) -> tuple[bytes, list[StoreRecord]]:
        data = b"".join(self._chunks)
        self._chunks.clear()
        records = self._records
        self._records = []
        seqs = (self.next_seq, next_target_seq)
        if seqs != self._flushed:
            self._flushed = seqs
            records.append(trusted_seq_numbers(self._session_id, seqs[0], seqs[1]))
        return data, records
