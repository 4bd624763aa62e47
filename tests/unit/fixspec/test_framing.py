"""fixspec.framing: good frames, garbled frames and resynchronisation."""

from __future__ import annotations

import pytest

from fixspec.framing import Framer, Garbled, checksum

pytestmark = pytest.mark.timeout(30)


def build(body: bytes) -> bytes:
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    return head + body + b"10=" + checksum(head + body) + b"\x01"


GOOD = build(b"35=0\x0134=2\x0149=A\x0156=B\x01")


def frames(data: bytes, max_size: int = 65536) -> list[bytes | Garbled]:
    f = Framer(max_size)
    f.feed(data)
    out: list[bytes | Garbled] = []
    while (x := f.next_frame()) is not None:
        out.append(x)
    return out


def test_good_frame_and_partial() -> None:
    assert frames(GOOD) == [GOOD]
    assert frames(GOOD[:-1]) == []


def test_bad_checksum_garbled_then_next_ok() -> None:
    bad = GOOD[:-4] + b"%03d\x01" % ((int(GOOD[-4:-1]) + 1) % 256)
    out = frames(bad + GOOD)
    assert isinstance(out[0], Garbled) and "CheckSum" in out[0].why and out[1] == GOOD


def test_body_length_too_short_cut_at_own_checksum() -> None:
    bad = GOOD.replace(b"\x019=20\x01", b"\x019=10\x01")
    assert bad != GOOD
    out = frames(bad + GOOD)
    assert isinstance(out[0], Garbled) and out[1] == GOOD


def test_body_length_too_long_swallows_next() -> None:
    body = b"35=0\x0134=2\x01"
    head = b"8=FIX.4.4\x019=%d\x01" % (len(body) + 20)
    bad = head + body + b"10=000\x01"
    out = frames(bad + GOOD + GOOD)
    assert isinstance(out[0], Garbled) and out[1:] == [GOOD]


def test_first_three_fields_out_of_order() -> None:
    body = b"34=2\x0135=0\x01"
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    bad = head + body + b"10=" + checksum(head + body) + b"\x01"
    out = frames(b"35=0\x01" + bad + GOOD)
    assert [type(x) for x in out] == [Garbled, Garbled, bytes]


def test_junk_and_oversize() -> None:
    out = frames(b"hello world\x01" + GOOD)
    assert isinstance(out[0], Garbled) and out[-1] == GOOD
    big = build(b"35=0\x01" + b"58=" + b"x" * 200 + b"\x01")
    out = frames(big + GOOD, max_size=100)
    assert isinstance(out[0], Garbled) and out[-1] == GOOD


def test_bad_body_length_value() -> None:
    out = frames(b"8=FIX.4.4\x019=abc\x0135=0\x0110=000\x01" + GOOD)
    assert isinstance(out[0], Garbled) and out[-1] == GOOD
