"""The hot path builds NewOrder, OrderFields and the session's records and events positionally
without __init__ (compiled: fields stored directly): a field added or reordered in those
dataclasses must fail here, not mis-assign silently; the values stay equal and frozen."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from datetime import UTC, datetime

import pytest

from fixspec.codec import parse
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


def test_session_records_and_events_built_without_init_equal_the_checked_ones() -> None:
    from gateway.session.events import ApplicationMessage, trusted_application_message
    from gateway.session.records import (
        OutboundMessage,
        SeqNumbers,
        as_tuples,
        trusted_outbound_message,
        trusted_seq_numbers,
    )

    out = trusted_outbound_message("S1", 7, "8", b"raw")
    assert out == OutboundMessage(session_id="S1", seq=7, msg_type="8", raw=b"raw")
    nums = trusted_seq_numbers("S1", 8, 3)
    assert nums == SeqNumbers(session_id="S1", next_sender_seq=8, next_target_seq=3)
    msg = parse(b"8=FIX.4.4\x019=5\x0135=D\x0110=000\x01")
    app = trusted_application_message("D", msg, 4, False, True)
    assert app == ApplicationMessage(msg_type="D", msg=msg, seq=4, poss_resend=True)
    assert as_tuples([out, nums]) == [("m", "S1", 7, "8", b"raw"), ("s", "S1", 8, 3)]


def test_values_built_without_init_stay_frozen() -> None:
    from gateway.session.records import trusted_outbound_message

    out = trusted_outbound_message("S1", 7, "8", b"raw")
    with pytest.raises(FrozenInstanceError):
        out.seq = 8  # type: ignore[misc]
    fields_ = _order_fields(
        "MSFT", Side.BUY, False, 10, OrdType.LIMIT, TimeInForce.DAY, 5, None, None, None
    )
    with pytest.raises(FrozenInstanceError):
        fields_.qty = 11  # type: ignore[misc]
