"""A real Prometheus (Debian's package, beside promtool) scrapes a real
server with the deploy config, as the README says: the only change is the
target, from the compose stack's `screening:9464` to this server's metrics
port. The alert rules beside it load, and a screened call is in the scrape."""

import json
import re
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from tests.postgres_servers import free_port
from tests.programs import program

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"

pytestmark = pytest.mark.e2e


def test_prometheus_scrapes_the_server_and_loads_the_rules(start_server, tmp_path):
    prometheus = program("prometheus", "prometheus", "SCREENING_REQUIRE_PROMTOOL")
    server = start_server()
    assert server.screen("+6281234567890").decision  # one call for the scrape to count
    config = (DEPLOY / "prometheus.yml").read_text()
    assert 'targets: ["screening:9464"]' in config and "  - screening-alerts.yml" in config
    config = (config.replace('targets: ["screening:9464"]', f'targets: ["127.0.0.1:{server.metrics_port}"]')
              .replace("scrape_interval: 15s", "scrape_interval: 1s")
              .replace("  - screening-alerts.yml", f"  - {DEPLOY / 'screening-alerts.yml'}"))
    (tmp_path / "prometheus.yml").write_text(config)
    port = free_port()
    running = subprocess.Popen([prometheus, f"--config.file={tmp_path / 'prometheus.yml'}",
                                f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        denied = _until(port, 'screening_decisions_total{job="screening",decision="deny"}', running)
        rules = _api(port, "rules")["groups"]
    finally:
        running.terminate()
        running.wait(timeout=20)
    assert denied["value"][1] == "1"  # not on A-1's approved list
    loaded = {rule["name"] for group in rules for rule in group["rules"]}
    expected = set(re.findall(r"^\s*- alert: (\w+)$", (DEPLOY / "screening-alerts.yml").read_text(), re.M))
    assert loaded == expected and len(loaded) >= 10


def _until(port: int, query: str, running: subprocess.Popen) -> dict:
    """The query's one sample, once Prometheus has scraped it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert running.poll() is None, running.communicate()[1]
        try:
            result = _api(port, "query?query=" + urllib.parse.quote(query))["result"]
        except OSError:
            result = []
        if result:
            return result[0]
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never scraped {query}")


def _api(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/{path}", timeout=5) as response:
        return json.load(response)["data"]
