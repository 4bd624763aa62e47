"""A quickfix (QuickFIX/C++ binding) initiator harness for the end-to-end tests.

quickfix runs its own threads and calls the Application back from them; an exception that
escapes a callback terminates the process. So every callback here only records what
happened, `queue.put(...)` inside try/except, and every assertion runs in the test thread
with bounded waits (`QfInitiator.wait_for`).
"""

from __future__ import annotations

import glob
import queue
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import quickfix as fix

SOH = "\x01"


def data_dictionary() -> Path:
    """quickfix's FIX44.xml, installed with the binding under sys.prefix/share/quickfix/."""
    candidates = [Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"]
    candidates += [Path(p) for p in glob.glob(f"{sys.prefix}/**/FIX44.xml", recursive=True)]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(f"FIX44.xml not found under {sys.prefix}")


@dataclass(frozen=True, slots=True)
class Seen:
    """One callback: kind (logon, logout, from_admin, to_admin, from_app, to_app) + message."""

    kind: str
    raw: str = ""

    def field(self, tag: int) -> str | None:
        for part in self.raw.split(SOH):
            key, _, value = part.partition("=")
            if key == str(tag):
                return value
        return None

    @property
    def msg_type(self) -> str | None:
        return self.field(35)


class QueueApplication(fix.Application):  # type: ignore[misc]
    """Records every callback in a queue; never raises into quickfix."""

    def __init__(self) -> None:
        super().__init__()
        self.events: queue.Queue[Seen] = queue.Queue()
        self.dropped = 0

    def _put(self, kind: str, message: fix.Message | None = None) -> None:
        try:
            self.events.put(Seen(kind, message.toString() if message is not None else ""))
        except Exception:  # never let an exception reach quickfix: count it instead
            self.dropped += 1

    def onCreate(self, sessionID: fix.SessionID) -> None:
        self._put("create")

    def onLogon(self, sessionID: fix.SessionID) -> None:
        self._put("logon")

    def onLogout(self, sessionID: fix.SessionID) -> None:
        self._put("logout")

    def toAdmin(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        self._put("to_admin", message)

    def fromAdmin(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        self._put("from_admin", message)

    def toApp(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        self._put("to_app", message)

    def fromApp(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        self._put("from_app", message)


class QfInitiator:
    """One quickfix SocketInitiator session (FileStore under `workdir`)."""

    def __init__(
        self,
        workdir: Path,
        port: int,
        *,
        sender: str = "CLIENT1",
        target: str = "FIXVENUE",
        heartbeat: int = 30,
        reset_on_logon: bool = True,
        extra: dict[str, str] | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        lines = {
            "ConnectionType": "initiator",
            "BeginString": "FIX.4.4",
            "SenderCompID": sender,
            "TargetCompID": target,
            "SocketConnectHost": "127.0.0.1",
            "SocketConnectPort": str(port),
            "HeartBtInt": str(heartbeat),
            "ReconnectInterval": "1",
            "StartTime": "00:00:00",
            "EndTime": "00:00:00",
            "FileStorePath": str(workdir / "store"),
            "UseDataDictionary": "Y",
            "DataDictionary": str(data_dictionary()),
            "ResetOnLogon": "Y" if reset_on_logon else "N",
            "ResetOnLogout": "N",
            "ResetOnDisconnect": "N",
            "LogonTimeout": "5",
            "LogoutTimeout": "2",
        }
        lines.update(extra or {})
        self.cfg_path = workdir / "initiator.cfg"
        body = "\n".join(f"{k}={v}" for k, v in lines.items())
        self.cfg_path.write_text(f"[DEFAULT]\n{body}\n\n[SESSION]\n")
        self.session_id = fix.SessionID("FIX.4.4", sender, target)
        self.app = QueueApplication()
        self._settings = fix.SessionSettings(str(self.cfg_path))
        self._store = fix.FileStoreFactory(self._settings)
        self._initiator = fix.SocketInitiator(self.app, self._store, self._settings)
        self.seen: list[Seen] = []
        self._running = False

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> QfInitiator:
        self._initiator.start()
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._initiator.stop()

    def __enter__(self) -> QfInitiator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the session ----------------------------------------------------------------------------

    @property
    def session(self) -> fix.Session:
        return fix.Session.lookupSession(self.session_id)

    def send(self, msg_type: str, fields: dict[int, str]) -> None:
        message = fix.Message()
        message.getHeader().setField(fix.MsgType(msg_type))
        for tag, value in fields.items():
            message.setField(tag, value)
        fix.Session.sendToTarget(message, self.session_id)

    # -- observing --------------------------------------------------------------------------------

    def wait_for(
        self, predicate: Callable[[Seen], bool], timeout: float = 10.0, what: str = "event"
    ) -> Seen:
        """The next callback matching `predicate` (later ones stay queued for later waits)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kinds = [f"{s.kind}:{s.msg_type}" for s in self.seen[-15:]]
                raise AssertionError(f"timed out waiting for {what}; last seen: {kinds}")
            try:
                item = self.app.events.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                continue
            self.seen.append(item)
            if predicate(item):
                return item

    def wait_kind(self, kind: str, msg_type: str | None = None, timeout: float = 10.0) -> Seen:
        return self.wait_for(
            lambda s: s.kind == kind and (msg_type is None or s.msg_type == msg_type),
            timeout,
            f"{kind} {msg_type or ''}".strip(),
        )
