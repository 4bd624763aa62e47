"""The guard against stale mypyc extension modules (setup.py's default build)."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import stale_extensions


def _touch(path: Path, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    os.utime(path, (mtime, mtime))


def test_a_source_newer_than_its_extension_is_stale(tmp_path: Path) -> None:
    _touch(tmp_path / "gateway/app/service.cpython-311-x86_64-linux-gnu.so", 1000.0)
    _touch(tmp_path / "gateway/app/service.py", 2000.0)
    _touch(tmp_path / "venue/book.cpython-311-x86_64-linux-gnu.so", 2000.0)
    _touch(tmp_path / "venue/book.py", 1000.0)
    assert stale_extensions(tmp_path) == [str(Path("gateway/app/service.py"))]


def test_an_extension_without_a_source_or_outside_the_packages_is_ignored(
    tmp_path: Path,
) -> None:
    _touch(tmp_path / "venue/gone.cpython-311-x86_64-linux-gnu.so", 1000.0)
    _touch(tmp_path / "x__mypyc.cpython-311-x86_64-linux-gnu.so", 1000.0)
    _touch(tmp_path / "x.py", 2000.0)
    assert stale_extensions(tmp_path) == []
