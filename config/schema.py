"""Typed venue configuration: frozen, slotted, keyword-only dataclasses.

Role: the single typed description of everything the venue is configured with. Values are
built by ``config.load`` from TOML (or directly, in tests) and never change afterwards;
``dataclasses.replace`` makes an altered copy (CLI overrides).

Invariants (enforced by the loader, relied upon by every consumer):
- every session's ``target_comp_id`` is resolved (defaults to the venue's SenderCompID);
  ``session_id`` values are unique;
- a session has credentials (username + salted hash) or none at all; never a plaintext password;
- prices and money are ``Decimal``; quantities are ``int``; no floats anywhere;
- an instrument's ``reference_price`` is a multiple of its ``tick_size``;
  ``lot_size`` divides ``min_qty`` and ``max_qty``; ``min_qty <= max_qty``;
- risk limits are always set (no "0 means unlimited"); per-firm entries are complete
  ``RiskLimits`` (overrides merged over the defaults at load time).

This module is a leaf: it imports no other project package.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

DEFAULT_VENUE_COMP_ID = "FIXVENUE"
BEGIN_STRING = "FIX.4.4"
ALL_FIRMS = "*"


class SessionRole(enum.StrEnum):
    TRADING = "trading"
    DROP_COPY = "drop-copy"


class DropCopyFormat(enum.StrEnum):
    """What a drop-copy session receives: copies of ExecutionReports, or one
    TradeCaptureReport (AE) per trade."""

    EXECUTION_REPORTS = "execution-reports"
    TRADE_CAPTURE = "trade-capture"


class CostMethod(enum.StrEnum):
    """How the portfolio matches a closing fill against the open position."""

    FIFO = "fifo"
    AVERAGE_COST = "average-cost"


class MatchingAlgorithm(enum.StrEnum):
    FIFO = "fifo"
    PRO_RATA = "pro-rata"


class StpMode(enum.StrEnum):
    """Self-trade prevention: what happens when an order would trade with its own side."""

    OFF = "off"
    CANCEL_RESTING = "cancel-resting"
    CANCEL_AGGRESSOR = "cancel-aggressor"
    CANCEL_BOTH = "cancel-both"


class StpScope(enum.StrEnum):
    """Which orders count as 'the same owner' for self-trade prevention."""

    FIRM = "firm"
    ACCOUNT = "account"


class TradingPhase(enum.StrEnum):
    PRE_OPEN = "pre-open"
    OPENING_AUCTION = "opening-auction"
    CONTINUOUS = "continuous"
    CLOSING_AUCTION = "closing-auction"
    CLOSED = "closed"


class CommitWriter(enum.StrEnum):
    """Where the store's transactions run (see gateway/net/flush.py, gateway/app/writer.py)."""

    PROCESS = "process"  # a writer process: the other core, beside the GIL
    THREAD = "thread"  # a writer thread of the venue process
    INLINE = "inline"  # on the event loop, between reading and writing


class SqliteSynchronous(enum.StrEnum):
    """SQLite ``PRAGMA synchronous`` in WAL mode (see gateway/store/sql.py)."""

    NORMAL = "normal"  # survives a process crash (kill -9), not a power loss
    FULL = "full"  # survives a power loss too: one fsync of the WAL per commit


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueSettings:
    sender_comp_id: str = DEFAULT_VENUE_COMP_ID
    name: str = "fixvenue"
    code: str = "XFIX"  # MIC-like venue code
    trading_day_end: time = time(21, 0, 0)  # UTC; DAY orders expire here
    timezone: str = "UTC"  # only UTC is supported


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsSettings:
    cert_file: Path
    key_file: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class ListenSettings:
    host: str = "127.0.0.1"
    port: int = 9878
    tls: TlsSettings | None = None
    max_inbound_message_bytes: int = 65_536
    outbound_buffer_limit_bytes: int = 4 * 1024 * 1024  # slow-reader disconnect threshold


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreSettings:
    url: str | None = None  # SQLAlchemy URL; None = SQLite file under data_dir
    data_dir: Path = Path("./var")
    max_batch_records: int = 5_000  # records per transaction, at most
    flush_interval_ms: int = 0  # 0 = commit at the end of every event-loop turn
    sqlite_synchronous: SqliteSynchronous = SqliteSynchronous.FULL
    #: Where commits run while the event loop decides the next batch (the bytes of a batch
    #: are still written only after its commit): a writer process (SQL stores), a writer
    #: thread, or inline on the loop.
    writer: CommitWriter = CommitWriter.PROCESS

    SQLITE_FILE = "fixvenue.db"

    def resolved_url(self) -> str:
        """The SQLAlchemy URL to open: ``url`` if set, else a SQLite file in ``data_dir``."""
        if self.url is not None:
            return self.url
        return f"sqlite:///{(self.data_dir / self.SQLITE_FILE).as_posix()}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsSettings:
    """The Prometheus /metrics HTTP endpoint (loopback by default)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 9100


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminSettings:
    """The admin HTTP/JSON endpoint. ``token`` None: generated at first run into
    ``<data_dir>/admin.token`` (``fixvenue admin`` reads it from there)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 9101
    token: str | None = None

    TOKEN_FILE = "admin.token"


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    username: str
    password_hash: str  # "pbkdf2_sha256$<iterations>$<salt>$<hex sha256>"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    """One FIX session, named as seen on the messages the counterparty sends us.

    ``sender_comp_id`` is the counterparty's CompID (tag 49 inbound); ``target_comp_id`` is
    ours (tag 56 inbound), normally the venue's SenderCompID.
    """

    sender_comp_id: str
    target_comp_id: str
    role: SessionRole = SessionRole.TRADING
    firm: str | None = None
    accounts: tuple[str, ...] = ()
    credentials: Credentials | None = None
    heartbeat_min: int = 1
    heartbeat_max: int = 300
    sending_time_tolerance_s: int = 120
    logout_timeout_s: int = 2
    reset_on_logon: bool = False
    reset_time: time | None = None  # daily sequence reset, UTC
    cancel_on_disconnect: bool = False
    begin_string: str = BEGIN_STRING
    drop_copy_firms: tuple[str, ...] = ()  # drop-copy only; ("*",) = every firm
    drop_copy_format: DropCopyFormat = DropCopyFormat.EXECUTION_REPORTS  # drop-copy only

    @property
    def session_id(self) -> str:
        """The stable key of this session (store rows, logs): ``FIX.4.4:OURS->THEIRS``."""
        return f"{self.begin_string}:{self.target_comp_id}->{self.sender_comp_id}"

    def entitled_to(self, firm: str) -> bool:
        """Whether a drop-copy session receives the copies of ``firm``."""
        return ALL_FIRMS in self.drop_copy_firms or firm in self.drop_copy_firms


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseStart:
    phase: TradingPhase
    start: time  # UTC


@dataclass(frozen=True, slots=True, kw_only=True)
class InstrumentConfig:
    symbol: str
    security_id: str | None = None
    id_source: str | None = None  # FIX 22 SecurityIDSource, with security_id
    tick_size: Decimal = Decimal("0.01")
    lot_size: int = 1
    min_qty: int = 1
    max_qty: int = 1_000_000
    band_pct: Decimal | None = Decimal("10")  # price band around the reference price
    band_ticks: int | None = None  # exactly one of band_pct / band_ticks is set
    reference_price: Decimal
    currency: str = "USD"
    algorithm: MatchingAlgorithm = MatchingAlgorithm.FIFO
    schedule: tuple[PhaseStart, ...] = ()  # empty = always continuous
    stp_mode: StpMode = StpMode.OFF
    stp_scope: StpScope = StpScope.FIRM


class ThrottleAction(enum.StrEnum):
    """What happens to a session beyond its message throttle (the order is always rejected)."""

    REJECT = "reject"
    LOGOUT = "logout"


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimits:
    max_order_qty: int = 100_000
    max_order_notional: Decimal = Decimal("10000000")
    collar_pct: Decimal = Decimal("5")  # reject limit prices this far from the reference
    collar_ticks: int | None = None  # when set, the collar is N ticks (collar_pct unused)
    credit_limit: Decimal = Decimal("100000000")  # open + filled notional today, per firm
    position_limit: int = 1_000_000  # absolute net position per account and symbol
    throttle_msgs_per_s: int = 500  # NewOrderSingle + Replace per session and window
    throttle_window_ms: int = 1000
    throttle_action: ThrottleAction = ThrottleAction.REJECT
    restricted_symbols: frozenset[str] = frozenset()
    short_sale_restricted_symbols: frozenset[str] = frozenset()
    duplicate_window_ms: int | None = None  # None: duplicate-order detection off


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolRiskLimits:
    """Per-symbol risk overrides: tighten size and position limits, replace the collar."""

    max_order_qty: int | None = None
    max_order_notional: Decimal | None = None
    collar_pct: Decimal | None = None
    collar_ticks: int | None = None
    position_limit: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioSettings:
    """Position keeping (dropcopy.portfolio): the realized P&L method and the fees, in basis
    points of the fill notional, charged to the maker and to the taker (negative = rebate)."""

    cost_method: CostMethod = CostMethod.FIFO
    maker_fee_bps: Decimal = Decimal("0")
    taker_fee_bps: Decimal = Decimal("0")


def _no_firms() -> Mapping[str, RiskLimits]:
    return MappingProxyType({})


def _no_symbols() -> Mapping[str, SymbolRiskLimits]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskConfig:
    enabled: bool = True
    defaults: RiskLimits = RiskLimits()
    firms: Mapping[str, RiskLimits] = field(default_factory=_no_firms)
    accounts: Mapping[str, RiskLimits] = field(default_factory=_no_firms)  # over the defaults
    symbols: Mapping[str, SymbolRiskLimits] = field(default_factory=_no_symbols)

    def limits_for(self, firm: str) -> RiskLimits:
        return self.firms.get(firm, self.defaults)


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    venue: VenueSettings = VenueSettings()
    listen: ListenSettings = ListenSettings()
    store: StoreSettings = StoreSettings()
    sessions: tuple[SessionConfig, ...] = ()
    instruments: tuple[InstrumentConfig, ...] = ()
    risk: RiskConfig = RiskConfig()
    portfolio: PortfolioSettings = PortfolioSettings()
    metrics: MetricsSettings = MetricsSettings()
    admin: AdminSettings = AdminSettings()

    def session(self, session_id: str) -> SessionConfig | None:
        return next((s for s in self.sessions if s.session_id == session_id), None)

    def find_session(self, sender_comp_id: str, target_comp_id: str) -> SessionConfig | None:
        """The session a Logon with 49=sender_comp_id, 56=target_comp_id belongs to."""
        for s in self.sessions:
            if s.sender_comp_id == sender_comp_id and s.target_comp_id == target_comp_id:
                return s
        return None

    def instrument(self, symbol: str) -> InstrumentConfig | None:
        return next((i for i in self.instruments if i.symbol == symbol), None)
