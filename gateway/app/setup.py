"""Assemble order entry over a message store: engine, market data, recovery, commit.

Role: the order-entry part of the composition root. Builds the venue engine from the
configuration, replays the command journal (so a restart, clean or kill -9, finds the same
book with the same priorities and id counters), and returns the `commit` the shell's
flusher calls once per loop turn: FIX records and order-entry rows in ONE transaction.

Invariants: with a SQL store, nothing the venue decided is told to a client before it is
committed together with the message that tells it. With the in-memory store (tests) the
rows are dropped after each flush, since nothing survives that process anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from config.schema import Config
from dropcopy import fixcopy as dropcopy_fixcopy
from gateway.app import build, persist, riskgate
from gateway.app.marketdata import MarketDataHub
from gateway.app.service import OrderEntry
from gateway.session import StoreRecord
from gateway.store.base import MessageStore
from gateway.store.sql import SqlMessageStore
from venue.engine import Engine


@dataclass(frozen=True, slots=True)
class Recovered:
    commands: int
    seen_clordids: int


def open_order_entry(
    config: Config, store: MessageStore
) -> tuple[OrderEntry, Callable[[list[StoreRecord]], Callable[[], None]], Recovered]:
    """The recovered order entry, and its `stage(batch) -> job`: taken on the loop, the
    rows decided so far; run anywhere, `job()` commits them with the FIX records."""
    engine = Engine(build.instruments(config), retain_done=True)
    app = OrderEntry(
        engine,
        build.session_profiles(config),
        trading_day_end=config.venue.trading_day_end,
        market_data=MarketDataHub(engine),
        security_ids=build.security_ids(config),
    )
    app.copies = dropcopy_fixcopy.from_config(config)
    app.risk = riskgate.build(config, [engine.instrument(s) for s in engine.symbols])
    if not isinstance(store, SqlMessageStore):

        def stage_memory(batch: list[StoreRecord]) -> Callable[[], None]:
            app.take_pending()
            return lambda: store.write(batch)

        return app, stage_memory, Recovered(0, 0)

    sql_engine = store.engine
    persist.create_tables(sql_engine)
    replayed = app.replay(persist.load_journal(sql_engine))
    seen = 0
    for session_id, cl_ord_id in persist.load_seen(sql_engine):
        app.remember_seen(session_id, cl_ord_id)
        seen += 1
    for target, kind in persist.load_kill_switches(sql_engine):
        app.restore_kill_switch(target, kind)

    def stage(batch: list[StoreRecord]) -> Callable[[], None]:
        pending = app.take_pending()  # on the loop: the rows decided up to now

        def job() -> None:  # anywhere (the writer thread): one transaction
            with sql_engine.begin() as conn:
                persist.write_batch_in(conn, store, batch, pending)

        return job

    return app, stage, Recovered(replayed, seen)
