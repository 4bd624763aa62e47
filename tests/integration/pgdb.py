"""A PostgreSQL database of its own for one test, dropped afterwards.

Tests that need a whole database (not just a schema: the writer process and the schema
upgrade open their own engines on it) take one from `fresh_database`; the test is skipped
only when no server is reachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_URL = os.environ.get("FIXVENUE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database named `prefix` + a random suffix."""
    psycopg = pytest.importorskip("psycopg")
    admin = PG_URL.replace("+psycopg", "")
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=2)
    except Exception:
        pytest.skip("no PostgreSQL server reachable at " + PG_URL)
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
