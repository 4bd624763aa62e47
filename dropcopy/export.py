"""Stream regulatory records to CSV or JSON Lines.

Role: `export` runs one streaming query (dropcopy.queries) and writes each row as it
arrives: constant memory for any number of rows. CSV has a header row with the documented
column names (dropcopy.regulatory ORDER_COLUMNS / TRADE_COLUMNS, README "Regulatory
reporting"); JSON Lines has one object per line with the same keys in the same order.

Invariants: every row of the window is written exactly once, in execution order (order
events) or trade id order (trades); an empty cell in CSV is an absent value; times are in
[since, until).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, TextIO

from sqlalchemy import Engine

from dropcopy import queries, regulatory

Kind = Literal["orders", "trades"]
Format = Literal["csv", "jsonl"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_start_us(day: date) -> int:
    """Microseconds since the epoch at 00:00 UTC of `day`."""
    return (datetime.combine(day, time(0), UTC) - _EPOCH) // timedelta(microseconds=1)


def columns(kind: Kind) -> tuple[str, ...]:
    return regulatory.ORDER_COLUMNS if kind == "orders" else regulatory.TRADE_COLUMNS


def records(
    engine: Engine,
    tables: queries.Tables,
    kind: Kind,
    *,
    venue: str,
    firms: Mapping[str, str],
    currencies: Mapping[str, str],
    since_us: int | None = None,
    until_us: int | None = None,
) -> Iterable[dict[str, object]]:
    """The rows of one kind, built as they stream out of the database."""
    if kind == "orders":
        for src in queries.order_events(engine, tables, since_us, until_us):
            yield regulatory.order_event(src, venue=venue, firms=firms, currencies=currencies)
    else:
        for src in queries.trade_reports(engine, tables, since_us, until_us):
            yield regulatory.trade_report(src, venue=venue, currencies=currencies)


def write(
    rows: Iterable[Mapping[str, object]], cols: tuple[str, ...], fmt: Format, out: TextIO
) -> int:
    """Write `rows` (header first in CSV); returns the number of data rows."""
    n = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(cols)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in cols])
            n += 1
    else:
        dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        for row in rows:
            out.write(dumps({c: row[c] for c in cols}))
            out.write("\n")
            n += 1
    return n
