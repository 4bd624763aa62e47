"""Operations wiring for `fixvenue run`: metrics, the admin endpoint, the admin token.

Role: part of the composition root. `Operations(config)` builds the metric families (or
nothing, when `[metrics] enabled = false`); `instrument(app, stage)` hangs the order
observer on OrderEntry and times the store commits; `session_metrics` goes to the Acceptor;
`start(acceptor, app, store)` opens the /metrics endpoint and the admin endpoint and samples
the book and buffer gauges once a second on the loop; `close()` stops them.

Invariants: endpoints bind only where configured (loopback by default); the admin token
comes from `[admin] token` or `<data_dir>/admin.token`, generated (mode 0600) at first run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from prometheus_client import CollectorRegistry

from config.schema import AdminSettings, Config
from gateway.admin.commands import AdminCommands, install_builtins
from gateway.admin.server import AdminServer
from gateway.app.service import OrderEntry
from gateway.metrics import (
    MetricsEndpoint,
    OrderMetrics,
    SessionMetrics,
    VenueMetrics,
    sample_books,
    timed_commit,
)
from gateway.net.server import Acceptor
from gateway.store.base import MessageStore

log = structlog.get_logger("gateway.ops")
SAMPLE_INTERVAL_S = 1.0


def token_path(config: Config) -> Path:
    return config.store.data_dir / AdminSettings.TOKEN_FILE


def admin_token(config: Config, *, create: bool) -> str | None:
    """The configured token, else the one in `<data_dir>/admin.token` (made if `create`)."""
    if config.admin.token is not None:
        return config.admin.token
    path = token_path(config)
    try:
        return path.read_text("utf-8").strip() or None
    except FileNotFoundError:
        if not create:
            return None
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token


_LIFECYCLE = {"Accepted", "Trade", "Cancelled", "Replaced", "Expired", "Rejected", "Triggered"}
_lifecycle = structlog.get_logger("venue.orders")


def lifecycle_log(events: Sequence[Any], at: datetime, seconds: float) -> None:
    """Debug: one line per order lifecycle event (ids and quantities; never the cores)."""
    for e in events:
        kind = type(e).__name__
        if kind not in _LIFECYCLE:
            continue
        order = getattr(e, "order", None) or getattr(e, "taker", None)
        command = getattr(e, "command", None)
        source = order if order is not None else command
        _lifecycle.debug(
            f"order_{kind.lower()}",
            session_id=getattr(source, "owner", None),
            order_id=getattr(order, "order_id", None),
            cl_ord_id=getattr(source, "client_ref", None),
            symbol=getattr(source, "symbol", None),
            qty=getattr(e, "qty", None),
            leaves=getattr(e, "leaves_qty", None),
        )


class Operations:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.registry = CollectorRegistry()
        self.metrics: VenueMetrics | None = None
        self.session_metrics: dict[str, SessionMetrics] = {}
        if config.metrics.enabled:
            ids = [s.session_id for s in config.sessions]
            self.metrics = VenueMetrics(
                self.registry, symbols=[i.symbol for i in config.instruments], sessions=ids
            )
            self.session_metrics = {sid: SessionMetrics(self.metrics, sid) for sid in ids}
        self.admin_commands = AdminCommands()
        self.endpoint: MetricsEndpoint | None = None
        self.admin: AdminServer | None = None
        self._sampler: asyncio.TimerHandle | None = None
        self._acceptor: Acceptor | None = None
        self._app: OrderEntry | None = None

    def instrument(
        self, app: OrderEntry, stage: Callable[[Any], Callable[[], None]]
    ) -> Callable[[Any], Callable[[], None]]:
        """Observe `app`'s events; return `stage` with its commits timed (unchanged when
        metrics are off).
        At debug level, one log line per order lifecycle event as well."""
        if log.bind().is_enabled_for(logging.DEBUG):
            app.observers.append(lifecycle_log)
        if self.metrics is None:
            return stage
        observer = OrderMetrics(self.metrics, app.engine)
        app.observers.append(observer)
        app.reject_observers.append(observer.gateway_reject)
        return timed_commit(stage, self.metrics.db_commit)

    async def start(self, acceptor: Acceptor, app: OrderEntry, store: MessageStore) -> None:
        self._acceptor, self._app = acceptor, app
        cfg = self.config
        # An endpoint that cannot bind (port taken) is reported and skipped: trading must
        # not depend on observability.
        if self.metrics is not None:
            try:
                self.endpoint = MetricsEndpoint.start(
                    cfg.metrics.host, cfg.metrics.port, self.registry
                )
            except OSError as exc:
                self._warn(f"no metrics endpoint on {cfg.metrics.host}:{cfg.metrics.port}", exc)
            self._sample()
        if cfg.admin.enabled:
            token = admin_token(cfg, create=True)
            assert token is not None and acceptor.shell is not None
            install_builtins(self.admin_commands, acceptor.shell, app, store)
            admin = AdminServer(self.admin_commands, token)
            try:
                await admin.start(cfg.admin.host, cfg.admin.port)
                self.admin = admin
            except OSError as exc:
                self._warn(f"no admin endpoint on {cfg.admin.host}:{cfg.admin.port}", exc)

    @staticmethod
    def _warn(what: str, exc: OSError) -> None:
        print(f"fixvenue: warning: {what}: {exc}", file=sys.stderr, flush=True)
        log.warning("endpoint_unavailable", what=what, error=str(exc))

    def describe(self) -> str:
        parts = []
        if self.endpoint is not None:
            parts.append(f"metrics http://{self.config.metrics.host}:{self.endpoint.port}/metrics")
        if self.admin is not None:
            parts.append(f"admin http://{self.config.admin.host}:{self.admin.port}/api/")
        return ", ".join(parts) or "metrics and admin off"

    def _sample(self) -> None:
        """Book and buffer gauges, once a second, on the loop."""
        metrics, acceptor, app = self.metrics, self._acceptor, self._app
        assert metrics is not None and acceptor is not None and app is not None
        try:
            sample_books(metrics, app.engine)
            if acceptor.shell is not None:
                for conn in list(acceptor.shell.connections):
                    entry = conn.entry
                    m = self.session_metrics.get(entry.session_id) if entry else None
                    if m is not None:
                        m.buffer.set(conn.write_buffer_size())
        except Exception:
            log.exception("internal_error", where="metrics sampler")
        loop = asyncio.get_running_loop()
        self._sampler = loop.call_later(SAMPLE_INTERVAL_S, self._sample)

    async def close(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
        if self.admin is not None:
            await self.admin.close()
        if self.endpoint is not None:
            self.endpoint.close()


def ops_overrides(config: Config, args: Any) -> Config:
    """`fixvenue run --metrics-port/--admin-port/--no-metrics/--no-admin` applied."""
    import dataclasses

    from config.reader import p_int

    metrics, admin = config.metrics, config.admin
    if getattr(args, "metrics_port", None) is not None:
        port = p_int(0, 65535)("--metrics-port", args.metrics_port)
        metrics = dataclasses.replace(metrics, port=port)
    if getattr(args, "admin_port", None) is not None:
        admin = dataclasses.replace(admin, port=p_int(0, 65535)("--admin-port", args.admin_port))
    if getattr(args, "no_metrics", False):
        metrics = dataclasses.replace(metrics, enabled=False)
    if getattr(args, "no_admin", False):
        admin = dataclasses.replace(admin, enabled=False)
    return dataclasses.replace(config, metrics=metrics, admin=admin)
