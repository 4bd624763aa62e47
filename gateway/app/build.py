"""Typed configuration -> the order-entry application's building blocks.

Role: the translation from `config` (TOML-shaped settings) to venue instruments and the
session profiles order entry needs. Pure; used by the composition root and the tests.
"""

from __future__ import annotations

from config.schema import Config, InstrumentConfig, SessionRole
from gateway.app.service import SessionProfile
from venue.instruments import Instrument, ScheduleEntry
from venue.types import Algorithm, Phase, StpMode, StpScope

_PHASES = {
    "pre-open": Phase.PRE_OPEN,
    "opening-auction": Phase.OPENING_AUCTION,
    "continuous": Phase.CONTINUOUS,
    "closing-auction": Phase.CLOSING_AUCTION,
    "closed": Phase.CLOSED,
}


def instrument(cfg: InstrumentConfig) -> Instrument:
    schedule = tuple(ScheduleEntry(at=p.start, phase=_PHASES[str(p.phase)]) for p in cfg.schedule)
    return Instrument(
        symbol=cfg.symbol,
        tick_size=cfg.tick_size,
        lot_size=cfg.lot_size,
        min_qty=cfg.min_qty,
        max_qty=cfg.max_qty,
        band_pct=cfg.band_pct,
        band_ticks=cfg.band_ticks,
        reference_price=cfg.reference_price,
        currency=cfg.currency,
        algorithm=Algorithm.PRO_RATA if str(cfg.algorithm) == "pro-rata" else Algorithm.FIFO,
        stp_mode=StpMode[str(cfg.stp_mode).upper().replace("-", "_")],
        stp_scope=StpScope[str(cfg.stp_scope).upper()],
        schedule=schedule,
    )


def instruments(config: Config) -> list[Instrument]:
    return [instrument(i) for i in config.instruments]


def security_ids(config: Config) -> dict[str, str]:
    """SecurityID(48) -> symbol, for the instruments that have one."""
    return {i.security_id: i.symbol for i in config.instruments if i.security_id}


def session_profiles(config: Config) -> list[SessionProfile]:
    return [
        SessionProfile(
            session_id=s.session_id,
            firm=s.firm or "",
            accounts=tuple(s.accounts),
            drop_copy=s.role is SessionRole.DROP_COPY,
            cancel_on_disconnect=s.cancel_on_disconnect,
        )
        for s in config.sessions
    ]
