"""Admin commands: a registry of named handlers, and the venue's built-in ones.

Role: `AdminCommands` maps a name to `handler(args: dict) -> JSON-able result`; handlers
run synchronously on the event loop (the admin server calls them there) and raise
`AdminError(status, message)` for a bad request. `install_builtins(commands, shell, app,
store)` adds: sessions, disconnect, reset, halt, resume, book. Other layers add theirs with
`commands.register("kill", handler, help="...")` (see docs/CONTRACTS.md).

Invariants: commands that change the venue go through `OrderEntry.operator`, so they are
journaled and reported (TradingSessionStatus, ExecutionReports) exactly like a client's
request, and their messages leave through the shell's outbox and flusher (persist, then
tell). A session's sequence numbers are reset only while it has no live connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.app import reports as rp
from gateway.app.service import OrderEntry
from gateway.net.connection import Shell
from gateway.store.base import MessageStore
from venue import commands as vc

Handler = Callable[[dict[str, Any]], Any]


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class _Command:
    handler: Handler
    help: str


class AdminCommands:
    """Named admin commands (see module docstring)."""

    def __init__(self) -> None:
        self._commands: dict[str, _Command] = {}
        self.register("commands", lambda args: self.describe(), help="list the commands")

    def register(self, name: str, handler: Handler, *, help: str = "") -> None:
        if name in self._commands:
            raise ValueError(f"admin command {name!r} is already registered")
        self._commands[name] = _Command(handler, help)

    def describe(self) -> dict[str, str]:
        return {name: c.help for name, c in sorted(self._commands.items())}

    def run(self, name: str, args: dict[str, Any]) -> Any:
        command = self._commands.get(name)
        if command is None:
            raise AdminError(404, f"unknown command {name!r}; try 'commands'")
        return command.handler(args)


def arg(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise AdminError(400, f"missing argument {name!r}")
    return value


def install_builtins(
    commands: AdminCommands, shell: Shell, app: OrderEntry, store: MessageStore
) -> None:
    """The venue's own commands (sessions, disconnect, reset, halt, resume, book)."""

    def entry_of(args: dict[str, Any]) -> Any:
        wanted = arg(args, "session")
        for entry in shell.registry:
            if wanted in (entry.session_id, entry.settings.target_comp_id):
                return entry
        raise AdminError(404, f"unknown session {wanted!r}")

    def symbol_of(args: dict[str, Any]) -> str:
        symbol = arg(args, "symbol")
        if symbol not in app.engine.symbols:
            raise AdminError(404, f"unknown symbol {symbol!r}")
        return symbol

    def sessions(args: dict[str, Any]) -> list[dict[str, Any]]:
        rows = []
        for entry in shell.registry:
            conn = entry.connection
            session = conn.session if conn is not None else None
            if session is not None:
                state, sender, target = (
                    session.state.value,
                    session.next_sender_seq,
                    session.next_target_seq,
                )
            else:
                shell.flusher.settle()
                stored = store.load(entry.session_id)
                state = "logged_off"
                sender, target = stored.next_sender_seq, stored.next_target_seq
            rows.append(
                {
                    "session": entry.session_id,
                    "counterparty": entry.settings.target_comp_id,
                    "state": state,
                    "next_sender_seq": sender,
                    "next_target_seq": target,
                    "peer": conn.peer if conn is not None else None,
                }
            )
        return rows

    def disconnect(args: dict[str, Any]) -> dict[str, Any]:
        entry = entry_of(args)
        conn = entry.connection
        if conn is None:
            raise AdminError(409, f"{entry.session_id} has no live connection")
        text = str(args.get("text") or "disconnected by the venue operator (admin)")
        if conn.logged_on:
            conn.request_logout(text)  # the session drops it after its logout timeout
            shell.loop.call_later(5.0, conn.abort, "admin disconnect")
        else:
            conn.abort("admin disconnect")
        return {"session": entry.session_id, "disconnecting": True}

    def reset(args: dict[str, Any]) -> dict[str, Any]:
        entry = entry_of(args)
        if entry.connection is not None:
            raise AdminError(409, f"{entry.session_id} is connected: disconnect it first")
        shell.flusher.settle()
        store.reset(entry.session_id, datetime.now(UTC))
        entry.offline = None
        return {"session": entry.session_id, "next_sender_seq": 1, "next_target_seq": 1}

    def phase_command(cmd: vc.Command, symbol: str) -> dict[str, Any]:
        app.operator(cmd, shell.clock(), shell)
        shell.flusher.request()  # journaled even when nobody was told
        return {"symbol": symbol, "phase": app.engine.phase(symbol).name.lower()}

    def halt(args: dict[str, Any]) -> dict[str, Any]:
        symbol = symbol_of(args)
        return phase_command(vc.Halt(symbol=symbol), symbol)

    def resume(args: dict[str, Any]) -> dict[str, Any]:
        symbol = symbol_of(args)
        return phase_command(vc.Resume(symbol=symbol, immediate=True), symbol)

    def book(args: dict[str, Any]) -> dict[str, Any]:
        symbol = symbol_of(args)
        try:
            levels = int(args.get("levels", 5))
        except (TypeError, ValueError):
            raise AdminError(400, "levels must be an integer") from None
        levels = max(1, min(levels, 100))
        pricer = rp.Pricer(app.engine.instrument(symbol))
        depth = app.engine.depth(symbol, levels)

        def side(rows: Any) -> list[dict[str, Any]]:
            return [
                {"price": pricer.px(lv.price).decode(), "qty": lv.qty, "orders": lv.orders}
                for lv in rows
            ]

        return {
            "symbol": symbol,
            "phase": app.engine.phase(symbol).name.lower(),
            "bids": side(depth.bids),
            "asks": side(depth.asks),
        }

    commands.register("sessions", sessions, help="sessions: state, sequence numbers, peer")
    commands.register("disconnect", disconnect, help="session=ID: Logout and disconnect")
    commands.register("reset", reset, help="session=ID: sequence numbers to 1/1 (offline)")
    commands.register("halt", halt, help="symbol=SYM: halt trading")
    commands.register("resume", resume, help="symbol=SYM: re-open (auction, then continuous)")
    commands.register("book", book, help="symbol=SYM [levels=N]: book depth")
