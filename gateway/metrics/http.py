"""The /metrics HTTP endpoint and the timed store commit.

Role: `MetricsEndpoint.start(host, port, registry)` serves the registry in the Prometheus
text format with prometheus-client's own HTTP server (its one thread: the only thread of
the venue besides the loop; it only reads metric values, never the engine or sessions).
`timed_commit(stage, histogram)` wraps the flusher's stage to time each commit.

Invariants: binds only where configured (loopback by default); `close()` is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Histogram, start_http_server

T = TypeVar("T")


class MetricsEndpoint:
    def __init__(self, server: Any, thread: Any) -> None:
        self._server = server
        self._thread = thread

    @classmethod
    def start(cls, host: str, port: int, registry: CollectorRegistry) -> MetricsEndpoint:
        server, thread = start_http_server(port, addr=host, registry=registry)
        return cls(server, thread)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
        self._server = None


def timed_commit(
    stage: Callable[[T], Callable[[], None]], histogram: Histogram
) -> Callable[[T], Callable[[], None]]:
    """`stage`, its jobs (the commits, wherever they run) observing their duration
    (successful commits only) in `histogram`."""
    observe = histogram.observe

    def timed_stage(batch: T) -> Callable[[], None]:
        job = stage(batch)
        future = getattr(job, "future", None)
        if future is not None:  # already sent to a writer process: time it to its answer
            t0 = perf_counter()

            def answered(f: Any) -> None:
                if f.exception() is None:
                    observe(perf_counter() - t0)

            future.add_done_callback(answered)
            return job

        def timed() -> None:
            t0 = perf_counter()
            job()
            observe(perf_counter() - t0)

        return timed

    return timed_stage
