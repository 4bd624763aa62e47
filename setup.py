"""The mypyc build of the per-order path (everything else is in pyproject.toml).

Default (`pip install .`, `pip install -e .`): the modules in MYPYC_MODULES are compiled
to C extensions with mypyc (pyproject.toml's build requirements bring mypy and the
libraries the compiled modules import, for type checking). About 2-3 minutes on 2 cores;
`fixvenue run` then does about 20% fewer instructions per order, and bench/order_entry.py
acks 20-40% more orders/s (see README, "Benchmarks").

Pure Python instead (no C compiler needed, quick to install, edits take effect at once):

    FIXVENUE_MYPYC=0 pip install -e '.[test]'

An editable compiled install leaves `*.so` files beside the sources (and a
`*__mypyc*.so` runtime at the repository root); an extension module shadows the `.py` of
the same name, so an edit to a compiled module takes effect only after a rebuild (`pip
install -e .` again). tests/conftest.py refuses to run on stale extension modules. Back to
pure Python: `FIXVENUE_MYPYC=0 pip install -e '.[test]'` and `git clean -fX '*.so'`.
"""

from __future__ import annotations

import os
from typing import Any

from setuptools import setup

#: Compiled unless FIXVENUE_MYPYC=0. Not compiled: `venue.events` (its NamedTuples stay
#: Python classes anyway, and the `__eq__`/`__ne__`/`__hash__` functions it assigns to them
#: would become native functions, which do not bind as methods), `venue.bench` and the
#: `venue.reference` test oracle. On the gateway's per-order path, not compiled:
#: `gateway.net.registry` (its `Generic` slots dataclass fails at import when compiled:
#: "attribute '__dict__' of 'type' objects is not writable") and `gateway.app.router` (the
#: placeholder `Router`, not on the order path, is subclassed in Python by the tests);
#: `gateway.session._trusted` builds its constructors with `exec`, nothing to gain.
MYPYC_MODULES = [
    "venue/types.py",
    "venue/shardmap.py",
    "venue/commands.py",
    "venue/instruments.py",
    "venue/book.py",
    "venue/marketdata.py",
    "venue/matching.py",
    "venue/auction.py",
    "venue/phases.py",
    "venue/recovery.py",
    "venue/entry.py",
    "venue/amend.py",
    "venue/engine.py",
    # the gateway's per-order path
    "fixspec/framing.py",
    "fixspec/codec.py",
    "fixspec/validate.py",
    "fixspec/utctime.py",
    "fixspec/checks.py",
    "gateway/session/core.py",
    "gateway/session/outbound.py",
    "gateway/session/events.py",
    "gateway/session/records.py",
    "gateway/session/state.py",
    "gateway/session/admin.py",
    "gateway/app/service.py",
    "gateway/app/requests.py",
    "gateway/app/reporting.py",
    "gateway/app/reports.py",
    "gateway/app/translate.py",
    "gateway/app/orders.py",
    "gateway/app/journal.py",
    "gateway/app/model.py",
    "gateway/app/riskgate.py",
    "gateway/net/connection.py",
    "gateway/net/offline.py",
    "gateway/net/flush.py",
    "risk/engine.py",
    "risk/exposure.py",
    "dropcopy/fixcopy.py",
    "gateway/metrics/orders.py",
    # and what those call per message
    "gateway/metrics/shell.py",
    "gateway/metrics/tally.py",
    "gateway/app/fixmap.py",
    "gateway/app/marketdata.py",
]


def _ext_modules() -> list[Any]:
    if os.environ.get("FIXVENUE_MYPYC", "1").strip().lower() in ("0", "false", "no", "off"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError as exc:  # pragma: no cover - build-time message only
        raise SystemExit(
            "the compiled build needs mypy (with mypyc) in the build environment: "
            "let pip install it (build isolation, the default), or build pure Python "
            "with FIXVENUE_MYPYC=0"
        ) from exc
    return list(mypycify(MYPYC_MODULES, opt_level="3"))


setup(ext_modules=_ext_modules())
