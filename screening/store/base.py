"""The store: where the lists live, behind an interface any backend implements.

The engine never talks to a store; the reloader asks a store for a
ListSnapshot and swaps it in, and the CLI changes lists through it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator

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
    def import_entries(self, entry_type: type, rows: Iterable[tuple[int, Entry, str]], change: Change,
                       on_duplicate: Callable[[int, bool], None], finish: Callable[[int], dict | None]) -> int:
        """Add many entries of one list in ONE transaction: a bulk import.

        rows are (line number, entry, reason), read lazily; each entry is
        stored as created now, by change.actor, for its reason. An entry whose
        key is already there is not added: on_duplicate(line, in_file) is told
        whether an earlier row added it (in_file) or the list had it before.
        After the last row, finish(added) decides: the import's details,
        committed with one 'import' audit record and one list version, or None
        to change nothing. Returns how many entries were added, 0 when nothing
        was."""

    @abstractmethod
    def entries(self, entry_type: type, **filters: str) -> Iterator[Entry]:
        """Entries of one list, oldest first, optionally filtered by equal fields."""

    @abstractmethod
    def stream(self, entry_type: type) -> Iterator[Entry]:
        """Every entry of one list, oldest first, as one consistent read, one
        at a time: an export of millions never holds them all."""

    @abstractmethod
    def history(self, limit: int = 100) -> list[AuditRecord]:
        """The newest changes, newest first."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
