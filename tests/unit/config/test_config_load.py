"""Config loading: shipped files, defaults, every error path names its key, overrides."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from config.load import ConfigError, apply_overrides, load_config, loads_config
from config.schema import (
    Config,
    MatchingAlgorithm,
    SessionRole,
    SqliteSynchronous,
    StpMode,
    StpScope,
    TradingPhase,
)
from gateway.session.auth import hash_password, verify_password

pytestmark = pytest.mark.timeout(30)

REPO = Path(__file__).resolve().parents[3]

SESSION = """
[[sessions]]
sender_comp_id = "C1"
firm = "F1"
accounts = ["A1"]
"""
INSTRUMENT = """
[[instruments]]
symbol = "AAPL"
reference_price = "100.00"
"""
MINIMAL = SESSION + INSTRUMENT


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        loads_config(text, "test.toml")
    return str(info.value)


# ---------------------------------------------------------------- shipped files and defaults
def test_shipped_default_loads() -> None:
    config = load_config(None)
    assert config.venue.sender_comp_id == "FIXVENUE"
    trading = [s for s in config.sessions if s.role is SessionRole.TRADING]
    assert [s.sender_comp_id for s in trading] == [f"CLIENT{i}" for i in range(1, 9)]
    for i, s in enumerate(trading, start=1):
        assert (s.firm, s.accounts, s.target_comp_id) == (f"FIRM{i}", (f"ACC{i}",), "FIXVENUE")
        assert s.reset_on_logon is False and s.credentials is None
    dropcopy = config.find_session("DROPCOPY", "FIXVENUE")
    assert dropcopy is not None and dropcopy.role is SessionRole.DROP_COPY
    assert dropcopy.entitled_to("FIRM7") and dropcopy.entitled_to("ANY")
    assert [i.symbol for i in config.instruments] == ["AAPL", "MSFT", "GOOG", "AMZN"]
    msft = config.instrument("MSFT")
    assert msft is not None
    assert msft.reference_price == Decimal("101.50") and msft.tick_size == Decimal("0.01")
    assert msft.band_pct == Decimal(10) and msft.lot_size == 1
    assert config.store.resolved_url() == "sqlite:///var/fixvenue.db"


def test_shipped_file_on_disk_is_the_package_default() -> None:
    assert load_config(REPO / "config" / "default.toml") == load_config(None)


def test_acceptance_config_loads() -> None:
    config = load_config(REPO / "config" / "acceptance.toml")
    assert config.venue.sender_comp_id == "ISLD"
    (session,) = config.sessions
    assert session.sender_comp_id == "TW44" and session.target_comp_id == "ISLD"
    assert session.session_id == "FIX.4.4:ISLD->TW44"
    assert session.reset_on_logon is True
    assert (session.heartbeat_min, session.heartbeat_max) == (1, 300)
    assert (session.sending_time_tolerance_s, session.logout_timeout_s) == (120, 2)
    assert config.instruments == load_config(None).instruments


def test_empty_file_gives_all_defaults() -> None:
    assert loads_config("") == Config()


def test_minimal_session_and_instrument_defaults() -> None:
    config = loads_config(MINIMAL)
    (s,) = config.sessions
    assert s.target_comp_id == "FIXVENUE" and s.role is SessionRole.TRADING
    assert (s.heartbeat_min, s.heartbeat_max, s.sending_time_tolerance_s) == (1, 300, 120)
    assert (s.logout_timeout_s, s.reset_on_logon, s.reset_time) == (2, False, None)
    (i,) = config.instruments
    assert i.algorithm is MatchingAlgorithm.FIFO
    assert (i.stp_mode, i.stp_scope) == (StpMode.OFF, StpScope.FIRM)
    assert (i.band_pct, i.band_ticks, i.min_qty) == (Decimal(10), None, 1)
    assert config.store.sqlite_synchronous is SqliteSynchronous.FULL


def test_decimals_are_exact_from_floats_and_strings() -> None:
    config = loads_config(
        SESSION
        + '[[instruments]]\nsymbol = "X"\ntick_size = 0.01\nreference_price = 0.3\n'
        + '[[instruments]]\nsymbol = "Y"\ntick_size = "0.005"\nreference_price = 12\n'
    )
    x, y = config.instruments
    assert (x.tick_size, x.reference_price) == (Decimal("0.01"), Decimal("0.3"))
    assert (y.tick_size, y.reference_price) == (Decimal("0.005"), Decimal("12"))


def test_full_session_and_instrument() -> None:
    hashed = hash_password("secret", iterations=1000)
    config = loads_config(
        f"""
[venue]
sender_comp_id = "VEN"
trading_day_end = 20:30:00
[[sessions]]
sender_comp_id = "C1"
target_comp_id = "OTHER"
firm = "F1"
accounts = "A1"
username = "u1"
password_hash = "{hashed}"
reset_time = "05:00:00"
cancel_on_disconnect = true
[[sessions]]
sender_comp_id = "DC"
role = "drop-copy"
drop_copy_firms = ["F1"]
[[instruments]]
symbol = "S"
security_id = "US0000000001"
id_source = "4"
tick_size = "0.05"
lot_size = 100
max_qty = 10000
band_ticks = 20
reference_price = "10.05"
algorithm = "pro-rata"
stp_mode = "cancel-both"
stp_scope = "account"
schedule = [
  {{ phase = "pre-open", start = "08:00:00" }},
  {{ phase = "continuous", start = "09:30:00" }},
  {{ phase = "closed", start = "16:00:00" }},
]
[risk.defaults]
max_order_qty = 500
restricted_symbols = ["S"]
[risk.firms.F1]
credit_limit = 1000.5
"""
    )
    c1, dc = config.sessions
    assert c1.session_id == "FIX.4.4:OTHER->C1" and c1.accounts == ("A1",)
    assert c1.credentials is not None and c1.credentials.password_hash == hashed
    assert verify_password("secret", c1.credentials.password_hash)
    assert c1.reset_time is not None and c1.reset_time.hour == 5
    assert config.venue.trading_day_end.minute == 30
    assert dc.target_comp_id == "VEN" and dc.entitled_to("F1") and not dc.entitled_to("F2")
    (s,) = config.instruments
    assert (s.band_pct, s.band_ticks, s.min_qty) == (None, 20, 100)
    assert [p.phase for p in s.schedule] == [
        TradingPhase.PRE_OPEN,
        TradingPhase.CONTINUOUS,
        TradingPhase.CLOSED,
    ]
    f1 = config.risk.limits_for("F1")
    assert f1.credit_limit == Decimal("1000.5") and f1.max_order_qty == 500  # merged
    assert config.risk.limits_for("F2") == config.risk.defaults
    assert f1.restricted_symbols == frozenset({"S"})


# ---------------------------------------------------------------- every error names its key
BAD = [
    # (toml, expected message prefix)
    ("[venue]\nsender_comp_id = 5", "venue.sender_comp_id: expected a string, got 5"),
    ('[venue]\nsender_comp_id = ""', "venue.sender_comp_id: must not be empty"),
    ('[venue]\ntimezone = "CET"', 'venue.timezone: expected "UTC", got "CET"'),
    ('[venue]\ntrading_day_end = "9pm"', "venue.trading_day_end: expected a time of day"),
    (
        '[venue]\nsendr_comp_id = "X"',
        'venue.sendr_comp_id: unknown key; did you mean "sender_comp_id"?',
    ),
    ('[listen]\nport = "abc"', 'listen.port: expected an integer, got "abc"'),
    ("[listen]\nport = 70000", "listen.port: must be at most 65535, got 70000"),
    ("[listen]\nport = true", "listen.port: expected an integer, got true"),
    ('[listen]\ncert_file = "a.crt"', "listen.key_file: TLS needs both cert_file and key_file"),
    (
        "[listen]\nmax_inbound_message_bytes = 1",
        "listen.max_inbound_message_bytes: must be at least",
    ),
    (
        '[store]\nsqlite_synchronous = "off"',
        'store.sqlite_synchronous: expected one of "normal", "full", got "off"',
    ),
    ("[store]\nurl = 3", "store.url: expected a string, got 3"),
    ("store = 3", "store: expected a table, got 3"),
    ("[bogus]\nx = 1", "bogus: unknown key"),
    ('sessions = "x"', "sessions: expected an array of tables"),
    (
        '[[sessions]]\nfirm = "F"\naccounts = ["A"]',
        "sessions[0].sender_comp_id: required key is missing",
    ),
    (
        SESSION
        + SESSION.replace("C1", "C2")
        + '[[sessions]]\nsender_comp_id = "C3"\nfirm = "F"\naccounts = ["A"]\n'
        + 'heartbeat_max = "abc"',
        'sessions[2].heartbeat_max: expected an integer, got "abc"',
    ),
    (
        SESSION + "heartbeat_min = 30\nheartbeat_max = 10",
        "sessions[0].heartbeat_max: must be at least heartbeat_min (30)",
    ),
    (
        SESSION + 'role = "viewer"',
        'sessions[0].role: expected one of "trading", "drop-copy", got "viewer"',
    ),
    (SESSION + "reset_on_logon = 1", "sessions[0].reset_on_logon: expected true or false, got 1"),
    (SESSION + 'reset_time = "25:00:00"', "sessions[0].reset_time: expected a time of day"),
    (
        SESSION + 'begin_string = "FIX.4.2"',
        'sessions[0].begin_string: expected "FIX.4.4", got "FIX.4.2"',
    ),
    (SESSION + 'password = "secret"', "sessions[0].password: plaintext passwords are not accepted"),
    (SESSION + 'username = "u"', "sessions[0].password_hash: required with username"),
    (
        SESSION + 'username = "u"\npassword_hash = "md5$x"',
        'sessions[0].password_hash: expected "pbkdf2_sha256$',
    ),
    (
        SESSION + 'drop_copy_firms = ["*"]',
        "sessions[0].drop_copy_firms: only for a drop-copy session",
    ),
    (
        SESSION + "hearbeat_max = 5",
        'sessions[0].hearbeat_max: unknown key; did you mean "heartbeat_max"?',
    ),
    (
        SESSION + SESSION,
        "sessions[1].sender_comp_id: duplicate session FIX.4.4:FIXVENUE->C1 (also sessions[0])",
    ),
    (
        '[[sessions]]\nsender_comp_id = "C"\naccounts = ["A"]',
        "sessions[0].firm: required for a trading session",
    ),
    (
        '[[sessions]]\nsender_comp_id = "C"\nfirm = "F"',
        "sessions[0].accounts: a trading session needs at least one account",
    ),
    (
        '[[sessions]]\nsender_comp_id = "C"\nfirm = "F"\naccounts = ["A", "A"]',
        "sessions[0].accounts: contains duplicates",
    ),
    (
        '[[sessions]]\nsender_comp_id = "C"\nfirm = "F"\naccounts = [1]',
        "sessions[0].accounts[0]: expected a string, got 1",
    ),
    (
        '[[sessions]]\nsender_comp_id = "D"\nrole = "drop-copy"',
        "sessions[0].drop_copy_firms: required for a drop-copy session",
    ),
    ("[[instruments]]\nreference_price = 1", "instruments[0].symbol: required key is missing"),
    ('[[instruments]]\nsymbol = "X"', "instruments[0].reference_price: required key is missing"),
    (
        INSTRUMENT + 'tick_size = "abc"',
        'instruments[0].tick_size: expected a decimal number, got "abc"',
    ),
    (
        INSTRUMENT + 'tick_size = "nan"',
        'instruments[0].tick_size: expected a finite decimal number, got "nan"',
    ),
    (INSTRUMENT + "tick_size = 0", "instruments[0].tick_size: must be greater than 0, got 0"),
    (
        INSTRUMENT + "tick_size = 0.03",
        "instruments[0].reference_price: must be a multiple of tick_size 0.03",
    ),
    (
        INSTRUMENT + "lot_size = 10\nmin_qty = 15",
        "instruments[0].min_qty: must be a multiple of lot_size 10",
    ),
    (
        INSTRUMENT + "min_qty = 15\nmax_qty = 10",
        "instruments[0].max_qty: must be at least min_qty (15)",
    ),
    (
        INSTRUMENT + "band_pct = 5\nband_ticks = 3",
        "instruments[0].band_ticks: give band_pct or band_ticks, not both",
    ),
    (INSTRUMENT + 'security_id = "X1"', "instruments[0].id_source: give both or neither"),
    (
        INSTRUMENT + 'algorithm = "lifo"',
        'instruments[0].algorithm: expected one of "fifo", "pro-rata", got "lifo"',
    ),
    (INSTRUMENT + 'stp_mode = "cancel"', "instruments[0].stp_mode: expected one of"),
    (INSTRUMENT + 'stp_scope = "desk"', "instruments[0].stp_scope: expected one of"),
    (
        INSTRUMENT + 'schedule = [{ phase = "lunch", start = "12:00:00" }]',
        "instruments[0].schedule[0].phase: expected one of",
    ),
    (
        INSTRUMENT
        + 'schedule = [{ phase = "closed", start = "12:00:00" },'
        + ' { phase = "continuous", start = "11:00:00" }]',
        "instruments[0].schedule[1].start: phase start times must increase",
    ),
    (INSTRUMENT + INSTRUMENT, "instruments[1].symbol: duplicate symbol AAPL (also instruments[0])"),
    (
        "[risk.defaults]\nmax_order_qty = -1",
        "risk.defaults.max_order_qty: must be at least 1, got -1",
    ),
    (
        "[risk.defaults]\ncollar_pct = []",
        "risk.defaults.collar_pct: expected a decimal number (number or string), got an array",
    ),
    ("[risk.defaults]\nmax_qty = 3", "risk.defaults.max_qty: unknown key"),
    ("[risk]\nlimits = 3", "risk.limits: unknown key"),
    (
        MINIMAL + "[risk.firms.F9]\nmax_order_qty = 3",
        "risk.firms.F9: no session belongs to this firm",
    ),
    (
        MINIMAL + "[risk.firms.F1]\nmax_order_qty = 1.5",
        "risk.firms.F1.max_order_qty: expected an integer, got 1.5",
    ),
    (
        MINIMAL + '[risk.defaults]\nrestricted_symbols = ["ZZZ"]',
        "risk.defaults.restricted_symbols: unknown symbol ZZZ",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_error_names_the_key(text: str, message: str) -> None:
    error = error_of(text)
    assert error.startswith(message), error
    assert error.endswith("(in test.toml)")


def test_invalid_toml_is_a_config_error() -> None:
    assert error_of("[venue\n").startswith("invalid TOML: ")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file") as info:
        load_config(tmp_path / "nope.toml")
    assert info.value.source == str(tmp_path / "nope.toml")


def test_load_from_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[listen]\nport = -1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"listen.port: must be at least 0, got -1 (in {path})"
    assert (info.value.key, info.value.source) == ("listen.port", str(path))


# ---------------------------------------------------------------- overrides
def test_overrides_return_a_new_config() -> None:
    base = load_config(None)
    changed = apply_overrides(
        base, host="0.0.0.0", port=0, data_dir=Path("/tmp/x"), db_url="sqlite:///:memory:"
    )
    assert (changed.listen.host, changed.listen.port) == ("0.0.0.0", 0)
    assert changed.store.data_dir == Path("/tmp/x")
    assert changed.store.resolved_url() == "sqlite:///:memory:"
    assert base.listen.port == 9878 and base.store.url is None  # untouched
    assert changed.sessions == base.sessions


def test_data_dir_override_moves_the_sqlite_file() -> None:
    changed = apply_overrides(load_config(None), data_dir=Path("/tmp/fixat-data"))
    assert changed.store.resolved_url() == "sqlite:////tmp/fixat-data/fixvenue.db"


def test_no_overrides_is_identity() -> None:
    base = load_config(None)
    assert apply_overrides(base) == base


def test_bad_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^--port: must be at most 65535"):
        apply_overrides(load_config(None), port=99999)


def test_config_is_frozen() -> None:
    config = load_config(None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.listen.port = 1  # type: ignore[misc]


# ---------------------------------------------------------------- password hash format
@pytest.mark.parametrize(
    "bad",
    [
        "pbkdf2_sha256$1000$zz$" + "0" * 64,  # salt not hex
        "pbkdf2_sha256$1000$abc$" + "0" * 64,  # odd hex length
        "pbkdf2_sha256$0$ab$" + "0" * 64,  # no iterations
        "pbkdf2_sha256$1000$ab$" + "0" * 63,  # short digest
        "sha1$1000$ab$" + "0" * 64,
        "secret",
    ],
)
def test_malformed_password_hash_is_refused(bad: str) -> None:
    text = SESSION + f'username = "u"\npassword_hash = "{bad}"'
    assert error_of(text).startswith('sessions[0].password_hash: expected "pbkdf2_sha256$')


def test_session_layer_hashes_are_accepted() -> None:
    """The loader's format check agrees with the session layer's hashing."""
    hashed = hash_password("pw", iterations=1000)
    config = loads_config(SESSION + f'username = "u"\npassword_hash = "{hashed}"')
    credentials = config.sessions[0].credentials
    assert credentials is not None and verify_password("pw", credentials.password_hash)


# ---------------------------------------------------------------- metrics and admin
def test_metrics_and_admin_defaults_are_loopback() -> None:
    config = load_config(None)
    assert (config.metrics.enabled, config.metrics.host, config.metrics.port) == (
        True,
        "127.0.0.1",
        9100,
    )
    assert (config.admin.enabled, config.admin.host, config.admin.port) == (
        True,
        "127.0.0.1",
        9101,
    )
    assert config.admin.token is None
    absent = loads_config(MINIMAL)
    assert absent.metrics == config.metrics and absent.admin == config.admin


def test_metrics_and_admin_sections_parse() -> None:
    config = loads_config(
        MINIMAL
        + "[metrics]\nenabled = false\nport = 0\n"
        + '[admin]\nhost = "::1"\nport = 9200\ntoken = "0123456789abcdef"\n'
    )
    assert config.metrics.enabled is False and config.metrics.port == 0
    assert (config.admin.host, config.admin.port) == ("::1", 9200)
    assert config.admin.token == "0123456789abcdef"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[metrics]\nenabled = 1\n", "metrics.enabled"),
        ("[metrics]\nport = 70000\n", "metrics.port"),
        ("[metrics]\nprot = 9100\n", "metrics.prot"),
        ('[admin]\ntoken = "short"\n', "admin.token"),
        ('[admin]\nport = "x"\n', "admin.port"),
        ("[admin]\nbind = 1\n", "admin.bind"),
    ],
)
def test_metrics_and_admin_errors_name_the_key(text: str, key: str) -> None:
    assert error_of(MINIMAL + text).startswith(key)
