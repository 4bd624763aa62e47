"""Daily sequence reset: due when the last reset boundary is after created_at."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from gateway.store.daily import due_for_reset, last_reset_boundary

pytestmark = pytest.mark.timeout(10)

R = time(5, 0, 0)


def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2024, 3, day, hh, mm, ss, tzinfo=UTC)


@pytest.mark.parametrize(
    ("created", "now", "due"),
    [
        (at(1, 6), at(1, 7), False),  # created after today's boundary
        (at(1, 4), at(1, 4, 59, 59), False),  # boundary not reached yet
        (at(1, 4), at(1, 5), True),  # boundary reached exactly
        (at(1, 4), at(1, 6), True),
        (at(1, 5), at(2, 4), False),  # reset at the boundary: not due before the next one
        (at(1, 5), at(2, 5), True),
        (at(1, 6), at(3, 1), True),  # a day or more later
        (at(1, 23), at(2, 4), False),  # over midnight, before the boundary
    ],
)
def test_due_for_reset(created: datetime, now: datetime, due: bool) -> None:
    assert due_for_reset(created, R, now) is due


def test_boundary_before_the_reset_time_is_yesterday() -> None:
    assert last_reset_boundary(R, at(2, 4)) == at(1, 5)
    assert last_reset_boundary(R, at(2, 5)) == at(2, 5)


def test_other_offsets_and_naive_values_are_utc() -> None:
    plus2 = timezone(timedelta(hours=2))
    created = datetime(2024, 3, 1, 6, 30, tzinfo=plus2)  # 04:30 UTC
    assert due_for_reset(created, R, at(1, 5, 1))
    assert not due_for_reset(datetime(2024, 3, 1, 5, 30), R, at(2, 4))  # naive = UTC
