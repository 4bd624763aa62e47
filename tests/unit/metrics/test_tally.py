"""Tallies and TallyHistogram: cheap on the hot path, the same exposition as the
prometheus-client classes they stand in for."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from gateway.metrics.registry import FAST_BUCKETS, VenueMetrics
from gateway.metrics.tally import Tallies, TallyHistogram

SAMPLES = (5e-6, 1e-5, 3e-5, 3e-5, 0.2, 2.0)


def lines(registry: CollectorRegistry, name: str) -> list[str]:
    return [
        line
        for line in generate_latest(registry).decode().splitlines()
        if name in line and "_created" not in line
    ]


def test_a_tally_histogram_exposes_what_a_histogram_would() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    fast = TallyHistogram("x_seconds", "doc", FAST_BUCKETS)
    ours.register(fast)
    slow = Histogram("x_seconds", "doc", buckets=FAST_BUCKETS, registry=theirs)
    for v in SAMPLES:
        fast.observe(v)
        slow.observe(v)
    assert lines(ours, "x_seconds") == lines(theirs, "x_seconds")
    assert 'x_seconds_bucket{le="1e-05"} 2.0' in lines(ours, "x_seconds")  # le is inclusive


def test_tallies_reach_their_counters_at_each_scrape() -> None:
    registry = CollectorRegistry()
    tallies = Tallies()
    registry.register(tallies)
    counter = Counter("y_total", "doc", ["k"], registry=registry)
    t = tallies.tally(counter.labels("a"))
    t.n += 3
    assert 'y_total{k="a"} 3.0' in lines(registry, "y_total")
    t.n += 2
    assert 'y_total{k="a"} 5.0' in lines(registry, "y_total")
    assert 'y_total{k="a"} 5.0' in lines(registry, "y_total")  # pushed once, not twice


def test_venue_metrics_scrape_the_hot_path_counts() -> None:
    registry = CollectorRegistry()
    m = VenueMetrics(registry, symbols=["AAPL"], sessions=["S"])
    tally = m.tallies.tally(m.orders.labels("AAPL", "accepted"))
    tally.n += 7
    m.matching.observe(3e-5)
    text = generate_latest(registry).decode()
    assert 'fixvenue_orders_total{outcome="accepted",symbol="AAPL"} 7.0' in text
    assert "fixvenue_matching_seconds_count 1.0" in text
