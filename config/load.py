"""TOML -> typed ``Config``, with an error that names the key and the problem.

Role: read a TOML file (stdlib ``tomllib``), check every value and build the frozen
dataclasses of ``config.schema``. Also applies the CLI overrides.

Invariants:
- every problem raises ``ConfigError`` whose message starts with the dotted key path
  (``sessions[2].heartbeat_max: expected an integer, got "abc"``); array indexes are 0-based;
  nothing else escapes (no KeyError/TypeError tracebacks for bad input);
- unknown keys are errors (a typo must not pass silently); the message suggests the
  closest known key;
- numbers that mean money or prices become ``Decimal`` exactly: a TOML float goes through
  ``str()`` (0.01 -> Decimal("0.01")), so binary float noise never leaks in;
- booleans are never accepted where an integer is expected (``bool`` is an ``int`` in Python).

Extending: add a dataclass to ``schema.py``, a ``_parse_<section>(table)`` function here and
one line in ``_parse_root``; ``config.reader.Table`` does the type checks and the unknown-key
check.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from config import passwords
from config.reader import (
    ConfigError,
    Table,
    p_bool,
    p_decimal,
    p_enum,
    p_int,
    p_literal,
    p_path,
    p_str,
    p_str_tuple,
    p_time,
)
from config.schema import (
    ALL_FIRMS,
    BEGIN_STRING,
    AdminSettings,
    CommitWriter,
    Config,
    CostMethod,
    Credentials,
    DropCopyFormat,
    InstrumentConfig,
    ListenSettings,
    MatchingAlgorithm,
    MetricsSettings,
    PhaseStart,
    PortfolioSettings,
    RiskConfig,
    RiskLimits,
    SessionConfig,
    SessionRole,
    SqliteSynchronous,
    StoreSettings,
    StpMode,
    StpScope,
    SymbolRiskLimits,
    ThrottleAction,
    TlsSettings,
    TradingPhase,
    VenueSettings,
)


# ---------------------------------------------------------------------------- sections
def _parse_venue(t: Table) -> VenueSettings:
    d = VenueSettings()
    venue = VenueSettings(
        sender_comp_id=t.get("sender_comp_id", p_str, d.sender_comp_id),
        name=t.get("name", p_str, d.name),
        code=t.get("code", p_str, d.code),
        trading_day_end=t.get("trading_day_end", p_time, d.trading_day_end),
        timezone=t.get("timezone", p_literal("UTC"), d.timezone),
    )
    t.finish()
    return venue


def _parse_listen(t: Table) -> ListenSettings:
    d = ListenSettings()
    cert = t.optional("cert_file", p_path)
    key = t.optional("key_file", p_path)
    if (cert is None) != (key is None):
        t.fail("key_file" if key is None else "cert_file", "TLS needs both cert_file and key_file")
    listen = ListenSettings(
        host=t.get("host", p_str, d.host),
        port=t.get("port", p_int(0, 65535), d.port),
        tls=None if cert is None or key is None else TlsSettings(cert_file=cert, key_file=key),
        max_inbound_message_bytes=t.get(
            "max_inbound_message_bytes", p_int(256), d.max_inbound_message_bytes
        ),
        outbound_buffer_limit_bytes=t.get(
            "outbound_buffer_limit_bytes", p_int(1024), d.outbound_buffer_limit_bytes
        ),
    )
    t.finish()
    return listen


def _parse_store(t: Table) -> StoreSettings:
    d = StoreSettings()
    store = StoreSettings(
        url=t.optional("url", p_str),
        data_dir=t.get("data_dir", p_path, d.data_dir),
        max_batch_records=t.get("max_batch_records", p_int(1), d.max_batch_records),
        flush_interval_ms=t.get("flush_interval_ms", p_int(0, 60_000), d.flush_interval_ms),
        sqlite_synchronous=t.get(
            "sqlite_synchronous", p_enum(SqliteSynchronous), d.sqlite_synchronous
        ),
        writer=t.get("writer", p_enum(CommitWriter), d.writer),
    )
    t.finish()
    return store


def _parse_metrics(t: Table) -> MetricsSettings:
    d = MetricsSettings()
    metrics = MetricsSettings(
        enabled=t.get("enabled", p_bool, d.enabled),
        host=t.get("host", p_str, d.host),
        port=t.get("port", p_int(0, 65535), d.port),
    )
    t.finish()
    return metrics


def _parse_admin(t: Table) -> AdminSettings:
    d = AdminSettings()
    token = t.optional("token", p_str)
    if token is not None and len(token) < 16:
        t.fail("token", "too short: use at least 16 characters (or omit it to generate one)")
    admin = AdminSettings(
        enabled=t.get("enabled", p_bool, d.enabled),
        host=t.get("host", p_str, d.host),
        port=t.get("port", p_int(0, 65535), d.port),
        token=token,
    )
    t.finish()
    return admin


def _parse_portfolio(t: Table) -> PortfolioSettings:
    d = PortfolioSettings()
    portfolio = PortfolioSettings(
        cost_method=t.get("cost_method", p_enum(CostMethod), d.cost_method),
        maker_fee_bps=t.get("maker_fee_bps", p_decimal(), d.maker_fee_bps),
        taker_fee_bps=t.get("taker_fee_bps", p_decimal(), d.taker_fee_bps),
    )
    t.finish()
    return portfolio


def _parse_credentials(t: Table) -> Credentials | None:
    username = t.optional("username", p_str)
    password_hash = t.optional("password_hash", p_str)
    if username is None and password_hash is None:
        return None
    if username is None:
        t.fail("username", "required with password_hash")
    if password_hash is None:
        t.fail("password_hash", "required with username")
    problem = passwords.format_problem(password_hash)
    if problem is not None:
        t.fail("password_hash", problem)
    return Credentials(username=username, password_hash=password_hash)


_SESSION_HINTS = {
    "password": "plaintext passwords are not accepted; give password_hash "
    "(`fixvenue hash-password` prints one)",
}


def _parse_session(t: Table, venue: VenueSettings) -> SessionConfig:
    d = SessionConfig(sender_comp_id="-", target_comp_id="-")
    role = t.get("role", p_enum(SessionRole), d.role)
    s = SessionConfig(
        sender_comp_id=t.require("sender_comp_id", p_str),
        target_comp_id=t.get("target_comp_id", p_str, venue.sender_comp_id),
        role=role,
        firm=t.optional("firm", p_str),
        accounts=t.get("accounts", p_str_tuple, d.accounts),
        credentials=_parse_credentials(t),
        heartbeat_min=t.get("heartbeat_min", p_int(1), d.heartbeat_min),
        heartbeat_max=t.get("heartbeat_max", p_int(1), d.heartbeat_max),
        sending_time_tolerance_s=t.get(
            "sending_time_tolerance_s", p_int(1), d.sending_time_tolerance_s
        ),
        logout_timeout_s=t.get("logout_timeout_s", p_int(1), d.logout_timeout_s),
        reset_on_logon=t.get("reset_on_logon", p_bool, d.reset_on_logon),
        reset_time=t.optional("reset_time", p_time),
        cancel_on_disconnect=t.get("cancel_on_disconnect", p_bool, d.cancel_on_disconnect),
        begin_string=t.get("begin_string", p_literal(BEGIN_STRING), d.begin_string),
        drop_copy_firms=t.get("drop_copy_firms", p_str_tuple, d.drop_copy_firms),
        drop_copy_format=t.get("drop_copy_format", p_enum(DropCopyFormat), d.drop_copy_format),
    )
    t.finish(_SESSION_HINTS)
    if s.heartbeat_min > s.heartbeat_max:
        t.fail("heartbeat_max", f"must be at least heartbeat_min ({s.heartbeat_min})")
    if role is SessionRole.TRADING:
        if s.firm is None:
            t.fail("firm", "required for a trading session")
        if not s.accounts:
            t.fail("accounts", "a trading session needs at least one account")
        if s.drop_copy_firms:
            t.fail("drop_copy_firms", "only for a drop-copy session")
        if "drop_copy_format" in t.data:
            t.fail("drop_copy_format", "only for a drop-copy session")
    else:
        if not s.drop_copy_firms:
            t.fail("drop_copy_firms", f'required for a drop-copy session ("{ALL_FIRMS}" = all)')
        if s.accounts:
            t.fail("accounts", "a drop-copy session does not trade")
    return s


def _parse_schedule(t: Table) -> tuple[PhaseStart, ...]:
    phases = []
    for item in t.tables("schedule"):
        phases.append(
            PhaseStart(
                phase=item.require("phase", p_enum(TradingPhase)),
                start=item.require("start", p_time),
            )
        )
        item.finish()
        if len(phases) > 1 and phases[-1].start <= phases[-2].start:
            item.fail("start", "phase start times must increase")
    return tuple(phases)


def _parse_instrument(t: Table) -> InstrumentConfig:
    d = InstrumentConfig(symbol="-", reference_price=Decimal(1))
    tick = t.get("tick_size", p_decimal(positive=True), d.tick_size)
    lot = t.get("lot_size", p_int(1), d.lot_size)
    band_pct = t.optional("band_pct", p_decimal(positive=True))
    band_ticks = t.optional("band_ticks", p_int(1))
    if band_pct is not None and band_ticks is not None:
        t.fail("band_ticks", "give band_pct or band_ticks, not both")
    if band_pct is None and band_ticks is None:
        band_pct = d.band_pct
    security_id = t.optional("security_id", p_str)
    id_source = t.optional("id_source", p_str)
    if (security_id is None) != (id_source is None):
        t.fail("id_source" if id_source is None else "security_id", "give both or neither")
    instrument = InstrumentConfig(
        symbol=t.require("symbol", p_str),
        security_id=security_id,
        id_source=id_source,
        tick_size=tick,
        lot_size=lot,
        min_qty=t.get("min_qty", p_int(1), lot),
        max_qty=t.get("max_qty", p_int(1), d.max_qty),
        band_pct=band_pct,
        band_ticks=band_ticks,
        reference_price=t.require("reference_price", p_decimal(positive=True)),
        currency=t.get("currency", p_str, d.currency),
        algorithm=t.get("algorithm", p_enum(MatchingAlgorithm), d.algorithm),
        schedule=_parse_schedule(t),
        stp_mode=t.get("stp_mode", p_enum(StpMode), d.stp_mode),
        stp_scope=t.get("stp_scope", p_enum(StpScope), d.stp_scope),
    )
    t.finish()
    if instrument.reference_price % tick != 0:
        t.fail("reference_price", f"must be a multiple of tick_size {tick}")
    for name, qty in (("min_qty", instrument.min_qty), ("max_qty", instrument.max_qty)):
        if qty % lot != 0:
            t.fail(name, f"must be a multiple of lot_size {lot}")
    if instrument.min_qty > instrument.max_qty:
        t.fail("max_qty", f"must be at least min_qty ({instrument.min_qty})")
    return instrument


def _parse_limits(t: Table, base: RiskLimits) -> RiskLimits:
    restricted = t.optional("restricted_symbols", p_str_tuple)
    no_short = t.optional("short_sale_restricted_symbols", p_str_tuple)
    collar_ticks = t.optional("collar_ticks", p_int(0))
    if collar_ticks is None and not t.has("collar_pct"):
        collar_ticks = base.collar_ticks  # a collar_pct here replaces an inherited tick collar
    duplicate = t.optional("duplicate_window_ms", p_int(0))
    if duplicate is None:
        duplicate = base.duplicate_window_ms
    limits = RiskLimits(
        max_order_qty=t.get("max_order_qty", p_int(1), base.max_order_qty),
        max_order_notional=t.get(
            "max_order_notional", p_decimal(positive=True), base.max_order_notional
        ),
        collar_pct=t.get("collar_pct", p_decimal(positive=True), base.collar_pct),
        collar_ticks=collar_ticks,
        credit_limit=t.get("credit_limit", p_decimal(positive=True), base.credit_limit),
        position_limit=t.get("position_limit", p_int(1), base.position_limit),
        throttle_msgs_per_s=t.get("throttle_msgs_per_s", p_int(1), base.throttle_msgs_per_s),
        throttle_window_ms=t.get("throttle_window_ms", p_int(1), base.throttle_window_ms),
        throttle_action=t.get("throttle_action", p_enum(ThrottleAction), base.throttle_action),
        restricted_symbols=base.restricted_symbols if restricted is None else frozenset(restricted),
        short_sale_restricted_symbols=(
            base.short_sale_restricted_symbols if no_short is None else frozenset(no_short)
        ),
        duplicate_window_ms=duplicate or None,  # 0 in an override switches it off
    )
    t.finish()
    return limits


def _parse_symbol_limits(t: Table) -> SymbolRiskLimits:
    limits = SymbolRiskLimits(
        max_order_qty=t.optional("max_order_qty", p_int(1)),
        max_order_notional=t.optional("max_order_notional", p_decimal(positive=True)),
        collar_pct=t.optional("collar_pct", p_decimal(positive=True)),
        collar_ticks=t.optional("collar_ticks", p_int(0)),
        position_limit=t.optional("position_limit", p_int(1)),
    )
    t.finish()
    return limits


def _parse_risk(
    t: Table, firms: set[str], symbols: set[str], accounts: set[str] | None = None
) -> RiskConfig:
    enabled = t.get("enabled", p_bool, True)
    defaults = _parse_limits(t.table("defaults"), RiskLimits())
    overrides = t.table("firms")
    per_firm: dict[str, RiskLimits] = {}
    for firm in overrides.data:
        if firm not in firms:
            overrides.fail(firm, "no session belongs to this firm")
        per_firm[firm] = _parse_limits(overrides.table(firm), defaults)
    account_tables = t.table("accounts")
    per_account: dict[str, RiskLimits] = {}
    for account in account_tables.data:
        if accounts is not None and account not in accounts:
            account_tables.fail(account, "no session lists this account")
        per_account[account] = _parse_limits(account_tables.table(account), defaults)
    symbol_tables = t.table("symbols")
    per_symbol: dict[str, SymbolRiskLimits] = {}
    for symbol in symbol_tables.data:
        if symbol not in symbols:
            symbol_tables.fail(symbol, "unknown symbol")
        per_symbol[symbol] = _parse_symbol_limits(symbol_tables.table(symbol))
    t.finish()
    for limits, where in [
        (defaults, "defaults"),
        *((v, f"firms.{k}") for k, v in per_firm.items()),
        *((v, f"accounts.{k}") for k, v in per_account.items()),
    ]:
        for name in ("restricted_symbols", "short_sale_restricted_symbols"):
            unknown = sorted(getattr(limits, name) - symbols)
            if unknown:
                raise ConfigError(f"risk.{where}.{name}", f"unknown symbol {unknown[0]}")
    return RiskConfig(
        enabled=enabled,
        defaults=defaults,
        firms=MappingProxyType(per_firm),
        accounts=MappingProxyType(per_account),
        symbols=MappingProxyType(per_symbol),
    )


def _check_unique(items: list[tuple[str, Table]], name: str, what: str) -> None:
    seen: dict[str, str] = {}
    for value, table in items:
        if value in seen:
            table.fail(name, f"duplicate {what} {value} (also {seen[value]})")
        seen[value] = table.path


def _parse_root(t: Table) -> Config:
    venue = _parse_venue(t.table("venue"))
    listen = _parse_listen(t.table("listen"))
    store = _parse_store(t.table("store"))
    session_tables = t.tables("sessions")
    sessions = [_parse_session(st, venue) for st in session_tables]
    _check_unique(
        [(s.session_id, st) for s, st in zip(sessions, session_tables, strict=True)],
        "sender_comp_id",
        "session",
    )
    instrument_tables = t.tables("instruments")
    instruments = [_parse_instrument(it) for it in instrument_tables]
    _check_unique(
        [(i.symbol, it) for i, it in zip(instruments, instrument_tables, strict=True)],
        "symbol",
        "symbol",
    )
    firms = {s.firm for s in sessions if s.firm is not None}
    accounts = {a for s in sessions for a in s.accounts}
    risk = _parse_risk(t.table("risk"), firms, {i.symbol for i in instruments}, accounts)
    portfolio = _parse_portfolio(t.table("portfolio"))
    metrics = _parse_metrics(t.table("metrics"))
    admin = _parse_admin(t.table("admin"))
    t.finish()
    return Config(
        venue=venue,
        listen=listen,
        store=store,
        sessions=tuple(sessions),
        instruments=tuple(instruments),
        risk=risk,
        portfolio=portfolio,
        metrics=metrics,
        admin=admin,
    )


# ---------------------------------------------------------------------------- public API
def parse_config(data: Mapping[str, object]) -> Config:
    """Build a ``Config`` from an already-parsed TOML document."""
    return _parse_root(Table(dict(data), ""))


def loads_config(text: str, source: str = "<string>") -> Config:
    """Parse TOML text into a ``Config``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(None, f"invalid TOML: {exc}", source) from None
    try:
        return parse_config(data)
    except ConfigError as exc:
        raise exc.with_source(source) from None


def default_config_text() -> str:
    return importlib.resources.files("config").joinpath("default.toml").read_text("utf-8")


def load_config(path: Path | None) -> Config:
    """Load ``path``, or the shipped ``config/default.toml`` when ``path`` is None."""
    if path is None:
        return loads_config(default_config_text(), "config/default.toml (shipped)")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(None, f"cannot read the file: {exc}", str(path)) from None
    return loads_config(text, str(path))


def apply_overrides(
    config: Config,
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: Path | None = None,
    db_url: str | None = None,
) -> Config:
    """A copy of ``config`` with the CLI overrides that are not None applied."""
    listen, store = config.listen, config.store
    if host is not None:
        listen = dataclasses.replace(listen, host=p_str("--host", host))
    if port is not None:
        listen = dataclasses.replace(listen, port=p_int(0, 65535)("--port", port))
    if data_dir is not None:
        store = dataclasses.replace(store, data_dir=data_dir)
    if db_url is not None:
        store = dataclasses.replace(store, url=p_str("--db-url", db_url))
    return dataclasses.replace(config, listen=listen, store=store)
