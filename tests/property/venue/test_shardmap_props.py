"""ShardedDict and ShardedSet behave as a dict and a set do, whatever the operations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from venue.shardmap import SHARDS, ShardedDict, ShardedSet

# Ints (order ids, negative ones too), strings (ClOrdIDs) and (firm, ClOrdID) tuples.
keys = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=6),
    st.tuples(st.sampled_from(["FIRM1", "FIRM2"]), st.text(max_size=4)),
)
dict_ops = st.lists(
    st.tuples(
        st.sampled_from(["set", "del", "pop", "setdefault", "get", "clear"]), keys, st.integers()
    ),
    max_size=200,
)


@given(dict_ops)
def test_sharded_dict_matches_a_dict(ops: list[tuple[str, object, int]]) -> None:
    model: dict[object, int] = {}
    sharded: ShardedDict[object, int] = ShardedDict()
    for op, key, value in ops:
        if op == "set":
            model[key] = value
            sharded[key] = value
        elif op == "del":
            if key in model:
                del model[key]
                del sharded[key]
        elif op == "pop":
            assert sharded.pop(key) == model.pop(key, None)
        elif op == "setdefault":
            assert sharded.setdefault(key, value) == model.setdefault(key, value)
        elif op == "get":
            assert sharded.get(key) == model.get(key)
            assert sharded.get(key, -1) == model.get(key, -1)
        else:
            model.clear()
            sharded.clear()
        assert (key in sharded) == (key in model)
        assert len(sharded) == len(model)
        assert bool(sharded) == bool(model)
    assert dict(sharded.items()) == model
    assert sorted(map(repr, sharded)) == sorted(map(repr, model))
    assert sorted(map(repr, sharded.keys())) == sorted(map(repr, model.keys()))
    assert sorted(sharded.values()) == sorted(model.values())
    for key, value in model.items():
        assert sharded[key] == value


@given(st.lists(st.tuples(st.sampled_from(["add", "discard"]), keys), max_size=200))
def test_sharded_set_matches_a_set(ops: list[tuple[str, object]]) -> None:
    model: set[object] = set()
    sharded: ShardedSet[object] = ShardedSet()
    for op, key in ops:
        if op == "add":
            model.add(key)
            sharded.add(key)
        else:
            model.discard(key)
            sharded.discard(key)
        assert (key in sharded) == (key in model)
        assert len(sharded) == len(model)
        assert bool(sharded) == bool(model)
    assert set(sharded) == model


def test_a_missing_key_raises_as_in_a_dict() -> None:
    sharded: ShardedDict[int, str] = ShardedDict()
    with pytest.raises(KeyError):
        sharded[7]
    with pytest.raises(KeyError):
        del sharded[7]


def test_order_ids_spread_evenly_so_each_growth_step_is_small() -> None:
    """The point of the shards: 100,000 sequential ids leave no shard with more than its
    share, so no single insert rebuilds more than 1/SHARDS of the map."""
    sharded: ShardedDict[int, int] = ShardedDict()
    for oid in range(1, 100_001):
        sharded[oid] = oid
    sizes = [len(shard) for shard in sharded._shards]
    assert len(sizes) == SHARDS
    assert max(sizes) <= 2 * 100_000 // SHARDS
