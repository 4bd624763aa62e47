"""The [risk] section: switch, per-firm/account/symbol overrides, throttle and duplicates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from config.load import loads_config
from config.reader import ConfigError
from config.schema import ThrottleAction

BASE = """
[[sessions]]
sender_comp_id = "C1"
firm = "F1"
accounts = ["A1"]

[[instruments]]
symbol = "AAPL"
reference_price = "100"
"""


def test_defaults_and_overrides() -> None:
    c = loads_config(
        BASE
        + """
[risk]
enabled = false
[risk.defaults]
collar_ticks = 20
throttle_msgs_per_s = 10
throttle_window_ms = 500
throttle_action = "logout"
duplicate_window_ms = 1000
short_sale_restricted_symbols = ["AAPL"]
[risk.firms.F1]
collar_pct = 3
duplicate_window_ms = 0
[risk.accounts.A1]
max_order_qty = 7
[risk.symbols.AAPL]
collar_ticks = 4
position_limit = 100
"""
    )
    r = c.risk
    assert r.enabled is False
    d = r.defaults
    assert (d.collar_ticks, d.throttle_msgs_per_s, d.throttle_window_ms) == (20, 10, 500)
    assert d.throttle_action is ThrottleAction.LOGOUT and d.duplicate_window_ms == 1000
    assert d.short_sale_restricted_symbols == frozenset({"AAPL"})
    f1 = r.firms["F1"]
    assert (f1.collar_pct, f1.collar_ticks, f1.duplicate_window_ms) == (Decimal(3), None, None)
    assert r.accounts["A1"].max_order_qty == 7 and r.accounts["A1"].collar_ticks == 20
    assert r.symbols["AAPL"].collar_ticks == 4 and r.symbols["AAPL"].max_order_qty is None


def test_enabled_by_default() -> None:
    assert loads_config(BASE).risk.enabled is True


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("[risk.accounts.NOPE]\nmax_order_qty = 1", "risk.accounts.NOPE: no session lists"),
        ("[risk.symbols.NOPE]\ncollar_ticks = 1", "risk.symbols.NOPE: unknown symbol"),
        ("[risk.symbols.AAPL]\ncredit_limit = 1", "risk.symbols.AAPL.credit_limit: unknown key"),
        ('[risk.defaults]\nthrottle_action = "drop"', "risk.defaults.throttle_action"),
        (
            '[risk.defaults]\nshort_sale_restricted_symbols = ["X"]',
            "risk.defaults.short_sale_restricted_symbols: unknown symbol X",
        ),
    ],
)
def test_bad_risk_sections(section: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        loads_config(BASE + section)
    assert str(info.value).startswith(message), str(info.value)
