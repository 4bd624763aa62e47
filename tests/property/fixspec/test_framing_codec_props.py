"""Properties of framing and parsing (hypothesis)."""

from __future__ import annotations

import pytest
import simplefix
from hypothesis import given, settings
from hypothesis import strategies as st

from fixspec.codec import DATA_LENGTH_TAGS, parse
from fixspec.framing import Framer, Garbled, checksum

pytestmark = pytest.mark.timeout(120)

_value = st.binary(min_size=1, max_size=12).filter(lambda b: b"\x01" not in b and b"=" not in b)
_DATA = set(DATA_LENGTH_TAGS) | set(DATA_LENGTH_TAGS.values()) | {10}
_tag = st.integers(min_value=11, max_value=960).filter(lambda t: t not in _DATA)
_fields = st.lists(st.tuples(_tag, _value), min_size=0, max_size=12)


def build(pairs: list[tuple[int, bytes]], seq: int) -> bytes:
    body = b"35=0\x0134=%d\x01" % seq + b"".join(b"%d=%s\x01" % (t, v) for t, v in pairs)
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    return head + body + b"10=" + checksum(head + body) + b"\x01"


def frame_all(chunks: list[bytes]) -> list[bytes | Garbled]:
    f = Framer()
    out: list[bytes | Garbled] = []
    for c in chunks:
        f.feed(c)
        while (fr := f.next_frame()) is not None:
            out.append(fr)
    return out


@st.composite
def stream_and_cuts(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    msgs = [build(draw(_fields), i + 1) for i in range(draw(st.integers(1, 5)))]
    junk = draw(st.lists(st.binary(max_size=8), min_size=len(msgs), max_size=len(msgs)))
    stream = b"".join(j + m for j, m in zip(junk, msgs, strict=True))
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    return stream, cuts


@settings(max_examples=300, deadline=None)
@given(stream_and_cuts())
def test_any_chunking_frames_identically(sc: tuple[bytes, list[int]]) -> None:
    stream, cuts = sc
    whole = [f for f in frame_all([stream]) if isinstance(f, bytes)]
    bounds = [0, *cuts, len(stream)]
    chunks = [stream[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    chunked = [f for f in frame_all(chunks) if isinstance(f, bytes)]
    assert chunked == whole


@settings(max_examples=300, deadline=None)
@given(_fields, st.data())
def test_one_corrupted_byte_is_garbled(pairs: list[tuple[int, bytes]], data: st.DataObject) -> None:
    good = build(pairs, 2)
    i = data.draw(st.integers(0, len(good) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != good[i]))
    bad = good[:i] + bytes([new]) + good[i + 1 :]
    follow = build([], 3)
    frames = frame_all([bad + follow])
    goods = [f for f in frames if isinstance(f, bytes)]
    # the corrupted message never comes out as a good frame; framing recovers at the latest
    # with the next message (or swallows it when the corruption lengthened BodyLength)
    assert bad not in goods
    assert all(g == follow for g in goods)


@settings(max_examples=300, deadline=None)
@given(_fields)
def test_parser_matches_simplefix(pairs: list[tuple[int, bytes]]) -> None:
    raw = build(pairs, 7)
    p = simplefix.FixParser()
    p.append_buffer(raw)
    ref = p.get_message()
    assert ref is not None
    ours = parse(raw)
    assert [(int(t), v) for t, v in ref.pairs] == ours.pairs


def test_parser_reads_data_fields_by_length() -> None:
    raw = build([(95, b"5"), (96, b"a\x01b=c")], 1)
    ours = parse(raw)
    p = simplefix.FixParser()
    p.append_buffer(raw)
    ref = p.get_message()
    assert ref is not None
    assert [(int(t), v) for t, v in ref.pairs] == ours.pairs
    assert ours.get(96) == b"a\x01b=c"


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_corrupted_byte_does_not_advance_session_seq(data: st.DataObject) -> None:
    from tests.scenarios.harness import Harness, fixify

    h = Harness()
    h.send("35=A|34=1|98=0|108=30")
    h.expect("35=A")
    good = fixify("8=FIX.4.4|35=0|34=2|49=TW44|52=<TIME>|56=ISLD|", h.now)
    i = data.draw(st.integers(0, len(good) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != good[i]))
    h.raw(good[:i] + bytes([new]) + good[i + 1 :])
    assert h.session.next_target_seq == 2
    assert not h.disconnected
