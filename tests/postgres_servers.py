"""Real PostgreSQL for the tests: a schema of its own on the shared server,
or a private cluster that a test may stop and start.

The shared server is SCREENING_TEST_POSTGRES (default: the local one, user
postgres, database test). A test that finds none skips, naming why, unless
SCREENING_REQUIRE_POSTGRES=1 (set by .ci/run), which makes it fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

SHARED = os.environ.get("SCREENING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
_BIN = Path("/usr/lib/postgresql/15/bin")


def unavailable(why: str):
    """Skip (or fail, where PostgreSQL is required) because there is none."""
    message = f"PostgreSQL is not available: {why}"
    if os.environ.get("SCREENING_REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (SCREENING_REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(message + "; set SCREENING_TEST_POSTGRES to a server's URL to run these tests")


def connect(url: str = SHARED):
    """An autocommit connection, or a skip naming why there is none."""
    try:
        import psycopg
    except ImportError as error:
        unavailable(f"psycopg is not installed ({error})")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        unavailable(f"cannot connect to {url}: {str(error).strip()}")


def with_search_path(url: str, schema: str) -> str:
    """The URL with every session's search_path set to `schema`."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-c search_path={schema}')}"


class Schema:
    """A schema of its own on the shared server, and a URL whose sessions use it."""

    def __init__(self, base: str = SHARED):
        self.base = base
        self.name = f"t_{uuid.uuid4().hex[:16]}"
        self.admin = connect(base)
        # The name is made here, never from input; identifiers take no parameters.
        self.admin.execute(f'CREATE SCHEMA "{self.name}"')
        self.url = with_search_path(base, self.name)

    def drop(self) -> None:
        self.admin.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')
        self.admin.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateCluster:
    """A PostgreSQL cluster in a temporary folder, owned by the postgres user,
    on a port of its own: a test can stop it (the database goes away) and
    start it again."""

    def __init__(self):
        if not (_BIN / "initdb").exists() or shutil.which("runuser") is None:
            unavailable(f"no initdb in {_BIN} to start a private cluster")
        self.dir = Path(tempfile.mkdtemp(prefix="screening-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "--no-sync")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(["runuser", "-u", "postgres", "--", str(_BIN / tool), *args],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def wait_until_accepting(self, timeout: float = 30) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def destroy(self) -> None:
        if self.running():
            try:
                self.stop()
            except AssertionError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
