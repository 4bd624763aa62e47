"""Pre-trade risk at the gateway: configuration -> risk limits, risk checks -> FIX codes.

Role: the seam between ``config`` and the pure ``risk`` core (the composition root builds
the ``RiskEngine`` here, and reloads its limits), and the FIX 4.4 reason codes OrderEntry
puts on a risk reject. Pure, no logging: the shell logs reloads.

Codes (FIX 4.4 has no price-band or throttle codes; Text always names check, limit, value):
- ExecutionReport 150=8 39=8, OrdRejReason(103): 3 "order exceeds limit" for quantity,
  notional, credit and position; 0 "broker / exchange option" for the restricted list,
  the short-sale restriction and the kill switch; 6 "duplicate order"; 99 "other" for the
  price collar and the message throttle.
- OrderCancelReject 434=2, CxlRejReason(102): 2 "broker / exchange option" for the kill
  switch, 99 "other" for every other check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from config.schema import Config, RiskConfig, RiskLimits, SymbolRiskLimits, ThrottleAction
from fixspec.enums import CxlRejReason, OrdRejReason
from risk import Check, LimitBook, Limits, RiskEngine, SymbolLimits
from venue.instruments import Instrument

ORD_REJ_REASON: dict[Check, int] = {
    Check.ORDER_QTY: OrdRejReason.ORDER_EXCEEDS_LIMIT,
    Check.ORDER_NOTIONAL: OrdRejReason.ORDER_EXCEEDS_LIMIT,
    Check.CREDIT: OrdRejReason.ORDER_EXCEEDS_LIMIT,
    Check.POSITION: OrdRejReason.ORDER_EXCEEDS_LIMIT,
    Check.RESTRICTED: OrdRejReason.BROKER_CREDIT,  # 0 = Broker / Exchange option
    Check.SHORT_SALE: OrdRejReason.BROKER_CREDIT,
    Check.KILL_SWITCH: OrdRejReason.BROKER_CREDIT,
    Check.DUPLICATE: OrdRejReason.DUPLICATE_ORDER,
    Check.COLLAR: OrdRejReason.OTHER,
    Check.THROTTLE: OrdRejReason.OTHER,
}
CXL_REJ_REASON: dict[Check, int] = {c: int(CxlRejReason.OTHER) for c in Check}
CXL_REJ_REASON[Check.KILL_SWITCH] = CxlRejReason.BROKER_CREDIT  # 2 = Broker / Exchange option


def limits(cfg: RiskLimits) -> Limits:
    return Limits(
        max_order_qty=cfg.max_order_qty,
        max_order_notional=cfg.max_order_notional,
        collar_pct=cfg.collar_pct,
        collar_ticks=cfg.collar_ticks,
        credit_limit=cfg.credit_limit,
        position_limit=cfg.position_limit,
        throttle_msgs=cfg.throttle_msgs_per_s,
        throttle_window_s=cfg.throttle_window_ms / 1000,
        throttle_logout=cfg.throttle_action is ThrottleAction.LOGOUT,
        restricted_symbols=cfg.restricted_symbols,
        short_sale_restricted=cfg.short_sale_restricted_symbols,
        duplicate_window_s=(
            None if cfg.duplicate_window_ms is None else cfg.duplicate_window_ms / 1000
        ),
    )


def _symbol(cfg: SymbolRiskLimits) -> SymbolLimits:
    return SymbolLimits(
        max_order_qty=cfg.max_order_qty,
        max_order_notional=cfg.max_order_notional,
        collar_pct=cfg.collar_pct,
        collar_ticks=cfg.collar_ticks,
        position_limit=cfg.position_limit,
    )


def _each(table: Mapping[str, RiskLimits]) -> Mapping[str, Limits]:
    return MappingProxyType({k: limits(v) for k, v in table.items()})


def limit_book(cfg: RiskConfig) -> LimitBook:
    """The risk core's limits from the [risk] section."""
    return LimitBook(
        defaults=limits(cfg.defaults),
        firms=_each(cfg.firms),
        accounts=_each(cfg.accounts),
        symbols=MappingProxyType({k: _symbol(v) for k, v in cfg.symbols.items()}),
    )


def build(config: Config, instruments: Iterable[Instrument]) -> RiskEngine | None:
    """The risk engine for `config`, or None when `[risk] enabled = false`."""
    if not config.risk.enabled:
        return None
    return RiskEngine(instruments, limit_book(config.risk))
