"""Risk limits as plain data, and the check vocabulary.

Role: what the risk core is told by the composition root (built from the configuration by
``gateway.app.riskbuild``); the core never reads configuration itself. ``Check`` names the
checks, in the order a new order goes through them.

Invariants:
- every limit is set (no "0 means unlimited"); a limit is the largest allowed value: a value
  AT the limit passes, above it is rejected (throttle: at most N messages per window);
- money is ``Decimal`` in the instrument currency; quantities are ``int``;
- exactly one of ``collar_pct`` / ``collar_ticks`` is used: ``collar_ticks`` when set;
- which limits an order gets: the account's entry if there is one, else the firm's, else the
  defaults; credit and the message throttle are always the firm's. A ``SymbolLimits`` entry
  tightens (never widens) quantity, notional and position limits for its symbol, and
  replaces the collar for it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType


class Check(enum.Enum):
    """The pre-trade checks (value = the name used in texts and metrics labels)."""

    THROTTLE = "throttle"
    KILL_SWITCH = "kill_switch"
    RESTRICTED = "restricted_list"
    SHORT_SALE = "short_sale"
    ORDER_QTY = "order_qty"
    ORDER_NOTIONAL = "order_notional"
    COLLAR = "price_collar"
    DUPLICATE = "duplicate_order"
    CREDIT = "credit"
    POSITION = "position"


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The limits of one firm or account."""

    max_order_qty: int = 100_000
    max_order_notional: Decimal = Decimal("10000000")
    collar_pct: Decimal = Decimal("5")
    collar_ticks: int | None = None
    credit_limit: Decimal = Decimal("100000000")
    position_limit: int = 1_000_000
    throttle_msgs: int = 500
    throttle_window_s: float = 1.0
    throttle_logout: bool = False  # beyond the throttle: also log the session out
    restricted_symbols: frozenset[str] = frozenset()
    short_sale_restricted: frozenset[str] = frozenset()
    duplicate_window_s: float | None = None  # None: duplicate detection off


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolLimits:
    """Per-symbol overrides (None: no override)."""

    max_order_qty: int | None = None
    max_order_notional: Decimal | None = None
    collar_pct: Decimal | None = None
    collar_ticks: int | None = None
    position_limit: int | None = None


def _empty() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitBook:
    """Every limit the venue applies, as one value (replaced whole on a reload)."""

    defaults: Limits = Limits()
    firms: Mapping[str, Limits] = field(default_factory=_empty)  # type: ignore[arg-type]
    accounts: Mapping[str, Limits] = field(default_factory=_empty)  # type: ignore[arg-type]
    symbols: Mapping[str, SymbolLimits] = field(default_factory=_empty)  # type: ignore[arg-type]

    def for_firm(self, firm: str) -> Limits:
        return self.firms.get(firm, self.defaults)

    def for_order(self, firm: str, account: str) -> Limits:
        found = self.accounts.get(account)
        return found if found is not None else self.firms.get(firm, self.defaults)
