"""The backends the store contract runs on. Add a backend here and every
contract test runs on it too."""

import pytest

from screening.adapters.sqlite.store import SqliteStore


def _sqlite(tmp_path):
    path = tmp_path / "lists.db"
    return lambda: SqliteStore(path)


BACKENDS = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(BACKENDS))
def reopen(request, tmp_path):
    """Opens another store on the backend's database, as another process would."""
    opened = []

    def open_store():
        store = BACKENDS[request.param](tmp_path)()
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(reopen):
    return reopen()
