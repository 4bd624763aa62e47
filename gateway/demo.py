"""`fixvenue demo`: a one-minute tour of a running venue.

Role: starts `fixvenue run` as a subprocess on free loopback ports (FIX, metrics, admin) and
a throw-away data directory, logs on two scripted trading clients (CLIENT1, CLIENT2) and the
DROPCOPY session over raw sockets, places orders that rest, cross, partially fill and
cancel, prints every ExecutionReport and the book (through the admin endpoint) as they
happen, then the fills per client, the drop copy's count, and the portfolio / regulatory
report when those commands exist. Stops the venue and exits 0.

Invariants: every wait is bounded; the venue subprocess is always stopped; nothing binds
outside 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fixspec.codec import FixMessage, parse
from fixspec.framing import Framer, Garbled, checksum
from gateway.admin.client import AdminCallError, call, render_book

VENUE = "FIXVENUE"
EXEC_TYPES = {"0": "NEW", "F": "TRADE", "4": "CANCELED", "5": "REPLACED", "8": "REJECTED"}
SIDES = {"1": "BUY", "2": "SELL"}


def add_parser(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="start a venue, trade a few orders with two scripted clients, print everything",
        description="Start a venue on free loopback ports in a temporary directory, connect "
        "two scripted FIX clients and the drop copy, and show orders resting, crossing, "
        "partially filling and being cancelled.",
    )
    demo.add_argument("--keep", action="store_true", help="keep the data directory")
    demo.set_defaults(handler=cmd_demo)


class Client:
    """A minimal blocking FIX 4.4 initiator (BodyLength/CheckSum checked by Framer)."""

    def __init__(self, port: int, comp_id: str) -> None:
        self.comp_id = comp_id
        self.seq = 1
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.framer = Framer(max_message_size=1 << 20)

    def send(self, msg_type: str, fields: list[tuple[int, str]]) -> None:
        now = datetime.now(UTC).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]
        head = [(35, msg_type), (49, self.comp_id), (56, VENUE), (34, str(self.seq)), (52, now)]
        body = "".join(f"{t}={v}\x01" for t, v in head + fields).encode()
        msg = b"8=FIX.4.4\x019=%d\x01" % len(body) + body
        self.sock.sendall(msg + b"10=%s\x01" % checksum(msg))
        self.seq += 1

    def receive(self, timeout: float) -> FixMessage | None:
        deadline = time.monotonic() + timeout
        while True:
            frame = self.framer.next_frame()
            if isinstance(frame, Garbled):
                raise RuntimeError(f"garbled frame from the venue: {frame.why}")
            if frame is not None:
                return parse(frame)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not data:
                return None
            self.framer.feed(data)

    def drain(self, quiet: float = 0.4) -> list[FixMessage]:
        """Everything the venue sends until it has been quiet for `quiet` seconds."""
        got = []
        while (msg := self.receive(quiet)) is not None:
            got.append(msg)
        return got

    def logon(self) -> None:
        self.send("A", [(98, "0"), (108, "30"), (141, "Y")])
        msg = self.receive(5.0)
        if msg is None or msg.msg_type != "A":
            raise RuntimeError(f"{self.comp_id}: no Logon answer")

    def close(self) -> None:
        try:
            self.send("5", [])
            self.receive(1.0)
        except OSError:
            pass
        self.sock.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_venue(data_dir: Path) -> tuple[subprocess.Popen[str], int, str]:
    port, mport, aport = free_port(), free_port(), free_port()
    cmd = [sys.executable, "-m", "gateway", "run", "--port", str(port)]
    cmd += ["--metrics-port", str(mport), "--admin-port", str(aport)]
    cmd += ["--data-dir", str(data_dir), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    os.set_blocking(proc.stderr.fileno(), True)
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            raise RuntimeError(f"the venue exited early (rc={proc.wait()})")
        if "listening on" in line:
            print(f"venue: {line.strip().removeprefix('fixvenue ')}")
            return proc, port, f"http://127.0.0.1:{aport}"
    proc.kill()
    raise RuntimeError("the venue did not start in 30 s")


def show(who: str, messages: list[FixMessage], fills: dict[str, list[tuple[int, float]]]) -> None:
    for m in messages:
        if m.msg_type != "8":
            print(f"  {who:<9} <- 35={m.msg_type}")
            continue
        et = EXEC_TYPES.get(m.get_str(150) or "", m.get_str(150))
        side = SIDES.get(m.get_str(54) or "", "?")
        line = (
            f"  {who:<9} <- ExecutionReport {et:<8} {m.get_str(11):<6} {side:<4} "
            f"{m.get_str(38)} {m.get_str(55)} @ {m.get_str(44) or 'MKT'}"
        )
        if et == "TRADE":
            line += f"  filled {m.get_str(32)} @ {m.get_str(31)}"
            if who != "DROPCOPY":
                fills.setdefault(who, []).append(
                    (int(m.get_str(32) or 0), float(m.get_str(31) or 0))
                )
        line += f"  leaves {m.get_str(151)} cum {m.get_str(14)}"
        print(line)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def order(cl: str, side: str, qty: int, price: str) -> list[tuple[int, str]]:
    fields = [(11, cl), (1, ""), (55, "AAPL"), (54, side), (38, str(qty)), (40, "2")]
    return [f for f in fields if f[1]] + [(44, price), (59, "0"), (60, _now())]


def cmd_demo(args: argparse.Namespace) -> int:
    tmp = tempfile.mkdtemp(prefix="fixvenue-demo-")
    data_dir = Path(tmp)
    proc, port, admin_url = start_venue(data_dir)
    try:
        return run_script(port, admin_url, data_dir)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"data kept in {tmp}")


def run_script(port: int, admin_url: str, data_dir: Path) -> int:
    token = (data_dir / "admin.token").read_text().strip()
    c1, c2, dc = Client(port, "CLIENT1"), Client(port, "CLIENT2"), Client(port, "DROPCOPY")
    clients = {"CLIENT1": c1, "CLIENT2": c2}
    fills: dict[str, list[tuple[int, float]]] = {}
    copies = 0
    for c in (c1, c2, dc):
        c.logon()
    print("logged on: CLIENT1 (FIRM1), CLIENT2 (FIRM2), DROPCOPY")

    def step(title: str, who: str, msg_type: str, fields: list[tuple[int, str]]) -> None:
        nonlocal copies
        print(f"\n== {title}")
        clients[who].send(msg_type, fields)
        for name, c in clients.items():
            show(name, c.drain(), fills)
        copied = dc.drain(0.2)
        copies += len(copied)
        show("DROPCOPY", copied, {})

    def book() -> None:
        try:
            print(render_book(call(admin_url, token, "book", {"symbol": "AAPL"})))
        except AdminCallError as exc:
            print(f"(book unavailable: {exc})")

    step("CLIENT1 bids 100 AAPL @ 100.00 (rests)", "CLIENT1", "D", order("B1", "1", 100, "100.00"))
    step("CLIENT1 bids 50 AAPL @ 99.50 (rests)", "CLIENT1", "D", order("B2", "1", 50, "99.50"))
    book()
    step(
        "CLIENT2 sells 30 @ 99.00: crosses B1, which is partially filled",
        "CLIENT2",
        "D",
        order("S1", "2", 30, "99.00"),
    )
    book()
    step(
        "CLIENT2 sells 100 @ 99.50: fills the rest of B1, then part of B2",
        "CLIENT2",
        "D",
        order("S2", "2", 100, "99.50"),
    )
    book()
    cancel = [(11, "C1"), (41, "B2"), (55, "AAPL"), (54, "1"), (38, "50"), (60, _now())]
    step("CLIENT1 cancels what is left of B2", "CLIENT1", "F", cancel)
    book()

    print("\n== fills")
    for name in ("CLIENT1", "CLIENT2"):
        got = fills.get(name, [])
        qty = sum(q for q, _ in got)
        avg = sum(q * p for q, p in got) / qty if qty else 0.0
        print(f"  {name}: {len(got)} fills, {qty} shares, average price {avg:.4f}")
    print(f"  DROPCOPY received {copies} copies")
    extras(data_dir)
    for c in (c1, c2, dc):
        c.close()
    print("\ndemo done")
    return 0


def extras(data_dir: Path) -> None:
    """The portfolio and the regulatory report, when this build has those commands."""
    from gateway.cli import build_parser

    choices: dict[str, Any] = {}
    for action in build_parser()._subparsers._group_actions:  # type: ignore[union-attr]
        choices.update(getattr(action, "choices", None) or {})
    base = [sys.executable, "-m", "gateway"]
    if "portfolio" in choices:
        done = subprocess.run(
            [*base, "portfolio", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        print("\n== fixvenue portfolio")
        print((done.stdout or done.stderr).rstrip())
    if "report" in choices:
        out = Path(tempfile.mkdtemp(prefix="fixvenue-demo-report-")) / "trades.csv"
        today = datetime.now(UTC).date().isoformat()
        done = subprocess.run(
            [*base, "report", "export", "--data-dir", str(data_dir), "--from", today]
            + ["--to", today, "--kind", "trades", "--format", "csv", "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        print("\n== fixvenue report export --kind trades")
        if done.returncode == 0 and out.exists():
            print(f"regulatory trade report: {out}")
        else:
            print(f"(report export failed: {(done.stderr or done.stdout).strip()})")
    missing = [name for name in ("portfolio", "report") if name not in choices]
    if missing:
        print(
            f"\n(no `fixvenue {'` / `fixvenue '.join(missing)}` in this build: "
            "the fills summary above stands in for the portfolio and the report)"
        )
