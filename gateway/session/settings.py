"""Configuration of one FIX session, as seen by the session core.

Role: a frozen, keyword-only value object built by the shell from the TOML config.

Invariants: heartbeat bounds are positive and ordered; 1 < test_request_factor <
disconnect_factor, so a TestRequest goes out after more than one heartbeat interval of
inbound silence and the connection drops later if it stays unanswered (defaults 1.2 / 2.4).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Credentials", "Role", "SessionSettings"]


class Role(enum.Enum):
    ACCEPTOR = "acceptor"


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """Username(553) and a salted hash of Password(554) (see gateway.session.auth)."""

    username: str
    password_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionSettings:
    session_id: str
    sender_comp_id: str  # ours
    target_comp_id: str  # theirs
    begin_string: str = "FIX.4.4"
    credentials: Credentials | None = None
    min_heartbeat_interval: int = 1
    max_heartbeat_interval: int = 300
    sending_time_tolerance: float = 120.0
    logout_timeout: float = 2.0
    logon_timeout: float = 10.0
    reset_on_logon: bool = False
    test_request_factor: float = 1.2
    disconnect_factor: float = 2.4
    max_message_size: int = 64 * 1024
    max_queued_messages: int = 10_000
    role: Role = Role.ACCEPTOR

    def __post_init__(self) -> None:
        if not self.sender_comp_id or not self.target_comp_id:
            raise ValueError("sender_comp_id and target_comp_id are required")
        if not 0 < self.min_heartbeat_interval <= self.max_heartbeat_interval:
            raise ValueError("heartbeat bounds must satisfy 0 < min <= max")
        if not 1.0 < self.test_request_factor < self.disconnect_factor:
            raise ValueError("need 1 < test_request_factor < disconnect_factor")
        for name in ("sending_time_tolerance", "logout_timeout", "logon_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_queued_messages < 1:
            raise ValueError("max_queued_messages must be positive")
