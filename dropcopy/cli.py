"""`fixvenue portfolio` and `fixvenue report export|reconcile`: read the venue's database.

Role: the command-line face of dropcopy. `add_commands` registers the subcommands on the
`fixvenue` parser (gateway.cli); each command loads the configuration like `fixvenue run`
(--config, --db-url, --data-dir), opens the database read-only in spirit (SELECTs only) and
rebuilds what it prints from the committed rows: it can run while the venue runs.

Invariants: a bad configuration, a missing database or a bad date prints one line and exits
2; `report reconcile` exits 1 when the books disagree, 0 when they agree; output goes to
stdout (or --out), messages to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from config.load import apply_overrides, load_config
from config.reader import ConfigError
from config.schema import Config, SessionRole
from dropcopy import export, queries, reconcile
from dropcopy.portfolio import Method, PositionView

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_commands(commands: Any) -> None:
    """Register `portfolio` and `report` on the subparsers of the `fixvenue` parser."""
    pf = commands.add_parser(
        "portfolio",
        help="positions and P&L per firm, account and symbol, from the stored fills",
        description="Rebuild positions from every stored fill: quantity, average cost, "
        "realized P&L (the configured cost method), unrealized P&L at the last trade "
        "price, fees, volume and notional.",
    )
    _db_options(pf)
    pf.add_argument("--account", help="only this account")
    pf.add_argument("--json", action="store_true", help="JSON instead of a table")
    pf.set_defaults(handler=cmd_portfolio)

    report = commands.add_parser(
        "report",
        help="regulatory reporting: export the order audit trail or trade reports, reconcile",
    )
    sub = report.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    ex = sub.add_parser(
        "export",
        help="stream order events or trade reports to CSV / JSON Lines",
        description="Columns are documented in the README (Regulatory reporting).",
    )
    _db_options(ex)
    ex.add_argument("--from", dest="since", type=_date, required=True, metavar="DATE")
    ex.add_argument("--to", dest="until", type=_date, required=True, metavar="DATE",
                    help="last day included (UTC dates, YYYY-MM-DD)")  # fmt: skip
    ex.add_argument("--kind", choices=("orders", "trades"), required=True)
    ex.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="default: csv")
    ex.add_argument("--out", type=Path, metavar="FILE", help="default: stdout")
    ex.set_defaults(handler=cmd_export)
    rc = sub.add_parser(
        "reconcile",
        help="check that trades, trade reports, fills and the portfolio agree (exit 1 if not)",
    )
    _db_options(rc)
    rc.set_defaults(handler=cmd_reconcile)


def _db_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    p.add_argument("--data-dir", type=Path, metavar="DIR", help="directory of the SQLite db")
    p.add_argument("--db-url", metavar="URL", help="SQLAlchemy URL of the venue's database")
    p.add_argument("--db-schema", metavar="NAME", help="PostgreSQL schema of the tables")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


Command = Callable[[argparse.Namespace, Config, Engine, queries.Tables], int]


def _with_db(args: argparse.Namespace, command: Command) -> int:
    try:
        config = apply_overrides(
            load_config(args.config), host=None, port=None, data_dir=args.data_dir,
            db_url=args.db_url,
        )  # fmt: skip
    except ConfigError as exc:
        return _fail(f"bad configuration: {exc}", EXIT_USAGE)
    url = config.store.resolved_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return _fail(f"no venue database at {parsed.database}", EXIT_USAGE)
    try:
        engine = create_engine(url)
    except Exception as exc:  # bad URL, missing driver
        return _fail(f"cannot open {url}: {exc}", EXIT_USAGE)
    try:
        return command(args, config, engine, queries.Tables(args.db_schema))
    except SQLAlchemyError as exc:
        return _fail(f"cannot read the venue's tables: {exc.__class__.__name__}: {exc}", 2)
    finally:
        engine.dispose()


def _method(config: Config) -> Method:
    return "fifo" if config.portfolio.cost_method.value == "fifo" else "average-cost"


# -- portfolio ------------------------------------------------------------------------------


def cmd_portfolio(args: argparse.Namespace) -> int:
    return _with_db(args, _portfolio)


def _portfolio(args: argparse.Namespace, config: Config, engine: Engine, t: queries.Tables) -> int:
    p = config.portfolio
    portfolio = queries.load_portfolio(
        engine, t, _method(config), maker_fee_bps=p.maker_fee_bps, taker_fee_bps=p.taker_fee_bps
    )
    views = portfolio.positions(account=args.account)
    if args.json:
        doc = {"cost_method": _method(config), "positions": [v.as_dict() for v in views]}
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(views, sys.stdout)
    return EXIT_OK


_TABLE = (
    ("firm", "firm"), ("account", "account"), ("symbol", "symbol"), ("qty", "position"),
    ("avg_cost", "avg cost"), ("last_price", "last"), ("realized_pnl", "realized"),
    ("unrealized_pnl", "unrealized"), ("fees", "fees"), ("net_pnl", "net P&L"),
    ("volume", "volume"), ("notional", "notional"),
)  # fmt: skip


def print_table(views: list[PositionView], out: TextIO) -> None:
    if not views:
        out.write("no positions\n")
        return
    rows = [[h for _, h in _TABLE]]
    for v in views:
        rows.append(["-" if getattr(v, k) is None else str(getattr(v, k)) for k, _ in _TABLE])
    widths = [max(len(r[i]) for r in rows) for i in range(len(_TABLE))]
    for i, r in enumerate(rows):
        cells = [
            c.ljust(w) if j < 3 else c.rjust(w)
            for j, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.write("  ".join(cells).rstrip() + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


# -- report ---------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    if args.until < args.since:
        return _fail("--to is before --from", EXIT_USAGE)
    return _with_db(args, _export)


def _export(args: argparse.Namespace, config: Config, engine: Engine, t: queries.Tables) -> int:
    firms = {s.session_id: s.firm or "" for s in config.sessions if s.role is SessionRole.TRADING}
    rows = export.records(
        engine,
        t,
        args.kind,
        venue=config.venue.code,
        firms=firms,
        currencies={i.symbol: i.currency for i in config.instruments},
        since_us=export.day_start_us(args.since),
        until_us=export.day_start_us(args.until + timedelta(days=1)),
    )
    with ExitStack() as stack:
        out: TextIO = sys.stdout
        if args.out is not None:
            out = stack.enter_context(args.out.open("w", encoding="utf-8", newline=""))
        n = export.write(rows, export.columns(args.kind), args.format, out)
    print(f"fixvenue: {n} {args.kind} rows exported", file=sys.stderr)
    return EXIT_OK


def cmd_reconcile(args: argparse.Namespace) -> int:
    return _with_db(args, _reconcile)


def _reconcile(args: argparse.Namespace, config: Config, engine: Engine, t: queries.Tables) -> int:
    result = reconcile.reconcile(engine, t, venue=config.venue.code, method=_method(config))
    for line in result.lines:
        print(line)
    for problem in result.problems:
        print(f"MISMATCH {problem}")
    print("reconciled: OK" if result.ok else f"reconciled: {len(result.problems)} problem(s)")
    return EXIT_OK if result.ok else EXIT_FAILURE


def _fail(message: str, code: int) -> int:
    print(f"fixvenue: {message}", file=sys.stderr)
    return code
