"""The `fixvenue` command line: the composition root of the venue.

Role: parse arguments, load and override the configuration, configure structlog (once,
here), open the store, build the session settings, start the acceptor on one event loop
(uvloop when importable) and stop it cleanly on SIGTERM/SIGINT.

Invariants: a bad configuration or an unusable address prints one line and exits 2 (no
traceback); a clean shutdown exits 0; logs go to stdout (JSON lines by default), the
human "listening" line and errors go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from config.load import apply_overrides, load_config
from config.reader import ConfigError
from config.schema import CommitWriter, Config, SessionConfig
from dropcopy import cli as dropcopy_cli
from gateway import demo
from gateway.admin import client as admin_client
from gateway.admin.risk import RiskMetrics, install_risk
from gateway.app.setup import open_order_entry
from gateway.app.writer import WriterProcess, remote_stage
from gateway.logs import configure_logging
from gateway.net.connection import NetLimits
from gateway.net.gcpolicy import IdleCollector
from gateway.net.server import Acceptor, ListenOptions, tls_context
from gateway.ops import Operations, ops_overrides
from gateway.session import Credentials, SessionSettings, hash_password
from gateway.store import StoreError, open_store
from gateway.store.sql import SqlMessageStore

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
SWITCH_INTERVAL_S = 0.0005
LOG_LEVELS = ("debug", "info", "warning", "error")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fixvenue",
        description="A FIX 4.4 exchange gateway and venue simulator.",
        epilog="Run `fixvenue COMMAND --help` for the options of a command.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="start the venue (FIX acceptor)",
        description="Start the venue. Without --config it uses the shipped defaults: FIX "
        "acceptor on 127.0.0.1:9878 (TargetCompID FIXVENUE, clients CLIENT1..CLIENT8), "
        "SQLite under ./var/. Options given here override the configuration file.",
    )
    run.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    run.add_argument("--host", help="address to listen on (default from the config)")
    run.add_argument("--port", type=int, help="TCP port to listen on (0 = any free port)")
    run.add_argument("--data-dir", type=Path, metavar="DIR", help="directory of the SQLite db")
    run.add_argument("--db-url", metavar="URL", help="SQLAlchemy URL of the message store")
    run.add_argument("--log-level", choices=LOG_LEVELS, default="info", help="default: info")
    run.add_argument("--metrics-port", type=int, metavar="P", help="/metrics port (0 = any)")
    run.add_argument("--admin-port", type=int, metavar="P", help="admin port (0 = any)")
    run.add_argument("--no-metrics", action="store_true", help="no /metrics endpoint")
    run.add_argument("--no-admin", action="store_true", help="no admin endpoint")
    run.add_argument(
        "--log-format", choices=("json", "console"), default="json", help="default: json"
    )
    run.set_defaults(handler=cmd_run)

    hashpw = commands.add_parser(
        "hash-password",
        help="print the salted hash of a session password, for the configuration",
        description="Read a password (prompted on a terminal, else one line of stdin) and "
        "print the salted hash to put in a session's password_hash.",
    )
    hashpw.set_defaults(handler=cmd_hash_password)
    dropcopy_cli.add_commands(commands)
    admin_client.add_parser(commands)
    demo.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


# -- hash-password --------------------------------------------------------------------------


def cmd_hash_password(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("fixvenue: the passwords differ", file=sys.stderr)
            return EXIT_USAGE
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("fixvenue: empty password", file=sys.stderr)
        return EXIT_USAGE
    print(hash_password(password))
    return EXIT_OK


# -- run ------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    try:
        config = apply_overrides(
            load_config(args.config),
            host=args.host,
            port=args.port,
            data_dir=args.data_dir,
            db_url=args.db_url,
        )
        config = ops_overrides(config, args)
        sessions = [session_settings(s, config) for s in config.sessions]
    except ConfigError as exc:
        return _fail(f"bad configuration: {exc}", EXIT_USAGE)
    except ValueError as exc:
        return _fail(f"bad configuration: {exc}", EXIT_USAGE)
    configure_logging(args.log_level, args.log_format)
    try:
        return _run_loop(serve(config, sessions, args.config))
    except KeyboardInterrupt:
        return EXIT_OK


def _run_loop(coro: Any) -> int:
    try:
        import uvloop
    except ImportError:
        factory = None
    else:
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return int(runner.run(coro))


class StartupError(Exception):
    """The venue could not start; the message says why (exit status: usage)."""


@dataclass(frozen=True, slots=True)
class Running:
    """What `serve_components` started; `stopped` is set (with `why`) when the venue can
    no longer work and must stop (its writer process died)."""

    acceptor: Acceptor
    ops: Operations
    stopped: asyncio.Event
    why: list[str]


@contextlib.asynccontextmanager
async def serve_components(
    config: Config, config_path: Path | None = None
) -> AsyncIterator[Running]:
    """The running venue of `config`: store, recovered order entry, operations, acceptor.
    On exit, logs every session out and closes it all."""
    listen = config.listen
    sessions = [session_settings(s, config) for s in config.sessions]
    url = config.store.resolved_url()
    try:
        store = open_store(url, sqlite_synchronous=config.store.sqlite_synchronous.value)
    except Exception as exc:  # StoreError, OSError and the driver's own (bad URL, server down)
        raise StartupError(f"cannot open the store {url}: {exc}") from exc
    ssl_context = None
    if listen.tls is not None:
        try:
            ssl_context = tls_context(str(listen.tls.cert_file), str(listen.tls.key_file))
        except OSError as exc:  # ssl.SSLError included
            store.close()
            raise StartupError(f"cannot load the TLS certificate/key: {exc}") from exc
    try:
        app, stage, recovered = open_order_entry(config, store)
    except Exception as exc:
        store.close()
        raise StartupError(f"cannot recover the venue from {_safe(url)}: {exc}") from exc
    structlog.get_logger("gateway").info(
        "recovered", commands=recovered.commands, clordids=recovered.seen_clordids
    )
    stopped, why = asyncio.Event(), []

    def writer_gone(reason: str) -> None:
        why.append(f"the writer process is gone ({reason}): nothing more can be persisted")
        structlog.get_logger("gateway").error("writer_gone", reason=reason)
        stopped.set()

    writer = None
    if config.store.writer is CommitWriter.PROCESS and isinstance(store, SqlMessageStore):
        try:
            writer = WriterProcess(
                url,
                sqlite_synchronous=config.store.sqlite_synchronous.value,
                on_gone=writer_gone,
            )
        except (OSError, EOFError, StoreError) as exc:
            store.close()
            raise StartupError(f"cannot start the writer process: {exc}") from exc
        writer.attach(asyncio.get_running_loop())  # its answers are read on the loop
        stage = remote_stage(app.take_pending, writer)
    ops = Operations(config)
    stage = ops.instrument(app, stage)
    try:
        acceptor = Acceptor(
            sessions=sessions,
            store=store,
            router=app,
            stage=stage,
            has_pending=lambda: bool(app.pending),
            listen=ListenOptions(
                host=listen.host,
                port=listen.port,
                ssl_context=ssl_context,
                flush_interval_s=config.store.flush_interval_ms / 1000,
                writer_thread=config.store.writer is CommitWriter.THREAD,
                remote_commits=writer is not None,
            ),
            limits=NetLimits(
                max_message_size=listen.max_inbound_message_bytes,
                outbound_buffer_limit=listen.outbound_buffer_limit_bytes,
            ),
            session_metrics=ops.session_metrics,
        )
        await acceptor.start()
        assert acceptor.shell is not None
        install_risk(ops.admin_commands, acceptor.shell, app, config_path)
        if ops.metrics is not None:
            RiskMetrics(ops.metrics, app).start(asyncio.get_running_loop())
        await ops.start(acceptor, app, store)
    except OSError as exc:
        await ops.close()
        if writer is not None:
            writer.close()
        store.close()
        raise StartupError(f"cannot listen on {listen.host}:{listen.port}: {exc}") from exc
    # A writer thread needs the GIL back for a moment after each commit; while the loop
    # is busy it waits up to the switch interval (5 ms by default) for it: that wait is
    # latency of every report of the batch.
    previous_switch = sys.getswitchinterval()
    if config.store.writer is CommitWriter.THREAD:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        collector = IdleCollector(asyncio.get_running_loop(), acceptor.shell.flusher)
        yield Running(acceptor, ops, stopped, why)
        collector.stop()
        await acceptor.shutdown()
        await ops.close()
    finally:
        sys.setswitchinterval(previous_switch)
        if writer is not None:
            writer.close()
        store.close()


async def serve(
    config: Config, sessions: list[SessionSettings], config_path: Path | None = None
) -> int:
    try:
        async with serve_components(config, config_path) as running:
            acceptor, listen = running.acceptor, config.listen
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            scheme = "fix+tls" if listen.tls is not None else "fix"
            print(
                f"fixvenue listening on {scheme}://{listen.host}:{acceptor.port} "
                f"as {config.venue.sender_comp_id} ({len(sessions)} sessions), "
                f"store {_safe(config.store.resolved_url())}; {running.ops.describe()}",
                file=sys.stderr,
                flush=True,
            )
            structlog.get_logger("gateway").info(
                "listening",
                host=listen.host,
                port=acceptor.port,
                comp_id=config.venue.sender_comp_id,
            )
            waits = [asyncio.ensure_future(e.wait()) for e in (stop, running.stopped)]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                w.cancel()
    except StartupError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if running.why:
        return _fail(f"stopping: {running.why[0]}", EXIT_FAILURE)
    return EXIT_OK


def session_settings(session: SessionConfig, config: Config) -> SessionSettings:
    """The session core's view of one configured session (ours = the venue's CompID)."""
    credentials = None
    if session.credentials is not None:
        credentials = Credentials(
            username=session.credentials.username,
            password_hash=session.credentials.password_hash,
        )
    return SessionSettings(
        session_id=session.session_id,
        sender_comp_id=session.target_comp_id,
        target_comp_id=session.sender_comp_id,
        begin_string=session.begin_string,
        credentials=credentials,
        min_heartbeat_interval=session.heartbeat_min,
        max_heartbeat_interval=session.heartbeat_max,
        sending_time_tolerance=float(session.sending_time_tolerance_s),
        logout_timeout=float(session.logout_timeout_s),
        reset_on_logon=session.reset_on_logon,
        max_message_size=config.listen.max_inbound_message_bytes,
    )


def _safe(url: str) -> str:
    """The URL without a password."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{tail}"


def _fail(message: str, code: int) -> int:
    print(f"fixvenue: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
