"""Optional TLS on the acceptor (ssl module; certificate and key from the configuration)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from inproc import VENUE, VenueThread, settings
from rawclient import FixClient

from gateway.net.server import tls_context

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "venue.crt", tmp_path / "venue.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def test_logon_over_tls(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    cert, key = certificate
    server = tls_context(str(cert), str(key))
    client = ssl.create_default_context(cafile=str(cert))
    with (
        VenueThread(
            [settings("CLIENT1")], f"sqlite:///{tmp_path / 'v.db'}", ssl_context=server
        ) as venue,
        FixClient(venue.port, "CLIENT1", VENUE, tls=client) as fix,
    ):
        fix.logon()
        fix.expect("A")
        fix.send("1", [(112, "OVER-TLS")])
        assert fix.expect("0").get(112) == b"OVER-TLS"
