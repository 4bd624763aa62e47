"""The regex-free format checks accept exactly what their specifying patterns match."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fixspec.checks import is_decimal, is_int, is_timestamp, is_uint
from fixspec.dictionary import FIELDS, SPEC_PATTERNS

pytestmark = pytest.mark.timeout(120)

#: Near misses: strings over the characters the formats are made of.
_near = st.binary(max_size=30).map(lambda b: bytes(b"0123456789-.:\n"[x % 14] for x in b))
_stamp_like = st.from_regex(rb"[0-9]{8}-[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,11})?", fullmatch=True)


def _agrees(check: object, value: bytes) -> None:
    pattern: re.Pattern[bytes] = SPEC_PATTERNS[check]  # type: ignore[index]
    assert bool(check(value)) == (pattern.match(value) is not None), value  # type: ignore[operator]


#: Edge cases every check meets on every run.
_EDGES = [
    b"", b"-", b".", b"-.", b"1.", b".5", b"-0.50", b"1.2.3", b"12\n",
    b"\xd9\xa3",  # a non-ASCII digit
    b"20261204-23:59:60.123456789", b"20261304-10:00:00", b"20261200-10:00:00",
    b"20261204-24:00:00", b"20261204-10:00:00.12", b"20261204-10:00:00.1234567890",
]  # fmt: skip


def _with_edges(test: Callable[..., None]) -> Callable[..., None]:
    for value in _EDGES:
        test = example(value=value)(test)
    return test


@pytest.mark.parametrize("check", [is_uint, is_int, is_decimal, is_timestamp])
@settings(max_examples=600, deadline=None)
@given(value=st.one_of(_near, st.binary(max_size=30), _stamp_like))
@_with_edges
def test_check_equals_its_pattern(check: object, value: bytes) -> None:
    _agrees(check, value)


@settings(max_examples=300, deadline=None)
@given(value=st.from_regex(SPEC_PATTERNS[is_timestamp], fullmatch=True))
def test_every_timestamp_of_the_pattern_passes(value: bytes) -> None:
    assert is_timestamp(value)


def test_the_dictionary_uses_them() -> None:
    assert FIELDS[34].check is is_uint  # MsgSeqNum
    assert FIELDS[44].check is is_decimal  # Price
    assert FIELDS[52].check is is_timestamp  # SendingTime
