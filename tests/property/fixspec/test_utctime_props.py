"""The cached UTCTimestamp formatter writes what strftime writes, whatever the call order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixspec.utctime import TimestampFormatter, parse_timestamp

pytestmark = pytest.mark.timeout(120)

#: Whole milliseconds from 1970 to 2100, often close together (the cache's cases).
_ms = st.integers(min_value=0, max_value=4_102_444_800_000)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_ms, st.integers(min_value=0, max_value=2_500)), max_size=20))
def test_formatter_matches_strftime(stamps: list[tuple[int, int]]) -> None:
    fmt = TimestampFormatter()
    for base, step in stamps:
        for ms in (base, base + step, base + step):  # a repeat, a new second or millisecond
            expected = datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y%m%d-%H:%M:%S")
            text = fmt((ms + 0.5) / 1000)  # mid-millisecond: no float rounding at the edge
            assert text == f"{expected}.{ms % 1000:03d}".encode(), ms
            assert parse_timestamp(text) == pytest.approx(ms / 1000, abs=1e-6)
