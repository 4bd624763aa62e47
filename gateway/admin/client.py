"""`fixvenue admin ...`: talk to a running venue's admin endpoint.

Role: the command-line client of gateway.admin.server. URL and token default to the
configuration (`[admin] host/port`, token from `[admin] token` or `<data_dir>/admin.token`,
as written by `fixvenue run` at first start); `--url` and `--token` override them. Prints
readable tables by default, the raw JSON result with `--json`.

Invariants: stdlib only (urllib); every request has a timeout; exit 0 on success, 1 when
the venue answers an error or is unreachable, 2 for a usage/configuration problem.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_parser(commands: Any) -> None:
    admin = commands.add_parser(
        "admin",
        help="operate a running venue (sessions, disconnect, reset, halt, resume, book)",
        description="Talk to the admin endpoint of a running venue. The URL and the token "
        "come from the configuration (token: [admin] token, else <data_dir>/admin.token, "
        "written by `fixvenue run` at its first start).",
    )
    admin.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    admin.add_argument("--data-dir", type=Path, metavar="DIR", help="where admin.token is")
    admin.add_argument("--url", help="admin base URL (default http://HOST:PORT from config)")
    admin.add_argument("--token", help="bearer token (default: from config / data dir)")
    admin.add_argument("--json", action="store_true", help="print the JSON result")
    sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    sub.add_parser("sessions", help="sessions with state and sequence numbers")
    for name, what in (("kill", "kill switch: cancel and block"), ("release", "lift it")):
        sub.add_parser(name, help=f"{what} (TARGET: firm or account)").add_argument("target")
    sub.add_parser("reload-limits", help="re-read the [risk] limits of the venue's config")
    sub.add_parser("risk", help="kill switches in force and risk decision counts")
    for name, what in (("disconnect", "Logout and disconnect"), ("reset", "reset seqs to 1")):
        p = sub.add_parser(name, help=f"{what} (SESSION: id or counterparty CompID)")
        p.add_argument("session")
    for name, what in (("halt", "halt a symbol"), ("resume", "resume a symbol")):
        sub.add_parser(name, help=what).add_argument("symbol")
    book = sub.add_parser("book", help="book depth of a symbol")
    book.add_argument("symbol")
    book.add_argument("--levels", type=int, default=5)
    call = sub.add_parser("call", help="any registered command: call NAME [key=value ...]")
    call.add_argument("name")
    call.add_argument("params", nargs="*", metavar="key=value")
    admin.set_defaults(handler=cmd_admin)


def cmd_admin(args: argparse.Namespace) -> int:
    try:
        url, token = _endpoint(args)
    except ValueError as exc:
        print(f"fixvenue: {exc}", file=sys.stderr)
        return EXIT_USAGE
    name, params = _request_of(args)
    try:
        result = call(url, token, name, params)
    except AdminCallError as exc:
        print(f"fixvenue: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(render(name, result))
    return EXIT_OK


class AdminCallError(Exception):
    pass


def call(url: str, token: str, name: str, params: dict[str, Any], timeout: float = 10.0) -> Any:
    """POST /api/<name> with `params`; the result, or AdminCallError."""
    request = urllib.request.Request(
        f"{url.rstrip('/')}/api/{name}",
        data=json.dumps(params).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("error", exc.reason)
        except ValueError:
            message = exc.reason
        raise AdminCallError(f"{name}: {exc.code} {message}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise AdminCallError(f"cannot reach the venue's admin endpoint at {url}: {exc}") from None
    return payload.get("result")


def _endpoint(args: argparse.Namespace) -> tuple[str, str]:
    from config.load import apply_overrides, load_config
    from config.reader import ConfigError
    from gateway.ops import admin_token, token_path

    try:
        config = apply_overrides(load_config(args.config), data_dir=args.data_dir)
    except ConfigError as exc:
        raise ValueError(f"bad configuration: {exc}") from None
    host = config.admin.host
    url = args.url or f"http://{f'[{host}]' if ':' in host else host}:{config.admin.port}"
    token = args.token or admin_token(config, create=False)
    if not token:
        raise ValueError(
            f"no admin token: give --token, set [admin] token, or start the venue once "
            f"(it writes {token_path(config)})"
        )
    return url, token


def _request_of(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    action = args.admin_command
    if action in ("disconnect", "reset"):
        return action, {"session": args.session}
    if action in ("halt", "resume"):
        return action, {"symbol": args.symbol}
    if action in ("kill", "release"):
        return action, {"target": args.target}
    if action == "book":
        return action, {"symbol": args.symbol, "levels": args.levels}
    if action == "call":
        params = dict(p.partition("=")[::2] for p in args.params)
        return args.name, params
    return action, {}


def render(name: str, result: Any) -> str:
    """A readable rendering of a command's result."""
    if name == "sessions" and isinstance(result, list):
        return table(
            ["SESSION", "COUNTERPARTY", "STATE", "NEXT OUT", "NEXT IN", "PEER"],
            [
                [
                    r["session"],
                    r["counterparty"],
                    r["state"],
                    r["next_sender_seq"],
                    r["next_target_seq"],
                    r["peer"] or "-",
                ]
                for r in result
            ],
        )
    if name == "book" and isinstance(result, dict):
        return render_book(result)
    if isinstance(result, dict):
        return "\n".join(f"{k}: {v}" for k, v in result.items())
    if isinstance(result, list) and result and isinstance(result[0], dict):
        keys = list(result[0])
        return table([k.upper() for k in keys], [[r.get(k) for k in keys] for r in result])
    return json.dumps(result, indent=2)


def render_book(book: dict[str, Any]) -> str:
    bids, asks = book["bids"], book["asks"]
    rows = []
    for i in range(max(len(bids), len(asks), 1)):
        b = bids[i] if i < len(bids) else None
        a = asks[i] if i < len(asks) else None
        rows.append(
            [
                b["orders"] if b else "",
                b["qty"] if b else "",
                b["price"] if b else "",
                a["price"] if a else "",
                a["qty"] if a else "",
                a["orders"] if a else "",
            ]
        )
    title = f"{book['symbol']} ({book['phase']})"
    return title + "\n" + table(["ORDERS", "BID QTY", "BID", "ASK", "ASK QTY", "ORDERS"], rows)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells)
    return "\n".join(line.rstrip() for line in lines)
