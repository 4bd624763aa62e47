"""FixSession: the FIX 4.4 session protocol as a sans-I/O state machine (acceptor).

Bytes and ``now`` in; events, bytes to send and records to persist out; one timer deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway.session.events import Event
from gateway.session.records import StoreRecord
from gateway.session.settings import SessionSettings
from gateway.session.state import SessionState

__all__ = ["FixSession", "ResendSource"]

#: ``resend_source(begin, end)`` -> stored outbound ``(seq, raw)`` with begin <= seq <= end
#: (``end`` None: to the last), in ascending order.
ResendSource = Callable[[int, int | None], Sequence[tuple[int, bytes]]]


class FixSession:
    def __init__(
        self,
        settings: SessionSettings,
        *,
        next_sender_seq: int = 1,
        next_target_seq: int = 1,
        resend_source: ResendSource,
    ) -> None:
        raise NotImplementedError

    # -- inputs ------------------------------------------------------------------------------
    def receive_data(self, data: bytes, now: float) -> None:
        raise NotImplementedError

    def handle_timer(self, now: float) -> None:
        raise NotImplementedError

    def send(self, msg_type: str, body: bytes, now: float) -> int:
        raise NotImplementedError

    def logout(self, text: str | None, now: float) -> None:
        raise NotImplementedError

    def connection_lost(self, now: float) -> None:
        raise NotImplementedError

    # -- outputs -----------------------------------------------------------------------------
    def next_event(self) -> Event | None:
        raise NotImplementedError

    def data_to_send(self) -> tuple[bytes, list[StoreRecord]]:
        raise NotImplementedError

    def get_timer(self) -> float | None:
        raise NotImplementedError

    @property
    def state(self) -> SessionState:
        raise NotImplementedError

    @property
    def is_logged_on(self) -> bool:
        raise NotImplementedError

    @property
    def next_sender_seq(self) -> int:
        raise NotImplementedError

    @property
    def next_target_seq(self) -> int:
        raise NotImplementedError

    @property
    def heartbeat_interval(self) -> int | None:
        raise NotImplementedError
