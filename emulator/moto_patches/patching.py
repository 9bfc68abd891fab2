"""The three ways a patch touches moto, each loud when moto changed underneath it.

A patch only ever replaces a method (``wrap``), adds one moto lacks (``add``) or reads an attribute
it relies on (``require``). Each raises ``PatchError`` at start-up when what it expects is not there,
so a moto upgrade that breaks a patch is noticed at once instead of silently reintroducing drift.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import moto


class PatchError(RuntimeError):
    """A patch could not be applied: moto changed underneath this launcher."""


def require(owner: Any, name: str) -> Any:
    """Return ``owner.name`` or raise PatchError if moto no longer has it."""
    if not hasattr(owner, name):
        raise PatchError(
            f"moto_server.py: {getattr(owner, '__name__', owner)!r} has no "
            f"attribute {name!r} (moto {moto.__version__}); patch needs updating"
        )
    return getattr(owner, name)


def wrap(owner: Any, name: str, make_wrapper: Callable[[Any], Any]) -> None:
    """Replace ``owner.name`` with ``make_wrapper(original)``, loudly."""
    original = require(owner, name)
    wrapper = make_wrapper(original)
    functools.update_wrapper(wrapper, original)
    setattr(owner, name, wrapper)


def add(owner: Any, name: str, func: Callable[..., Any]) -> None:
    """Add a new method; raise if moto already grew one (re-check the patch)."""
    if name in vars(owner):
        raise PatchError(
            f"moto_server.py: {owner.__name__}.{name} already exists in moto "
            f"{moto.__version__}; check whether this patch is still needed"
        )
    func.__name__ = name
    setattr(owner, name, func)
