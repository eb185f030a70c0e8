"""A real Prometheus (Debian's package, beside promtool) scrapes a real
server with the deploy config, by the README's lines as written: the only
changes are this server's metrics port and a free port for Prometheus, and a
1 s scrape interval so the test does not wait 15 s. The alert rules beside
it load, and a screened call is in the scrape."""

import json
import re
import shlex
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from tests.postgres_servers import free_port
from tests.programs import program

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "prometheus"

pytestmark = pytest.mark.e2e


def readme_lines() -> list[str]:
    """The walkthrough's Prometheus block, a line each."""
    readme = (ROOT / "README.md").read_text("utf-8")
    [block] = [body for body in re.findall(r"^```sh\n(.*?)^```$", readme, re.S | re.M)
               if "prometheus --config.file" in body]
    return block.splitlines()


def test_prometheus_scrapes_the_server_and_loads_the_rules(start_server, tmp_path):
    prometheus = program("prometheus", "prometheus", "SCREENING_REQUIRE_PROMTOOL")
    server = start_server()
    assert server.screen("+6281234567890").decision  # one call for the scrape to count
    shutil.copytree(DEPLOY, tmp_path / "deploy" / "prometheus")
    config = tmp_path / "deploy" / "prometheus" / "prometheus.yml"
    config.write_text(config.read_text().replace("scrape_interval: 15s", "scrape_interval: 1s"))
    port = free_port()
    ours = {"127.0.0.1:9464": f"127.0.0.1:{server.metrics_port}", "127.0.0.1:9091": f"127.0.0.1:{port}"}
    copy, configure, start, query = (_ours(line, ours) for line in readme_lines())
    for line in (copy, configure):  # the README's own shell lines: mkdir, cp, sed
        subprocess.run(["bash", "-c", line], cwd=tmp_path, check=True, timeout=30)
    assert f'targets: ["127.0.0.1:{server.metrics_port}"]' in (tmp_path / "prom" / "prometheus.yml").read_text()
    program_name, *flags, background = shlex.split(start)
    assert (program_name, background) == ("prometheus", "&")
    running = subprocess.Popen([prometheus, *flags], cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        [curl, _silent, url] = shlex.split(query)
        assert curl == "curl" and url.startswith(f"127.0.0.1:{port}/api/v1/query?query=")
        denied = _until(port, url.split("query=", 1)[1] + '{job="screening",decision="deny"}', running)
        rules = _api(port, "rules")["groups"]
    finally:
        running.terminate()
        running.wait(timeout=20)
    assert denied["value"][1] == "1"  # not on A-1's approved list
    loaded = {rule["name"] for group in rules for rule in group["rules"]}
    expected = set(re.findall(r"^\s*- alert: (\w+)$", (DEPLOY / "screening-alerts.yml").read_text(), re.M))
    assert loaded == expected and len(loaded) >= 10


def _ours(line: str, ours: dict[str, str]) -> str:
    for readme, here in ours.items():
        line = line.replace(readme, here)
    return line


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
