"""Instrument configuration and exact price conversion.

Role: the static description of a tradable symbol (tick, lot, quantity limits, price band,
matching algorithm, self-trade prevention, trading schedule). Invariants: an `Instrument` is
immutable and validated on construction; prices inside the venue are integer ticks and the
conversion from `Decimal` is exact (an off-tick price raises `PriceOffTick`, it is never
rounded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from venue.types import Algorithm, Phase, RejectReason, StpMode, StpScope


class PriceOffTick(ValueError):
    """A decimal price that is not a whole number of ticks."""

    reason = RejectReason.PRICE_OFF_TICK


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleEntry:
    """At `at` (UTC time of day) the instrument moves to `phase`."""

    at: time
    phase: Phase


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrument:
    symbol: str
    tick_size: Decimal = Decimal("0.01")
    lot_size: int = 1
    min_qty: int = 1
    max_qty: int = 1_000_000
    #: Price band as a percentage of the reference price (e.g. Decimal("10") = +/-10%).
    band_pct: Decimal | None = None
    #: Price band as a number of ticks around the reference price.
    band_ticks: int | None = None
    #: Reference price used for the band and the auction until the first trade.
    reference_price: Decimal | None = None
    currency: str = "USD"
    algorithm: Algorithm = Algorithm.FIFO
    #: Self-trade prevention; None means the engine default.
    stp_mode: StpMode | None = None
    stp_scope: StpScope | None = None
    schedule: tuple[ScheduleEntry, ...] = ()
    initial_phase: Phase = Phase.CONTINUOUS

    def __post_init__(self) -> None:
        if self.tick_size <= 0:
            raise ValueError(f"{self.symbol}: tick_size must be positive")
        if self.lot_size <= 0:
            raise ValueError(f"{self.symbol}: lot_size must be positive")
        if not 0 < self.min_qty <= self.max_qty:
            raise ValueError(f"{self.symbol}: need 0 < min_qty <= max_qty")
        if self.band_pct is not None and self.band_ticks is not None:
            raise ValueError(f"{self.symbol}: give band_pct or band_ticks, not both")
        if self.band_pct is not None and self.band_pct < 0:
            raise ValueError(f"{self.symbol}: band_pct must not be negative")
        if self.band_ticks is not None and self.band_ticks < 0:
            raise ValueError(f"{self.symbol}: band_ticks must not be negative")
        if self.reference_price is not None:
            self.price_to_ticks(self.reference_price)
        times = [e.at for e in self.schedule]
        if times != sorted(times):
            raise ValueError(f"{self.symbol}: schedule must be in time order")

    def price_to_ticks(self, price: Decimal) -> int:
        """Exact conversion; raises `PriceOffTick` if `price` is not on the tick."""
        ticks, rest = divmod(Decimal(price), self.tick_size)
        if rest != 0:
            raise PriceOffTick(f"{price} is not a multiple of tick {self.tick_size}")
        return int(ticks)

    def ticks_to_price(self, ticks: int) -> Decimal:
        return ticks * self.tick_size

    @property
    def reference_ticks(self) -> int | None:
        if self.reference_price is None:
            return None
        return self.price_to_ticks(self.reference_price)

    def band(self, reference: int | None) -> tuple[int, int] | None:
        """The inclusive (low, high) tick range allowed around `reference`, or None."""
        if reference is None:
            return None
        if self.band_ticks is not None:
            return reference - self.band_ticks, reference + self.band_ticks
        if self.band_pct is not None:
            width = abs(reference) * self.band_pct / 100
            # Round the width down to whole ticks: the band never widens by rounding.
            w = int(width)
            return reference - w, reference + w
        return None
