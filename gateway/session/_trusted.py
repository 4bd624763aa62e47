"""Trusted construction of frozen slots dataclasses on the hot path.

A frozen dataclass's ``__init__`` assigns every field through ``object.__setattr__`` and
then runs ``__post_init__`` checks; for values the session core has just produced (and
checked by construction) that is most of the cost of an event or a store record. A
*trusted* constructor allocates the instance and writes the slots through their member
descriptors: the same class, the same fields, equality, repr and immutability, no checks.

A class compiled with mypyc (it has ``__mypyc_attrs__``) refuses ``object.__new__``; it is
allocated through its own ``__new__`` instead (which does not run ``__init__``: the
``__init__`` the dataclass decorator writes stays interpreted, about three times slower).

Faster still, for the few built per message: a *compiled* function that allocates a native
class and stores its fields directly (a native attribute store does not go through the
frozen ``__setattr__``): about 70 ns against 550 ns here. Such a function only works
compiled (interpreted, the store raises FrozenInstanceError): ``native_or_trusted`` picks
it when the class is native, and ``trusted_constructor(cls)`` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def is_native(cls: type) -> bool:
    """True when ``cls`` was compiled with mypyc (a native class)."""
    return hasattr(cls, "__mypyc_attrs__")


def trusted_constructor(cls: type[T]) -> Callable[..., T]:
    """A positional constructor of ``cls`` (fields in declaration order, all required)
    that skips ``__init__``/``__post_init__``; for values known to be valid."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    setters = [getattr(cls, name).__set__ for name in names]
    lines = [f"def make({', '.join(names)}):", "    self = new(cls)"]
    lines += [f"    set_{i}(self, {name})" for i, name in enumerate(names)]
    lines.append("    return self")
    # A mypyc class refuses object.__new__ but allocates through its own __new__ without
    # running __init__; its fields are getset descriptors (the setters above) either way.
    new = cls.__new__ if hasattr(cls, "__mypyc_attrs__") else object.__new__
    namespace: dict[str, Any] = {"new": new, "cls": cls}
    namespace.update({f"set_{i}": setter for i, setter in enumerate(setters)})
    exec("\n".join(lines), namespace)  # noqa: S102 - generated from the dataclass fields
    make: Callable[..., T] = namespace["make"]
    make.__qualname__ = make.__name__ = f"trusted_{cls.__name__}"
    return make


def native_or_trusted(cls: type[T], native: Callable[..., T]) -> Callable[..., T]:
    """``native`` (a compiled function that allocates ``cls`` and stores its fields
    directly) when ``cls`` is compiled, else ``trusted_constructor(cls)``; both positional,
    fields in declaration order."""
    return native if is_native(cls) else trusted_constructor(cls)
