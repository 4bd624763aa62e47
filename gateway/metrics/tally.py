"""Hot-path counters as plain numbers, handed to Prometheus when it scrapes.

Role: a prometheus-client `Counter.inc()` takes a lock and a few checks (about 0.25 us);
several per order add up. A `Tally` is a plain attribute the event loop increments
(`tally.n += 1`); `Tallies` is a collector registered on the registry before the metric
families, so each scrape (or `push()`) first moves every tally's growth into its counter
child, then the families are collected as usual.

Invariants: only the event loop writes `n`; the scrape thread only reads it (an int or
float read is atomic) and keeps what it already pushed, under one lock; a counter child
fed by a tally is not incremented directly by anyone else.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString


class Tally:
    """The loop's count for one counter child (`n`), and what Prometheus has of it."""

    __slots__ = ("_pushed", "child", "n")

    def __init__(self, child: Any) -> None:
        self.child = child
        self.n: int | float = 0
        self._pushed: int | float = 0

    def push(self) -> None:
        n = self.n
        delta = n - self._pushed
        if delta > 0:
            self.child.inc(delta)
            self._pushed = n


class Tallies(Collector):
    """Every Tally of a registry; registered first, it pushes them at each scrape."""

    def __init__(self) -> None:
        self._all: list[Tally] = []
        self._lock = threading.Lock()

    def tally(self, child: Any) -> Tally:
        t = Tally(child)
        with self._lock:
            self._all.append(t)
        return t

    def push(self) -> None:
        with self._lock:
            for t in self._all:
                t.push()

    def collect(self) -> Iterable[Any]:
        self.push()
        return ()


class TallyHistogram(Collector):
    """A histogram observed on the hot path as plain numbers (one bisect, two additions)
    and exposed as an ordinary Prometheus histogram (`_bucket`, `_count`, `_sum`).

    Only the event loop observes; a scrape reads the counts (each read atomic; a scrape
    may see one observation in the buckets and not yet in the sum, never a lost one)."""

    def __init__(self, name: str, documentation: str, buckets: Sequence[float]) -> None:
        self.name = name
        self.documentation = documentation
        self.bounds = tuple(float(b) for b in buckets)
        self.counts = [0] * (len(self.bounds) + 1)  # the last one: above every bound
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def collect(self) -> Iterable[Any]:
        counts, total = list(self.counts), self.sum
        cumulative, running = [], 0
        for bound, n in zip(self.bounds, counts, strict=False):
            running += n
            cumulative.append((floatToGoString(bound), running))  # type: ignore[no-untyped-call]
        cumulative.append(("+Inf", running + counts[-1]))
        yield HistogramMetricFamily(
            self.name, self.documentation, buckets=cumulative, sum_value=total
        )

    def describe(self) -> Iterable[Any]:
        yield HistogramMetricFamily(self.name, self.documentation)
