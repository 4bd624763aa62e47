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

from fixspec.codec import FixMessage, ParseError, encode_body, parse
from fixspec.dictionary import HEADER
from fixspec.utctime import TimestampFormatter
from gateway.session.admin import sequence_reset_body
from gateway.session.records import OutboundMessage, SeqNumbers, SessionReset, StoreRecord
from gateway.session.settings import SessionSettings

__all__ = ["ADMIN_MSG_TYPES", "Outbox"]

ADMIN_MSG_TYPES = frozenset({"0", "1", "2", "3", "4", "5", "A"})
_HEADER_TAGS = HEADER.body


class Outbox:
    __slots__ = (
        "_begin",
        "_chunks",
        "_comp",
        "_flushed",
        "_fmt",
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
        payload = head + body
        msg = b"%s%d\x01%s" % (self._begin, len(payload), payload)
        return b"%s10=%03d\x01" % (msg, sum(msg) % 256)

    def send(self, msg_type: str, body: bytes, now: float, *, transmit: bool) -> int:
        """Number, store and (if ``transmit``) buffer a new message; returns its seq."""
        seq = self.next_seq
        raw = self.build(msg_type.encode(), seq, body, now, None)
        self.next_seq = seq + 1
        self._records.append(
            OutboundMessage(session_id=self._session_id, seq=seq, msg_type=msg_type, raw=raw)
        )
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
            records.append(
                SeqNumbers(
                    session_id=self._session_id,
                    next_sender_seq=seqs[0],
                    next_target_seq=seqs[1],
                )
            )
        return data, records
