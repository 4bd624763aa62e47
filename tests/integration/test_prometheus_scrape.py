"""A real Prometheus server (Debian package `prometheus`) scrapes a running venue.

Checks through Prometheus's HTTP API that the venue's series exist and move when orders
flow, and that every metric the Grafana dashboard queries exists in the venue's /metrics.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO_ROOT, find_free_port
from prometheus_client.parser import text_string_to_metric_families
from rawclient import FixClient

PROMETHEUS = shutil.which("prometheus")
pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        PROMETHEUS is None, reason="no prometheus binary (apt-get install -y prometheus)"
    ),
]
DASHBOARD = REPO_ROOT / "ops" / "grafana" / "fixvenue.json"


def metric_names(metrics_port: int) -> set[str]:
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(s.name for s in family.samples)
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names.update(family.name + s for s in ("_bucket", "_count", "_sum"))
    return names


def dashboard_metrics() -> set[str]:
    exprs = [t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p["targets"]]
    return {m for e in exprs for m in re.findall(r"\bfixvenue_[a-z_]+", e)}


def query(port: int, expr: str) -> list[dict]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    body = json.loads(urllib.request.urlopen(url, timeout=5).read())
    assert body["status"] == "success", body
    return body["data"]["result"]


def wait_for(port: int, expr: str, ok, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    result: list[dict] = []
    while time.monotonic() < deadline:
        try:
            result = query(port, expr)
        except OSError:
            result = []
        if ok(result):
            return result
        time.sleep(0.5)
    raise AssertionError(f"{expr}: {result}")


def total(result: list[dict]) -> float:
    return sum(float(r["value"][1]) for r in result)


def test_prometheus_scrapes_the_venue_and_the_series_move(start_venue, tmp_path: Path) -> None:
    fix_port, metrics_port, prom_port = find_free_port(), find_free_port(), find_free_port()
    start_venue(
        "--port", str(fix_port), "--metrics-port", str(metrics_port), "--no-admin",
        "--data-dir", str(tmp_path / "venue"),
    )  # fmt: skip
    missing = dashboard_metrics() - metric_names(metrics_port)
    assert not missing, f"the dashboard queries metrics the venue does not export: {missing}"

    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n  - job_name: fixvenue\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{metrics_port}']\n"
    )
    assert PROMETHEUS is not None
    prom = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(prom_port, 'up{job="fixvenue"}', lambda r: total(r) == 1)
        wait_for(prom_port, "fixvenue_fix_session_logged_on", lambda r: len(r) == 9)
        before = total(query(prom_port, 'fixvenue_orders_total{outcome="accepted"}'))
        with FixClient(fix_port, "CLIENT1", "FIXVENUE") as c1:
            c1.logon(reset=True)
            c1.expect("A")
            for i in range(5):
                c1.send(
                    "D",
                    [(11, f"P{i}"), (55, "MSFT"), (54, "1"), (38, "10"), (40, "2")]
                    + [(44, "101.00"), (59, "0"), (60, "20260101-00:00:00.000")],
                )
                c1.expect("8")
            wait_for(
                prom_port,
                'fixvenue_fix_session_logged_on{session="FIX.4.4:FIXVENUE->CLIENT1"}',
                lambda r: total(r) == 1,
            )
            wait_for(
                prom_port,
                'fixvenue_orders_total{outcome="accepted",symbol="MSFT"}',
                lambda r: total(r) == before + 5,
            )
            wait_for(
                prom_port,
                'fixvenue_book_resting_orders{symbol="MSFT"}',
                lambda r: total(r) == 5,
            )
            wait_for(prom_port, "fixvenue_gateway_roundtrip_seconds_count", lambda r: total(r) >= 5)
    finally:
        prom.terminate()
        try:
            prom.wait(timeout=10)
        except subprocess.TimeoutExpired:
            prom.kill()
