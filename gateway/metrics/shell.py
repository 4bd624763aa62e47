"""Per-session metric handles for the asyncio shell (gateway.net.connection).

Role: one `SessionMetrics` per configured session, created once, holding pre-bound label
children; the connection calls its small methods at the points where it already handles
an event. The gateway round trip (inbound message read -> first ExecutionReport written)
is measured here with `perf_counter`: `read()` stamps the arrival of bytes, the first
application message of a turn keeps that stamp, `sent()` notices an ExecutionReport among
the committed records, and `written()` observes the latency once its bytes are handed to
the transport (after the commit: persist, then tell).

Invariants: O(1) per message (a dict lookup per MsgType, cached children); no labels
beyond the configured session id and closed sets; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from time import perf_counter

from gateway.metrics.registry import VenueMetrics
from gateway.metrics.tally import Tally
from gateway.session import OutboundMessage, StoreRecord

#: Disconnect reasons (free text from the session core and the shell) -> a closed set.
_REASONS = (
    ("heartbeat timeout", "heartbeat_timeout"),
    ("no logon", "logon_timeout"),
    ("logout timeout", "logout_timeout"),
    ("logout", "logout"),
    ("peer closed", "peer_closed"),
    ("peer error", "peer_error"),
    ("connection lost", "peer_closed"),
    ("slow reader", "slow_reader"),
    ("shutdown", "shutdown"),
    ("shutting down", "shutdown"),
    ("admin", "admin"),
    ("store write failed", "store_error"),
    ("internal error", "internal_error"),
    ("invalid", "invalid_logon"),
    ("heartbtint", "invalid_logon"),
    ("logon", "invalid_logon"),
    ("garbled", "garbled"),
)


def disconnect_reason(text: str) -> str:
    low = text.lower()
    for needle, label in _REASONS:
        if needle in low:
            return label
    return "other"


class SessionMetrics:
    """The metric handles of one session, bound once."""

    __slots__ = (
        "_m",
        "session",
        "_in",
        "_out",
        "_admin_in",
        "_logons",
        "_logouts",
        "_state",
        "_resends",
        "_hb",
        "buffer",
        "t_read",
        "t_in",
        "er_ready",
        "_apps",
        "_roundtrip",
    )

    def __init__(self, metrics: VenueMetrics, session: str) -> None:
        self._m = metrics
        self.session = session
        self._in: dict[str, Tally] = {}
        self._out: dict[str, Tally] = {}
        self._admin_in = metrics.msgs_in.labels(session, "admin")
        self._logons = metrics.logons.labels(session)
        self._logouts = metrics.logouts.labels(session)
        self._state = metrics.logged_on.labels(session)
        self._resends = metrics.resend_requests.labels(session)
        self._hb = metrics.heartbeat_timeouts.labels(session)
        self.buffer = metrics.outbound_buffer.labels(session)
        self._roundtrip = metrics.roundtrip
        self.t_read = 0.0
        self.t_in: float | None = None
        self.er_ready = False
        self._apps = 0

    # -- inbound ----------------------------------------------------------------------
    def read(self, target_seq: int) -> int:
        """Bytes arrived: stamp them; returns the inbound seq before processing."""
        self.t_read = perf_counter()
        self._apps = 0
        return target_seq

    def received(self, msg_type: str) -> None:
        """An application message came out of the session core."""
        child = self._in.get(msg_type)
        if child is None:
            label = self._m.msg_type_label(msg_type)
            child = self._in[msg_type] = self._m.tallies.tally(
                self._m.msgs_in.labels(self.session, label)
            )
        child.n += 1
        self._apps += 1
        if self.t_in is None:
            self.t_in = self.t_read

    def read_done(self, before: int, after: int) -> None:
        """Session-level messages of this read = sequence advance minus application ones."""
        admin = after - before - self._apps
        if admin > 0:
            self._admin_in.inc(admin)

    # -- outbound ---------------------------------------------------------------------
    def sent(self, records: Sequence[StoreRecord]) -> None:
        out = self._out
        for r in records:
            if type(r) is OutboundMessage:
                mt = r.msg_type
                child = out.get(mt)
                if child is None:
                    label = self._m.msg_type_label(mt)
                    child = out[mt] = self._m.tallies.tally(
                        self._m.msgs_out.labels(self.session, label)
                    )
                child.n += 1
                if mt == "8" and self.t_in is not None:
                    self.er_ready = True

    def pumped(self) -> None:
        """End of a pump: an inbound message that produced no ExecutionReport is not timed."""
        if not self.er_ready:
            self.t_in = None

    def written(self) -> None:
        if self.er_ready and self.t_in is not None:
            self._roundtrip.observe(perf_counter() - self.t_in)
        self.er_ready = False
        self.t_in = None

    # -- session events ---------------------------------------------------------------
    def logon(self) -> None:
        self._logons.inc()
        self._state.set(1)

    def logout(self) -> None:
        self._logouts.inc()

    def disconnect(self, reason: str) -> None:
        self._state.set(0)
        self.buffer.set(0)
        label = disconnect_reason(reason)
        self._m.disconnects.labels(self.session, label).inc()
        if label == "heartbeat_timeout":
            self._hb.inc()

    def reject(self, direction: str, reason: int | None) -> None:
        self._m.session_rejects.labels(
            self.session, direction, "none" if reason is None else str(int(reason))
        ).inc()

    def resend_request(self) -> None:
        self._resends.inc()
