"""Every Prometheus metric of the venue, in one place, on one `CollectorRegistry`.

Role: `VenueMetrics(registry, symbols, sessions)` creates all metric families (names
`fixvenue_*`, base units: seconds, shares, currency units; counters end in `_total`) and
pre-binds the label children the hot paths use, so a message costs a dict lookup and an
`inc()`, never a `labels(...)` call or a dict built per message.

Invariants:
- No label of high cardinality: `session` is a configured session id, `symbol` a configured
  instrument, `msg_type` a FIX 4.4 MsgType (anything else counts as "other"), `reason` and
  `outcome` come from closed sets. Never ClOrdID, OrderID or account.
- Nothing here does I/O; the HTTP endpoint is `gateway.metrics.http`.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from fixspec.enums import MsgType
from gateway.metrics.tally import Tallies, TallyHistogram

KNOWN_MSG_TYPES = frozenset(m.value for m in MsgType)

#: Latency buckets (seconds): 10 us .. 1 s.
FAST_BUCKETS = (
    1e-5,
    2.5e-5,
    5e-5,
    1e-4,
    2.5e-4,
    5e-4,
    1e-3,
    2.5e-3,
    5e-3,
    1e-2,
    2.5e-2,
    5e-2,
    0.1,
    0.25,
    0.5,
    1.0,
)

ORDER_OUTCOMES = ("accepted", "rejected", "filled", "canceled", "expired", "replaced")


def _name(n: str) -> str:
    return f"fixvenue_{n}"


class VenueMetrics:
    """The metric families (attributes) of one venue process."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        symbols: Iterable[str] = (),
        sessions: Iterable[str] = (),
    ) -> None:
        self.registry = registry
        r = registry
        #: Registered before the families: a scrape pushes the hot-path tallies first.
        self.tallies = Tallies()
        r.register(self.tallies)
        # -- FIX sessions
        self.msgs_in = Counter(
            _name("fix_messages_received_total"),
            "FIX messages received, by session and MsgType (session-level ones as 'admin')",
            ["session", "msg_type"],
            registry=r,
        )
        self.msgs_out = Counter(
            _name("fix_messages_sent_total"),
            "FIX messages sent (committed for sending), by session and MsgType",
            ["session", "msg_type"],
            registry=r,
        )
        self.logged_on = Gauge(
            _name("fix_session_logged_on"),
            "1 while the session is logged on, else 0",
            ["session"],
            registry=r,
        )
        self.logons = Counter(
            _name("fix_logons_total"), "Completed Logons", ["session"], registry=r
        )
        self.logouts = Counter(
            _name("fix_logouts_total"), "Completed Logouts", ["session"], registry=r
        )
        self.disconnects = Counter(
            _name("fix_disconnects_total"),
            "Connections of a session closed, by reason",
            ["session", "reason"],
            registry=r,
        )
        self.session_rejects = Counter(
            _name("fix_session_rejects_total"),
            "Session-level Rejects (35=3), by direction and SessionRejectReason(373)",
            ["session", "direction", "reason"],
            registry=r,
        )
        self.resend_requests = Counter(
            _name("fix_resend_requests_total"),
            "ResendRequests sent by the venue (inbound sequence gaps)",
            ["session"],
            registry=r,
        )
        self.heartbeat_timeouts = Counter(
            _name("fix_heartbeat_timeouts_total"),
            "Sessions dropped because the peer went silent",
            ["session"],
            registry=r,
        )
        self.outbound_buffer = Gauge(
            _name("fix_outbound_buffer_bytes"),
            "Bytes written but not yet taken by the peer (transport write buffer)",
            ["session"],
            registry=r,
        )
        # -- orders and book
        self.orders = Counter(
            _name("orders_total"),
            "Order lifecycle outcomes, by symbol (a fill counts once, when the order is done)",
            ["symbol", "outcome"],
            registry=r,
        )
        self.order_rejects = Counter(
            _name("order_rejects_total"),
            "Rejected new orders, by reason (venue RejectReason or gateway OrdRejReason)",
            ["reason"],
            registry=r,
        )
        self.trades = Counter(_name("trades_total"), "Trades", ["symbol"], registry=r)
        self.traded_qty = Counter(
            _name("traded_quantity_total"), "Traded quantity (shares)", ["symbol"], registry=r
        )
        self.traded_notional = Counter(
            _name("traded_notional_total"),
            "Traded notional (price x quantity, instrument currency)",
            ["symbol"],
            registry=r,
        )
        self.resting = Gauge(
            _name("book_resting_orders"), "Orders resting in the book", ["symbol"], registry=r
        )
        self.levels = Gauge(
            _name("book_levels"), "Price levels in the book", ["symbol", "side"], registry=r
        )
        self.book_qty = Gauge(
            _name("book_quantity"),
            "Visible quantity resting in the book",
            ["symbol", "side"],
            registry=r,
        )
        self.best_bid = Gauge(
            _name("best_bid_price"), "Best bid (NaN when none)", ["symbol"], registry=r
        )
        self.best_ask = Gauge(
            _name("best_ask_price"), "Best ask (NaN when none)", ["symbol"], registry=r
        )
        # -- risk (fed by the risk layer)
        self.risk_decisions = Counter(
            _name("risk_decisions_total"),
            "Pre-trade risk decisions, by check and outcome",
            ["check", "outcome"],
            registry=r,
        )
        self.kill_switches = Gauge(
            _name("risk_kill_switches_active"), "Firms currently killed", registry=r
        )
        # -- drop copy (fed by the drop-copy bus)
        self.dropcopy_depth = Gauge(
            _name("dropcopy_queue_depth"),
            "Events queued for a drop-copy consumer",
            ["consumer"],
            registry=r,
        )
        self.dropcopy_lag = Gauge(
            _name("dropcopy_lag_seconds"),
            "Age of the oldest event not yet taken by a drop-copy consumer",
            ["consumer"],
            registry=r,
        )
        # -- latency
        self.roundtrip = Histogram(
            _name("gateway_roundtrip_seconds"),
            "Inbound application message read to its first ExecutionReport written",
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.matching = TallyHistogram(  # observed once per command: the cheap kind
            _name("matching_seconds"), "Time in the matching engine per command", FAST_BUCKETS
        )
        r.register(self.matching)
        self.db_commit = Histogram(
            _name("db_commit_seconds"),
            "Store commit time per flushed batch",
            buckets=FAST_BUCKETS,
            registry=r,
        )
        for session in sessions:
            self.logged_on.labels(session).set(0)
            for child in (self.logons, self.logouts, self.resend_requests):
                child.labels(session)
            self.heartbeat_timeouts.labels(session)
        self.kill_switches.set(0)
        for symbol in symbols:
            for outcome in ORDER_OUTCOMES:
                self.orders.labels(symbol, outcome)
            for counter in (self.trades, self.traded_qty, self.traded_notional):
                counter.labels(symbol)

    def msg_type_label(self, msg_type: str) -> str:
        return msg_type if msg_type in KNOWN_MSG_TYPES else "other"
