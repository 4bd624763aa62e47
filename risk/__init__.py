"""Pre-trade risk: a pure core held before matching and released after.

See ``risk.engine`` (checks, kill switch, counters), ``risk.exposure`` (what is at stake,
from the venue's events), ``risk.limits`` (limits as plain data), ``risk.throttle``.
"""

from risk.checks import Reject
from risk.engine import NEW_ORDER_CHECKS, REPLACE_CHECKS, RiskEngine
from risk.limits import Check, LimitBook, Limits, SymbolLimits

__all__ = [
    "NEW_ORDER_CHECKS",
    "REPLACE_CHECKS",
    "Check",
    "LimitBook",
    "Limits",
    "Reject",
    "RiskEngine",
    "SymbolLimits",
]
