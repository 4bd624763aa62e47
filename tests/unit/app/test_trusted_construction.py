"""The hot path builds NewOrder and OrderFields positionally without __init__: a field added
or reordered in those dataclasses must fail here, not mis-assign silently."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from gateway.app.requests import _new_order
from gateway.app.translate import OrderFields, _order_fields
from venue import commands as vc
from venue.types import OrdType, Side, TimeInForce

EXPIRE = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_new_order_fields_are_in_the_order_the_gateway_passes_them() -> None:
    assert [f.name for f in fields(vc.NewOrder)] == [
        "symbol", "side", "qty", "ord_type", "tif", "price", "stop_price", "max_floor",
        "expire_at", "owner", "firm", "account", "client_ref", "short_sale",
    ]  # fmt: skip
    fast = _new_order(
        "AAPL", Side.SELL, 300, OrdType.STOP_LIMIT, TimeInForce.GTD, 10_001, 10_002, 100,
        EXPIRE, "S1", "FIRM", "ACC", "C1", True,
    )  # fmt: skip
    slow = vc.NewOrder(
        symbol="AAPL", side=Side.SELL, qty=300, ord_type=OrdType.STOP_LIMIT,
        tif=TimeInForce.GTD, price=10_001, stop_price=10_002, max_floor=100, expire_at=EXPIRE,
        owner="S1", firm="FIRM", account="ACC", client_ref="C1", short_sale=True,
    )  # fmt: skip
    assert fast == slow and hash(fast) == hash(slow)


def test_order_fields_are_in_the_order_the_translator_passes_them() -> None:
    fast = _order_fields(
        "MSFT", Side.BUY, False, 10, OrdType.LIMIT, TimeInForce.DAY, 5, None, None, None
    )
    slow = OrderFields(
        symbol="MSFT", side=Side.BUY, short_sale=False, qty=10, ord_type=OrdType.LIMIT,
        tif=TimeInForce.DAY, price=5, stop_price=None, max_floor=None, expire_at=None,
    )  # fmt: skip
    assert fast == slow
