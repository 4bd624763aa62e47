"""Framing of a FIX byte stream by BodyLength(9), with CheckSum(10) verification.

Role: turn the bytes read from a socket into whole raw messages. A frame is either a
well-formed raw message (``bytes``) or a :class:`Garbled` record that the session ignores
without consuming a sequence number.

Invariants:
- A good frame starts with ``8=<BeginString>``, ``9=<BodyLength>``, ``35=<MsgType>`` in that
  order, its BodyLength counts exactly the bytes after the SOH ending 9= up to and including
  the SOH before ``10=``, and its CheckSum is the byte sum of everything before ``10=`` mod 256,
  written as three digits.
- A frame whose BodyLength does not land on the CheckSum field is garbled up to the first
  CheckSum field at or after the declared end (the convention of the FIX engines the
  acceptance scripts were written against: a too-long length swallows the next message).
- Anything else (junk, a broken header, an oversize message) is dropped up to the next
  ``8=FIX`` that starts a field, where framing resynchronises.
- The result does not depend on how the stream is chunked across ``feed`` calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from zlib import adler32

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "Frame",
    "Framer",
    "Garbled",
    "byte_sum_mod256",
    "checksum",
]

SOH: Final = b"\x01"
DEFAULT_MAX_MESSAGE_SIZE: Final = 64 * 1024
_START: Final = b"8=FIX"
_MAX_HEAD: Final = 40  # longest "8=FIX.x.y<SOH>9=nnnnnnn<SOH>" prefix we wait for before giving up


@dataclass(frozen=True, slots=True)
class Garbled:
    """Bytes that are not a well-formed FIX message, with the reason (for logs)."""

    raw: bytes
    why: str


Frame = bytes | Garbled


def byte_sum_mod256(data: bytes) -> int:
    """``sum(data) % 256``, computed in C: Adler-32's first half is ``1 + sum`` modulo the
    prime 65521, which is exact for chunks of at most 256 bytes (256 * 255 < 65521)."""
    n = len(data)
    if n <= 256:
        return (adler32(data) - 1) & 0xFF
    total = 0
    for i in range(0, n, 256):
        total += (adler32(data[i : i + 256]) & 0xFFFF) - 1
    return total & 0xFF


def checksum(data: bytes) -> bytes:
    """The three-digit CheckSum(10) value of ``data`` (everything before ``10=``)."""
    return _CHECKSUMS[byte_sum_mod256(data)]


_CHECKSUMS: Final = tuple(b"%03d" % i for i in range(256))


class Framer:
    """Incremental framer: ``feed`` bytes, then drain ``next_frame`` until it returns None."""

    __slots__ = ("_buf", "_max")

    def __init__(self, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        if max_message_size < 32:
            raise ValueError("max_message_size is too small for any FIX message")
        self._buf = bytearray()
        self._max = max_message_size

    @property
    def buffered(self) -> int:
        """Number of bytes held back waiting for the rest of a message."""
        return len(self._buf)

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next_frame(self) -> Frame | None:
        buf = self._buf
        if not buf:
            return None
        if buf.startswith(_START):
            return self._frame_at_start()
        start = self._find_start(0)
        if start < 0:
            # No message start in sight: keep only a tail that may begin "8=FIX".
            drop = len(buf) - _tail_to_keep(buf)
            if drop <= 0:
                return None
            junk = bytes(buf[:drop])
            del buf[:drop]
            return Garbled(junk, "junk before BeginString")
        if start > 0:
            junk = bytes(buf[:start])
            del buf[:start]
            return Garbled(junk, "junk before BeginString")
        return self._frame_at_start()

    # -- internals -------------------------------------------------------------------------

    def _find_start(self, pos: int) -> int:
        """Index of the next "8=FIX" at ``pos`` or later that begins a field, or -1."""
        buf = self._buf
        while True:
            i = buf.find(_START, pos)
            if i <= 0 or buf[i - 1] == 1:
                return i
            pos = i + 1

    def _drop_to_next_start(self, why: str) -> Garbled:
        nxt = self._find_start(1)
        buf = self._buf
        if nxt < 0:
            nxt = max(len(buf) - _tail_to_keep(buf), 1)
        raw = bytes(buf[:nxt])
        del buf[:nxt]
        return Garbled(raw, why)

    def _cut(self, end: int, why: str) -> Garbled:
        raw = bytes(self._buf[:end])
        del self._buf[:end]
        return Garbled(raw, why)

    def _frame_at_start(self) -> Frame | None:
        buf = self._buf
        # 8=BeginString<SOH>
        e8 = buf.find(SOH, 0, _MAX_HEAD)
        if e8 < 0:
            if len(buf) >= _MAX_HEAD:
                return self._drop_to_next_start("BeginString too long")
            return None
        # 9=BodyLength<SOH>
        if len(buf) < e8 + 3:
            return None
        if buf[e8 + 1 : e8 + 3] != b"9=":
            return self._drop_to_next_start("BodyLength(9) is not the second field")
        e9 = buf.find(SOH, e8 + 3, e8 + 3 + 12)
        if e9 < 0:
            if len(buf) >= e8 + 3 + 12:
                return self._drop_to_next_start("BodyLength(9) malformed")
            return None
        digits = buf[e8 + 3 : e9]
        if not digits.isdigit() or len(digits) > 10:
            return self._drop_to_next_start("BodyLength(9) not a number")
        body_len = int(digits)
        body_start = e9 + 1
        body_end = body_start + body_len
        if body_end + 7 > self._max:
            return self._drop_to_next_start("message larger than the maximum size")
        if len(buf) < body_end + 7:
            return None  # wait for the body and the CheckSum field
        if buf[body_end - 1] == 1 and buf[body_end : body_end + 3] == b"10=":
            if buf[body_end + 6] != 1:
                return self._cut_at_checksum(body_end, "CheckSum(10) malformed")
            end = body_end + 7
            raw = bytes(buf[:end]) if end < len(buf) else bytes(buf)
            if raw[body_end + 3 : body_end + 6] != checksum(raw[:body_end]):
                return self._cut(end, "CheckSum(10) mismatch")
            if raw[body_start : body_start + 3] != b"35=":
                return self._cut(end, "MsgType(35) is not the third field")
            del buf[:end]
            return raw
        return self._cut_at_checksum(body_end, "BodyLength(9) mismatch")

    def _cut_at_checksum(self, body_end: int, why: str) -> Garbled | None:
        """Garble everything up to the end of the first CheckSum field at or after the
        declared end of the body; wait if that field has not arrived yet."""
        buf = self._buf
        limit = self._max  # search a bounded window so the outcome is independent of chunking
        i = buf.find(b"\x0110=", body_end - 1, limit)
        if i >= 0:
            j = buf.find(SOH, i + 4, limit)
            if j >= 0:
                return self._cut(j + 1, why)
        if len(buf) >= limit:
            return self._drop_to_next_start(why)
        return None


def _tail_to_keep(buf: bytearray) -> int:
    """Bytes to hold back when no message start is in the buffer: the longest suffix that
    is a proper prefix of "8=FIX", plus the byte before it (it decides whether a start that
    completes later begins a field), so framing does not depend on chunk boundaries."""
    for n in range(min(len(_START) - 1, len(buf)), 0, -1):
        if buf.endswith(_START[:n]):
            return min(n + 1, len(buf))
    return min(1, len(buf))
