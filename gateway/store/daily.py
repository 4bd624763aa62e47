"""Daily sequence-number reset: is a session's stored state older than the last reset time?

Role: one pure helper for the shell, which checks it when a session is loaded (and may check
it on a timer) and then resets the session.

Invariant: with reset time R (UTC time of day), the state is due when the most recent
occurrence of R at or before ``now`` is later than ``created_at``. A reset performed exactly
at R (``created_at == R``) is therefore not due again until the next day's R.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from gateway.store.base import as_utc


def last_reset_boundary(reset_time: time, now: datetime) -> datetime:
    """The latest moment at or before ``now`` whose UTC time of day is ``reset_time``."""
    now = as_utc(now)
    boundary = datetime.combine(now.date(), reset_time.replace(tzinfo=None), tzinfo=UTC)
    if boundary > now:
        boundary -= timedelta(days=1)
    return boundary


def due_for_reset(created_at: datetime, reset_time: time, now: datetime) -> bool:
    """Whether a session created (last reset) at ``created_at`` must be reset at ``now``."""
    return as_utc(created_at) < last_reset_boundary(reset_time, now)
