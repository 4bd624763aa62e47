"""The FIX session acceptance scripts (fixat .def files), run against the session core.

Each script is interpreted at the core level: ``iCONNECT`` opens a new FixSession on the same
store, ``I`` lines are fed as bytes, ``E`` lines are compared semantically with the next
outbound message (waiting on the fake clock for timers when nothing is pending), and
``eDISCONNECT`` expects a Disconnect event (one Logout before it is tolerated). Scripts
with several connections (duplicate identity) are the shell registry's business and skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenarios.harness import Harness, fixify

pytestmark = pytest.mark.timeout(60)

DEFS = Path("/work/shared/fixat/definitions/fix44")
SCRIPTS = sorted(DEFS.glob("*.def")) if DEFS.is_dir() else []


def run_script(text: str) -> Harness:
    h: Harness | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        where = f"line {lineno}: {line[:60]!r}"
        if line == "iCONNECT":
            if h is None:
                h = Harness()
            else:
                h.connect()
            continue
        assert h is not None, where
        if line.startswith("I"):
            h.now += 0.01
            h.raw(fixify(line[1:], h.now))
        elif line.startswith("E"):
            try:
                h.expect(line[1:], wait=40.0)
            except AssertionError as exc:
                raise AssertionError(f"{where}: {exc}") from None
        elif line == "eDISCONNECT":
            try:
                h.expect_disconnect(wait=40.0)
            except AssertionError as exc:
                raise AssertionError(f"{where}: {exc}") from None
        else:
            raise AssertionError(f"unknown step {where}")
    assert h is not None
    h.expect_nothing()
    return h


@pytest.mark.skipif(not SCRIPTS, reason="acceptance scripts not available")
@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_acceptance_script(path: Path) -> None:
    text = path.read_text(encoding="latin-1")
    if any(line[:2] in ("i1", "I1", "E1", "e1", "i2", "I2", "e2") for line in text.splitlines()):
        pytest.skip("multi-connection script: the shell's session registry decides")
    run_script(text)
