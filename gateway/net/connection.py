"""One FIX connection: an asyncio.Protocol between a transport and a sans-I/O FixSession.

Role: bytes in -> (first Logon: pick the configured session) -> `FixSession.receive_data`
-> drain events (application messages to the router) -> drain `data_to_send()` into this
connection's pending output -> the Flusher commits the records of the whole loop turn and
only then calls `write_out`. One re-armed `loop.call_at` timer per connection follows
`FixSession.get_timer()` (epoch seconds, converted to loop time).

Invariants:
- The session's own output buffer is drained after every call into it, so `pending`
  holds every record not yet committed; `resend_source` answers from the store plus these
  pending records (a ResendRequest may cover a message of this very turn).
- Nothing is written before the flush that commits it; a Disconnect closes the transport
  after that flush (`transport.close()` still sends what is buffered).
- A connection that is not the live holder of its session never touches the session's
  store state: refused connections are dropped before a FixSession is created.
- Bounded memory: the peeker holds at most one message; the session core's framer bounds
  the rest; outbound beyond the configured limit disconnects the slow reader.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import structlog

from gateway.app.router import AppRouter
from gateway.metrics.shell import SessionMetrics
from gateway.net.flush import Flusher
from gateway.net.offline import OfflineSession
from gateway.net.peek import LogonPeeker, Refusal
from gateway.net.records import merge_resend
from gateway.net.registry import LookupFailure, SessionEntry, SessionRegistry
from gateway.session import (
    ApplicationMessage,
    Disconnect,
    FixSession,
    LocalProtocolError,
    LoggedOn,
    LoggedOut,
    RejectReceived,
    RejectSent,
    SequenceGap,
    StoreRecord,
)
from gateway.store import MessageStore

log = structlog.get_logger("gateway.net")

SessionFactory = Callable[..., FixSession]

#: With pipelined commits, a read is processed and flushed in pieces of about this size
#: (some twenty orders).
PIPELINE_CHUNK_BYTES = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class NetLimits:
    """Per-connection limits of the shell."""

    max_message_size: int = 65_536
    outbound_buffer_limit: int = 4 * 1024 * 1024
    logon_timeout_s: float = 10.0


@dataclass(slots=True, kw_only=True)
class Shell:
    """What every connection shares: the loop-wide collaborators."""

    loop: asyncio.AbstractEventLoop
    registry: SessionRegistry[FixConnection]
    store: MessageStore
    flusher: Flusher
    router: AppRouter
    limits: NetLimits
    new_session: SessionFactory
    clock: Callable[[], float] = time.time
    connections: set[FixConnection] = field(default_factory=set)
    shutting_down: bool = False  # refuse connections accepted while the server closes
    #: Per-session metric handles by session id (empty: metrics off).
    session_metrics: dict[str, SessionMetrics] = field(default_factory=dict)

    def logout(self, session_id: str, text: str) -> None:
        """Outbox for the application layer: log a live session out (risk throttle), once
        the message being processed is done."""
        entry = self.registry.by_id.get(session_id)
        conn = entry.connection if entry is not None else None
        if conn is not None:
            self.loop.call_soon(conn.request_logout, text)

    def send(self, session_id: str, msg_type: str, body: bytes) -> None:
        """Outbox for the application layer: hand a message to a live session."""
        entry = self.registry.by_id.get(session_id)
        if entry is None:
            log.warning("send_dropped", session_id=session_id, msg_type=msg_type)
            return
        conn = entry.connection
        if conn is not None and conn.session is not None:
            conn.send_app(msg_type, body)
            return
        if entry.offline is None or entry.offline.broken:
            self.flusher.settle()  # load() must see every record decided so far
            entry.offline = OfflineSession(entry.settings, self.store, self.new_session)
        try:
            entry.offline.send(msg_type, body, self.clock())
        except LocalProtocolError as exc:
            log.warning("send_refused", session_id=session_id, msg_type=msg_type, error=str(exc))
            return
        self.flusher.touch(entry.offline)


class FixConnection(asyncio.Protocol):
    """The protocol object of one TCP (or TLS) connection."""

    def __init__(self, shell: Shell) -> None:
        self._shell = shell
        self._transport: asyncio.Transport | None = None
        self._peeker: LogonPeeker | None = LogonPeeker(shell.limits.max_message_size)
        self.session: FixSession | None = None
        self.entry: SessionEntry[FixConnection] | None = None
        self._session_id = ""  # the entry's, once bound (a property call less per message)
        self._out = bytearray()
        self._records: list[StoreRecord] = []
        self._closing: str | None = None
        self._closed = False
        self._taken = self._flushed = 0  # take_output / after_flush calls (flush order)
        self._close_at: int | None = None  # the flush after which to close
        self._pumping = False
        self._timer: asyncio.TimerHandle | None = None
        self._deadline: float | None = None
        self._logon_timer: asyncio.TimerHandle | None = None
        self.logged_on = False
        self._was_logged_on = False
        self._log = log
        self._m: SessionMetrics | None = None
        self.peer: str | None = None

    # -- asyncio.Protocol -------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._shell.connections.add(self)
        peer = self._transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self._log = log.bind(peer=self.peer)
        self._log.info("connect")
        if self._shell.shutting_down:
            self.abort("venue shutting down")
            return
        self._logon_timer = self._shell.loop.call_later(
            self._shell.limits.logon_timeout_s, self._on_logon_timeout
        )

    def data_received(self, data: bytes) -> None:
        if self._finished():
            return
        if self.session is None:
            # _identify binds self.session: test it afresh (a narrowed attribute would be
            # read as None, and compiled with mypyc, checked to be None)
            data = self._identify(data)
            if not self._bound():
                return
        try:
            flusher = self._shell.flusher
            if not flusher.pipelined or len(data) <= PIPELINE_CHUNK_BYTES:
                self._receive(data)
                return
            # A big read in pieces, each flushed before the next is processed: the writer
            # commits one piece (and its reports go out) while the loop decides the next,
            # instead of the whole read waiting for one commit at the end of the turn.
            for start in range(0, len(data), PIPELINE_CHUNK_BYTES):
                if start:
                    flusher.flush()
                    if self._finished():
                        return
                self._receive(data[start : start + PIPELINE_CHUNK_BYTES])
        except Exception:  # a bug must cost this connection only, never the loop
            self._log.exception("internal_error")
            self.abort("internal error")

    def _finished(self) -> bool:
        return self._closing is not None or self._closed

    def _bound(self) -> bool:
        return self.session is not None

    def _receive(self, data: bytes) -> None:
        session = self.session
        assert session is not None
        m = self._m
        before = 0 if m is None else m.read(session.next_target_seq)
        session.receive_data(data, self._shell.clock())
        self._pump()
        if m is not None:
            m.read_done(before, session.next_target_seq)

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._shell.connections.discard(self)
        self._cancel_timers()
        reason = self._closing or (f"peer error: {exc}" if exc else "peer closed")
        if self.session is not None:
            self.session.connection_lost(self._shell.clock())
            self._pump()
        if self.entry is not None:
            self._shell.registry.release(self.entry, self)
        self._log.info("disconnect", reason=reason)
        if self._m is not None:
            self._m.disconnect(reason)
        if self._was_logged_on and self.entry is not None:
            shell = self._shell
            try:
                shell.router.on_session_down(self.entry.session_id, shell.clock(), shell)
            except Exception:
                self._log.exception("internal_error", where="on_session_down")

    # -- binding to a session ---------------------------------------------------------

    def _identify(self, data: bytes) -> bytes:
        """Feed the peeker; bind the session once the first Logon is complete."""
        assert self._peeker is not None
        verdict = self._peeker.feed(data)
        if verdict is None:
            return b""
        if isinstance(verdict, Refusal):
            self._refuse(verdict.why)
            return b""
        registry = self._shell.registry
        entry = registry.lookup(
            verdict.begin_string, verdict.sender_comp_id, verdict.target_comp_id
        )
        if isinstance(entry, LookupFailure):
            self._refuse(
                entry.value,
                begin_string=verdict.begin_string,
                sender_comp_id=verdict.sender_comp_id,
                target_comp_id=verdict.target_comp_id,
            )
            return b""
        self._log = self._log.bind(session_id=entry.session_id)
        if not registry.claim(entry, self):
            self._refuse("session already has a live connection")
            return b""
        self.entry = entry
        self._session_id = entry.session_id
        self._m = self._shell.session_metrics.get(entry.session_id)
        entry.offline = None
        self._shell.flusher.settle()  # load() must see every record decided so far
        stored = self._shell.store.load(entry.session_id)
        entry.stored = stored
        self.session = self._shell.new_session(
            entry.settings,
            next_sender_seq=stored.next_sender_seq,
            next_target_seq=stored.next_target_seq,
            resend_source=self._resend_source,
        )
        buffered = self._peeker.take_buffer()
        self._peeker = None
        return buffered

    def _refuse(self, why: str, **details: str) -> None:
        self._log.warning("reject", reason=why, **details)
        self._closing = why
        self._cancel_timers()
        if self._transport is not None:
            self._transport.abort()

    def _on_logon_timeout(self) -> None:
        self._logon_timer = None
        if not self.logged_on and not self._closed:
            self.abort("no Logon within the logon timeout")

    def _resend_source(self, begin: int, end: int | None) -> Sequence[tuple[int, bytes]]:
        assert self.entry is not None
        self._shell.flusher.wait_committed()  # records taken by a flush still committing
        stored = self._shell.store.messages(self.entry.session_id, begin, end)
        return merge_resend(stored, self._records, begin, end)

    # -- talking to the session -------------------------------------------------------

    def send_app(self, msg_type: str, body: bytes) -> None:
        """Send an application message on this session (from the application layer)."""
        assert self.session is not None
        try:
            self.session.send(msg_type, body, self._shell.clock())
        except LocalProtocolError as exc:  # e.g. the session is closing
            self._log.warning("send_refused", msg_type=msg_type, error=str(exc))
            return
        if not self._pumping:
            self._pump()

    def request_logout(self, text: str) -> None:
        """Start a Logout handshake (shutdown); the session decides when to drop."""
        if self.session is None or self._closed or self._closing is not None:
            return
        self.session.logout(text, self._shell.clock())
        self._pump()

    def _pump(self) -> None:
        """Drain the session's events and output into this connection's pending batch."""
        session = self.session
        assert session is not None
        self._pumping = True
        try:
            while (event := session.next_event()) is not None:
                self._on_event(event)
            data, records = session.data_to_send()
        finally:
            self._pumping = False
        if data:
            self._out += data
        if records:
            self._records.extend(records)
        if self._m is not None:
            self._m.sent(records)
            self._m.pumped()
        self._shell.flusher.touch(self)

    def _on_event(self, event: object) -> None:
        match event:
            case ApplicationMessage():
                assert self.entry is not None
                if self._m is not None:
                    self._m.received(event.msg_type)
                self._shell.router.on_message(
                    self._session_id, event, self._shell.clock(), self._shell
                )
            case LoggedOn():
                self.logged_on = self._was_logged_on = True
                if self._logon_timer is not None:
                    self._logon_timer.cancel()
                    self._logon_timer = None
                self._log.info("logon", **_fields(event))
                if self._m is not None:
                    self._m.logon()
            case LoggedOut():
                self.logged_on = False
                self._log.info("logout", **_fields(event))
                if self._m is not None:
                    self._m.logout()
            case Disconnect():
                self._closing = event.reason
            case RejectSent():
                self._log.info("reject_sent", **_fields(event))
                if self._m is not None:
                    self._m.reject("sent", event.reason)
            case RejectReceived():
                self._log.info("reject_received", **_fields(event))
                if self._m is not None:
                    self._m.reject("received", event.reason)
            case SequenceGap():
                self._log.info("sequence_gap", **_fields(event))
                if self._m is not None:
                    self._m.resend_request()
            case _:
                self._log.debug("session_event", kind=type(event).__name__, **_fields(event))

    # -- Flushable --------------------------------------------------------------------

    def take_output(self) -> tuple[bytes, list[StoreRecord]]:
        data, self._out = bytes(self._out), bytearray()
        records, self._records = self._records, []
        # Flushes complete in order, one after_flush per take: the close waits for the
        # flush that carries the output decided with it (the Logout), not an earlier one
        # still committing when the close was decided.
        self._taken += 1
        if self._closing is not None and self._close_at is None:
            self._close_at = self._taken
        return data, records

    def write_out(self, data: bytes) -> None:
        transport = self._transport
        if transport is None or self._closed or transport.is_closing():
            return
        transport.write(data)
        if self._m is not None:
            self._m.written()
        if transport.get_write_buffer_size() > self._shell.limits.outbound_buffer_limit:
            self.abort("slow reader: outbound buffer limit exceeded")

    def write_buffer_size(self) -> int:
        """Bytes handed to the transport that the peer has not taken yet."""
        t = self._transport
        return 0 if t is None or self._closed else t.get_write_buffer_size()

    def after_flush(self) -> None:
        self._flushed += 1
        if self._closed:
            return
        if self._close_at is not None and self._flushed >= self._close_at:
            self._cancel_timers()
            if self._transport is not None and not self._transport.is_closing():
                self._transport.close()
            return
        if self._closing is None:
            self._arm_timer()

    def abort(self, reason: str) -> None:
        if self._closed:
            return
        self._closing = self._closing or reason
        self._cancel_timers()
        if self._transport is not None:
            self._transport.abort()

    # -- the one timer ----------------------------------------------------------------

    def _arm_timer(self) -> None:
        if self.session is None:
            return
        deadline = self.session.get_timer()
        if deadline == self._deadline and (deadline is None or self._timer is not None):
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._deadline = deadline
        if deadline is None:
            return
        loop = self._shell.loop
        delay = max(0.0, deadline - self._shell.clock())
        self._timer = loop.call_at(loop.time() + delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._deadline = None
        if self.session is None or self._closed or self._closing is not None:
            return
        now = self._shell.clock()
        self.session.handle_timer(now)
        self._pump()

    def _cancel_timers(self) -> None:
        for handle in (self._timer, self._logon_timer):
            if handle is not None:
                handle.cancel()
        self._timer = self._logon_timer = None
        self._deadline = None


def _fields(event: object) -> dict[str, Any]:
    """Loggable scalar fields of a session event."""
    slots = getattr(event, "__dataclass_fields__", {})
    return {
        name: getattr(event, name)
        for name in slots
        if isinstance(getattr(event, name), str | int | float | bool)
    }
