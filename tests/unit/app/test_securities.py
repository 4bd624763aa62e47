"""security_list: SecurityListRequest (x) -> SecurityList (y) over a real venue engine."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fixspec.codec import FixMessage, encode_body, encode_field, parse
from fixspec.validate import validate
from gateway.app.securities import security_list
from venue.engine import Engine
from venue.instruments import Instrument

pytestmark = pytest.mark.timeout(60)

NOW = datetime(2024, 1, 2, 10, tzinfo=UTC)
ENGINE = Engine(
    [
        Instrument(symbol="AAA", tick_size=Decimal("0.01")),
        Instrument(
            symbol="BBB", tick_size=Decimal("0.25"), lot_size=10, min_qty=20, currency="EUR"
        ),
    ]
)


def wrap(msg_type: str, body: bytes) -> FixMessage:
    head = encode_body(
        [(35, msg_type), (49, "VENUE"), (56, "CLIENT"), (34, 3), (52, "20240102-10:00:00.000")]
    )
    content = head + body
    raw = encode_field(8, "FIX.4.4") + encode_field(9, len(content)) + content
    return parse(raw + encode_field(10, f"{sum(raw) % 256:03d}"))


def request(req_id: str, kind: str, symbol: str | None = None) -> FixMessage:
    pairs: list[tuple[int, bytes | str | int]] = [(320, req_id), (559, kind)]
    if symbol is not None:
        pairs.append((55, symbol))
    msg = wrap("x", encode_body(pairs))
    assert validate(msg) is None
    return msg


def answer(engine: Engine, msg: FixMessage) -> list[tuple[int, str]]:
    outs = security_list(engine, "s1", msg, NOW)
    assert [(sid, mt) for sid, mt, _ in outs] == [("s1", "y")]
    body = outs[0][2]
    assert validate(wrap("y", body)) is None
    return [(t, v.decode()) for t, v in parse(body).pairs]


def test_all_securities() -> None:
    assert answer(ENGINE, request("q1", "4")) == [
        (320, "q1"),
        (322, "SL-q1"),
        (560, "0"),
        (393, "2"),
        (893, "Y"),
        (146, "2"),
        (55, "AAA"),
        (15, "USD"),
        (561, "1"),
        (562, "1"),
        (55, "BBB"),
        (15, "EUR"),
        (561, "10"),
        (562, "20"),
    ]


def test_one_security() -> None:
    got = answer(ENGINE, request("q2", "0", "BBB"))
    assert got[2:] == [
        (560, "0"),
        (393, "1"),
        (893, "Y"),
        (146, "1"),
        (55, "BBB"),
        (15, "EUR"),
        (561, "10"),
        (562, "20"),
    ]


def test_unknown_symbol_finds_none() -> None:
    assert answer(ENGINE, request("q3", "0", "ZZZ"))[2:] == [(560, "2"), (393, "0"), (893, "Y")]


def test_empty_venue_finds_none() -> None:
    assert answer(Engine([]), request("q4", "4"))[2:] == [(560, "2"), (393, "0"), (893, "Y")]


@pytest.mark.parametrize(("kind", "symbol"), [("0", None), ("1", None), ("2", "AAA"), ("3", None)])
def test_unsupported_or_incomplete_request_is_invalid(kind: str, symbol: str | None) -> None:
    assert answer(ENGINE, request("q5", kind, symbol))[2:] == [(560, "1"), (393, "0"), (893, "Y")]
