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
one line in ``_parse_root``; ``_Table`` does the type checks and the unknown-key check.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import importlib.resources
import json
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn, TypeVar

from config import passwords
from config.schema import (
    ALL_FIRMS,
    BEGIN_STRING,
    Config,
    Credentials,
    InstrumentConfig,
    ListenSettings,
    MatchingAlgorithm,
    PhaseStart,
    RiskConfig,
    RiskLimits,
    SessionConfig,
    SessionRole,
    SqliteSynchronous,
    StoreSettings,
    StpMode,
    StpScope,
    TlsSettings,
    TradingPhase,
    VenueSettings,
)

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


class ConfigError(Exception):
    """A configuration problem: ``key`` (dotted path, or None for the whole file) + problem."""

    def __init__(self, key: str | None, problem: str, source: str | None = None) -> None:
        self.key = key
        self.problem = problem
        self.source = source
        super().__init__(key, problem, source)

    def with_source(self, source: str) -> ConfigError:
        return ConfigError(self.key, self.problem, source)

    def __str__(self) -> str:
        text = self.problem if self.key is None else f"{self.key}: {self.problem}"
        return text if self.source is None else f"{text} (in {self.source})"


# ---------------------------------------------------------------------------- value parsers
# A parser takes (key, raw TOML value) and returns the typed value or raises ConfigError.
Parser = Callable[[str, object], T]


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return repr(value)


def _expected(key: str, what: str, value: object) -> NoReturn:
    raise ConfigError(key, f"expected {what}, got {_show(value)}")


def p_str(key: str, value: object) -> str:
    if not isinstance(value, str):
        _expected(key, "a string", value)
    if not value.strip():
        raise ConfigError(key, "must not be empty")
    return value


def p_int(lo: int | None = None, hi: int | None = None) -> Parser[int]:
    def parse(key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            _expected(key, "an integer", value)
        if lo is not None and value < lo:
            raise ConfigError(key, f"must be at least {lo}, got {value}")
        if hi is not None and value > hi:
            raise ConfigError(key, f"must be at most {hi}, got {value}")
        return value

    return parse


def p_bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        _expected(key, "true or false", value)
    return value


def p_decimal(*, positive: bool = False, non_negative: bool = False) -> Parser[Decimal]:
    def parse(key: str, value: object) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            _expected(key, "a decimal number (number or string)", value)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            _expected(key, "a decimal number", value)
        if not number.is_finite():
            _expected(key, "a finite decimal number", value)
        if positive and number <= 0:
            raise ConfigError(key, f"must be greater than 0, got {number}")
        if non_negative and number < 0:
            raise ConfigError(key, f"must not be negative, got {number}")
        return number

    return parse


def p_time(key: str, value: object) -> time:
    """A UTC time of day: TOML local time (21:00:00) or a string "HH:MM:SS"."""
    if isinstance(value, time):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            _expected(key, 'a time of day "HH:MM:SS"', value)
    else:
        _expected(key, 'a time of day "HH:MM:SS"', value)
    if parsed.tzinfo is not None:
        raise ConfigError(key, "give the time in UTC without an offset")
    return parsed


def p_enum(kind: type[E]) -> Parser[E]:
    def parse(key: str, value: object) -> E:
        for member in kind:
            if member.value == value:
                return member
        choices = ", ".join(json.dumps(m.value) for m in kind)
        _expected(key, f"one of {choices}", value)

    return parse


def p_str_tuple(key: str, value: object) -> tuple[str, ...]:
    """A string or an array of strings; duplicates are errors."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        _expected(key, "a string or an array of strings", value)
    result = tuple(p_str(f"{key}[{i}]", item) for i, item in enumerate(items))
    if len(set(result)) != len(result):
        raise ConfigError(key, "contains duplicates")
    return result


def p_path(key: str, value: object) -> Path:
    return Path(p_str(key, value))


def p_literal(expected: str) -> Parser[str]:
    def parse(key: str, value: object) -> str:
        if value != expected:
            _expected(key, json.dumps(expected), value)
        return expected

    return parse


# ---------------------------------------------------------------------------- tables
class _Table:
    """A TOML table being read: typed getters, then ``finish()`` rejects unknown keys."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            _expected(path or "<root>", "a table", data)
        self.data: dict[str, object] = data
        self.path = path
        self._used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, problem: str) -> NoReturn:
        raise ConfigError(self.key(name), problem)

    def has(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str, parse: Parser[T], default: T) -> T:
        self._used.add(name)
        if name not in self.data:
            return default
        return parse(self.key(name), self.data[name])

    def optional(self, name: str, parse: Parser[T]) -> T | None:
        self._used.add(name)
        if name not in self.data:
            return None
        return parse(self.key(name), self.data[name])

    def require(self, name: str, parse: Parser[T]) -> T:
        self._used.add(name)
        if name not in self.data:
            raise ConfigError(self.key(name), "required key is missing")
        return parse(self.key(name), self.data[name])

    def table(self, name: str) -> _Table:
        self._used.add(name)
        return _Table(self.data.get(name, {}), self.key(name))

    def tables(self, name: str) -> list[_Table]:
        """An array of tables (``[[name]]``); absent = empty."""
        self._used.add(name)
        items = self.data.get(name, [])
        if not isinstance(items, list):
            _expected(self.key(name), "an array of tables", items)
        return [_Table(item, f"{self.key(name)}[{i}]") for i, item in enumerate(items)]

    def finish(self, hints: Mapping[str, str] | None = None) -> None:
        for name in self.data:
            if name in self._used:
                continue
            if hints and name in hints:
                self.fail(name, hints[name])
            known = sorted(self._used)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else f"; known keys: {', '.join(known)}"
            self.fail(name, "unknown key" + hint)


# ---------------------------------------------------------------------------- sections
def _parse_venue(t: _Table) -> VenueSettings:
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


def _parse_listen(t: _Table) -> ListenSettings:
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


def _parse_store(t: _Table) -> StoreSettings:
    d = StoreSettings()
    store = StoreSettings(
        url=t.optional("url", p_str),
        data_dir=t.get("data_dir", p_path, d.data_dir),
        max_batch_records=t.get("max_batch_records", p_int(1), d.max_batch_records),
        flush_interval_ms=t.get("flush_interval_ms", p_int(0, 60_000), d.flush_interval_ms),
        sqlite_synchronous=t.get(
            "sqlite_synchronous", p_enum(SqliteSynchronous), d.sqlite_synchronous
        ),
    )
    t.finish()
    return store


def _parse_credentials(t: _Table) -> Credentials | None:
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


def _parse_session(t: _Table, venue: VenueSettings) -> SessionConfig:
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
    else:
        if not s.drop_copy_firms:
            t.fail("drop_copy_firms", f'required for a drop-copy session ("{ALL_FIRMS}" = all)')
        if s.accounts:
            t.fail("accounts", "a drop-copy session does not trade")
    return s


def _parse_schedule(t: _Table) -> tuple[PhaseStart, ...]:
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


def _parse_instrument(t: _Table) -> InstrumentConfig:
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


def _parse_limits(t: _Table, base: RiskLimits) -> RiskLimits:
    restricted = t.optional("restricted_symbols", p_str_tuple)
    limits = RiskLimits(
        max_order_qty=t.get("max_order_qty", p_int(1), base.max_order_qty),
        max_order_notional=t.get(
            "max_order_notional", p_decimal(positive=True), base.max_order_notional
        ),
        collar_pct=t.get("collar_pct", p_decimal(positive=True), base.collar_pct),
        credit_limit=t.get("credit_limit", p_decimal(positive=True), base.credit_limit),
        position_limit=t.get("position_limit", p_int(1), base.position_limit),
        throttle_msgs_per_s=t.get("throttle_msgs_per_s", p_int(1), base.throttle_msgs_per_s),
        restricted_symbols=base.restricted_symbols if restricted is None else frozenset(restricted),
    )
    t.finish()
    return limits


def _parse_risk(t: _Table, firms: set[str], symbols: set[str]) -> RiskConfig:
    defaults = _parse_limits(t.table("defaults"), RiskLimits())
    overrides = t.table("firms")
    per_firm: dict[str, RiskLimits] = {}
    for firm in overrides.data:
        if firm not in firms:
            overrides.fail(firm, "no session belongs to this firm")
        per_firm[firm] = _parse_limits(overrides.table(firm), defaults)
    t.finish()
    for limits, where in [
        (defaults, "defaults"),
        *((v, f"firms.{k}") for k, v in per_firm.items()),
    ]:
        unknown = sorted(limits.restricted_symbols - symbols)
        if unknown:
            raise ConfigError(f"risk.{where}.restricted_symbols", f"unknown symbol {unknown[0]}")
    return RiskConfig(defaults=defaults, firms=MappingProxyType(per_firm))


def _check_unique(items: list[tuple[str, _Table]], name: str, what: str) -> None:
    seen: dict[str, str] = {}
    for value, table in items:
        if value in seen:
            table.fail(name, f"duplicate {what} {value} (also {seen[value]})")
        seen[value] = table.path


def _parse_root(t: _Table) -> Config:
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
    risk = _parse_risk(t.table("risk"), firms, {i.symbol for i in instruments})
    t.finish()
    return Config(
        venue=venue,
        listen=listen,
        store=store,
        sessions=tuple(sessions),
        instruments=tuple(instruments),
        risk=risk,
    )


# ---------------------------------------------------------------------------- public API
def parse_config(data: Mapping[str, object]) -> Config:
    """Build a ``Config`` from an already-parsed TOML document."""
    return _parse_root(_Table(dict(data), ""))


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
