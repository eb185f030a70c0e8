"""deploy/compose.yml, validated offline: Debian's docker-compose resolves it
(`docker-compose config`), and what it resolves to agrees with the files it
mounts, the Dockerfile, the Prometheus config, the alert rules the monitoring
tests test, and the dashboard. No engine runs: nothing is started."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from programs import program
from test_monitoring import DASHBOARD, RULES, promtool

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yml"
SERVICES = {"postgres", "init", "screening", "prometheus", "grafana"}
# Variables the stack reads; unset here so the defaults are what is checked.
PASSWORDS = ("POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD")


def docker_compose() -> str:
    return program("docker-compose", "docker-compose", "SCREENING_REQUIRE_COMPOSE")


def yaml_loader() -> str:
    """The interpreter docker-compose runs on: Debian's package depends on
    python3-yaml, so it parses YAML even where the test venv has no PyYAML."""
    first = Path(docker_compose()).read_bytes()[:200].split(b"\n")[0].decode()
    assert first.startswith("#!") and "python" in first, f"docker-compose is not a Python script: {first!r}"
    return first[2:].strip()


def load_yaml(text: str):
    done = subprocess.run(
        [yaml_loader(), "-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
        input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def compose_config(**environment: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in PASSWORDS}
    env.update(environment)
    done = subprocess.run([docker_compose(), "-f", str(COMPOSE), "config"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return load_yaml(done.stdout)


@pytest.fixture(scope="module")
def config() -> dict:
    return compose_config()


def service(config: dict, name: str) -> dict:
    return config["services"][name]


def bind_mounts(svc: dict) -> dict[str, Path]:
    """Container path -> host path, for the mounts of host files."""
    mounts = {}
    for volume in svc.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("/"):
            mounts[target] = Path(source)
    return mounts


def published(svc: dict) -> dict[int, int]:
    """Container port -> host port ("127.0.0.1:3000:3000/tcp")."""
    ports = {}
    for port in svc.get("ports", []):
        parts = str(port).split("/")[0].split(":")
        ports[int(parts[-1])] = int(parts[-2])
    return ports


def listen_port(svc: dict, variable: str) -> int:
    return int(svc["environment"][variable].rsplit(":", 1)[1])


def test_the_stack_has_its_services(config):
    assert set(config["services"]) == SERVICES


def test_the_ports_are_published_where_the_readme_says(config):
    screening = service(config, "screening")
    assert published(screening) == {50051: 50051, 9464: 9464}
    assert published(service(config, "prometheus")) == {9090: 9090}
    assert published(service(config, "grafana")) == {3000: 3000}
    assert "ports" not in service(config, "postgres"), "the database stays on the stack's network"
    # The ports published are the ones the service listens on, and the image exposes.
    assert listen_port(screening, "SCREENING_LISTEN") == 50051
    assert listen_port(screening, "SCREENING_METRICS_LISTEN") == 9464
    exposed = re.search(r"^EXPOSE (.+)$", (ROOT / "Dockerfile").read_text("utf-8"), re.M).group(1)
    assert set(published(screening)) == {int(p) for p in exposed.split()}


def test_unauthenticated_grpc_is_published_on_the_loopback_only(config):
    screening = service(config, "screening")
    assert screening["environment"]["SCREENING_ALLOW_UNAUTHENTICATED"] == "true"
    hosts = {port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0] for port in screening["ports"]}
    assert hosts == {"127.0.0.1"}


def test_every_mounted_host_file_is_in_the_repository(config):
    mounted = 0
    for name, svc in config["services"].items():
        for target, source in bind_mounts(svc).items():
            assert source.is_file(), f"{name}: {source} (mounted at {target}) does not exist"
            assert source.is_relative_to(ROOT / "deploy"), f"{name}: {source} is outside deploy/"
            mounted += 1
        named = [v.split(":")[0] for v in svc.get("volumes", []) if not v.startswith("/")]
        assert set(named) <= set(config["volumes"]), f"{name}: undeclared volume in {named}"
    assert mounted == 5


def test_screening_runs_on_postgres_after_init(config):
    postgres, init, screening = (service(config, n) for n in ("postgres", "init", "screening"))
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["volumes"][0].split(":")[0] in config["volumes"]
    for svc in (init, screening):
        assert svc["build"]["context"] == str(ROOT)
        assert Path(svc["build"]["context"], svc["build"]["dockerfile"]) == ROOT / "Dockerfile"
        url = urlsplit(svc["environment"]["SCREENING_DATABASE"])
        assert url.scheme == "postgresql" and url.hostname == "postgres"
        assert url.username == postgres["environment"]["POSTGRES_USER"]
        assert url.path == "/" + postgres["environment"]["POSTGRES_DB"]
        assert url.password is None, "the password comes from PGPASSWORD, never the URL"
        assert svc["environment"]["PGPASSWORD"] == postgres["environment"]["POSTGRES_PASSWORD"]
    assert init["command"] == ["init"] and screening["command"] == ["serve"]
    assert init["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert screening["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert screening["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert screening["healthcheck"]["test"] == ["CMD", "screening", "health"]


def test_the_passwords_default_to_values_marked_for_change(config):
    assert "CHANGE-ME" in service(config, "postgres")["environment"]["POSTGRES_PASSWORD"]
    chosen = compose_config(POSTGRES_PASSWORD="s3cret", GRAFANA_ADMIN_PASSWORD="other")
    assert service(chosen, "postgres")["environment"]["POSTGRES_PASSWORD"] == "s3cret"
    assert service(chosen, "screening")["environment"]["PGPASSWORD"] == "s3cret"
    assert service(chosen, "init")["environment"]["PGPASSWORD"] == "s3cret"
    assert service(chosen, "grafana")["environment"]["GF_SECURITY_ADMIN_PASSWORD"] == "other"


def prometheus_config(config: dict) -> tuple[dict, dict[str, Path]]:
    mounts = bind_mounts(service(config, "prometheus"))
    return load_yaml(mounts["/etc/prometheus/prometheus.yml"].read_text("utf-8")), mounts


def test_prometheus_scrapes_screening_and_loads_the_tested_rules(config):
    prometheus, mounts = prometheus_config(config)
    [job] = prometheus["scrape_configs"]
    # The alert rules select job="screening" (ScreeningDown: up{job="screening"}).
    assert job["job_name"] == "screening" and 'job="screening"' in RULES.read_text("utf-8")
    [target] = [t for c in job["static_configs"] for t in c["targets"]]
    host, port = target.split(":")
    assert host in config["services"] and host == "screening"
    assert int(port) == listen_port(service(config, "screening"), "SCREENING_METRICS_LISTEN")
    # rule_files are relative to the config file's folder, in the container.
    [rules] = [str(Path("/etc/prometheus", f)) for f in prometheus["rule_files"]]
    assert mounts[rules] == RULES, "the rules Prometheus loads are not the ones test_monitoring tests"


def test_promtool_accepts_prometheus_as_mounted(config, tmp_path):
    """The container's /etc/prometheus holds only what is mounted: lay it out
    so, and promtool checks the config and the rule files it names."""
    _, mounts = prometheus_config(config)
    for target, source in mounts.items():
        copy = tmp_path / target.lstrip("/")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, copy)
    checked = subprocess.run([promtool(), "check", "config", "etc/prometheus/prometheus.yml"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 rule files found" in checked.stdout + checked.stderr


def grafana_provisioning(config: dict) -> tuple[list, list, dict[str, Path]]:
    mounts = bind_mounts(service(config, "grafana"))
    loaded = {target: load_yaml(source.read_text("utf-8")) for target, source in mounts.items()
              if target.startswith("/etc/grafana/provisioning/")}
    datasources = [d for t, f in loaded.items() if "/datasources/" in t for d in f["datasources"]]
    providers = [p for t, f in loaded.items() if "/dashboards/" in t for p in f["providers"]]
    return datasources, providers, mounts


def test_grafana_datasource_is_the_stacks_prometheus_and_the_dashboards_choice(config):
    [datasource], _, _ = grafana_provisioning(config)
    prometheus_port = next(iter(published(service(config, "prometheus"))))
    assert datasource["url"] == f"http://prometheus:{prometheus_port}"
    dashboard = json.loads(DASHBOARD.read_text("utf-8"))
    [variable] = [v for v in dashboard["templating"]["list"] if v["name"] == "datasource"]
    # A "datasource" variable lists the data sources of its plugin type and,
    # with none chosen, selects the default one: so ${datasource} becomes
    # this data source's uid, whatever the uid is.
    assert variable["type"] == "datasource" and variable["query"] == datasource["type"] == "prometheus"
    assert datasource["isDefault"] is True and not variable.get("current")
    if variable.get("regex"):
        assert re.search(variable["regex"], datasource["name"])
    uids = set(re.findall(r'"uid": "([^"]*)"', json.dumps(dashboard["panels"])))
    assert uids <= {"${datasource}", datasource["uid"]}, "a panel names a data source the stack does not provision"


def test_grafana_loads_the_dashboard_from_where_it_is_mounted(config):
    _, [provider], mounts = grafana_provisioning(config)
    assert provider["type"] == "file"
    folder = provider["options"]["path"]
    [dashboard] = [source for target, source in mounts.items() if Path(target).parent == Path(folder)]
    assert dashboard == DASHBOARD
