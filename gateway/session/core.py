"""FixSession: the FIX 4.4 session protocol as a sans-I/O state machine (acceptor).

Role: bytes and ``now`` in (``receive_data``, ``handle_timer``, ``send``, ``logout``,
``connection_lost``); events (``next_event``), bytes plus store records (``data_to_send``)
and one timer deadline (``get_timer``) out. No sockets, clocks, SQL or logging.

Invariants:
- Every inbound message is handled by a function that returns the next state;
  ``_set_state`` is the only place the state changes, checked against ``state.TRANSITIONS``.
- The expected inbound number advances only for a message carrying that number (processed or
  rejected), by a SequenceReset, or by a reset; garbled input and duplicates never move it.
- Messages above the expected number wait in a queue (one ResendRequest per gap, to
  infinity) and are processed in order once the gap is filled.
- After ``Disconnect`` nothing more is read; output already produced can still be drained.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Final

from fixspec.codec import FixMessage, ParseError, parse
from fixspec.enums import SessionRejectReason as R
from fixspec.framing import Framer, Garbled
from fixspec.validate import Violation, check_comp_ids, check_sending_time, validate
from gateway.session import admin
from gateway.session.auth import verify_password
from gateway.session.errors import LocalProtocolError
from gateway.session.events import (
    Disconnect,
    Event,
    GarbledReceived,
    LoggedOn,
    LoggedOut,
    RejectReceived,
    RejectSent,
    SequenceGap,
    trusted_application_message,
)
from gateway.session.outbound import ADMIN_MSG_TYPES, Outbox
from gateway.session.records import StoreRecord
from gateway.session.settings import SessionSettings
from gateway.session.state import (
    HEARTBEATING,
    LOGGED_ON,
    SENDS_APPLICATION,
    SessionState,
    check_transition,
)

__all__ = ["FixSession", "ResendSource"]

#: ``resend_source(begin, end)`` -> stored outbound ``(seq, raw)`` with begin <= seq <= end
#: (``end`` None: to the last), in ascending order.
ResendSource = Callable[[int, int | None], Sequence[tuple[int, bytes]]]

S: Final = SessionState
Handler = Callable[[FixMessage, int, float], SessionState]


class FixSession:
    def __init__(
        self,
        settings: SessionSettings,
        *,
        next_sender_seq: int = 1,
        next_target_seq: int = 1,
        resend_source: ResendSource,
    ) -> None:
        if next_target_seq < 1:
            raise ValueError("next_target_seq must be >= 1")
        self.settings = settings
        self._state = S.AWAITING_LOGON
        self._out = Outbox(settings, next_sender_seq)
        self._framer = Framer(settings.max_message_size)
        self._events: deque[Event] = deque()
        self._resend_source = resend_source
        self._begin = settings.begin_string.encode()
        self._ours = settings.sender_comp_id.encode()
        self._theirs = settings.target_comp_id.encode()
        self._next_target = next_target_seq
        self._hb: int | None = None
        self._last_received: float | None = None
        self._test_request_id: bytes | None = None
        self._test_requests = 0
        self._deadline: float | None = None  # logon or logout deadline, by state
        self._queue: dict[int, FixMessage | None] = {}
        self._gap_end = 0  # highest number seen above the expected one
        self._handlers: dict[bytes, Handler] = {
            b"0": self._on_heartbeat,
            b"1": self._on_test_request,
            b"2": self._on_resend_request,
            b"3": self._on_reject,
            b"4": self._on_sequence_reset,
            b"5": self._on_logout,
            b"A": self._on_logon_in_session,
        }

    # -- properties --------------------------------------------------------------------------
    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def is_logged_on(self) -> bool:
        return self._state in LOGGED_ON

    @property
    def next_sender_seq(self) -> int:
        return self._out.next_seq

    @property
    def next_target_seq(self) -> int:
        return self._next_target

    @property
    def heartbeat_interval(self) -> int | None:
        return self._hb

    # -- inputs ------------------------------------------------------------------------------
    def receive_data(self, data: bytes, now: float) -> None:
        self._start_clock(now)
        if self._state is S.DISCONNECTED:
            return
        framer = self._framer
        framer.feed(data)
        while self._reading():
            frame = framer.next_frame()
            if frame is None:
                return
            if isinstance(frame, Garbled):
                self._set_state(self._on_garbled(frame.why, len(frame.raw)))
                continue
            try:
                msg = parse(frame)
            except ParseError as exc:
                self._set_state(self._on_garbled(str(exc), len(frame)))
                continue
            self._last_received = now
            self._test_request_id = None
            self._set_state(self._dispatch(msg, now))
            self._drain_queue(now)

    def handle_timer(self, now: float) -> None:
        self._start_clock(now)
        self._set_state(self._on_timer(now))

    def send(self, msg_type: str, body: bytes, now: float) -> int:
        """Send an application message; returns its MsgSeqNum. Outside the states that
        transmit, the message is numbered and stored only (delivered by a later resend)."""
        if not msg_type or msg_type in ADMIN_MSG_TYPES:
            raise LocalProtocolError(f"send() is for application messages, not {msg_type!r}")
        if body and not body.endswith(b"\x01"):
            raise LocalProtocolError("body must be encoded fields, each ending with SOH")
        return self._out.send(msg_type, body, now, transmit=self._state in SENDS_APPLICATION)

    def logout(self, text: str | None, now: float) -> None:
        """Start a clean logout (e.g. on shutdown): Logout now, disconnect on the peer's
        Logout or after the logout timeout."""
        if self._state in HEARTBEATING:
            self._set_state(self._send_logout(text, now))
        elif self._state is S.AWAITING_LOGON:
            self._set_state(self._disconnect("logout before logon"))

    def connection_lost(self, now: float) -> None:
        if self._state is not S.DISCONNECTED:
            self._set_state(self._disconnect("connection lost"))

    # -- outputs -----------------------------------------------------------------------------
    def next_event(self) -> Event | None:
        return self._events.popleft() if self._events else None

    def data_to_send(self) -> tuple[bytes, list[StoreRecord]]:
        return self._out.drain(self._next_target)

    def get_timer(self) -> float | None:
        st = self._state
        if st in HEARTBEATING:
            hb = self._hb
            last_in = self._last_received
            assert hb is not None and last_in is not None
            if self._test_request_id is not None:
                return last_in + hb * self.settings.disconnect_factor
            last_out = self._out.last_sent if self._out.last_sent is not None else last_in
            return min(last_out + hb, last_in + hb * self.settings.test_request_factor)
        if st is S.DISCONNECTED:
            return None
        return self._deadline

    # -- the state choke point ---------------------------------------------------------------
    def _set_state(self, new: SessionState) -> None:
        if new is not self._state:  # staying put is legal in every state
            check_transition(self._state, new)
            self._state = new

    def _reading(self) -> bool:
        return self._state is not S.DISCONNECTED

    def _start_clock(self, now: float) -> None:
        if self._state is S.AWAITING_LOGON and self._deadline is None:
            self._deadline = now + self.settings.logon_timeout

    def _disconnect(self, reason: str) -> SessionState:
        self._queue.clear()
        self._events.append(Disconnect(reason=reason))
        return S.DISCONNECTED

    def _in_session(self) -> SessionState:
        """ACTIVE, or AWAITING_RESEND while a gap is still open."""
        if self._queue or self._next_target <= self._gap_end:
            return S.AWAITING_RESEND
        return S.ACTIVE

    # -- sending helpers ---------------------------------------------------------------------
    def _send_admin(self, msg_type: str, body: bytes, now: float) -> int:
        return self._out.send(msg_type, body, now, transmit=True)

    def _send_logout(self, text: str | None, now: float) -> SessionState:
        self._send_admin("5", admin.logout_body(text), now)
        self._deadline = now + self.settings.logout_timeout
        return S.LOGOUT_SENT

    def _logout_and_disconnect(self, text: str, now: float) -> SessionState:
        self._send_admin("5", admin.logout_body(text), now)
        return self._disconnect(text)

    def _reject(self, msg: FixMessage, seq: int, v: Violation, now: float) -> None:
        body = admin.reject_body(
            seq, int(v.reason), v.text, ref_tag=v.ref_tag, ref_msg_type=msg.msg_type or None
        )
        self._send_admin("3", body, now)
        self._events.append(
            RejectSent(ref_seq=seq, reason=int(v.reason), ref_tag=v.ref_tag, text=v.text)
        )

    # -- inbound pipeline --------------------------------------------------------------------
    def _on_garbled(self, why: str, size: int) -> SessionState:
        self._events.append(GarbledReceived(why=why, size=size))
        if self._state is S.AWAITING_LOGON:
            return self._disconnect(f"garbled message before Logon: {why}")
        return self._state

    def _dispatch(self, msg: FixMessage, now: float) -> SessionState:
        if self._state is S.AWAITING_LOGON:
            return self._on_first_message(msg, now)
        mt = msg.get(35)
        if self._state is S.LOGOUT_SENT and mt == b"5":
            # The answer to our Logout closes the session whatever its number, but an
            # in-sequence one is consumed like any message, or a restart would ask for it.
            logout_seq = msg.get_int(34) or 0
            if logout_seq == self._next_target:
                self._next_target = logout_seq + 1
            return self._on_logout(msg, logout_seq, now)
        if msg.get(8) != self._begin:
            return self._send_logout("Incorrect BeginString", now)
        seq = msg.get_int(34)
        if seq is None or seq < 1:
            return self._send_logout("MsgSeqNum(34) missing or invalid", now)
        expected = self._next_target
        if seq == expected:
            return self._process(msg, seq, now, queued=False)
        if (
            mt in _ANY_SEQ
            or (mt == b"4" and msg.get(123) != b"Y")
            or (mt == b"A" and _reset_flag(msg))
        ):
            # Logout, ResendRequest, SequenceReset-Reset and a resetting Logon are acted on
            # whatever their number; a higher number still opens a gap (and only takes its
            # number when the gap is filled).
            state = self._process(msg, seq, now, queued=False)
            if seq > self._next_target and state in HEARTBEATING and mt != b"4":
                return self._gap(None, seq, now)
            return state
        if self._state is S.LOGOUT_SENT:
            return self._state  # out-of-order traffic while closing: ignored
        if seq > expected:
            return self._gap(msg, seq, now)
        return self._too_low(msg, seq, now)

    def _process(self, msg: FixMessage, seq: int, now: float, *, queued: bool) -> SessionState:
        mt = msg.get(35) or b""
        if seq == self._next_target and not (mt == b"4" and msg.get(123) != b"Y"):
            self._next_target = seq + 1
        v = _validate(msg) or check_comp_ids(msg, self._ours, self._theirs)
        if v is None and not queued:
            v = check_sending_time(msg, now, self.settings.sending_time_tolerance)
        if v is None and msg.get(43) == b"Y" and 122 not in msg:
            v = Violation(R.REQUIRED_TAG_MISSING, 122, "Required tag missing")
        if v is not None:
            self._reject(msg, seq, v, now)
            if v.reason in (R.COMP_ID_PROBLEM, R.SENDING_TIME_ACCURACY_PROBLEM):
                return self._send_logout(v.text, now)
            return self._in_session() if self._state in HEARTBEATING else self._state
        handler = self._handlers.get(mt)
        if handler is not None:
            return handler(msg, seq, now)
        # Validated above: MsgType is a known, non-empty type and seq >= 1.
        self._events.append(
            _new_app_message(msg.msg_type, msg, seq, msg.get(43) == b"Y", msg.get(97) == b"Y")
        )
        return self._in_session() if self._state in HEARTBEATING else self._state

    def _gap(self, msg: FixMessage | None, seq: int, now: float) -> SessionState:
        """Inbound number too high: queue the message (None: already acted on, it only takes
        its number in turn) and ask once for the missing ones."""
        if len(self._queue) >= self.settings.max_queued_messages:
            return self._logout_and_disconnect("Too many messages queued behind a gap", now)
        self._queue.setdefault(seq, msg)
        if self._state is not S.AWAITING_RESEND:
            begin = self._next_target
            self._send_admin("2", admin.resend_request_body(begin, 0), now)
            self._events.append(SequenceGap(begin=begin, received=seq))
        self._gap_end = max(self._gap_end, seq)
        return S.AWAITING_RESEND

    def _drain_queue(self, now: float) -> None:
        queue = self._queue
        while queue and self._state in HEARTBEATING:
            for stale in [s for s in queue if s < self._next_target]:
                del queue[stale]
            if self._next_target not in queue:
                break
            msg = queue.pop(self._next_target)
            if msg is None:  # acted on when it arrived: it only takes its number
                self._next_target += 1
                self._set_state(self._in_session())
                continue
            self._set_state(self._process(msg, self._next_target, now, queued=True))
        if self._state is S.AWAITING_RESEND:
            self._set_state(self._in_session())

    def _too_low(self, msg: FixMessage, seq: int, now: float) -> SessionState:
        if msg.get(43) != b"Y":
            text = f"MsgSeqNum too low, expecting {self._next_target} but received {seq}"
            return self._logout_and_disconnect(text, now)
        if 122 not in msg:
            self._reject(
                msg, seq, Violation(R.REQUIRED_TAG_MISSING, 122, "Required tag missing"), now
            )
            return self._state
        v = check_sending_time(msg, now, self.settings.sending_time_tolerance)
        if v is not None:
            self._reject(msg, seq, v, now)
            if v.reason is R.SENDING_TIME_ACCURACY_PROBLEM:
                return self._send_logout(v.text, now)
        return self._state  # a duplicate we already have: ignored

    # -- timers ------------------------------------------------------------------------------
    def _on_timer(self, now: float) -> SessionState:
        st = self._state
        deadline = self.get_timer()
        if deadline is None or now < deadline:
            return st
        if st is S.AWAITING_LOGON:
            return self._disconnect("no Logon received in time")
        if st is S.LOGOUT_SENT:
            self._events.append(LoggedOut(text=None, initiated_by_peer=False))
            return self._disconnect("logout timeout")
        hb = self._hb
        last_in = self._last_received
        assert hb is not None and last_in is not None
        if self._test_request_id is not None:
            return self._logout_and_disconnect("Heartbeat timeout", now)
        if now >= last_in + hb * self.settings.test_request_factor:
            self._test_requests += 1
            self._test_request_id = b"TEST%d" % self._test_requests
            self._send_admin("1", admin.test_request_body(self._test_request_id), now)
        else:
            self._send_admin("0", admin.heartbeat_body(), now)
        return st

    # -- logon -------------------------------------------------------------------------------
    def _on_first_message(self, msg: FixMessage, now: float) -> SessionState:
        if msg.get(8) != self._begin:
            return self._disconnect("first message has a wrong BeginString")
        if msg.get(35) != b"A":
            return self._disconnect("first message is not a Logon")
        if check_comp_ids(msg, self._ours, self._theirs) is not None:
            return self._disconnect("Logon CompIDs do not match the session")
        v = validate(msg) or check_sending_time(msg, now, self.settings.sending_time_tolerance)
        if v is not None:
            return self._logout_and_disconnect(f"Invalid Logon: {v.text} ({v.ref_tag})", now)
        if msg.get(98) != b"0":
            return self._logout_and_disconnect("Unsupported EncryptMethod", now)
        hb = msg.get_int(108)
        lo, hi = self.settings.min_heartbeat_interval, self.settings.max_heartbeat_interval
        if hb is None or not lo <= hb <= hi:
            return self._logout_and_disconnect(f"HeartBtInt must be in {lo}..{hi}", now)
        creds = self.settings.credentials
        if creds is not None:
            user, password = msg.get_str(553), msg.get_str(554)
            if user != creds.username or not verify_password(password or "", creds.password_hash):
                return self._logout_and_disconnect("Invalid username or password", now)
        reset = _reset_flag(msg)
        if reset or self.settings.reset_on_logon:
            self._out.reset()
            self._next_target = 1
        seq = msg.get_int(34) or 0
        if seq < self._next_target:
            text = f"MsgSeqNum too low, expecting {self._next_target} but received {seq}"
            return self._logout_and_disconnect(text, now)
        self._hb = hb
        self._last_received = now
        self._send_admin("A", admin.logon_body(hb, reset_seq_num=reset), now)
        self._events.append(
            LoggedOn(
                session_id=self.settings.session_id,
                heartbeat_interval=hb,
                reset_seq_nums=reset or self.settings.reset_on_logon,
                username=msg.get_str(553),
            )
        )
        if seq == self._next_target:
            self._next_target += 1
            return S.ACTIVE
        return self._gap(None, seq, now)

    # -- admin handlers (message valid and in sequence; each returns the next state) --------
    def _on_heartbeat(self, msg: FixMessage, seq: int, now: float) -> SessionState:
        return self._in_session() if self._state in HEARTBEATING else self._state

    def _on_test_request(self, msg: FixMessage, seq: int, now: float) -> SessionState:
        self._send_admin("0", admin.heartbeat_body(msg.get(112)), now)
        return self._in_session() if self._state in HEARTBEATING else self._state

    def _on_resend_request(self, msg: FixMessage, seq: int, now: float) -> SessionState:
        begin, end = msg.get_int(7) or 0, msg.get_int(16) or 0
        last = self._out.next_seq - 1
        if begin < 1:
            self._reject(msg, seq, Violation(R.VALUE_IS_INCORRECT, 7, "BeginSeqNo < 1"), now)
        elif end and end < begin:
            self._reject(
                msg, seq, Violation(R.VALUE_IS_INCORRECT, 16, "EndSeqNo < BeginSeqNo"), now
            )
        else:
            end = last if end == 0 or end > last else end
            if begin <= end:
                self._out.resend(self._resend_source(begin, end), begin, end, now)
        return self._in_session() if self._state in HEARTBEATING else self._state

    def _on_reject(self, msg: FixMessage, seq: int, now: float) -> SessionState:
        self._events.append(
            RejectReceived(
                ref_seq=msg.get_int(45),
                reason=msg.get_int(373),
                ref_tag=msg.get_int(371),
                ref_msg_type=msg.get_str(372),
                text=msg.get_str(58),
            )
        )
        return self._in_session() if self._state in HEARTBEATING else self._state

    def _on_sequence_reset(self, msg: FixMessage, seq: int, now: float) -> SessionState:
        new = msg.get_int(36) or 0
        if msg.get(123) == b"Y":
            if new <= seq:
                text = f"Attempt to lower sequence number, invalid value NewSeqNo={new}"
                self._reject(msg, seq, Violation(R.VALUE_IS_INCORRECT, 36, text), now)
            else:
                self._next_target = new
        elif new < self._next_target:
            text = f"Attempt to lower sequence number, invalid value NewSeqNo={new}"
            self._reject(msg, seq, Violation(R.VALUE_IS_INCORRECT, 36, text), now)
        else:
            self._next_target = new
        return self._in_session() if self._state in HEARTBEATING else self._state

    def _on_logout(self, msg: FixMessage, seq: int, now: float) -> SessionState:
        text = msg.get_str(58)
        if self._state is not S.LOGOUT_SENT:
            self._send_admin("5", admin.logout_body(), now)
        self._events.append(
            LoggedOut(text=text, initiated_by_peer=self._state is not S.LOGOUT_SENT)
        )
        return self._disconnect("logout")

    def _on_logon_in_session(self, msg: FixMessage, seq: int, now: float) -> SessionState:
        if not _reset_flag(msg) or seq != 1:
            return self._send_logout("Unexpected Logon while logged on", now)
        self._out.reset()
        self._next_target = 2
        self._queue.clear()
        self._gap_end = 0
        self._send_admin("A", admin.logon_body(self._hb or 30, reset_seq_num=True), now)
        return S.ACTIVE


#: Imported callables as C statics once compiled (a plain imported name is a dict lookup).
_validate: Final = validate
_new_app_message: Final = trusted_application_message
_ANY_SEQ: Final = frozenset({b"2", b"5"})


def _reset_flag(msg: FixMessage) -> bool:
    return msg.get(141) == b"Y"
