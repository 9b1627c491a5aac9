"""One registry shape for every named, pluggable concept: pruning methods, network
kinds, reducers, tasks and figures.

Each concept's module keeps one :class:`Registry` and a decorator that builds the
record of a registered function and adds it::

    METHODS = Registry("method")

    def method(name, **options):
        def register(fn):
            METHODS.add(name, Method(name, fn, **options))
            return fn
        return register

and exposes ``names()`` and ``get(name)`` as ``METHODS.names`` and ``METHODS.get``. An
unknown name gets the same one-line error everywhere::

    ValueError: unknown method 'nosie'; known: 'noise', 'weight', 'uniform'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named records of one kind, in registration order.

    Parameters
    ----------
    what : str
        What a record is, as the one-line errors name it ("method", "network kind").
    """

    def __init__(self, what: str):
        self.what = what
        self._records: dict[str, T] = {}

    def add(self, name: str, record: T) -> T:
        """Register ``record`` under ``name``; a name registered twice is an error."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.what} name must be a non-empty string, got {name!r}")
        if name in self._records:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._records[name] = record
        return record

    def remove(self, name: str) -> None:
        """Unregister ``name`` (tests that register a temporary record)."""
        self.get(name)
        del self._records[name]

    def get(self, name: str) -> T:
        """The record of ``name``; a one-line ValueError naming the known names otherwise."""
        try:
            return self._records[name]
        except (KeyError, TypeError):
            known = ", ".join(map(repr, self._records)) or "none registered"
            raise ValueError(f"unknown {self.what} {name!r}; known: {known}") from None

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order."""
        return tuple(self._records)

    def items(self):
        return self._records.items()

    def __contains__(self, name: object) -> bool:
        return name in self._records

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)
