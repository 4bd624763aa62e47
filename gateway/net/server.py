"""The FIX acceptor: listening socket(s), the shared Shell, and clean shutdown.

Role: wires a SessionRegistry, a MessageStore, the application Router and the Flusher into
one `Shell`, listens with `loop.create_server` (asyncio.Protocol: no stream overhead), and
on shutdown asks every live session to Logout, waits a bounded time for the handshakes and
the last flush, then closes whatever is left.

Invariants: everything runs on one event loop; the listening socket binds only where the
configuration says; shutdown is bounded by `shutdown_grace_s` whatever the peers do.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import structlog

from gateway.app.router import AppRouter, Router
from gateway.metrics.shell import SessionMetrics
from gateway.net.connection import FixConnection, NetLimits, SessionFactory, Shell
from gateway.net.flush import Flusher
from gateway.net.registry import SessionRegistry
from gateway.session import FixSession, SessionSettings, StoreRecord
from gateway.store.base import MessageStore

log = structlog.get_logger("gateway.net")


@dataclass(frozen=True, slots=True, kw_only=True)
class ListenOptions:
    host: str = "127.0.0.1"
    port: int = 9878
    ssl_context: ssl.SSLContext | None = None
    shutdown_grace_s: float = 2.0
    flush_interval_s: float = 0.0
    tick_interval_s: float = 1.0
    #: Commit on a writer thread while the loop decides the next batch (see Flusher).
    writer_thread: bool = False
    #: The stage sends each batch to a writer process and returns its commit (see Flusher).
    remote_commits: bool = False


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server-side TLS context for the given certificate chain and key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


class Acceptor:
    """A running FIX acceptor on one event loop."""

    def __init__(
        self,
        *,
        sessions: Iterable[SessionSettings],
        store: MessageStore,
        router: AppRouter | None = None,
        commit: Callable[[list[StoreRecord]], None] | None = None,
        stage: Callable[[list[StoreRecord]], Callable[[], None]] | None = None,
        has_pending: Callable[[], bool] | None = None,
        listen: ListenOptions | None = None,
        limits: NetLimits | None = None,
        new_session: SessionFactory = FixSession,
        session_metrics: dict[str, SessionMetrics] | None = None,
    ) -> None:
        self._sessions = tuple(sessions)
        self._store = store
        self._router: AppRouter = router or Router()
        self._commit = commit or store.write
        self._stage = stage
        self._has_pending = has_pending
        self._tick: asyncio.TimerHandle | None = None
        self._listen = listen or ListenOptions()
        self._limits = limits or NetLimits()
        self._new_session = new_session
        self._session_metrics = session_metrics or {}
        self._server: asyncio.Server | None = None
        self.shell: Shell | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        flusher = Flusher(
            loop,
            self._commit,
            stage=self._stage,
            interval_s=self._listen.flush_interval_s,
            has_pending=self._has_pending,
            writer_thread=self._listen.writer_thread,
            remote=self._listen.remote_commits,
        )
        self.shell = shell = Shell(
            loop=loop,
            registry=SessionRegistry(self._sessions),
            store=self._store,
            flusher=flusher,
            router=self._router,
            limits=self._limits,
            new_session=self._new_session,
            session_metrics=self._session_metrics,
        )

        self._server = await loop.create_server(
            lambda: FixConnection(shell),
            self._listen.host,
            self._listen.port,
            ssl=self._listen.ssl_context,
            reuse_address=True,
        )
        self._tick = loop.call_later(self._listen.tick_interval_s, self._on_tick)

    def _on_tick(self) -> None:
        """Time-driven application work (schedules, expiries), about once a second."""
        shell = self.shell
        assert shell is not None
        try:
            shell.router.tick(shell.clock(), shell)
        except Exception:
            log.exception("internal_error", where="router.tick")
        shell.flusher.request()  # what the tick decided commits even if it told nobody
        if not shell.shutting_down:
            self._tick = shell.loop.call_later(self._listen.tick_interval_s, self._on_tick)

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def shutdown(self, text: str = "venue shutting down") -> None:
        """Logout every live session, wait (bounded) for them to go, then close."""
        if self._server is None or self.shell is None:
            return
        self.shell.shutting_down = True
        if self._tick is not None:
            self._tick.cancel()
        self._server.close()
        connections = self.shell.connections
        for conn in list(connections):
            if conn.logged_on:
                conn.request_logout(text)
            else:
                conn.abort(text)
        deadline = time.monotonic() + self._listen.shutdown_grace_s
        while connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for conn in list(connections):
            conn.abort("shutdown grace period over")
        await asyncio.sleep(0)
        self.shell.flusher.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), timeout=1.0)
        self._server = None
        log.info("stopped")
