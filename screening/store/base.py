"""The store: where the lists live, behind an interface any backend implements.

The engine never talks to a store; the reloader asks a store for a
ListSnapshot and swaps it in, and the CLI changes lists through it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from screening.domain.entries import AuditRecord, Change, Entry
from screening.domain.lists import ListSnapshot


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why."""


class EntryExists(StoreError):
    pass


class EntryNotFound(StoreError):
    pass


class Store(ABC):
    @abstractmethod
    def list_version(self) -> int:
        """Bumped by every change to any list."""

    @abstractmethod
    def snapshot(self) -> ListSnapshot:
        """Every list at one consistent version."""

    @abstractmethod
    def add(self, entry: Entry, change: Change) -> Entry:
        """Store a new entry; returns it with its id and audit fields.
        Raises EntryExists when an entry with the same key is there."""

    @abstractmethod
    def remove(self, entry_type: type, key: dict[str, str], change: Change) -> Entry:
        """Delete the entry of that type with that key (entry_type.KEY fields);
        returns what was deleted. Raises EntryNotFound."""

    @abstractmethod
    def entries(self, entry_type: type, **filters: str) -> Iterator[Entry]:
        """Entries of one list, oldest first, optionally filtered by equal fields."""

    @abstractmethod
    def history(self, limit: int = 100) -> list[AuditRecord]:
        """The newest changes, newest first."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
