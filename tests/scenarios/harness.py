"""Scenario harness for the session core: a fake clock, an in-memory store and a tiny app.

Script steps are FIX strings with '|' (or SOH) separators: ``peer.send("35=0|34=2")``
adds 8/49/56/52 unless given, then 9 and 10; ``expect("35=0|34=2")`` compares the next
outbound message field by field (only the listed tags; 43 and 123 absent mean N, as in the
acceptance runner's semantic mode); ``advance(seconds)`` runs the timers on a fake clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from fixspec.codec import FixMessage, parse
from fixspec.framing import Framer, Garbled, checksum
from gateway.session import (
    ApplicationMessage,
    Disconnect,
    Event,
    FixSession,
    OutboundMessage,
    SeqNumbers,
    SessionReset,
    SessionSettings,
    business_reject_body,
)

T0 = 1_700_000_000.0
SOH = "\x01"
APP_ECHO = {"D", "d", "C"}


def settings(**kw: object) -> SessionSettings:
    base: dict[str, object] = dict(
        session_id="TW44", sender_comp_id="ISLD", target_comp_id="TW44", reset_on_logon=True
    )
    base.update(kw)
    return SessionSettings(**base)  # type: ignore[arg-type]


def fmt_time(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y%m%d-%H:%M:%S")


_TIME = re.compile(r"<TIME([+-]\d+)?>")


def fixify(text: str, now: float) -> bytes:
    """Complete a scripted message: <TIME> substitution, 9 after 8 and 10 at the end
    unless the script gives them (how garbled messages are written)."""
    text = text.replace("|", SOH)
    text = _TIME.sub(lambda m: fmt_time(now + int(m.group(1) or 0)), text)
    if not text.endswith(SOH):
        text += SOH
    if not text.startswith("8="):
        return text.encode("latin-1")
    head, rest = text.split(SOH, 1)
    head += SOH
    has_len = re.search("\x019=.*?\x01", text) is not None
    cs = re.search("\x0110=[^\x01]*\x01$", SOH + rest)
    tail = None
    if cs is not None:
        tail = cs.group(0)[1:]
        rest = rest[: len(rest) - len(tail)]
    length = "" if has_len else f"9={len(rest)}{SOH}"
    data = (head + length + rest).encode("latin-1")
    if tail is None:
        return data + b"10=" + checksum(data) + b"\x01"
    return data + tail.encode("latin-1")


@dataclass
class Store:
    messages: dict[int, bytes] = field(default_factory=dict)
    next_sender: int = 1
    next_target: int = 1

    def apply(self, records: list[object]) -> None:
        for r in records:
            if isinstance(r, SessionReset):
                self.messages.clear()
            elif isinstance(r, OutboundMessage):
                self.messages[r.seq] = r.raw
            elif isinstance(r, SeqNumbers):
                self.next_sender, self.next_target = r.next_sender_seq, r.next_target_seq

    def source(self, begin: int, end: int | None) -> list[tuple[int, bytes]]:
        top = end if end is not None else 1 << 62
        return sorted((s, m) for s, m in self.messages.items() if begin <= s <= top)


class Harness:
    """One counterparty talking to one FixSession over a fake clock."""

    def __init__(self, **kw: object) -> None:
        self.settings = settings(**kw)
        self.store = Store()
        self.now = T0
        self.events: list[Event] = []
        self.outbox: list[FixMessage] = []
        self.garbled_out: list[Garbled] = []
        self.seen_clordids: set[bytes] = set()
        self.connect()

    # -- connection -----------------------------------------------------------------------
    def connect(self) -> None:
        self.session = FixSession(
            self.settings,
            next_sender_seq=self.store.next_sender,
            next_target_seq=self.store.next_target,
            resend_source=self.store.source,
        )
        self.disconnected = False
        self._framer = Framer()

    # -- driving ---------------------------------------------------------------------------
    def send(self, text: str) -> None:
        """Counterparty -> session; fills 8, 49, 56, 52 when the script omits them."""
        self.raw(fixify(self._complete(text), self.now))

    def _complete(self, text: str) -> str:
        if text.startswith("8=") or not text.startswith("35="):
            return text
        fields = text.split("|")
        tags = {f.split("=", 1)[0] for f in fields if f}
        extra = [t for t in ("49=TW44", "56=ISLD", "52=<TIME>") if t.split("=")[0] not in tags]
        return "|".join(["8=FIX.4.4", *fields[:2], *extra, *fields[2:]])

    def raw(self, data: bytes) -> None:
        self.session.receive_data(data, self.now)
        self._pump()

    def advance(self, seconds: float) -> None:
        """Move the fake clock, firing every timer deadline on the way."""
        end = self.now + seconds
        while True:
            deadline = self.session.get_timer()
            if deadline is None or deadline > end:
                break
            self.now = max(self.now, deadline)
            self.session.handle_timer(self.now)
            self._pump()
        self.now = end

    def _pump(self) -> None:
        while (ev := self.session.next_event()) is not None:
            self.events.append(ev)
            if isinstance(ev, ApplicationMessage):
                self._app(ev)
            elif isinstance(ev, Disconnect):
                self.disconnected = True
        data, records = self.session.data_to_send()
        self.store.apply(list(records))
        self._framer.feed(data)
        while (frame := self._framer.next_frame()) is not None:
            if isinstance(frame, Garbled):
                self.garbled_out.append(frame)
            else:
                self.outbox.append(parse(frame))

    def _app(self, ev: ApplicationMessage) -> None:
        """A stand-in application: one answer per order (an ExecutionReport), a
        BusinessMessageReject for anything else; a PossResend order seen before is ignored."""
        msg = ev.msg
        if ev.msg_type == "D":
            clordid = msg.get(11) or b""
            if ev.poss_resend and clordid in self.seen_clordids:
                return
            self.seen_clordids.add(clordid)
            body = b"37=O1\x0111=%s\x0117=E1\x01150=0\x0139=0\x0155=X\x0154=1\x01" % clordid
            body += b"151=0\x0114=0\x016=0\x01"
            self.session.send("8", body, self.now)
        else:
            text = "Unsupported Message Type"
            self.session.send("j", business_reject_body(ev.seq, ev.msg_type, 3, text), self.now)

    # -- expectations ------------------------------------------------------------------------
    def next_out(self, wait: float = 0.0) -> FixMessage | None:
        if not self.outbox and wait:
            step = 0.0
            while not self.outbox and step < wait and not self.disconnected:
                deadline = self.session.get_timer()
                if deadline is None or deadline - self.now > wait - step:
                    break
                dt_ = max(deadline - self.now, 0.0)
                step += dt_
                self.advance(dt_)
        return self.outbox.pop(0) if self.outbox else None

    def expect(self, text: str, wait: float = 0.0) -> FixMessage:
        msg = self.next_out(wait)
        assert msg is not None, f"expected {text}, got nothing"
        problem = compare(text, msg)
        assert problem is None, f"{problem}\n  expected {text}\n  got      {msg}"
        return msg

    def expect_nothing(self) -> None:
        assert not self.outbox, f"unexpected output: {self.outbox}"

    def expect_disconnect(self, wait: float = 0.0, *, allow_logout: bool = True) -> None:
        if not self.disconnected and wait:
            self.advance(wait)
        if allow_logout and self.outbox and self.outbox[0].msg_type == "5":
            self.outbox.pop(0)
        self.expect_nothing()
        assert self.disconnected, "expected a disconnect"


COMPARED = {8, 35, 34, 49, 56, 36, 7, 16, 45, 373, 371, 372, 98, 108, 141, 380, 112}
ADMIN = {"0", "1", "2", "3", "4", "5", "A"}


def compare(expected: str, actual: FixMessage) -> str | None:
    """The acceptance runner's semantic comparison, at the core level."""
    exp: dict[int, str] = {}
    for f in expected.replace(SOH, "|").split("|"):
        if f and "=" in f:
            t, v = f.split("=", 1)
            exp.setdefault(int(t), v)
    mt = exp.get(35)
    if mt in APP_ECHO and actual.msg_type not in ADMIN:
        tags = {34, 49, 56} & set(exp)
    else:
        tags = COMPARED & set(exp)
        if mt == "1":
            tags.discard(112)
            if actual.get(112) is None:
                return "TestRequest without TestReqID"
    for t in sorted(tags):
        a = actual.get_str(t)
        e = exp[t]
        if a is None:
            return f"tag {t} missing"
        if (a.isdigit() and e.isdigit() and int(a) != int(e)) or (
            not (a.isdigit() and e.isdigit()) and a != e
        ):
            return f"tag {t}: expected {e}, got {a}"
    for t in (43, 123):
        if (exp.get(t, "N") == "Y") != (actual.get(t) == b"Y"):
            return f"flag {t} differs"
    if 122 in exp and actual.get(122) is None:
        return "tag 122 missing"
    if actual.get(52) is None:
        return "tag 52 missing"
    return None
