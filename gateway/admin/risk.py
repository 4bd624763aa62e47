"""Admin commands of pre-trade risk: kill, release, reload-limits, risk; the risk metrics.

Role: shell-side operator access to the risk core held by OrderEntry. `install_risk`
registers, on the admin command registry:
- ``kill {target}``: firm or account; cancels its open orders (the owners get the cancel
  reports) and blocks new orders until ``release``;
- ``release {target}``;
- ``reload-limits``: re-reads the ``[risk]`` section of the configuration file the venue
  was started with (the whole file is validated) and applies it without a restart;
- ``risk``: kill switches in force and the decision counters.
Every change is logged here (structlog), never in ``risk/``. `RiskMetrics` feeds the
core's plain counters to Prometheus: see `RiskMetrics`.

Invariants: handlers run on the event loop (the admin server calls them there), so they
touch the risk state and the engine like any FIX message does; a kill switch goes through
`OrderEntry.kill`, journaled and reported.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import structlog

from config.load import load_config
from config.reader import ConfigError
from gateway.admin.commands import AdminCommands, AdminError, arg
from gateway.app import riskgate
from gateway.app.service import OrderEntry
from gateway.metrics import VenueMetrics
from gateway.net.connection import Shell
from risk import RiskEngine

log = structlog.get_logger("gateway.risk")


def install_risk(
    commands: AdminCommands, shell: Shell, app: OrderEntry, config_path: Path | None
) -> None:
    def engine() -> RiskEngine:
        if app.risk is None:
            raise AdminError(409, "pre-trade risk is off ([risk] enabled = false)")
        return app.risk

    def kill(args: dict[str, Any]) -> dict[str, Any]:
        target = arg(args, "target")
        engine()
        try:
            cancelled = app.kill(target, shell.clock(), shell)
            shell.flusher.request()  # journaled even when nobody was told
        except KeyError:
            raise AdminError(404, f"unknown firm or account {target!r}") from None
        log.warning("kill_switch", target=target, cancelled=cancelled)
        return {"target": target, "cancelled": cancelled, "blocked": True}

    def release(args: dict[str, Any]) -> dict[str, Any]:
        target = arg(args, "target")
        engine()
        try:
            was = app.release(target)
            shell.flusher.request()  # the lifted switch is committed at once
        except KeyError:
            raise AdminError(404, f"unknown firm or account {target!r}") from None
        log.warning("kill_switch_released", target=target, was_blocked=was)
        return {"target": target, "released": was}

    def reload_limits(args: dict[str, Any]) -> dict[str, Any]:
        risk = engine()
        try:
            config = load_config(config_path)
        except ConfigError as exc:
            raise AdminError(400, f"bad configuration, limits unchanged: {exc}") from None
        old = risk.limits
        new = riskgate.limit_book(config.risk)
        risk.set_limits(new)
        changed = _changes(old, new)
        source = str(config_path) if config_path else "shipped defaults"
        log.info("risk_limits_reloaded", source=source, changes=changed)
        return {"source": source, "changes": changed}

    def status(args: dict[str, Any]) -> dict[str, Any]:
        risk = engine()
        return {
            "killed_firms": sorted(risk.killed_firms),
            "killed_accounts": sorted(risk.killed_accounts),
            "decisions": [
                {"check": c, "outcome": o, "count": n}
                for (c, o), n in sorted(risk.counts().items())
            ],
        }

    commands.register("kill", kill, help="kill switch: kill target=FIRM|ACCOUNT")
    commands.register("release", release, help="lift a kill switch: release target=...")
    commands.register("reload-limits", reload_limits, help="re-read the [risk] limits")
    commands.register("risk", status, help="kill switches and risk decision counts")


def _changes(old: Any, new: Any) -> list[str]:
    """What differs between two limit books, as "where.field: old -> new" lines."""
    out: list[str] = []
    for where in ("firms", "accounts", "symbols"):
        a, b = getattr(old, where), getattr(new, where)
        for key in sorted(set(a) | set(b)):
            out += _diff(f"{where}.{key}", a.get(key), b.get(key))
    return _diff("defaults", old.defaults, new.defaults) + out


def _diff(where: str, a: Any, b: Any) -> list[str]:
    if a == b:
        return []
    if a is None or b is None:
        return [f"{where}: {'added' if a is None else 'removed'}"]
    return [
        f"{where}.{name}: {getattr(a, name)} -> {getattr(b, name)}"
        for name in a.__dataclass_fields__
        if getattr(a, name) != getattr(b, name)
    ]


class RiskMetrics:
    """Feeds the core's plain counters to the metric families of gateway.metrics
    (`risk_decisions_total{check,outcome}`, `risk_kill_switches_active`), once a second on
    the loop: the counters grow by what the core counted since the last sync."""

    def __init__(self, metrics: VenueMetrics, app: OrderEntry) -> None:
        self.metrics = metrics
        self.app = app
        self._seen: dict[tuple[str, str], int] = {}
        self._timer: asyncio.TimerHandle | None = None

    def sync(self) -> None:
        risk = self.app.risk
        if risk is None:
            return
        for key, n in risk.counts().items():
            delta = n - self._seen.get(key, 0)
            if delta > 0:
                self.metrics.risk_decisions.labels(*key).inc(delta)
                self._seen[key] = n
        self.metrics.kill_switches.set(len(risk.killed_firms) + len(risk.killed_accounts))

    def start(self, loop: asyncio.AbstractEventLoop, interval_s: float = 1.0) -> None:
        def tick() -> None:
            try:
                self.sync()
            except Exception:
                log.exception("internal_error", where="risk metrics")
            self._timer = loop.call_later(interval_s, tick)

        tick()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
