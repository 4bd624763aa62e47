"""Hostile or broken clients cost only their own connection."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest
from inproc import VENUE, VenueThread, settings
from rawclient import FixClient

from gateway.net.connection import NetLimits

pytestmark = pytest.mark.timeout(60)


def logon(port: int, client: str) -> FixClient:
    fix = FixClient(port, client, VENUE)
    fix.logon()
    fix.expect("A")
    return fix


def still_works(fix: FixClient, tag: str) -> None:
    fix.send("1", [(112, tag)])
    assert fix.expect("0").get(112) == tag.encode()


def test_slow_reader_is_disconnected_and_others_keep_going(tmp_path: Path) -> None:
    limits = NetLimits(outbound_buffer_limit=64 * 1024)
    sessions = [settings("CLIENT1"), settings("CLIENT2")]
    with (
        VenueThread(sessions, f"sqlite:///{tmp_path / 'v.db'}", limits=limits) as venue,
        logon(venue.port, "CLIENT2") as good,
    ):
        slow = FixClient(venue.port, "CLIENT1", VENUE, rcvbuf=4096)
        slow.logon()
        slow.expect("A")
        big_id = "X" * 8000
        deadline = time.monotonic() + 20
        dropped = False
        while time.monotonic() < deadline:  # make the venue answer, never read the answers
            try:
                slow.send("1", [(112, big_id)])
            except OSError:
                dropped = True
                break
            if len(venue.acceptor.shell.connections) < 2:  # type: ignore[union-attr]
                dropped = True
                break
        slow.close()
        assert dropped, "the slow reader was not disconnected"
        still_works(good, "AFTER-SLOW")


def test_garbage_before_logon_is_disconnected(tmp_path: Path) -> None:
    with (
        VenueThread([settings("CLIENT1")], f"sqlite:///{tmp_path / 'v.db'}") as venue,
        socket.create_connection(("127.0.0.1", venue.port), timeout=5) as junk,
    ):
        closed = False
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                junk.sendall(os.urandom(4096).replace(b"8=", b"xx"))
        except OSError:
            closed = True
        if not closed:
            junk.settimeout(5)
            closed = junk.recv(1) == b""
        assert closed
        with logon(venue.port, "CLIENT1") as fix:
            still_works(fix, "OK")


def test_garbage_after_logon_is_ignored_while_another_session_works(tmp_path: Path) -> None:
    sessions = [settings("CLIENT1"), settings("CLIENT2")]
    with (
        VenueThread(sessions, f"sqlite:///{tmp_path / 'v.db'}") as venue,
        logon(venue.port, "CLIENT1") as noisy,
        logon(venue.port, "CLIENT2") as other,
    ):
        for _ in range(50):
            noisy.send_raw(os.urandom(2048).replace(b"8=", b"xx") + b"\x01")
        still_works(other, "OTHER")
        still_works(noisy, "NOISY")  # garbled input does not consume sequence numbers


def test_oversize_message_is_dropped_without_buffering_it(tmp_path: Path) -> None:
    limits = NetLimits(max_message_size=4096)
    sessions = [settings("CLIENT1", max_message_size=4096)]
    with VenueThread(sessions, f"sqlite:///{tmp_path / 'v.db'}", limits=limits) as venue:
        with logon(venue.port, "CLIENT1") as fix:
            before = fix.next_seq
            fix.send("1", [(112, "Y" * 20_000)])  # ignored as garbled: seq not consumed
            fix.next_seq = before
            still_works(fix, "SMALL")
        with FixClient(venue.port, "CLIENT1", VENUE) as fix:  # an oversize first message
            fix.send("A", [(98, "0"), (108, "30"), (58, "Z" * 20_000)])
            assert fix.expect_closed() == []
