"""Session registry: which configured session a connection belongs to, and who holds it.

Role: the shell's one table of configured FIX sessions, keyed by the counterparty's
identity as it appears on an inbound Logon (their SenderCompID, their TargetCompID = our
CompID). Each entry holds the session's settings, the live connection (if any) and the
sequence-number state last loaded from the store.

Invariants:
- At most one live connection per session. `claim` is the only way to become the live
  connection and refuses while another connection holds the session (the new connection
  is dropped, the live one is never disturbed).
- `release` only releases when called by the holder, so a refused connection closing
  late cannot evict the live one.
- Pure bookkeeping: no I/O, no logging; the connection layer decides what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from gateway.session import SessionSettings

C = TypeVar("C")


class LookupFailure(Enum):
    """Why an inbound Logon does not match any configured session."""

    UNKNOWN_COMP_ID = "unknown SenderCompID/TargetCompID"
    WRONG_BEGIN_STRING = "unexpected BeginString"


@dataclass(slots=True)
class SessionEntry(Generic[C]):
    """One configured session and its runtime state in the shell."""

    settings: SessionSettings
    connection: C | None = None
    stored: Any = None  # the StoredSession last loaded from the store
    offline: Any = None  # an OfflineSession while logged off and addressed by the app
    logons: int = field(default=0)

    @property
    def session_id(self) -> str:
        return str(self.settings.session_id)


class SessionRegistry(Generic[C]):
    """Configured sessions by (their SenderCompID, their TargetCompID)."""

    def __init__(self, sessions: Iterable[SessionSettings]) -> None:
        self._by_comp_ids: dict[tuple[str, str], SessionEntry[C]] = {}
        #: Entries by session id, to read (`get` is the same lookup, as a Python call: the
        #: compiled shell reads the dict itself, once per report sent).
        self.by_id: dict[str, SessionEntry[C]] = {}
        for settings in sessions:
            entry: SessionEntry[C] = SessionEntry(settings=settings)
            key = (settings.target_comp_id, settings.sender_comp_id)
            if key in self._by_comp_ids or entry.session_id in self.by_id:
                raise ValueError(f"duplicate session {entry.session_id} {key}")
            self._by_comp_ids[key] = entry
            self.by_id[entry.session_id] = entry

    def lookup(
        self, begin_string: str, their_sender: str, their_target: str
    ) -> SessionEntry[C] | LookupFailure:
        """Find the session an inbound Logon addresses (their 49, their 56)."""
        entry = self._by_comp_ids.get((their_sender, their_target))
        if entry is None:
            return LookupFailure.UNKNOWN_COMP_ID
        if entry.settings.begin_string != begin_string:
            return LookupFailure.WRONG_BEGIN_STRING
        return entry

    def get(self, session_id: str) -> SessionEntry[C] | None:
        return self.by_id.get(session_id)

    def claim(self, entry: SessionEntry[C], connection: C) -> bool:
        """Make `connection` the live connection of `entry`; False if already held."""
        if entry.connection is not None and entry.connection is not connection:
            return False
        entry.connection = connection
        return True

    def release(self, entry: SessionEntry[C], connection: C) -> None:
        if entry.connection is connection:
            entry.connection = None

    def live(self) -> list[C]:
        return [e.connection for e in self.by_id.values() if e.connection is not None]

    def __iter__(self) -> Iterator[SessionEntry[C]]:
        return iter(self.by_id.values())

    def __len__(self) -> int:
        return len(self.by_id)
