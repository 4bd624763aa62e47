"""Optional mypyc build of the venue core (everything else is in pyproject.toml).

Default (`pip install .`, `pip install -e .`): pure Python, no extension modules.

Opt-in, compiled with mypyc (needs mypy in the installing environment, hence no build
isolation; see venue/BENCHMARKS.md, "mypyc build"):

    FIXVENUE_MYPYC=1 pip install --no-build-isolation -e '.[test]'

An editable compiled install leaves `venue/*.so` (and a `*__mypyc*.so` runtime at the
repository root) in the source tree; they shadow the `.py` files until deleted. Go back
to pure Python with `pip install -e '.[test]'` and `rm -f venue/*.so *__mypyc*.so`.
"""

from __future__ import annotations

import os
from typing import Any

from setuptools import setup

#: Compiled with FIXVENUE_MYPYC=1. Not compiled: `venue.events` (its NamedTuples stay
#: Python classes anyway, and the `__eq__`/`__ne__`/`__hash__` functions it assigns to them
#: would become native functions, which do not bind as methods), `venue.bench` and the
#: `venue.reference` test oracle. On the gateway's per-order path, not compiled:
#: `gateway.net.registry` (its `Generic` slots dataclass fails at import when compiled:
#: "attribute '__dict__' of 'type' objects is not writable") and `gateway.app.router` (the
#: placeholder `Router`, not on the order path, is subclassed in Python by the tests);
#: `gateway.session._trusted` builds its constructors with `exec`, nothing to gain.
MYPYC_MODULES = [
    "venue/types.py",
    "venue/commands.py",
    "venue/instruments.py",
    "venue/book.py",
    "venue/marketdata.py",
    "venue/matching.py",
    "venue/auction.py",
    "venue/phases.py",
    "venue/recovery.py",
    "venue/engine.py",
    # the gateway's per-order path
    "fixspec/framing.py",
    "fixspec/codec.py",
    "fixspec/validate.py",
    "fixspec/utctime.py",
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
    if os.environ.get("FIXVENUE_MYPYC", "").strip().lower() not in ("1", "true", "yes", "on"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError as exc:  # pragma: no cover - build-time message only
        raise SystemExit(
            "FIXVENUE_MYPYC=1 needs mypy (with mypyc) in the build environment: "
            "pip install mypy, then pip install --no-build-isolation ..."
        ) from exc
    return list(mypycify(MYPYC_MODULES, opt_level="3"))


setup(ext_modules=_ext_modules())
