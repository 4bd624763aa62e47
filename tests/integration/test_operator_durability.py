"""An operator command that told nobody is still committed: a halt survives kill -9."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from conftest import find_free_port
from rawclient import FixClient

from gateway.admin.client import call

pytestmark = pytest.mark.timeout(90)


def test_halt_without_subscribers_survives_a_kill(start_venue, tmp_path: Path) -> None:
    fix, admin = find_free_port(), find_free_port()
    args = ("--port", str(fix), "--admin-port", str(admin), "--no-metrics",
            "--data-dir", str(tmp_path))  # fmt: skip
    venue = start_venue(*args)
    url = f"http://127.0.0.1:{admin}"
    token = (tmp_path / "admin.token").read_text().strip()
    assert call(url, token, "halt", {"symbol": "MSFT"})["phase"] == "halted"
    time.sleep(0.3)  # the flush of this loop turn (bounded: it is scheduled at once)
    venue.proc.send_signal(signal.SIGKILL)
    venue.proc.wait(timeout=10)
    start_venue(*args)
    with FixClient(fix, "CLIENT1", "FIXVENUE") as c:
        c.logon(reset=True)
        c.expect("A")
        c.send("D", [(11, "h1"), (55, "MSFT"), (54, "1"), (38, "10"), (40, "2"),
                     (44, "101.00"), (60, "20260101-00:00:00")])  # fmt: skip
        er = c.expect("8")
        assert (er.get_str(150), er.get_str(103)) == ("8", "2"), er
        assert "halt" in (er.get_str(58) or "").lower()
