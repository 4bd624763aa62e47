"""Regulatory export, portfolio and reconciliation over a stored trading session.

A venue session of thousands of orders is driven through the real order-entry application
(gateway.app.setup, in process, no sockets) into SQLite (and PostgreSQL, when the test
server is up): new orders of four firms on two symbols, market and IOC orders, cancels,
replaces, gateway rejects, and the DAY expiry at the end of the trading day. Then the CLI
(`fixvenue report export`, `portfolio`, `report reconcile`) reads it back:
- every order event (executions row) and every trade appears exactly once, with the
  documented columns (the README names each one);
- reconcile passes, and fails when a trade or a fill row is removed.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from config.load import apply_overrides, load_config
from dropcopy.regulatory import ORDER_COLUMNS, TRADE_COLUMNS
from fixspec.codec import parse
from gateway.app.setup import open_order_entry
from gateway.cli import main
from gateway.session import ApplicationMessage
from gateway.store import open_store

pytestmark = pytest.mark.timeout(300)

START = 1_767_607_200.0  # 2026-01-05 10:00:00 UTC
DAY = "2026-01-05"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ORDERS = 3000


class Told:
    """What the venue sent: each ExecutionReport's fields, by ExecID."""

    def __init__(self) -> None:
        self.reports: dict[str, dict[int, bytes]] = {}

    def send(self, session_id: str, msg_type: str, body: bytes) -> None:
        if msg_type == "8":
            fields = dict(parse(b"35=8\x01" + body).pairs)
            self.reports[fields[17].decode()] = fields


#: Per data directory driven: the ExecutionReports the venue sent.
TOLD: dict[Path, Told] = {}


def drive(db_url: str, data_dir: Path, n_orders: int = ORDERS, seed: int = 7) -> None:
    """A seeded session of `n_orders` order requests (plus cancels/replaces), committed."""
    config = apply_overrides(
        load_config(None), host=None, port=None, data_dir=data_dir, db_url=db_url
    )
    store = open_store(config.store.resolved_url())
    app, stage, _ = open_order_entry(config, store)
    rng = random.Random(seed)
    out, now, seq = TOLD.setdefault(data_dir, Told()), START, 0
    firms = [(f"FIX.4.4:FIXVENUE->CLIENT{k}", f"ACC{k}") for k in (1, 2, 3, 4)]
    live: list[tuple[str, str, str, str]] = []  # (sid, clid, side, symbol)
    app.tick(START, out)  # the trading day starts: its end will expire the DAY orders

    def send(sid: str, mt: str, fields: str) -> None:
        nonlocal seq, now
        seq += 1
        now += 0.011
        raw = f"35={mt}|{fields}|".replace("|", "\x01").encode()
        app.on_message(sid, ApplicationMessage(msg_type=mt, msg=parse(raw), seq=seq), now, out)
        stage([])()

    for i in range(n_orders):
        sid, acct = rng.choice(firms)
        symbol = rng.choice(("AAPL", "MSFT"))
        ref = Decimal("100.00") if symbol == "AAPL" else Decimal("101.50")
        side = rng.choice("12")
        clid = f"O{i}"
        roll = rng.random()
        if roll < 0.05 and live:
            osid, oclid, oside, osym = live.pop(rng.randrange(len(live)))
            send(osid, "F", f"11=C{i}|41={oclid}|55={osym}|54={oside}|60=20260105-10:00:00")
            continue
        if roll < 0.10 and live:
            osid, oclid, oside, osym = live.pop(rng.randrange(len(live)))
            oref = Decimal("100.00") if osym == "AAPL" else Decimal("101.50")
            px = oref + Decimal(rng.randint(-150, 150)) / 100
            send(
                osid,
                "G",
                f"11=R{i}|41={oclid}|55={osym}|54={oside}|38={rng.randint(1, 50) * 10}"
                f"|40=2|44={px}|60=20260105-10:00:00",
            )
            live.append((osid, f"R{i}", oside, osym))
            continue
        base = f"11={clid}|1={acct}|55={symbol}|54={side}|38={rng.randint(1, 30) * 10}"
        base += "|60=20260105-10:00:00"
        if roll < 0.12:
            send(
                sid,
                "D",
                f"11={clid}|1={acct}|55=NOPE|54={side}|38=10|40=2|44=1|60=20260105-10:00:00",
            )
        elif roll < 0.17:
            send(sid, "D", base + "|40=1|59=3")  # market IOC
        elif roll < 0.22:
            px = ref + Decimal(rng.randint(-100, 100)) / 100
            send(sid, "D", base + f"|40=2|44={px}|59=3")
        else:
            px = ref + Decimal(rng.randint(-100, 100)) / 100
            send(sid, "D", base + f"|40=2|44={px}|59=0")
            live.append((sid, clid, side, symbol))
    app.tick(START + 11 * 3600 + 1, out)  # 21:00:01: the DAY orders expire
    stage([])()
    store.close()


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("venue")
    drive(None, data)  # type: ignore[arg-type]
    return data


def _db_args(data: Path) -> tuple[str, ...]:
    return ("--data-dir", str(data))


def _count(url: str, table: str, where: str = "") -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = list(conn.execute(text(f"SELECT * FROM {table} {where}")))
    engine.dispose()
    return [tuple(r) for r in rows]


def check_round_trip(db: tuple[str, ...], url: str) -> None:
    code, out, err = cli("report", "export", *db, "--from", DAY, "--to", DAY, "--kind", "orders")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == ORDER_COLUMNS
    events = [dict(zip(ORDER_COLUMNS, r, strict=True)) for r in rows[1:]]
    stored = _count(url, "executions")
    assert len(events) == len(stored) > ORDERS
    assert sorted(e["exec_id"] for e in events) == sorted(str(r[0]) for r in stored)
    codes = {e["event_code"] for e in events}
    assert {"NEWO", "REME", "CAME", "CAMO", "PARF", "FILL", "EXPI", "REMO"} <= codes, codes
    for e in events:
        assert e["venue"] == "XFIX" and e["firm"].startswith("FIRM"), e
        assert e["event_time"].startswith(DAY + "T") and e["event_time"].endswith("Z"), e
        assert len(e["event_time"]) == len("2026-01-05T10:00:00.000000Z"), e
        if e["event_code"] != "REMO":
            assert e["account"] and e["order_type"] and e["time_in_force"], e
    code, out, err = cli(
        "report", "export", *db, "--from", DAY, "--to", DAY, "--kind", "trades", "--format", "jsonl"
    )
    assert code == 0, err
    trades = [json.loads(line) for line in out.splitlines()]
    stored_trades = _count(url, "trades")
    assert len(trades) == len(stored_trades) > 100
    assert sorted(t["trade_id"] for t in trades) == sorted(r[0] for r in stored_trades)
    for t in trades:
        assert list(t) == list(TRADE_COLUMNS)
        assert Decimal(t["notional"]) == Decimal(t["price"]) * t["quantity"]
        assert t["buyer_firm"] and t["seller_firm"] and t["buyer_account"] and t["currency"]
    # another day: nothing
    code, out, _ = cli("report", "export", *db, "--from", "2026-01-06", "--to", "2026-01-07",
                       "--kind", "trades")  # fmt: skip
    assert code == 0 and out.splitlines() == [",".join(TRADE_COLUMNS)]
    code, out, err = cli("report", "reconcile", *db)
    assert code == 0 and "reconciled: OK" in out, out + err
    code, out, err = cli("portfolio", *db, "--json")
    assert code == 0, err
    positions = json.loads(out)["positions"]
    for symbol in ("AAPL", "MSFT"):
        assert sum(p["qty"] for p in positions if p["symbol"] == symbol) == 0
    code, out, _ = cli("portfolio", *db, "--account", "ACC1")
    assert code == 0 and "ACC1" in out and "ACC2" not in out


def test_export_round_trip_portfolio_and_reconcile_on_sqlite(sqlite_db: Path) -> None:
    url = f"sqlite:///{sqlite_db / 'fixvenue.db'}"
    check_round_trip(_db_args(sqlite_db), url)


def test_every_audit_row_states_the_order_as_its_execution_report_did(sqlite_db: Path) -> None:
    """Type, price and stop price of each order event are those of the ExecutionReport it
    stands for: after a replace, the new price; for an order rejected at the gateway, what
    the report echoed back."""
    code, out, err = cli(
        "report", "export", *_db_args(sqlite_db), "--from", DAY, "--to", DAY, "--kind", "orders"
    )
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))[1:]
    events = [dict(zip(ORDER_COLUMNS, r, strict=True)) for r in rows]
    told = TOLD[sqlite_db].reports
    order_types = {"1": "MARKET", "2": "LIMIT", "3": "STOP", "4": "STOP_LIMIT"}
    checked = {"REME": 0, "REMO": 0}
    for e in events:
        er = told[str(e["exec_id"])]
        assert e["price"] == er.get(44, b"").decode(), (e, er)
        assert e["stop_price"] == er.get(99, b"").decode(), (e, er)
        if 40 in er:
            assert e["order_type"] == order_types[er[40].decode()], (e, er)
        if e["event_code"] in checked:
            checked[str(e["event_code"])] += 1
    assert checked["REME"] > 10 and checked["REMO"] > 50, checked


@pytest.mark.parametrize("table,where", [
    ("trades", "trade_id = (SELECT MIN(trade_id) FROM trades)"),
    ("executions", "exec_id = (SELECT MAX(exec_id) FROM executions WHERE exec_type = 'F')"),
    ("orders", "order_id = (SELECT MIN(buy_order_id) FROM trades)"),
])  # fmt: skip
def test_reconcile_fails_when_a_row_is_removed(
    sqlite_db: Path, tmp_path: Path, table: str, where: str
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sqlite_db, copy)
    engine = create_engine(f"sqlite:///{copy / 'fixvenue.db'}")
    with engine.begin() as conn:
        assert conn.execute(text(f"DELETE FROM {table} WHERE {where}")).rowcount == 1
    engine.dispose()
    code, out, _ = cli("report", "reconcile", *_db_args(copy))
    assert code == 1 and "MISMATCH" in out, out


def test_every_export_column_is_documented_in_the_readme(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    section = readme[readme.index("## Regulatory reporting") :]
    for col in ORDER_COLUMNS + TRADE_COLUMNS:
        assert f"`{col}`" in section, col


def test_bad_dates_and_missing_database(tmp_path: Path) -> None:
    code, _, err = cli("report", "reconcile", "--data-dir", str(tmp_path / "none"))
    assert code == 2 and "no venue database" in err
    with pytest.raises(SystemExit):
        cli("report", "export", "--from", "yesterday", "--to", DAY, "--kind", "orders")


@pytest.fixture
def pg_url() -> Iterator[Callable[[], str]]:
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect("host=127.0.0.1 user=postgres dbname=test", connect_timeout=2).close()
    except Exception:
        pytest.skip("no PostgreSQL test server")
    schema = f"dc_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield lambda: f"{PG_URL}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.mark.postgres
def test_export_round_trip_and_reconcile_on_postgresql(pg_url, tmp_path: Path) -> None:
    url = pg_url()
    drive(url, tmp_path, n_orders=1500, seed=11)
    check_round_trip(("--db-url", url), url)
