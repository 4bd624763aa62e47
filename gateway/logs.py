"""The venue's structlog configuration, shared by the venue process and its writer.

Role: `configure_logging(level, fmt)` sets structlog up once per process: JSON lines (or
console) filtered by level. The venue logs to stdout; its writer process, whose stdout is
the answer pipe to the venue, logs the same way to stderr, at the level and format the
venue was given (`child_env` carries them to it, `configure_from_env` reads them there).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import structlog

_LEVEL_ENV = "FIXVENUE_LOG_LEVEL"
_FORMAT_ENV = "FIXVENUE_LOG_FORMAT"
#: What this process was configured with (a child process gets the same).
_chosen = {"level": "info", "format": "json"}


def configure_logging(level: str, fmt: str, file: TextIO | None = None) -> None:
    """Configure structlog once: JSON lines (or console) to `file` (stdout by default),
    filtered by level."""
    out = sys.stdout if file is None else file
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=True,
    )
    _chosen["level"], _chosen["format"] = level, fmt


def child_env() -> dict[str, str]:
    """Environment entries that give a child process this process's logging."""
    return {_LEVEL_ENV: _chosen["level"], _FORMAT_ENV: _chosen["format"]}


def configure_from_env(env: Mapping[str, str] = os.environ, file: TextIO | None = None) -> None:
    """`configure_logging` as the parent process's `child_env` says (defaults otherwise)."""
    level = env.get(_LEVEL_ENV, "info")
    fmt = env.get(_FORMAT_ENV, "json")
    configure_logging(level, fmt, file)
