"""Hash maps that grow without long pauses: a dict and a set split into shards.

Role: a CPython dict (or set) grows by rebuilding its whole table: the insert that fills it
to two thirds rehashes every entry at once, about 1-2 ms at 21,845 entries and twice that
at 43,690, more on a busy machine where the new table's pages fault in. The venue keeps
several maps with an entry per order (live orders, ClOrdIDs, exposures, cached report
parts) and they filled up at the same order counts: under load the event loop stalled for
about 10 ms at once (at about 21,800 orders, then at about 27,300 when the maps of resting
orders followed), and every order in flight waited. `ShardedDict` and `ShardedSet` spread
their entries over `SHARDS` plain dicts/sets by hash, so one growth step rebuilds 1/64 of
the entries and the pauses vanish into the noise.

Invariants:
- They behave like a dict/set for the operations they offer; `pop` returns its default
  (None) for a missing key instead of raising.
- Iteration goes shard by shard, in insertion order within a shard: callers that need an
  order sort (as they already do for ids); contents and lengths are exact.
- Keys are hashed once more to pick the shard (an int hashes to itself: order ids spread
  evenly, in runs of 256 consecutive ids per shard).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Final, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: A power of two: the shard is `(hash(key) >> SPREAD) & (SHARDS - 1)`.
SHARDS: Final = 64
_MASK: Final = SHARDS - 1
#: Consecutive ints (order ids) go to one shard in runs of 2**SPREAD: the maps' recent
#: entries stay together in memory (one shard per id was measurably slower live: every
#: new order touched another dict's table).
SPREAD: Final = 8


def _total_len(shards: Sequence[Sized]) -> int:
    n = 0
    for shard in shards:
        n += len(shard)
    return n


def _chain(shards: Sequence[Iterable[K]]) -> Iterator[K]:
    """The keys of every shard, shard by shard."""
    for shard in shards:
        yield from shard


class ShardedDict(Generic[K, V]):
    """A dict in `SHARDS` pieces (see module docstring)."""

    def __init__(self) -> None:
        self._shards: list[dict[K, V]] = [{} for _ in range(SHARDS)]

    def __getitem__(self, key: K) -> V:
        return self._shards[(hash(key) >> SPREAD) & _MASK][key]

    def __setitem__(self, key: K, value: V) -> None:
        self._shards[(hash(key) >> SPREAD) & _MASK][key] = value

    def __delitem__(self, key: K) -> None:
        del self._shards[(hash(key) >> SPREAD) & _MASK][key]

    def __contains__(self, key: object) -> bool:
        return key in self._shards[(hash(key) >> SPREAD) & _MASK]

    def __len__(self) -> int:
        return _total_len(self._shards)

    def __bool__(self) -> bool:
        return any(self._shards)

    def __iter__(self) -> Iterator[K]:
        return _chain(self._shards)

    def get(self, key: K, default: V | None = None) -> V | None:
        return self._shards[(hash(key) >> SPREAD) & _MASK].get(key, default)

    def pop(self, key: K, default: V | None = None) -> V | None:
        return self._shards[(hash(key) >> SPREAD) & _MASK].pop(key, default)

    def setdefault(self, key: K, value: V) -> V:
        return self._shards[(hash(key) >> SPREAD) & _MASK].setdefault(key, value)

    def keys(self) -> Iterator[K]:
        return _chain(self._shards)

    def values(self) -> Iterator[V]:
        for shard in self._shards:
            yield from shard.values()

    def items(self) -> Iterator[tuple[K, V]]:
        for shard in self._shards:
            yield from shard.items()

    def clear(self) -> None:
        for shard in self._shards:
            shard.clear()

    def __repr__(self) -> str:
        return f"ShardedDict({dict(self.items())!r})"


class ShardedSet(Generic[K]):
    """A set in `SHARDS` pieces (see module docstring)."""

    def __init__(self) -> None:
        self._shards: list[set[K]] = [set() for _ in range(SHARDS)]

    def add(self, key: K) -> None:
        self._shards[(hash(key) >> SPREAD) & _MASK].add(key)

    def discard(self, key: K) -> None:
        self._shards[(hash(key) >> SPREAD) & _MASK].discard(key)

    def __contains__(self, key: object) -> bool:
        return key in self._shards[(hash(key) >> SPREAD) & _MASK]

    def __len__(self) -> int:
        return _total_len(self._shards)

    def __bool__(self) -> bool:
        return any(self._shards)

    def __iter__(self) -> Iterator[K]:
        return _chain(self._shards)

    def __repr__(self) -> str:
        return f"ShardedSet({set(self)!r})"
