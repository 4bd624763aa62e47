"""The outcome of a check, and the texts a trader reads.

Role: ``Reject`` (which check, and a text naming the check, the limit and the value) and
the formatting helpers of the risk engine. Pure.

Invariant: every text starts with ``risk <check>:`` so a trader (and a test) sees at once
which check refused the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from risk.limits import Check

MICRO = 1_000_000  # money is kept in micro-units of the currency


@dataclass(frozen=True, slots=True)
class Reject:
    check: Check
    text: str


def money(units: int) -> str:
    """Micro-units as a plain decimal amount (no exponent)."""
    value = (Decimal(units) / MICRO).quantize(Decimal("0.01"))
    return f"{value:f}"


def to_units(amount: Decimal) -> int:
    """A money limit in micro-units, rounded down (a limit never grows by rounding)."""
    return int(amount * MICRO)


def reject(check: Check, detail: str) -> Reject:
    return Reject(check, f"risk {check.value}: {detail}")
