"""venue_time: the journal's microsecond instant, whatever second came before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.app.model import micros, venue_time

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_now = st.floats(min_value=0.0, max_value=4_102_444_800.0)  # up to 2100


@settings(max_examples=500, deadline=None)
@given(times=st.lists(_now, min_size=1, max_size=6))
def test_venue_time_is_the_truncated_microsecond(times: list[float]) -> None:
    for now in times:  # in any order: the per-second cache must not leak a stale second
        at, at_us = venue_time(now)
        assert at_us == int(now * 1_000_000)
        assert at == _EPOCH + timedelta(microseconds=at_us)
        assert at.tzinfo is UTC and micros(at) == at_us


def test_midnight_and_back() -> None:
    before = 1_764_892_799.5  # 2025-12-04 23:59:59.5
    after = before + 1.0
    assert venue_time(before)[0] == datetime(2025, 12, 4, 23, 59, 59, 500_000, UTC)
    assert venue_time(after)[0] == datetime(2025, 12, 5, 0, 0, 0, 500_000, UTC)
    assert venue_time(before)[0] == datetime(2025, 12, 4, 23, 59, 59, 500_000, UTC)
