"""`mypyc_attr` for the classes of the venue that the mypyc build compiles.

`mypy_extensions` comes with mypy (the compiled build needs it); a pure-Python install
does not, and then the decorator does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_extensions import mypyc_attr as mypyc_attr
else:
    try:
        from mypy_extensions import mypyc_attr
    except ImportError:

        def mypyc_attr(*_args: object, **_kwargs: object) -> Any:
            return lambda cls: cls


__all__ = ["mypyc_attr"]
