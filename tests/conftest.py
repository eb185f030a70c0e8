"""Fixtures that run the real thing: the CLI and the server as processes."""

import compileall
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

import screening
from screening.v1 import screening_pb2 as pb
from screening.v1 import screening_pb2_grpc

_LISTENING = re.compile(r"listening on [^ ]+:(\d+)")
_METRICS = re.compile(r"metrics on http://[^ ]+:(\d+)/metrics")


def pytest_sessionstart(session):
    """With PYTHONDONTWRITEBYTECODE set (as on this project's machines) every
    CLI and server process the tests start would compile the package from
    source again, about a third of a CLI command's start. Compiled once here:
    Python reads the cache even where it is told not to write one."""
    compileall.compile_dir(Path(screening.__file__).parent, quiet=1)


def pytest_collection_modifyitems(config, items):
    """`-m "not e2e"` must leave out every test that starts processes: each
    test under tests/e2e carries the marker, or the run stops here."""
    unmarked = sorted({item.nodeid.split("::")[0] for item in items
                       if "/e2e/" in item.nodeid.replace("\\", "/") and item.get_closest_marker("e2e") is None})
    if unmarked:
        raise pytest.UsageError("tests under tests/e2e without pytestmark = pytest.mark.e2e: " + ", ".join(unmarked))


def _environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
    env.update(extra)
    return env


@dataclass
class Cli:
    database: Path | str
    env: dict = field(default_factory=dict)
    cwd: Path | None = None

    def __call__(self, *args, check=True, input=None):
        """Run `screening ARGS` as a subprocess against this database."""
        result = subprocess.run(
            [sys.executable, "-m", "screening.cli", *args, "--database", str(self.database)],
            capture_output=True, text=True, env=_environment(**self.env), timeout=60, input=input, cwd=self.cwd,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"screening {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result


@pytest.fixture
def database(tmp_path):
    return tmp_path / "screening.db"


@pytest.fixture(scope="session")
def initialized(tmp_path_factory) -> Path:
    """A database and decision log as `screening init` makes them, once a run."""
    database = tmp_path_factory.mktemp("initialized") / "screening.db"
    Cli(database)("init")
    return database


@pytest.fixture
def cli(database, initialized):
    """The CLI on a database `screening init` made (no other command creates
    one): a copy of `initialized`, which is quicker than running it again."""
    for made, copy in ((initialized, database), (decision_log(initialized), decision_log(database))):
        shutil.copy2(made, copy)
    return Cli(database)


def decision_log(database: Path) -> Path:
    """Where the decision log of `database` is by default."""
    return database.with_name(f"{database.stem}-decisions{database.suffix}")


def startup_event(line: str) -> dict | None:
    """The server's startup line, as `serve` logs it by default (a JSON event)."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and event.get("event") == "started" else None


class ServerProcess:
    # How long a server may take to say it listens, and to exit after SIGTERM
    # (its grace_seconds is 5 by default); past either, the test fails with
    # every thread's stack (faulthandler on SIGABRT) rather than hanging.
    START_SECONDS = 30
    STOP_SECONDS = 15

    def __init__(self, database: Path, *args, env=None, command=None, stderr=subprocess.STDOUT):
        """stderr: merged into the log by default; a file keeps stdout (the JSON log lines) alone.
        Unauthenticated unless env says otherwise: most tests are not about who asks."""
        command = command or [sys.executable, "-m", "screening.cli", "serve"]
        env = {"SCREENING_ALLOW_UNAUTHENTICATED": "1", **(env or {})}
        self.process = subprocess.Popen(
            [*command, "--database", str(database), "--listen", "127.0.0.1:0",
             "--metrics-listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE, stderr=stderr, text=True,
            env=_environment(PYTHONFAULTHANDLER="1", **(env or {})),
        )
        self.log: list[str] = []
        self.port = self.metrics_port = 0
        # A thread reads the output, so a server that hangs silently before its
        # first line cannot block the test past its deadline.
        self._lines: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wait_listening(time.monotonic() + self.START_SECONDS)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = screening_pb2_grpc.CallScreeningServiceStub(self.channel)

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _wait_listening(self, deadline: float) -> None:
        while not self.port:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._abort()
                raise AssertionError(f"server did not start in {self.START_SECONDS} s:\n" + "".join(self.log))
            if line is None:
                self.process.wait()
                raise AssertionError("server exited before listening:\n" + "".join(self.log))
            self.log.append(line)
            if event := startup_event(line):
                self.port, self.metrics_port = event["port"], event["metrics_port"]
            # log_format = "text": the same lines, for people and grep.
            elif match := _METRICS.search(line):
                self.metrics_port = int(match[1])
            elif match := _LISTENING.search(line):
                self.port = int(match[1])

    def _abort(self) -> None:
        """SIGABRT (every thread's stack, by faulthandler), then SIGKILL; the output read."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGABRT)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drain()

    def _drain(self) -> None:
        self._reader.join(timeout=10)
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return
            if line is not None:
                self.log.append(line)

    def screen(self, number, inmate="A-1", facility="LP-CIPINANG", call_id=None, **fields):
        """One ScreenCall; a fresh call_id unless one is given (a retry)."""
        call_id = call_id or f"call-{uuid.uuid4().hex}"
        request = pb.ScreenCallRequest(call_id=call_id, facility_id=facility, inmate_id=inmate,
                                       dialed_number=number, **fields)
        return self.stub.ScreenCall(request, timeout=10)

    def stop(self, sig=signal.SIGTERM, timeout=None) -> tuple[int, str]:
        """Signal the server and wait for it to exit: (exit code, everything it
        printed). One that has not exited in time fails the test with its stacks."""
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(sig)
        timeout = self.STOP_SECONDS if timeout is None else timeout
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._abort()
            raise AssertionError(f"server did not exit within {timeout} s of signal {sig}:\n"
                                 + "".join(self.log)) from None
        self._drain()
        return self.process.returncode, "".join(self.log)


@pytest.fixture
def start_server(database):
    servers = []

    def start(*args, **kwargs):
        server = ServerProcess(database, *args, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def postgres_url():
    """A URL to a new, empty schema of its own on the shared PostgreSQL
    (tests/postgres_servers.py), dropped after the test."""
    from postgres_servers import Schema

    schema = Schema()
    yield schema.url
    schema.drop()


@pytest.fixture
def private_postgres():
    """A private PostgreSQL cluster a test may stop and start (tests/postgres_servers.py)."""
    from postgres_servers import PrivateCluster

    cluster = PrivateCluster()
    yield cluster
    cluster.destroy()
