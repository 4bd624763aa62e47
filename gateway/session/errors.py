"""Errors of the session core.

Invariants: ``LocalProtocolError`` means the caller (shell or application) misused the
core; problems caused by the peer never raise, they become Reject/Logout/Disconnect.
"""

from __future__ import annotations

__all__ = ["LocalProtocolError"]


class LocalProtocolError(RuntimeError):
    """The local side called the session core in a way its state does not allow."""
