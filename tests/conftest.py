"""Shared test fixtures: the repository root and free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # importable without an editable install
    sys.path.insert(0, str(REPO_ROOT))

_PACKAGES = ("config", "dropcopy", "fixspec", "gateway", "risk", "venue")


def stale_extensions(root: Path) -> list[str]:
    """Compiled modules (setup.py's mypyc build) older than their source: they shadow the
    `.py`, so tests would run the old code."""
    stale = []
    for package in _PACKAGES:
        for ext in (root / package).rglob("*.so"):
            source = ext.with_name(ext.name.split(".", 1)[0] + ".py")
            if source.exists() and source.stat().st_mtime > ext.stat().st_mtime:
                stale.append(str(source.relative_to(root)))
    return sorted(stale)


def pytest_sessionstart(session: pytest.Session) -> None:
    stale = stale_extensions(REPO_ROOT)
    if stale:
        pytest.exit(
            "compiled modules are older than their sources (rebuild: pip install -e '.[test]'; "
            "or FIXVENUE_MYPYC=0 for pure Python): " + ", ".join(stale),
            returncode=2,
        )


def find_free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def free_port() -> int:
    return find_free_port()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


class VenueProcess:
    """`python -m gateway run ...` as a subprocess, as a user would start it.

    Two reader threads drain stdout (JSON logs) and stderr so the venue never blocks on a
    full pipe; `stdout_lines` / `stderr_lines` hold what it printed so far.
    """

    def __init__(self, args: list[str], cwd: Path, *, ready_timeout: float = 20.0) -> None:
        self.args = args
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._ready = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "run", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": _pythonpath()},
            preexec_fn=_die_with_parent,
        )
        self._readers = [
            threading.Thread(target=self._drain, args=(self.proc.stdout, self.stdout_lines)),
            threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr_lines)),
        ]
        for reader in self._readers:
            reader.daemon = True
            reader.start()
        deadline = time.monotonic() + ready_timeout
        while not self._ready.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"venue did not start (rc={self.proc.returncode}): "
                    + "\n".join(self.stderr_lines[-20:])
                )

    def _drain(self, stream: IO[str] | None, lines: list[str]) -> None:
        assert stream is not None
        for line in stream:
            lines.append(line.rstrip("\n"))
            if "listening on" in line:
                self._ready.set()

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait (bounded), kill if needed; return the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=5)
        return self.proc.returncode


def _die_with_parent() -> None:
    """Linux: SIGTERM the venue if the test process dies (a quickfix crash skips teardown)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _pythonpath() -> str:
    """The repository first (no editable install needed), then the caller's PYTHONPATH."""
    return os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)


@pytest.fixture
def start_venue() -> Iterator[Callable[..., VenueProcess]]:
    """Start venue subprocesses (cwd = repo root); every one is stopped at teardown."""
    started: list[VenueProcess] = []

    def start(*args: str, cwd: Path = REPO_ROOT) -> VenueProcess:
        venue = VenueProcess(list(args), cwd)
        started.append(venue)
        return venue

    yield start
    for venue in started:
        venue.stop()
