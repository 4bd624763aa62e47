"""Pre-trade risk in OrderEntry: FIX rejects with codes and texts, replaces, the throttle,
the kill switch, and risk state rebuilt by the journal replay."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fixspec.codec import FixMessage, parse
from gateway.app.journal import decode_command
from gateway.app.service import OrderEntry, SessionProfile, micros
from gateway.session import ApplicationMessage
from risk import LimitBook, Limits, RiskEngine
from venue.engine import Engine
from venue.instruments import Instrument

pytestmark = pytest.mark.timeout(60)
NOW = 1_790_000_000.0
INSTRUMENTS = [Instrument(symbol="AAPL", reference_price=Decimal("100"), band_pct=Decimal("10"))]
LIMITS = Limits(
    max_order_qty=1000,
    max_order_notional=Decimal(50000),
    collar_pct=Decimal(5),
    credit_limit=Decimal(80000),
    position_limit=700,
    throttle_msgs=5,
    throttle_window_s=1.0,
)


class Collect:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, FixMessage]] = []
        self.logouts: list[tuple[str, str]] = []

    def send(self, session_id: str, msg_type: str, body: bytes) -> None:
        self.sent.append((session_id, msg_type, parse(b"35=" + msg_type.encode() + b"\x01" + body)))

    def logout(self, session_id: str, text: str) -> None:
        self.logouts.append((session_id, text))

    def take(self) -> list[tuple[str, str, FixMessage]]:
        out, self.sent = self.sent, []
        return out


def make(limits: Limits = LIMITS, **book: object) -> tuple[OrderEntry, Collect]:
    app = OrderEntry(
        Engine(INSTRUMENTS, retain_done=True),
        [
            SessionProfile(session_id="S1", firm="F1", accounts=("A1",)),
            SessionProfile(session_id="S2", firm="F2", accounts=("A2",)),
        ],
    )
    wide = replace(limits, credit_limit=Decimal(10**9), position_limit=10**6)
    firms = {"F2": wide} | book.pop("firms", {})  # type: ignore[operator]
    app.risk = RiskEngine(INSTRUMENTS, LimitBook(defaults=limits, firms=firms, **book))  # type: ignore[arg-type]
    return app, Collect()


_seq = iter(range(1, 1_000_000))


def send(app: OrderEntry, out: Collect, sid: str, mt: str, fields: str, now: float = NOW):
    raw = ("35=" + mt + "|" + fields + "|").replace("|", "\x01").encode()
    app.on_message(sid, ApplicationMessage(msg_type=mt, msg=parse(raw), seq=next(_seq)), now, out)
    return out.take()


def order(clid: str, side: int, qty: int, px: str | None = "100.00", extra: str = "") -> str:
    s = f"11={clid}|55=AAPL|54={side}|38={qty}|40={'2' if px else '1'}|60=20260101-00:00:00"
    return s + (f"|44={px}" if px else "") + extra


def rejected(reports: list[tuple[str, str, FixMessage]]) -> tuple[str | None, ...]:
    [(_, mt, m)] = reports
    assert mt == "8" and m.get_str(150) == "8" and m.get_str(39) == "8", m
    return m.get_str(103), m.get_str(58)


@pytest.mark.parametrize(
    ("fields", "code", "text"),
    [
        (order("q", 1, 1001), "3", "risk order_qty: order quantity 1001 exceeds the maximum"),
        (order("n", 1, 501), "3", "risk order_notional: order notional 50100.00 exceeds"),
        (order("c", 1, 10, "105.01"), "99", "risk price_collar: price 105.01 is outside"),
    ],
)
def test_new_order_rejects(fields: str, code: str, text: str) -> None:
    app, out = make()
    got = rejected(send(app, out, "S1", "D", fields))
    assert got[0] == code and (got[1] or "").startswith(text), got
    assert app.engine.live_orders() == []


def test_credit_position_restricted_kill_and_duplicate_codes() -> None:
    lim = replace(
        LIMITS,
        restricted_symbols=frozenset({"AAPL"}),
    )
    app, out = make(accounts={"A9": lim})
    send(app, out, "S1", "D", order("a", 1, 400))
    send(app, out, "S1", "D", order("b", 1, 300, "99.00"))  # open 69700
    assert rejected(send(app, out, "S1", "D", order("c", 2, 200, "100.00")))[0] == "3"  # credit
    app2, out2 = make(replace(LIMITS, credit_limit=Decimal(10**9)))
    send(app2, out2, "S1", "D", order("a", 1, 400))
    send(app2, out2, "S1", "D", order("b", 1, 300, "99.00"))
    code, text = rejected(send(app2, out2, "S1", "D", order("c", 1, 1, "99.00")))
    assert code == "3" and text == (
        "risk position: net position of account A1 in AAPL would reach 701 if every open "
        "order filled (limit +/-700)"
    )
    app3, out3 = make(replace(LIMITS, short_sale_restricted=frozenset({"AAPL"})))
    code, text = rejected(send(app3, out3, "S1", "D", order("s", 5, 1)))
    assert code == "0" and text and text.startswith("risk short_sale:")
    app4, out4 = make(replace(LIMITS, duplicate_window_s=2.0))
    send(app4, out4, "S1", "D", order("d1", 1, 5))
    code, text = rejected(send(app4, out4, "S1", "D", order("d2", 1, 5), NOW + 1))
    assert code == "6" and text and text.startswith("risk duplicate_order:")


def test_market_order_is_bounded_by_the_collar() -> None:
    app, out = make()
    send(app, out, "S2", "D", order("s1", 2, 10, "104.00"))
    send(app, out, "S2", "D", order("s2", 2, 10, "106.00"))  # F2: wide collar
    reports = send(app, out, "S1", "D", order("m", 1, 30, None))
    mine = [m for sid, _, m in reports if sid == "S1"]
    assert [m.get_str(150) for m in mine] == ["0", "F", "4"]
    assert (mine[0].get_str(40), mine[0].get_str(44), mine[0].get_str(59)) == (
        "2", "105.00", "3",
    )  # fmt: skip
    assert mine[1].get_str(31) == "104.00" and mine[2].get_str(14) == "10"


def test_replace_rejected_with_order_cancel_reject() -> None:
    app, out = make()
    send(app, out, "S1", "D", order("a", 1, 100))
    [(_, mt, m)] = send(
        app, out, "S1", "G", "11=a2|41=a|55=AAPL|54=1|38=100|40=2|44=106.00|60=20260101-00:00:00"
    )
    assert (mt, m.get_str(434), m.get_str(102), m.get_str(39)) == ("9", "2", "99", "0")
    assert (m.get_str(58) or "").startswith("risk price_collar: price 106.00")
    [(_, mt, m)] = send(
        app, out, "S1", "G", "11=a3|41=a|55=AAPL|54=1|38=200|40=2|44=101.00|60=20260101-00:00:00"
    )
    assert (mt, m.get_str(150)) == ("8", "5")


def test_throttle_rejects_new_orders_never_cancels_and_can_log_out() -> None:
    app, out = make(replace(LIMITS, throttle_logout=True))
    for i in range(5):
        send(app, out, "S1", "D", order(f"o{i}", 1, 1, "99.00"), NOW + i * 0.01)
    code, text = rejected(send(app, out, "S1", "D", order("o5", 1, 1, "99.00"), NOW + 0.5))
    assert code == "99" and text == "risk throttle: more than 5 messages in 1 s (limit 5 per 1 s)"
    assert out.logouts == [("S1", text)]
    [(_, mt, m)] = send(
        app, out, "S1", "G", "11=r|41=o0|55=AAPL|54=1|38=2|40=2|44=99.00|60=20260101-00:00:00",
        NOW + 0.6,
    )  # fmt: skip
    assert (mt, m.get_str(434), m.get_str(102)) == ("9", "2", "99")
    [(_, mt, m)] = send(app, out, "S1", "F", "11=x|41=o0|55=AAPL|54=1|60=20260101-00:00:00")
    assert (mt, m.get_str(150)) == ("8", "4")  # cancels pass
    assert send(app, out, "S2", "D", order("other", 1, 1, "99.00"))[0][2].get_str(150) == "0"


def test_kill_switch_cancels_resting_orders_and_blocks_until_released() -> None:
    app, out = make()
    send(app, out, "S1", "D", order("a", 1, 10, "99.00"))
    send(app, out, "S1", "D", order("b", 2, 10, "101.00"))
    send(app, out, "S2", "D", order("c", 1, 10, "99.00"))
    assert app.kill("F1", NOW, out) == 2
    cancels = out.take()
    assert sorted((sid, m.get_str(11), m.get_str(150)) for sid, _, m in cancels) == [
        ("S1", "a", "4"), ("S1", "b", "4"),
    ]  # fmt: skip
    assert all(m.get_str(58) == "cancelled by the kill switch" for _, _, m in cancels)
    code, text = rejected(send(app, out, "S1", "D", order("d", 1, 10, "99.00")))
    assert (code, text) == ("0", "risk kill_switch: firm F1 is blocked by the kill switch")
    assert send(app, out, "S2", "D", order("e", 1, 10, "98.00"))[0][2].get_str(150) == "0"
    assert app.release("F1") and not app.release("F1")
    assert send(app, out, "S1", "D", order("f", 1, 10, "99.00"))[0][2].get_str(150) == "0"
    assert app.kill("A1", NOW, out) == 1  # an account
    assert [m.get_str(11) for _, _, m in out.take()] == ["f"]
    assert rejected(send(app, out, "S1", "D", order("g", 1, 10, "99.00")))[0] == "0"
    with pytest.raises(KeyError):
        app.kill("NOBODY", NOW, out)


def test_risk_state_is_rebuilt_by_the_replay() -> None:
    app, out = make()
    send(app, out, "S2", "D", order("s", 2, 100, "100.00"))
    send(app, out, "S1", "D", order("b", 1, 60, "100.00"))
    send(app, out, "S1", "D", order("b2", 1, 200, "99.00"))
    send(app, out, "S1", "G", "11=b3|41=b2|55=AAPL|54=1|38=250|40=2|44=99.50|60=20260101-00:00:00")
    journal = app.take_pending().journal
    fresh, _ = make()
    at = datetime.fromtimestamp(NOW, UTC)
    assert micros(at) == journal[0][1]
    fresh.replay((pos, at, decode_command(kind, payload)) for pos, _, kind, payload in journal)
    a, b = app.risk, fresh.risk
    assert a is not None and b is not None
    for name in ("open_notional", "filled_notional", "open_buy", "open_sell", "position"):
        assert getattr(a.exposure, name) == getattr(b.exposure, name), name
    assert b.exposure.position == {("F1", "A1", "AAPL"): 60, ("F2", "A2", "AAPL"): -60}
    assert b.reference("AAPL") == 10000


def test_kill_switch_survives_a_restart_until_released(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    from gateway.app import persist

    db = create_engine(f"sqlite:///{tmp_path / 'v.db'}")
    persist.create_tables(db)
    app, out = make()
    send(app, out, "S1", "D", order("a", 1, 10, "99.00"))
    app.kill("F1", NOW, out)
    app.kill("A2", NOW, out)
    app.release("A2")
    with db.begin() as conn:
        persist.write_in(conn, app.take_pending())
    assert persist.load_kill_switches(db) == [("F1", "firm")]

    fresh, out2 = make()
    fresh.replay(persist.load_journal(db))
    for target, kind in persist.load_kill_switches(db):
        fresh.restore_kill_switch(target, kind)
    code, _ = rejected(send(fresh, out2, "S1", "D", order("b", 1, 10, "99.00")))
    assert code == "0"
    assert send(fresh, out2, "S2", "D", order("c", 1, 10, "98.00"))[0][2].get_str(150) == "0"
    fresh.release("F1")
    with db.begin() as conn:
        persist.write_in(conn, fresh.take_pending())
    assert persist.load_kill_switches(db) == []
    db.dispose()
