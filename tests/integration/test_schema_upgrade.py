"""A database written by an earlier version (executions without the order's terms) is
upgraded at start: the columns are added, its old rows report the order's first terms,
and new rows are written and reported with their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect

from dropcopy.queries import Tables, order_events
from dropcopy.regulatory import ORDER_SOURCE
from gateway.app import persist
from gateway.app.tables import executions, orders
from tests.integration.pgdb import fresh_database

pytestmark = pytest.mark.timeout(60)

#: The executions table as the earlier version created it.
OLD_EXECUTIONS = """CREATE TABLE executions (
    exec_id VARCHAR(40) NOT NULL PRIMARY KEY, order_id BIGINT, session_id VARCHAR(200) NOT NULL,
    cl_ord_id VARCHAR(128) NOT NULL, orig_cl_ord_id VARCHAR(128), exec_type VARCHAR(1) NOT NULL,
    ord_status VARCHAR(1) NOT NULL, symbol VARCHAR(32) NOT NULL, side VARCHAR(1) NOT NULL,
    order_qty BIGINT, last_qty BIGINT, last_px VARCHAR(32), leaves_qty BIGINT NOT NULL,
    cum_qty BIGINT NOT NULL, avg_px VARCHAR(40) NOT NULL, text TEXT,
    transact_time_us BIGINT NOT NULL)"""


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield eng
        eng.dispose()
        return
    with fresh_database("fixvenue_up_") as url:
        eng = create_engine(url)
        try:
            yield eng
        finally:
            eng.dispose()


def test_an_old_executions_table_gets_the_terms_and_old_rows_fall_back(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(OLD_EXECUTIONS)
        conn.exec_driver_sql(
            "INSERT INTO executions VALUES ('1', 7, 'S', 'A1', NULL, '0', '0', 'AAPL', '1', "
            "100, NULL, NULL, 100, 0, '0', NULL, 1000)"
        )
    persist.create_tables(engine)
    persist.create_tables(engine)  # twice: nothing left to add
    names = {c["name"] for c in inspect(engine).get_columns("executions")}
    assert {"ord_type", "time_in_force", "price", "stop_px"} <= names
    with engine.begin() as conn:
        conn.execute(
            orders.insert().values(
                order_id=7, session_id="S", firm="F", account="X", cl_ord_id="A1",
                symbol="AAPL", side="1", ord_type="2", time_in_force="0", qty=100,
                price="10.5", stop_px=None, created_at_us=1000,
            )
        )  # fmt: skip
        conn.execute(
            executions.insert().values(
                exec_id="2", order_id=7, session_id="S", cl_ord_id="R1", orig_cl_ord_id="A1",
                exec_type="5", ord_status="0", symbol="AAPL", side="1", order_qty=100,
                leaves_qty=100, cum_qty=0, avg_px="0", ord_type="2", time_in_force="1",
                price="11.25", stop_px=None, transact_time_us=2000,
            )
        )  # fmt: skip
    rows = [dict(zip(ORDER_SOURCE, r, strict=True)) for r in order_events(engine, Tables())]
    assert [(r["exec_id"], r["price"], r["time_in_force"]) for r in rows] == [
        ("1", "10.5", "0"),  # old row: the order as first accepted
        ("2", "11.25", "1"),  # new row: as its report stated
    ]


def test_the_old_index_on_session_and_clordid_is_dropped(engine: Engine) -> None:
    """Each commit wrote about six pages of it; only the start-up scan read it."""
    with engine.begin() as conn:
        conn.exec_driver_sql(OLD_EXECUTIONS)
        conn.exec_driver_sql(
            "CREATE INDEX ix_executions_session_clordid ON executions (session_id, cl_ord_id)"
        )
        conn.exec_driver_sql(
            "INSERT INTO executions VALUES ('1', 7, 'S', 'A1', NULL, '0', '0', 'AAPL', '1', "
            "100, NULL, NULL, 100, 0, '0', NULL, 1000)"
        )
    persist.create_tables(engine)
    persist.create_tables(engine)  # twice: nothing left to drop
    assert [i["name"] for i in inspect(engine).get_indexes("executions")] == []
    assert list(persist.load_seen(engine)) == [("S", "A1")]  # still read at start


def test_a_new_database_has_no_secondary_index_on_executions(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'new.db'}")
    persist.create_tables(engine)
    assert inspect(engine).get_indexes("executions") == []
    engine.dispose()
