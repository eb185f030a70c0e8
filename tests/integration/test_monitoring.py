"""The alert rules and the Grafana dashboard in deploy/: valid for Prometheus
(real promtool), and about metrics the service really exports."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from screening.domain.engine import ScreeningEngine
from screening.domain.lists import Allowlist, ListSnapshot
from screening.domain.model import ScreenRequest
from screening.domain.policy import build_policy_set
from screening.adapters.grpc.auth import ClientMetrics
from screening.adapters.grpc.metrics_interceptor import GrpcServerMetrics
from screening.adapters.metrics import MeteredScreener, ScreeningMetrics
from screening.v1 import screening_pb2

from programs import program

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "screening-alerts.yml"
RULE_TESTS = DEPLOY / "prometheus" / "screening-alerts.test.yml"
DASHBOARD = DEPLOY / "grafana" / "screening-dashboard.json"
# Metrics Prometheus itself makes (not the service's).
PROMETHEUS_OWN = {"up"}
RULES_COUNT = 17


def promtool() -> str:
    return program("promtool", "prometheus", "SCREENING_REQUIRE_PROMTOOL")


def run_promtool(*args: str, cwd: Path) -> str:
    done = subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text("utf-8"))["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", ())]


def rule_expressions() -> list[str]:
    # Each `expr:` value, folded (`>-`) or on one line.
    text, found = RULES.read_text("utf-8"), []
    for match in re.finditer(r"^(\s+)expr: (>-\n)?(.*?)\n(?=\1\w)", text, re.M | re.S):
        found.append(" ".join(line.strip() for line in match.group(3).splitlines()))
    return found


def exported_metric_names() -> set[str]:
    """What a real metrics registry exports once calls of every outcome went through."""
    metrics = ScreeningMetrics()
    # The server's: the gRPC metrics, in the same registry, every method at zero.
    GrpcServerMetrics(metrics.registry).initialize(
        screening_pb2.DESCRIPTOR.services_by_name["CallScreeningService"])
    ClientMetrics(metrics.registry, [])  # who may ask: every reason at zero
    snapshot = ListSnapshot(3, Allowlist([("A-1", 6281234567890, 1, "")]))
    metrics.lists_loaded(snapshot, 0.01)
    metrics.reload_failed()
    screener = MeteredScreener(ScreeningEngine(build_policy_set(), snapshot), metrics)
    screener.screen(ScreenRequest(call_id="c-1", facility_id="LP-1", inmate_id="A-1", dialed_number="081234567890"))
    with pytest.raises(Exception):
        screener.screen(ScreenRequest(call_id="", facility_id="", inmate_id="", dialed_number=""))
    return {sample.name for family in metrics.registry.collect() for sample in family.samples}


def test_the_alert_rules_are_valid_and_their_unit_tests_pass():
    out = run_promtool("check", "rules", RULES.name, cwd=RULES.parent)
    assert f"SUCCESS: {RULES_COUNT} rules found" in out
    assert "SUCCESS" in run_promtool("test", "rules", RULE_TESTS.name, cwd=RULES.parent)


def test_every_alert_has_a_test_that_fires_it():
    alerts = re.findall(r"^\s+- alert: (\w+)$", RULES.read_text("utf-8"), re.M)
    tests = RULE_TESTS.read_text("utf-8")
    fired = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels", tests))
    assert len(alerts) == RULES_COUNT and set(alerts) == fired


def test_the_dashboard_queries_are_valid_promql(tmp_path):
    # promtool checks PromQL in rule files: each query becomes a recording rule.
    expressions = dashboard_expressions()
    rules = ["groups:", "  - name: dashboard", "    rules:"]
    for number, expr in enumerate(expressions):
        rules += [f"      - record: dashboard:query_{number}", f"        expr: {json.dumps(expr.replace('$instance', '.*'))}"]
    (tmp_path / "dashboard-rules.yml").write_text("\n".join(rules) + "\n")
    out = run_promtool("check", "rules", "dashboard-rules.yml", cwd=tmp_path)
    assert f"SUCCESS: {len(expressions)} rules found" in out


def test_alerts_and_dashboard_ask_only_for_metrics_the_service_exports():
    exported = exported_metric_names() | PROMETHEUS_OWN
    used = {name for expr in (*rule_expressions(), *dashboard_expressions())
            for name in re.findall(r"\b(?:screening|process|grpc_server)_[a-z_]+\b|\bup\b", expr)}
    assert len(rule_expressions()) == RULES_COUNT
    assert used - exported == set()
    # The dashboard shows every metric the service's own code defines.
    assert {name for name in exported if name.startswith(("screening_", "grpc_server_"))} - used <= {
        "grpc_server_handling_seconds_sum", "grpc_server_handling_seconds_count", "grpc_server_msg_received_total",
        *(f"grpc_server_{name}_created" for name in ("started", "handled", "handling_seconds", "msg_received",
                                                      "msg_sent")),
        "screening_screen_duration_seconds_sum", "screening_screen_duration_seconds_created",
        "screening_decisions_created", "screening_findings_created", "screening_request_errors_created",
        "screening_list_reloads_created", "screening_decisions_pruned_created",
        "screening_decision_log_write_seconds_sum", "screening_decision_log_write_seconds_count",
        "screening_decision_log_write_seconds_created", "screening_feed_events_created",
        "screening_feed_alerts_created", "screening_feed_dropped_subscribers_created",
        "screening_call_id_conflicts_created", "screening_client_denied_created"}


def test_the_dashboard_is_well_formed():
    dashboard = json.loads(DASHBOARD.read_text("utf-8"))
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        if panel["type"] != "row":
            assert panel["targets"] and panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert panel["description"], panel["title"]
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}
    assert variables == {"datasource", "instance"}
