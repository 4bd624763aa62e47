"""The vocabulary order entry shares: session profiles, pending rows, seams, venue time.

Role: the types that `gateway.app.service` (OrderEntry), `gateway.app.requests` (the
handlers of client requests) and `gateway.app.reporting` (venue events -> FIX) all speak,
kept here so that those modules import this one and never each other in a cycle.
`gateway.app.service` re-exports the public names (its importers need not know the split).

Invariants: plain data and protocols only; no state, no I/O. `to_datetime` truncates to
the microsecond, the resolution the journal keeps, so a replayed command sees the time
the live one saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from fixspec.codec import FixMessage
from venue import events as ve

_UTC: Final = UTC
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)

#: The event classes the per-command loops test with `type(e) is ...`. Final module names
#: are C statics once compiled; `ve.Accepted` costs two dictionary lookups per use.
ACCEPTED: Final = ve.Accepted
BOOK_CHANGED: Final = ve.BookChanged
CANCEL_REJECTED: Final = ve.CancelRejected
CANCELLED: Final = ve.Cancelled
EXPIRED: Final = ve.Expired
MASS_CANCELLED: Final = ve.MassCancelled
REJECTED: Final = ve.Rejected
REPLACE_REJECTED: Final = ve.ReplaceRejected
REPLACED: Final = ve.Replaced
TRADE: Final = ve.Trade
TRIGGERED: Final = ve.Triggered


def to_datetime(now: float) -> datetime:
    """The venue time of `now`, truncated to the microsecond (what the journal keeps)."""
    return venue_time(now)[0]


class _LastSecond:
    """The fields of the last whole second converted: orders of one second share them, and
    a positional `datetime(...)` is several times cheaper than epoch + timedelta."""

    __slots__ = ("fields", "sec")

    def __init__(self) -> None:
        self.sec = -1
        self.fields = (1970, 1, 1, 0, 0, 0)


_last_second: Final = _LastSecond()


def venue_time(now: float) -> tuple[datetime, int]:
    """`to_datetime(now)` and the same instant in microseconds since the epoch."""
    at_us = int(now * 1_000_000)
    sec, us = divmod(at_us, 1_000_000)
    last = _last_second
    if sec != last.sec:
        t = _EPOCH + timedelta(seconds=sec)
        last.fields = (t.year, t.month, t.day, t.hour, t.minute, t.second)
        last.sec = sec
    y, mo, d, h, mi, s = last.fields
    return datetime(y, mo, d, h, mi, s, us, _UTC), at_us


def micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND


class Outbox(Protocol):
    def send(self, session_id: str, msg_type: str, body: bytes) -> None: ...


class Copies(Protocol):
    """Drop copy (dropcopy.fixcopy.DropCopies): the messages that copy a report or a trade,
    as (session id, MsgType, body), sent through the same outbox as the original."""

    def execution_report(self, firm: str, body: bytes) -> list[tuple[str, str, bytes]]: ...
    def trade(
        self, trade: ve.Trade, price: bytes, transact_time: bytes
    ) -> list[tuple[str, str, bytes]]: ...


#: Sees every submitted command's events: (events, at, seconds spent in the engine).
#: Metrics and debug logs hang here; an observer must not raise nor change the venue.
EventObserver = Callable[[Sequence[ve.Event], datetime, float], None]

#: Sees every gateway-level reject (one that never reached the engine): (symbol, reason).
RejectObserver = Callable[[str, int], None]


class MarketData(Protocol):
    def on_request(
        self, session_id: str, msg: FixMessage, now: datetime
    ) -> list[tuple[str, str, bytes]]: ...
    def on_events(
        self, events: Sequence[ve.Event], now: datetime
    ) -> list[tuple[str, str, bytes]]: ...
    def on_disconnect(self, session_id: str) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionProfile:
    """What order entry needs to know about a configured session."""

    session_id: str
    firm: str
    accounts: tuple[str, ...] = ()
    drop_copy: bool = False
    cancel_on_disconnect: bool = False


@dataclass(slots=True)
class Pending:
    """Rows decided since the last commit (see gateway.app.tables)."""

    journal: list[tuple[object, ...]] = field(default_factory=list)
    orders: list[tuple[object, ...]] = field(default_factory=list)
    executions: list[tuple[object, ...]] = field(default_factory=list)
    trades: list[tuple[object, ...]] = field(default_factory=list)
    #: Kill switches set or lifted: ("set" | "clear", target, "firm" | "account", at_us).
    kill_switches: list[tuple[str, str, str, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.journal or self.orders or self.executions or self.trades or self.kill_switches
        )


@dataclass(slots=True)
class Request:
    """The request being processed: who asked, and what to answer with."""

    session_id: str
    cl_ord_id: str = ""
    orig_cl_ord_id: str = ""
