"""Drop-copy fan-out, AE layout, RTS 24 event codes and the configuration keys."""

from __future__ import annotations

import pytest

from config.load import loads_config
from config.reader import ConfigError
from config.schema import CostMethod, DropCopyFormat
from dropcopy.fixcopy import CopyTarget, DropCopies, from_config, trade_capture_report
from dropcopy.regulatory import event_code, iso_time
from fixspec.codec import parse
from venue.events import OrderInfo, Trade
from venue.types import OrdType, Side, TimeInForce


def info(oid: int, side: Side, firm: str, *, short: bool = False) -> OrderInfo:
    return OrderInfo(
        order_id=oid, symbol="AAPL", side=side, ord_type=OrdType.LIMIT, tif=TimeInForce.DAY,
        qty=100, price=10000, stop_price=None, max_floor=None, expire_at=None,
        owner=f"S-{firm}", firm=firm, account=f"ACC-{firm}", client_ref=f"c{oid}",
        short_sale=short,
    )  # fmt: skip


def trade(maker_firm: str = "F1", taker_firm: str = "F2") -> Trade:
    return Trade(
        seq=9, trade_id=42, symbol="AAPL", price=10000, qty=30, aggressor_side=Side.SELL,
        maker=info(1, Side.BUY, maker_firm), maker_leaves=70, maker_cum=30, maker_notional=0,
        taker=info(2, Side.SELL, taker_firm, short=True), taker_leaves=0, taker_cum=30,
        taker_notional=0,
    )  # fmt: skip


def test_execution_report_copies_go_to_entitled_sessions_once_with_797() -> None:
    dc = DropCopies(
        [
            CopyTarget(session_id="ALL", firms=frozenset({"*"})),
            CopyTarget(session_id="F1", firms=frozenset({"F1"})),
            CopyTarget(session_id="AE", firms=frozenset({"*"}), trade_capture=True),
        ]
    )
    assert dc.execution_report("F1", b"37=1\x01") == [
        ("ALL", "8", b"37=1\x01797=Y\x01"),
        ("F1", "8", b"37=1\x01797=Y\x01"),
    ]
    assert [sid for sid, _, _ in dc.execution_report("F2", b"37=1\x01")] == ["ALL"]
    assert [(sid, mt) for sid, mt, _ in dc.trade(trade(), b"100.00", b"20260105-10:00:00.000")] == [
        ("AE", "AE")
    ]
    assert DropCopies([]).execution_report("F1", b"x") == []


def test_trade_capture_report_fields_and_sides_buy_first() -> None:
    body = trade_capture_report(trade(), b"100.00", b"20260105-10:00:00.123")
    m = parse(b"35=AE\x01" + body)
    assert [m.get_str(t) for t in (571, 880, 570, 55, 32, 31, 75, 60, 552)] == [
        "42", "42", "N", "AAPL", "30", "100.00", "20260105", "20260105-10:00:00.123", "2",
    ]  # fmt: skip
    sides = [(t, v) for t, v in m.pairs if t in (54, 37, 448, 1)]
    assert sides == [
        (54, b"1"), (37, b"1"), (448, b"F1"), (1, b"ACC-F1"),
        (54, b"5"), (37, b"2"), (448, b"F2"), (1, b"ACC-F2"),
    ]  # fmt: skip


def test_trade_capture_only_for_entitled_firms() -> None:
    dc = DropCopies([CopyTarget(session_id="AE", firms=frozenset({"F3"}), trade_capture=True)])
    assert dc.trade(trade(), b"100", b"20260105-10:00:00") == []
    assert len(dc.trade(trade(taker_firm="F3"), b"100", b"20260105-10:00:00")) == 1


@pytest.mark.parametrize(
    "exec_type,status,text,code",
    [
        ("0", "0", None, "NEWO"),
        ("5", "1", "replaced; time priority lost", "REME"),
        ("4", "4", None, "CAME"),
        ("4", "4", "cancelled by mass cancel", "CAME"),
        ("4", "4", "immediate-or-cancel remainder cancelled", "CAMO"),
        ("4", "4", "cancelled by self-trade prevention", "CAMO"),
        ("F", "1", None, "PARF"),
        ("F", "2", None, "FILL"),
        ("C", "C", "expired", "EXPI"),
        ("8", "8", "unknown symbol", "REMO"),
        ("D", "0", "stop triggered", "TRIG"),
    ],
)
def test_rts24_event_codes(exec_type: str, status: str, text: str | None, code: str) -> None:
    assert event_code(exec_type, status, text) == code


def test_iso_time_keeps_microseconds() -> None:
    assert iso_time(1_767_607_200_000_001) == "2026-01-05T10:00:00.000001Z"


def test_config_keys() -> None:
    c = loads_config(
        '[portfolio]\ncost_method = "average-cost"\nmaker_fee_bps = -0.5\ntaker_fee_bps = "2"\n'
        '[[sessions]]\nsender_comp_id = "D"\nrole = "drop-copy"\ndrop_copy_firms = ["F1"]\n'
        'drop_copy_format = "trade-capture"\n'
    )
    assert c.portfolio.cost_method is CostMethod.AVERAGE_COST
    assert str(c.portfolio.maker_fee_bps) == "-0.5" and str(c.portfolio.taker_fee_bps) == "2"
    assert c.sessions[0].drop_copy_format is DropCopyFormat.TRADE_CAPTURE
    dc = from_config(c)
    assert dc is not None and dc.targets[0].trade_capture
    assert from_config(loads_config("")) is None
    with pytest.raises(ConfigError, match="portfolio.cost_method"):
        loads_config('[portfolio]\ncost_method = "lifo"\n')
    with pytest.raises(ConfigError, match="drop_copy_format"):
        loads_config(
            '[[sessions]]\nsender_comp_id = "T"\nfirm = "F"\naccounts = ["A"]\n'
            'drop_copy_format = "trade-capture"\n'
        )
