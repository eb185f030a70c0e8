"""The real server, run by `screening demo` as a subprocess on a free port.

It is started as an operator would start it (`python -m screening.cli
serve`), found by its startup line (a JSON event with the port it got), asked
over gRPC, and stopped with SIGTERM as a supervisor stops it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

STARTUP_SECONDS = 60  # a cold start on a busy machine; the demo's store is tiny
STOP_SECONDS = 15


class DemoServer:
    def __init__(self, config: Path):
        self._config = config
        self._log: list[str] = []
        self._process: subprocess.Popen | None = None
        self._channel = None
        self._stub = None
        self._drainer: threading.Thread | None = None

    def __enter__(self) -> "DemoServer":
        # Only the demo's config: SCREENING_* variables of this shell (a TLS
        # certificate, another database) must not reach the demo server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "screening.cli", "serve", "--config", str(self._config),
             "--listen", "127.0.0.1:0", "--metrics-listen", ""],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, env=env)
        try:
            port = self._port()
            self._connect(port)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _port(self) -> int:
        deadline = time.monotonic() + STARTUP_SECONDS
        for line in self._process.stdout:
            self._log.append(line)
            event = _event(line)
            if event and event.get("event") == "started":
                # Keep reading its log, so that a chatty server never blocks on a full pipe.
                self._drainer = threading.Thread(target=self._drain, daemon=True)
                self._drainer.start()
                return int(event["port"])
            if time.monotonic() > deadline:
                break
        raise RuntimeError("the demo server did not start:\n" + "".join(self._log[-20:]))

    def _drain(self) -> None:
        for line in self._process.stdout:
            self._log.append(line)

    def _connect(self, port: int) -> None:
        import grpc

        from screening.v1 import screening_pb2_grpc

        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self._channel).result(timeout=STARTUP_SECONDS)
        self._stub = screening_pb2_grpc.CallScreeningServiceStub(self._channel)

    def screen(self, call):
        from screening.v1 import screening_pb2 as pb

        request = pb.ScreenCallRequest(call_id=call.call_id, facility_id=call.facility, inmate_id=call.inmate,
                                       dialed_number=call.number, called_party_name=call.name,
                                       station_id="demo-kiosk")
        return self._stub.ScreenCall(request, timeout=10)

    def __exit__(self, *exc) -> None:
        if self._channel is not None:
            self._channel.close()
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # SIGTERM: the server drains and stops
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._drainer is not None:
            self._drainer.join(STOP_SECONDS)  # at the end of the server's output
        process.stdout.close()


def _event(line: str) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None
