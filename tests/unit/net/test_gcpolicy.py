"""IdleCollector: no automatic full collection while trading, one when the loop is idle."""

from __future__ import annotations

import asyncio
import gc

import pytest

from gateway.net.gcpolicy import NO_AUTOMATIC_FULL, IdleCollector

pytestmark = pytest.mark.timeout(30)


class Activity:
    def __init__(self) -> None:
        self.flushes = 0


def test_full_collections_only_when_idle_and_thresholds_restored() -> None:
    before = gc.get_threshold()

    async def main() -> tuple[int, int, tuple[int, int, int]]:
        activity = Activity()
        collector = IdleCollector(
            asyncio.get_running_loop(), activity, interval_s=0.05, min_young_collections=1
        )
        during = gc.get_threshold()
        # Busy: a flush in every interval, and young collections happening.
        for _ in range(50):
            activity.flushes += 1
            gc.collect(0)
            await asyncio.sleep(0.005)
        busy = collector.full_collections
        gc.collect(0)  # work for a full collection to do
        await asyncio.sleep(0.2)  # idle
        idle = collector.full_collections
        collector.stop()
        return busy, idle, during

    busy, idle, during = asyncio.run(main())
    assert during[1] == during[2] == NO_AUTOMATIC_FULL
    assert busy <= 1  # at most one interval in which the (loaded) loop stalled
    assert idle >= 1
    assert gc.get_threshold() == before


def test_only_generation_0_collects_automatically_while_trading() -> None:
    async def main() -> tuple[int, int]:
        collector = IdleCollector(asyncio.get_running_loop(), Activity())
        try:
            keep = [[i] for i in range(100_000)]  # containers that survive: promoted
            young, older = gc.get_count()[1:]
            del keep
            return young, older
        finally:
            collector.stop()

    young, older = asyncio.run(main())
    assert young >= 40  # generation-0 collections ran (100,000 containers / 2,000)
    assert older == 0  # and none of generation 1
