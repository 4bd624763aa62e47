"""A sliding-window message throttle per session.

Role: at most ``limit`` admitted messages in any ``window_s`` seconds. Pure: the time of
each message is passed in. O(1) amortised per message (a deque of admission times).

Invariants: only admitted messages are remembered (a client sending twice the limit gets
half of its messages through, not none); ``len(times) <= limit`` after every call.
"""

from __future__ import annotations

from collections import deque


class SlidingWindow:
    __slots__ = ("limit", "window_s", "times")

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self.times: deque[float] = deque()

    def admit(self, now: float) -> bool:
        """Count a message at `now` if the window has room; False when it has none."""
        times = self.times
        horizon = now - self.window_s
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def in_window(self, now: float) -> int:
        horizon = now - self.window_s
        return sum(1 for t in self.times if t > horizon)
