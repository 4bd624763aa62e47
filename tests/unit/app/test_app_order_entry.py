"""Order entry: FIX application messages through a real venue engine to FIX reports."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fixspec.codec import FixMessage, parse
from gateway.app.service import OrderEntry, SessionProfile
from gateway.session import ApplicationMessage
from venue.engine import Engine
from venue.instruments import Instrument

pytestmark = pytest.mark.timeout(60)

NOW = 1_790_000_000.0  # a fixed epoch second (2026)


class Collect:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, FixMessage]] = []

    def send(self, session_id: str, msg_type: str, body: bytes) -> None:
        self.sent.append((session_id, msg_type, parse(b"35=" + msg_type.encode() + b"\x01" + body)))

    def take(self) -> list[tuple[str, str, FixMessage]]:
        out, self.sent = self.sent, []
        return out


def make() -> tuple[OrderEntry, Collect]:
    engine = Engine(
        [Instrument(symbol="AAPL", reference_price=Decimal("100"), band_pct=Decimal("10"))],
        retain_done=True,
    )
    app = OrderEntry(
        engine,
        [
            SessionProfile(session_id="S1", firm="F1", accounts=("A1",)),
            SessionProfile(session_id="S2", firm="F2", accounts=("A2",)),
            SessionProfile(session_id="DC", firm="", drop_copy=True),
        ],
    )
    return app, Collect()


_seq = iter(range(1, 1_000_000))


def msg(
    app: OrderEntry, out: Collect, sid: str, mt: str, fields: str, *, resend: bool = False
) -> list[tuple[str, str, FixMessage]]:
    raw = ("35=" + mt + "|" + fields + "|").replace("|", "\x01").encode()
    m = ApplicationMessage(msg_type=mt, msg=parse(raw), seq=next(_seq), poss_resend=resend)
    app.on_message(sid, m, NOW, out)
    return out.take()


def order(clid: str, side: int, qty: int, px: str | None = "100.00", extra: str = "") -> str:
    s = f"11={clid}|55=AAPL|54={side}|38={qty}|40={'2' if px else '1'}|60=20260101-00:00:00"
    if px:
        s += f"|44={px}"
    return s + extra


def g(m: FixMessage, tag: int) -> str | None:
    return m.get_str(tag)


def test_new_order_is_acknowledged_and_persisted() -> None:
    app, out = make()
    [(sid, mt, er)] = msg(app, out, "S1", "D", order("a1", 1, 100))
    assert (sid, mt) == ("S1", "8")
    assert (g(er, 150), g(er, 39), g(er, 11), g(er, 151), g(er, 14), g(er, 6)) == (
        "0",
        "0",
        "a1",
        "100",
        "0",
        "0",
    )
    assert g(er, 44) == "100.00" and g(er, 1) == "A1" and g(er, 37)
    p = app.take_pending()
    assert len(p.journal) == 1 and len(p.orders) == 1 and len(p.executions) == 1


def test_crossing_order_fills_both_sides_with_correct_avgpx() -> None:
    app, out = make()
    msg(app, out, "S2", "D", order("s1", 2, 100, "100.00"))
    msg(app, out, "S2", "D", order("s2", 2, 100, "100.01"))
    reports = msg(app, out, "S1", "D", order("b1", 1, 150, "100.01"))
    by_session = [(sid, g(m, 150), g(m, 39), g(m, 32), g(m, 31), g(m, 6)) for sid, _, m in reports]
    assert by_session == [
        ("S1", "0", "0", None, None, "0"),
        ("S2", "F", "2", "100", "100.00", "100.00"),
        ("S1", "F", "1", "100", "100.00", "100.00"),
        ("S2", "F", "1", "50", "100.01", "100.01"),
        ("S1", "F", "2", "50", "100.01", "100.00333333"),
    ]
    fills = [m for _, _, m in reports if g(m, 150) == "F"]
    assert len({g(m, 17) for m in fills}) == 4  # ExecIDs unique
    assert g(fills[0], 527) == g(fills[1], 527)  # one match id per match, both sides
    assert g(fills[0], 527) != g(fills[2], 527)
    assert len(app.take_pending().trades) == 2


def test_execution_reports_carry_only_fix44_execution_report_fields() -> None:
    from fixspec.dictionary import MESSAGES

    app, out = make()
    reports = msg(app, out, "S2", "D", order("s1", 2, 100, "100.00", "|111=10"))
    reports += msg(app, out, "S1", "D", order("b1", 1, 30, "100.00"))
    allowed = MESSAGES["8"].body
    assert len(reports) == 8  # two acks, three fills of a 10-lot peak for each side
    for _, mt, m in reports:
        assert mt == "8"
        extra = [tag for tag, _ in m.pairs if tag != 35 and tag not in allowed]
        assert extra == [], f"not an ExecutionReport field in FIX 4.4: {extra}"


def test_cancel_and_unknown_cancel_and_other_firm() -> None:
    app, out = make()
    [(_, _, ack)] = msg(app, out, "S1", "D", order("a1", 1, 100))
    oid = g(ack, 37)
    [(_, mt, rej)] = msg(
        app, out, "S2", "F", f"11=x1|41=a1|37={oid}|55=AAPL|54=1|60=20260101-00:00:00"
    )
    assert mt == "9" and g(rej, 102) == "1" and g(rej, 434) == "1"
    [(_, mt, rej)] = msg(app, out, "S1", "F", "11=c0|41=nope|55=AAPL|54=1|60=20260101-00:00:00")
    assert mt == "9" and g(rej, 102) == "1"
    [(_, mt, er)] = msg(app, out, "S1", "F", "11=c1|41=a1|55=AAPL|54=1|60=20260101-00:00:00")
    assert mt == "8" and (g(er, 150), g(er, 39), g(er, 11), g(er, 41), g(er, 151)) == (
        "4",
        "4",
        "c1",
        "a1",
        "0",
    )
    [(_, mt, rej)] = msg(app, out, "S1", "F", "11=c2|41=a1|55=AAPL|54=1|60=20260101-00:00:00")
    assert mt == "9" and g(rej, 102) == "0" and g(rej, 39) == "4"


def test_replace_keeps_or_loses_priority() -> None:
    app, out = make()
    msg(app, out, "S1", "D", order("a1", 1, 100))
    [(_, _, er)] = msg(
        app, out, "S1", "G", "11=a2|41=a1|55=AAPL|54=1|38=50|40=2|44=100.00|60=20260101-00:00:00"
    )
    assert (g(er, 150), g(er, 11), g(er, 41), g(er, 38), g(er, 151)) == (
        "5",
        "a2",
        "a1",
        "50",
        "50",
    )
    assert "kept" in (g(er, 58) or "")
    [(_, _, er)] = msg(
        app, out, "S1", "G", "11=a3|41=a2|55=AAPL|54=1|38=50|40=2|44=100.01|60=20260101-00:00:00"
    )
    assert g(er, 150) == "5" and "lost" in (g(er, 58) or "")
    [(_, mt, rej)] = msg(
        app, out, "S1", "G", "11=a4|41=a3|55=AAPL|54=2|38=50|40=2|44=100.01|60=20260101-00:00:00"
    )
    assert mt == "9" and g(rej, 434) == "2" and "Side" in (g(rej, 58) or "")


def test_rejects_name_the_problem() -> None:
    app, out = make()
    cases = [
        (order("r1", 1, 100, "100.005"), "99", "tick"),
        ("11=r2|55=ZZZZ|54=1|38=100|40=2|44=1|60=20260101-00:00:00", "1", "unknown symbol"),
        ("11=r3|55=AAPL|54=1|40=2|44=100|60=20260101-00:00:00", "13", "OrderQty"),
        ("11=r4|55=AAPL|54=1|38=10|40=2|60=20260101-00:00:00", "99", "Price(44)"),
        (order("r5", 1, 100, "150.00"), "99", "band"),
        (order("r6", 1, 100, None), "99", "opposite"),
        (order("r7", 1, 100, extra="|1=OTHER"), "15", "Account"),
    ]
    for fields, code, word in cases:
        [(_, mt, er)] = msg(app, out, "S1", "D", fields)
        assert mt == "8" and g(er, 150) == "8" and g(er, 39) == "8", fields
        assert g(er, 103) == code, (fields, g(er, 103), g(er, 58))
        assert word.lower() in (g(er, 58) or "").lower(), (fields, g(er, 58))


def test_duplicate_live_clordid_rejected_and_possresend_ignored() -> None:
    app, out = make()
    msg(app, out, "S1", "D", order("d1", 1, 100))
    [(_, _, er)] = msg(app, out, "S1", "D", order("d1", 1, 100))
    assert g(er, 150) == "8" and g(er, 103) == "6"
    assert msg(app, out, "S1", "D", order("d1", 1, 100), resend=True) == []
    [(_, _, er)] = msg(app, out, "S1", "D", order("d2", 1, 100), resend=True)
    assert g(er, 150) == "0"


def test_drop_copy_may_not_trade_and_unknown_type_is_business_rejected() -> None:
    app, out = make()
    [(_, mt, bmr)] = msg(app, out, "DC", "D", order("z", 1, 100))
    assert mt == "j" and g(bmr, 380) == "6"
    [(_, mt, bmr)] = msg(app, out, "S1", "8", "37=1|17=1|150=0|39=0|55=AAPL|54=1|151=0|14=0|6=0")
    assert mt == "j" and g(bmr, 380) == "3" and g(bmr, 372) == "8"


def test_status_and_mass_cancel() -> None:
    app, out = make()
    msg(app, out, "S1", "D", order("m1", 1, 100))
    msg(app, out, "S1", "D", order("m2", 1, 100, "99.00"))
    msg(app, out, "S2", "D", order("o1", 2, 100, "101.00"))
    [(_, _, st)] = msg(app, out, "S1", "H", "11=m1|55=AAPL|54=1")
    assert (g(st, 150), g(st, 39), g(st, 151)) == ("I", "0", "100")
    [(_, _, st)] = msg(app, out, "S1", "H", "11=unknown|55=AAPL|54=1")
    assert (g(st, 150), g(st, 39)) == ("I", "8")
    reports = msg(app, out, "S1", "q", "11=mc|530=7|60=20260101-00:00:00")
    types = [(sid, mt, g(m, 150)) for sid, mt, m in reports]
    assert types.count(("S1", "8", "4")) == 2 and ("S1", "r", None) in types
    [r] = [m for _, mt, m in reports if mt == "r"]
    assert g(r, 533) == "2" and g(r, 531) == "7"
    assert app.engine.order(3) is not None and app.engine.order(3).leaves_qty == 100


def test_replay_from_sqlite_rebuilds_engine_and_clordids(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from gateway.app import persist

    db = create_engine(f"sqlite:///{tmp_path / 'v.db'}")
    persist.create_tables(db)
    app, out = make()
    msg(app, out, "S1", "D", order("p1", 1, 100))
    msg(app, out, "S2", "D", order("p2", 2, 40, "100.00"))
    msg(app, out, "S1", "G", "11=p3|41=p1|55=AAPL|54=1|38=80|40=2|44=100.00|60=20260101-00:00:00")
    with db.begin() as conn:
        persist.write_in(conn, app.take_pending())
    fresh, out2 = make()
    assert fresh.replay(persist.load_journal(db)) == 3
    for sid, clid in persist.load_seen(db):
        fresh.remember_seen(sid, clid)
    assert fresh.engine.depth("AAPL", 5) == app.engine.depth("AAPL", 5)
    assert fresh.ids.was_seen("S2", "p2")
    [(_, _, er)] = msg(fresh, out2, "S1", "F", "11=p4|41=p3|55=AAPL|54=1|60=20260101-00:00:00")
    assert (g(er, 150), g(er, 14), g(er, 41)) == ("4", "40", "p3")
    [(_, _, er1)] = msg(app, out, "S1", "F", "11=p4|41=p3|55=AAPL|54=1|60=20260101-00:00:00")
    assert g(er, 17) == g(er1, 17)  # same ExecID: the event sequence continued identically
    db.dispose()


def test_first_tick_keeps_day_orders_entered_after_the_last_day_end() -> None:
    app, out = make()  # trading day ends 21:00 UTC; NOW is 14:13 UTC
    msg(app, out, "S1", "D", order("d1", 1, 100))
    app.tick(NOW + 1, out)  # the first tick after a start: nothing expires today's orders
    assert out.take() == []
    assert [o.info.client_ref for o in app.engine.live_orders()] == ["d1"]


def test_restart_expires_day_orders_only_when_the_day_ended_while_down() -> None:
    from datetime import UTC, datetime

    from venue import commands as vc
    from venue.types import OrdType, Side, TimeInForce

    def day_order(clid: str) -> vc.NewOrder:
        return vc.NewOrder(
            symbol="AAPL",
            side=Side.BUY,
            qty=10,
            ord_type=OrdType.LIMIT,
            tif=TimeInForce.DAY,
            price=10_000,
            owner="S1",
            firm="F1",
            account="A1",
            client_ref=clid,
        )

    entered = datetime.fromtimestamp(NOW, UTC)  # 14:13, before the day's end at 21:00
    same_day, out = make()
    same_day.replay([(1, entered, day_order("d1"))])
    same_day.tick(NOW + 3600, out)  # restarted the same day: the order lives on
    assert out.take() == [] and len(same_day.engine.live_orders()) == 1

    next_day, out = make()
    next_day.replay([(1, entered, day_order("d1"))])
    next_day.tick(NOW + 12 * 3600, out)  # restarted after 21:00: the order expired
    [(sid, mt, er)] = [r for r in out.take() if r[1] == "8"]
    assert (sid, g(er, 150), g(er, 39), g(er, 11)) == ("S1", "C", "C", "d1")
    assert next_day.engine.live_orders() == []


def test_stop_trigger_is_reported_as_a_fix44_restatement() -> None:
    from fixspec.dictionary import FIELDS, MESSAGES

    app, out = make()
    msg(app, out, "S2", "D", order("s1", 2, 100, "100.00"))
    msg(app, out, "S1", "D", order("stp", 1, 40, None, "|40=3|99=100.00").replace("40=1|", ""))
    reports = msg(app, out, "S1", "D", order("b1", 1, 10, "100.00"))
    [trig] = [m for _, _, m in reports if g(m, 11) == "stp" and g(m, 150) not in ("F",)]
    # ExecType L (Triggered) arrived in FIX 5.0: FIX 4.4 has Restated with a reason
    assert (g(trig, 150), g(trig, 39), g(trig, 378), g(trig, 151)) == ("D", "0", "99", "40")
    assert g(trig, 58) == "stop triggered"
    for tag, value in trig.pairs:
        if tag != 35:
            assert tag in MESSAGES["8"].body and FIELDS[tag].enum_ok(value), (tag, value)
    fills = [m for _, _, m in reports if g(m, 11) == "stp" and g(m, 150) == "F"]
    assert [(g(m, 32), g(m, 39)) for m in fills] == [("40", "2")]


def test_clordid_with_control_characters_is_rejected_not_journaled() -> None:
    app, out = make()
    [(_, _, er)] = msg(app, out, "S1", "D", order("bad\x1fid", 1, 100))
    assert g(er, 150) == "8" and "control" in (g(er, 58) or "")
    msg(app, out, "S1", "D", order("ok1", 1, 100))
    [(_, mt, rej)] = msg(app, out, "S1", "F", "11=c\x1e|41=ok1|55=AAPL|54=1|60=20260101-00:00:00")
    assert mt == "9" and "control" in (g(rej, 58) or "")
    assert len(app.take_pending().journal) == 1


def test_day_orders_expire_at_the_day_end_while_running_and_gtc_orders_stay() -> None:
    app, out = make()  # NOW is 14:13 UTC; the trading day ends at 21:00 UTC
    msg(app, out, "S1", "D", order("day1", 1, 100))
    msg(app, out, "S1", "D", order("gtc1", 1, 100, extra="|59=1"))
    app.tick(NOW + 1, out)
    assert out.take() == []
    app.tick(NOW + 7 * 3600, out)  # 21:13: past the day's end
    expired = [(sid, g(m, 11), g(m, 150), g(m, 39)) for sid, mt, m in out.take() if mt == "8"]
    assert expired == [("S1", "day1", "C", "C")]
    assert [o.info.client_ref for o in app.engine.live_orders()] == ["gtc1"]
    app.tick(NOW + 7 * 3600 + 1, out)  # once per day end
    assert out.take() == []


def test_gtd_orders_refuse_a_past_expiry_and_expire_when_due() -> None:
    app, out = make()  # NOW is 2026-09-21 14:13:20 UTC
    [(_, _, er)] = msg(
        app, out, "S1", "D", order("g0", 1, 100, extra="|59=6|126=20260921-14:13:19")
    )
    assert (g(er, 150), g(er, 39)) == ("8", "8") and "past" in (g(er, 58) or "")
    [(_, _, er)] = msg(
        app, out, "S1", "D", order("g1", 1, 100, extra="|59=6|126=20260921-14:13:21")
    )
    assert (g(er, 150), g(er, 59), g(er, 126)) == ("0", "6", "20260921-14:13:21.000")
    [(_, _, er)] = msg(app, out, "S1", "D", order("g2", 1, 100, extra="|59=6|432=20260922"))
    assert g(er, 150) == "0"
    app.tick(NOW + 2, out)  # g1 is due; g2 lives to the end of its ExpireDate
    expired = [(g(m, 11), g(m, 150), g(m, 39)) for _, mt, m in out.take() if mt == "8"]
    assert expired == [("g1", "C", "C")]
    assert [o.info.client_ref for o in app.engine.live_orders()] == ["g2"]


def test_cancel_on_disconnect_is_per_session() -> None:
    engine = Engine(
        [Instrument(symbol="AAPL", reference_price=Decimal("100"), band_pct=Decimal("10"))],
        retain_done=True,
    )
    app = OrderEntry(
        engine,
        [
            SessionProfile(session_id="S1", firm="F1", accounts=("A1",), cancel_on_disconnect=True),
            SessionProfile(session_id="S2", firm="F2", accounts=("A2",)),
        ],
    )
    out = Collect()
    msg(app, out, "S1", "D", order("c1", 1, 100))
    msg(app, out, "S2", "D", order("k1", 2, 100, "101.00"))
    app.on_session_down("S2", NOW, out)
    assert out.take() == [] and len(engine.live_orders()) == 2
    app.on_session_down("S1", NOW, out)
    [(sid, mt, er)] = out.take()  # stored for S1's next logon (resent then)
    assert (sid, mt, g(er, 11), g(er, 150), g(er, 39)) == ("S1", "8", "c1", "4", "4")
    assert [o.info.client_ref for o in engine.live_orders()] == ["k1"]
