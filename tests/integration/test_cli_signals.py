"""The `python -m gateway run` process: listening line, SIGTERM Logout, exit codes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rawclient import FixClient

pytestmark = pytest.mark.timeout(60)


def test_sigterm_logs_out_every_session_and_exits_zero(
    start_venue, free_port: int, tmp_path: Path
) -> None:
    venue = start_venue("--port", str(free_port), "--data-dir", str(tmp_path))
    assert any(f"127.0.0.1:{free_port}" in line for line in venue.stderr_lines)
    with FixClient(free_port, "CLIENT1", "FIXVENUE") as fix:
        fix.logon(reset=True)
        fix.expect("A")
        venue.proc.send_signal(signal.SIGTERM)
        fix.expect("5", timeout=5)
        fix.send("5")
        fix.expect_closed(timeout=5)
    assert venue.proc.wait(timeout=10) == 0
    assert (tmp_path / "fixvenue.db").exists()


def test_sigterm_without_the_logout_reply_still_exits_in_bounded_time(
    start_venue, free_port: int, tmp_path: Path
) -> None:
    venue = start_venue("--port", str(free_port), "--data-dir", str(tmp_path))
    with FixClient(free_port, "CLIENT2", "FIXVENUE") as fix:
        fix.logon(reset=True)
        fix.expect("A")
        venue.proc.send_signal(signal.SIGTERM)
        fix.expect("5", timeout=5)  # never answered
        assert venue.proc.wait(timeout=10) == 0


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[listen]\nport = "nine"\n')
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "run", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "listen.port" in done.stderr


def test_help_reads_well() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "--help"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0
    assert "run" in done.stdout and "hash-password" in done.stdout


def test_hash_password_prints_a_verifiable_hash() -> None:
    from gateway.session import verify_password

    done = subprocess.run(
        [sys.executable, "-m", "gateway", "hash-password"],
        input="s3cret\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert verify_password("s3cret", done.stdout.strip())
