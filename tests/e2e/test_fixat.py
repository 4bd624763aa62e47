"""The FIX session acceptance scripts (fixat, semantic mode) against `python -m gateway run`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def fixat_dir(repo_root: Path) -> Path:
    return repo_root.parent / "shared" / "fixat"


def test_every_acceptance_script_passes(
    repo_root: Path, start_venue, free_port: int, tmp_path: Path
) -> None:
    fixat = fixat_dir(repo_root)
    if not (fixat / "fixat.py").is_file():
        pytest.skip(f"the fixat acceptance runner is not installed at {fixat}")
    venue = start_venue(
        "--config",
        str(repo_root / "config" / "acceptance.toml"),
        "--port",
        str(free_port),
        "--data-dir",
        str(tmp_path / "data"),
        "--log-level",
        "warning",
    )
    junit = tmp_path / "fixat.xml"
    done = subprocess.run(
        [
            sys.executable,
            str(fixat / "fixat.py"),
            "--port",
            str(free_port),
            "--mode",
            "semantic",
            "--junit",
            str(junit),
            str(fixat / "definitions" / "fix44"),
        ],
        capture_output=True,
        text=True,
        timeout=280,
    )
    failures = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    summary = done.stdout.strip().splitlines()[-1:] or ["(no output)"]
    assert venue.proc.poll() is None, "the venue died during the acceptance run"
    assert done.returncode == 0 and not failures, "\n".join(
        [*failures, *summary, done.stderr[-2000:]]
    )
