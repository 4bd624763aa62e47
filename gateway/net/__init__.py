"""gateway.net: the asyncio shell around the sans-I/O FIX session core.

The only package that touches sockets and the event loop: `server.Acceptor` listens,
`connection.FixConnection` (an asyncio.Protocol) binds each connection to a configured
session and feeds its FixSession, `flush.Flusher` commits one store transaction per loop
turn before any byte is written, `registry.SessionRegistry` keeps one live connection
per session.
"""

from gateway.net.connection import FixConnection, NetLimits, Shell
from gateway.net.server import Acceptor, ListenOptions, tls_context

__all__ = ["Acceptor", "FixConnection", "ListenOptions", "NetLimits", "Shell", "tls_context"]
