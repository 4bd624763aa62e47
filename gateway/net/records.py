"""Answer the session core's resends from the store plus the not-yet-committed records.

Role: `FixSession(resend_source=...)` asks synchronously for stored outbound messages. The
shell drains each session's output right after every call into it, so the records of the
current loop turn sit in the connection until the flush commits them; `merge_resend`
overlays them on what the store returns.

Invariants: ascending seq order; a pending SessionReset hides everything stored before it
(those sequence numbers belong to the previous numbering).
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.session import OutboundMessage, SessionReset, StoreRecord


def merge_resend(
    stored: Sequence[tuple[int, bytes]],
    pending: Sequence[StoreRecord],
    begin: int,
    end: int | None,
) -> list[tuple[int, bytes]]:
    """Outbound (seq, raw) with begin <= seq <= end from the store overlaid by `pending`."""
    by_seq: dict[int, bytes] = dict(stored)
    for record in pending:
        if isinstance(record, SessionReset):
            by_seq.clear()
        elif isinstance(record, OutboundMessage) and _within(record.seq, begin, end):
            by_seq[record.seq] = record.raw
    return sorted(by_seq.items())


def _within(seq: int, begin: int, end: int | None) -> bool:
    return begin <= seq and (end is None or seq <= end)
