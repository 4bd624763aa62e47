"""Prometheus metrics of the venue (shell-side only: the pure cores never import this).

`VenueMetrics` holds every metric family; `SessionMetrics` are the shell's per-session
handles; `OrderMetrics` observes the venue's events; `MetricsEndpoint` serves /metrics.
"""

from gateway.metrics.http import MetricsEndpoint, timed_commit
from gateway.metrics.orders import OrderMetrics, sample_books
from gateway.metrics.registry import VenueMetrics
from gateway.metrics.shell import SessionMetrics, disconnect_reason

__all__ = [
    "MetricsEndpoint",
    "OrderMetrics",
    "SessionMetrics",
    "VenueMetrics",
    "disconnect_reason",
    "sample_books",
    "timed_commit",
]
