"""Garbage-collector policy of the venue process: only the youngest collections while trading.

Role: CPython's full (generation 2) collection walks every live container object. A venue
keeps its whole book, order index and session state alive, so under load a full
collection paused the event loop for 10-110 ms (measured with gc.callbacks at 5,000
orders/s), far above a 5 ms p99 budget, and a generation-1 collection still paused it for
1-2 ms several times a second. `IdleCollector` freezes everything alive at start-up (it
will never be garbage), keeps the cheap generation-0 collections, turns the automatic
collections of the older generations off, and runs a full collection itself when the loop
has been idle (no flush) for one interval, so garbage cycles in old objects are still
reclaimed.

Invariants: at most one full collection per interval, never while messages flow (a
client that sends after a long silence may meet one);
`stop()` restores the interpreter's previous thresholds.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Protocol

#: Generation-0 collections stay automatic and small; the older generations' thresholds
#: are out of reach. (A generation-1 collection walks up to about GEN0 x (GEN1 + 1)
#: objects: 10,000 x 11 paused the loop 20-25 ms, 2,000 x 5 about 2 ms. Without them, the
#: open-loop p99 at 10,500 orders/s went from 4.4-7.9 ms to 4.1-4.7 ms, four runs each.)
GEN0_THRESHOLD = 2_000
NO_AUTOMATIC_FULL = 1 << 30
GEN1_THRESHOLD = NO_AUTOMATIC_FULL
#: A full collection needs this long without a flush, and this many generation-0
#: collections since the last older one (the venue makes little cyclic garbage: a full
#: collection after a 30,000-order run found 23 objects and took 100 ms).
IDLE_CHECK_S = 30.0
MIN_YOUNG_COLLECTIONS = 25


class Activity(Protocol):
    """Something that counts work done (the Flusher counts its flushes)."""

    @property
    def flushes(self) -> int: ...


class IdleCollector:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        activity: Activity,
        *,
        interval_s: float = IDLE_CHECK_S,
        min_young_collections: int = MIN_YOUNG_COLLECTIONS,
    ) -> None:
        self._loop = loop
        self._activity = activity
        self._interval_s = interval_s
        self._min_young = min_young_collections
        self._previous = gc.get_threshold()
        self._seen = activity.flushes
        self.full_collections = 0
        gc.collect()
        gc.freeze()
        gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, NO_AUTOMATIC_FULL)
        self._timer: asyncio.TimerHandle | None = loop.call_later(interval_s, self._check)

    def _check(self) -> None:
        flushes = self._activity.flushes
        # gc.get_count()[1]: generation-0 collections since the last older one (objects
        # promoted since, work to do).
        if flushes == self._seen and gc.get_count()[1] >= self._min_young:
            gc.collect()
            self.full_collections += 1
        self._seen = flushes
        self._timer = self._loop.call_later(self._interval_s, self._check)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        gc.set_threshold(*self._previous)
        gc.unfreeze()
