"""The command journal round-trips every venue command exactly."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from gateway.app.journal import _LAYOUTS, SEP, decode_command, encode_command
from venue import commands as vc
from venue.types import OrdType, Phase, Side, TimeInForce

pytestmark = pytest.mark.timeout(30)

COMMANDS: list[vc.Command] = [
    vc.NewOrder(
        symbol="AAPL", side=Side.BUY, qty=100, ord_type=OrdType.STOP_LIMIT,
        tif=TimeInForce.GTD, price=10001, stop_price=10000, max_floor=10,
        expire_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        owner="FIX.4.4:FIXVENUE->CLIENT1", firm="FIRM1", account="ACC1",
        client_ref="abc.1", short_sale=True,
    ),
    vc.NewOrder(symbol="MSFT", side=Side.SELL, qty=1),
    vc.CancelOrder(order_id=7, owner="S", client_ref="c-1"),
    vc.CancelOrder(order_id=7),
    vc.ReplaceOrder(order_id=3, qty=50, price=None, stop_price=9, max_floor=None, owner="S"),
    vc.MassCancel(owner="", firm=None, account="A", symbol=None, side=Side.SELL, client_ref="m"),
    vc.MassCancel(),
    vc.SetPhase(symbol="AAPL", phase=Phase.CLOSING_AUCTION),
    vc.Halt(symbol="AAPL"),
    vc.Resume(symbol="AAPL", immediate=True),
    vc.ExpireOrders(symbol="GOOG"),
    vc.EndOfDay(),
    vc.AdvanceTime(),
]  # fmt: skip


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: type(c).__name__)
def test_round_trip(cmd: vc.Command) -> None:
    kind, payload = encode_command(cmd)
    assert decode_command(kind, payload) == cmd


def test_fast_encoders_match_the_generic_layout() -> None:
    for cmd in COMMANDS:
        lay = _LAYOUTS[type(cmd)]
        generic = SEP.join(e(v) for e, v in zip(lay.encoders, lay.get(cmd), strict=True))
        assert encode_command(cmd)[1] == generic


def test_every_command_type_is_journaled() -> None:
    kinds = {type(c) for c in COMMANDS}
    assert kinds == set(vc.Command.__args__)  # type: ignore[attr-defined]
    assert all(dataclasses.is_dataclass(k) for k in kinds)


def test_separators_in_text_are_refused() -> None:
    with pytest.raises(ValueError):
        encode_command(vc.NewOrder(symbol="A", side=Side.BUY, qty=1, client_ref="a\x1fb"))
