"""Run the acceptor in-process, on its own event loop in a background thread.

The store is opened inside the loop thread (SQLite connections stay on the thread that uses
them). Start and stop are bounded; the listening port is 0 (a free port) on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable, Sequence

from gateway.app.router import AppRouter
from gateway.net.connection import NetLimits
from gateway.net.server import Acceptor, ListenOptions
from gateway.session import SessionSettings
from gateway.store import MessageStore, open_store

VENUE = "FIXVENUE"


def settings(client: str, **overrides: object) -> SessionSettings:
    values: dict[str, object] = {
        "session_id": f"FIX.4.4:{VENUE}->{client}",
        "sender_comp_id": VENUE,
        "target_comp_id": client,
    }
    values.update(overrides)
    return SessionSettings(**values)  # type: ignore[arg-type]


class VenueThread:
    """An Acceptor serving on 127.0.0.1:<free port> from a background thread."""

    def __init__(
        self,
        sessions: Sequence[SessionSettings],
        store_url: str,
        *,
        limits: NetLimits | None = None,
        router: AppRouter | None = None,
        ssl_context: ssl.SSLContext | None = None,
        store_factory: Callable[[str], MessageStore] = open_store,
    ) -> None:
        self._sessions = sessions
        self._store_url = store_url
        self._limits = limits
        self._router = router
        self._ssl = ssl_context
        self._store_factory = store_factory
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.acceptor: Acceptor | None = None
        self.store: MessageStore | None = None
        self.port = 0

    def start(self) -> VenueThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        self.store = self._store_factory(self._store_url)
        self.acceptor = Acceptor(
            sessions=self._sessions,
            store=self.store,
            listen=ListenOptions(
                host="127.0.0.1", port=0, shutdown_grace_s=1.0, ssl_context=self._ssl
            ),
            limits=self._limits,
            router=self._router,
        )
        await self.acceptor.start()
        self.port = self.acceptor.port

    def call(self, fn: Callable[[], object]) -> object:
        """Run `fn` on the loop thread and return its result (bounded)."""

        async def run() -> object:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=10)

    def stop(self) -> None:
        async def shutdown() -> None:
            if self.acceptor is not None:
                await self.acceptor.shutdown()
            if self.store is not None:
                self.store.close()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def __enter__(self) -> VenueThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
