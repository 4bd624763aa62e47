"""Bodies of the session-level messages, and the BusinessMessageReject helper.

Role: encode the body fields (no header, no trailer) of Logon, Heartbeat, TestRequest,
ResendRequest, SequenceReset, Logout, Reject and BusinessMessageReject.

Invariants: every body is a concatenation of ``tag=value<SOH>`` fields; text is encoded
latin-1 with SOH and '=' safe (SOH is replaced, it would break framing).
"""

from __future__ import annotations

__all__ = [
    "business_reject_body",
    "heartbeat_body",
    "logon_body",
    "logout_body",
    "reject_body",
    "resend_request_body",
    "sequence_reset_body",
    "test_request_body",
]


def _text(text: str) -> bytes:
    return text.replace("\x01", " ").encode("latin-1", "replace")


def logon_body(heartbeat_interval: int, *, reset_seq_num: bool) -> bytes:
    body = b"98=0\x01108=%d\x01" % heartbeat_interval
    return body + b"141=Y\x01" if reset_seq_num else body


def heartbeat_body(test_req_id: bytes | None = None) -> bytes:
    return b"" if test_req_id is None else b"112=%s\x01" % test_req_id


def test_request_body(test_req_id: bytes) -> bytes:
    return b"112=%s\x01" % test_req_id


def resend_request_body(begin: int, end: int) -> bytes:
    return b"7=%d\x0116=%d\x01" % (begin, end)


def sequence_reset_body(new_seq: int, *, gap_fill: bool) -> bytes:
    return b"123=Y\x0136=%d\x01" % new_seq if gap_fill else b"36=%d\x01" % new_seq


def logout_body(text: str | None = None) -> bytes:
    return b"" if not text else b"58=%s\x01" % _text(text)


def reject_body(
    ref_seq: int,
    reason: int,
    text: str,
    *,
    ref_tag: int | None = None,
    ref_msg_type: str | None = None,
) -> bytes:
    """Session-level Reject(3): 45, 371, 372, 373, 58."""
    parts = [b"45=%d\x01" % ref_seq]
    if ref_tag is not None:
        parts.append(b"371=%d\x01" % ref_tag)
    if ref_msg_type:
        parts.append(b"372=%s\x01" % _text(ref_msg_type))
    parts.append(b"373=%d\x01" % reason)
    if text:
        parts.append(b"58=%s\x01" % _text(text))
    return b"".join(parts)


def business_reject_body(
    ref_seq: int,
    ref_msg_type: str,
    reason: int,
    text: str | None,
    ref_id: str | None = None,
) -> bytes:
    """BusinessMessageReject(j): 45 RefSeqNum, 372 RefMsgType, 379 BusinessRejectRefID,
    380 BusinessRejectReason, 58 Text. Send it with ``session.send("j", body, now)``."""
    parts = [b"45=%d\x01372=%s\x01" % (ref_seq, _text(ref_msg_type))]
    if ref_id:
        parts.append(b"379=%s\x01" % _text(ref_id))
    parts.append(b"380=%d\x01" % reason)
    if text:
        parts.append(b"58=%s\x01" % _text(text))
    return b"".join(parts)
