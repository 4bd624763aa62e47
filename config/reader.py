"""Reading TOML values with errors that name the key: the loader's building blocks.

Role: ``ConfigError``, the value parsers (``p_int``, ``p_decimal``, ...) and ``Table``, a
TOML table being read with typed getters and an unknown-key check. ``config.load`` builds
the sections with them.

Invariants:
- a parser takes (dotted key, raw TOML value) and returns the typed value or raises
  ``ConfigError(key, problem)``; nothing else escapes;
- ``bool`` is never accepted as an integer or a number; decimals go through ``str()`` so a
  TOML float becomes the Decimal it reads as;
- ``Table.finish()`` rejects every key no getter asked for, suggesting the closest one.
"""

from __future__ import annotations

import difflib
import enum
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn, TypeVar

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
class Table:
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

    def table(self, name: str) -> Table:
        self._used.add(name)
        return Table(self.data.get(name, {}), self.key(name))

    def tables(self, name: str) -> list[Table]:
        """An array of tables (``[[name]]``); absent = empty."""
        self._used.add(name)
        items = self.data.get(name, [])
        if not isinstance(items, list):
            _expected(self.key(name), "an array of tables", items)
        return [Table(item, f"{self.key(name)}[{i}]") for i, item in enumerate(items)]

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
