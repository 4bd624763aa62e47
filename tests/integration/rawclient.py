"""A blocking raw-socket FIX 4.4 client for the shell's integration tests.

Every wait is bounded by a deadline; messages are framed with fixspec's Framer (BodyLength and
CheckSum checked), so a malformed byte from the venue fails the test instead of being
silently accepted.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from fixspec.codec import FixMessage, parse
from fixspec.framing import Framer, Garbled, checksum

SOH = b"\x01"


def utc_timestamp(offset_s: float = 0.0) -> bytes:
    moment = datetime.fromtimestamp(time.time() + offset_s, UTC)
    return moment.strftime("%Y%m%d-%H:%M:%S.%f")[:-3].encode()


def frame(
    msg_type: str,
    seq: int,
    sender: str,
    target: str,
    fields: Iterable[tuple[int, str | bytes]] = (),
    begin_string: str = "FIX.4.4",
) -> bytes:
    """A complete message with correct BodyLength and CheckSum."""
    head = [(35, msg_type.encode()), (49, sender.encode()), (56, target.encode())]
    head += [(34, str(seq).encode()), (52, utc_timestamp())]
    body = b"".join(b"%d=%s\x01" % (t, v) for t, v in head)
    body += b"".join(
        b"%d=%s\x01" % (t, v if isinstance(v, bytes) else v.encode()) for t, v in fields
    )
    msg = b"8=%s\x019=%d\x01" % (begin_string.encode(), len(body)) + body
    return msg + b"10=%s\x01" % checksum(msg)


class FixClient:
    """One TCP connection speaking FIX as the initiator (sender = its own CompID)."""

    def __init__(
        self,
        port: int,
        sender: str,
        target: str,
        *,
        host: str = "127.0.0.1",
        rcvbuf: int | None = None,
        timeout: float = 5.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.sender, self.target = sender, target
        self.next_seq = 1
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname=host)
        self._framer = Framer(max_message_size=1 << 20)
        self.closed = False

    # -- sending ----------------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(
        self, msg_type: str, fields: Iterable[tuple[int, str | bytes]] = (), seq: int | None = None
    ) -> int:
        if seq is None:
            seq = self.next_seq
            self.next_seq += 1
        self.send_raw(frame(msg_type, seq, self.sender, self.target, fields))
        return seq

    def logon(self, heartbeat: int = 30, *, reset: bool = False, seq: int | None = None) -> None:
        fields: list[tuple[int, str | bytes]] = [(98, "0"), (108, str(heartbeat))]
        if reset:
            fields.append((141, "Y"))
        self.send("A", fields, seq=seq)

    # -- receiving --------------------------------------------------------------------------

    def receive(self, timeout: float | None = None) -> FixMessage | None:
        """The next message, or None when the venue closed the connection."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            frame_ = self._framer.next_frame()
            if isinstance(frame_, Garbled):
                raise AssertionError(f"venue sent a garbled frame: {frame_.why} {frame_.raw!r}")
            if frame_ is not None:
                return parse(frame_)
            if self.closed:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no message from the venue in time")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                self.closed = True
            self._framer.feed(data)

    def expect(self, msg_type: str, timeout: float | None = None) -> FixMessage:
        msg = self.receive(timeout)
        assert msg is not None, f"connection closed while waiting for 35={msg_type}"
        assert msg.msg_type == msg_type, f"expected 35={msg_type}, got {msg!r}"
        return msg

    def expect_closed(self, timeout: float = 5.0) -> list[FixMessage]:
        """Wait until the venue closes; return what it sent before closing."""
        got: list[FixMessage] = []
        deadline = time.monotonic() + timeout
        while True:
            msg = self.receive(max(0.01, deadline - time.monotonic()))
            if msg is None:
                return got
            got.append(msg)

    def close(self) -> None:
        self.closed = True
        self.sock.close()

    def __enter__(self) -> FixClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
