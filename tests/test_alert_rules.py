"""The alert rules (deploy/prometheus) pass `promtool test rules`, and every metric the rules and the
Grafana dashboards (deploy/grafana) use is one the code defines, or one of the few named below
that RabbitMQ, node-exporter or Prometheus itself exposes."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

import services.audit.metrics
import services.gateway.metrics
import shared.metrics

ROOT = Path(__file__).resolve().parent.parent
PROMETHEUS = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
RULES = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
DASHBOARDS = {path.name: json.loads(path.read_text()) for path in sorted((GRAFANA / "dashboards").glob("*.json"))}

# Not ours, each from its own documentation: RabbitMQ's rabbitmq_prometheus plugin (per-object
# metrics on, deploy/rabbitmq/rabbitmq.conf), node-exporter's filesystem collector, and
# Prometheus's own `up` of every scrape target.
EXTERNAL = {
    "rabbitmq_queue_messages", "rabbitmq_queue_messages_ready", "rabbitmq_queue_messages_unacked",
    "rabbitmq_queue_consumers", "rabbitmq_connections", "rabbitmq_disk_space_available_bytes",
    "rabbitmq_disk_space_available_limit_bytes", "rabbitmq_alarms_free_disk_space_watermark",
    "rabbitmq_process_resident_memory_bytes", "rabbitmq_resident_memory_limit_bytes",
    "node_filesystem_avail_bytes", "node_filesystem_size_bytes",
    "up",
}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
                "offset", "inf", "nan"}
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
            "gauge": ("",), "summary": ("", "_count", "_sum", "_created"), "info": ("_info",)}


def names_the_code_defines() -> set[str]:
    names = set()
    for holder in (vars(shared.metrics.Metrics), vars(services.gateway.metrics), vars(services.audit.metrics)):
        for metric in holder.values():
            if isinstance(metric, MetricWrapperBase):
                for family in metric.describe():
                    names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression: what is left once strings, label matchers, ranges,
    grouping clauses, functions, keywords and numbers are taken out."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set(re.findall(r"(?<![\w.$:])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()", expr))
    return names - PROMQL_WORDS


def rule_expressions() -> list[str]:
    return [rule["expr"] for group in RULES["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    found = []
    for dashboard in DASHBOARDS.values():
        for panel in dashboard["panels"]:
            found += [target["expr"] for target in panel.get("targets", [])]
        for variable in dashboard["templating"]["list"]:  # label_values(<metric>, <label>)
            found.append(re.fullmatch(r"label_values\((\w+),\s*\w+\)", variable["query"]["query"]).group(1))
    return found


def test_the_name_scan_finds_metrics_and_nothing_else():
    assert metric_names('sum by (service, source) (increase(peernet_dead_letters_total{service=~"$service"}[1h]))'
                        ) == {"peernet_dead_letters_total"}
    assert metric_names("histogram_quantile(0.99, sum by (le) (rate(a_bucket[$__rate_interval]))) / b > 14.4 * 0.01"
                        ) == {"a_bucket", "b"}
    assert {"peernet_dead_letters_total", "peernet_gateway_request_latency_seconds_bucket",
            "peernet_relay_lag_events"} <= names_the_code_defines()


@pytest.mark.parametrize("where, expressions", [("alerts.yml", rule_expressions()),
                                                 ("dashboards", dashboard_expressions())])
def test_every_metric_used_is_defined_by_the_code_or_named_as_external(where, expressions):
    recorded = {rule["record"] for group in RULES["groups"] for rule in group["rules"] if "record" in rule}
    known = names_the_code_defines() | EXTERNAL | recorded
    used = set().union(*(metric_names(expr) for expr in expressions))
    assert used and used <= known, sorted(used - known)


def test_the_alerts_cover_what_an_operator_must_hear_about():
    alerts = {rule["alert"]: rule["expr"] for group in RULES["groups"] for rule in group["rules"] if "alert" in rule}
    wanted = {"PeernetRelayLag": "peernet_relay_lag_events", "PeernetConsumerLag": "peernet_consumer_lag_events",
              "PeernetDeadLetter": "peernet_dead_letters_total", "PeernetGateway5xx": 'status=~"5.."',
              "PeernetLatencyBudgetFastBurn": "ratio_rate5m", "PeernetLatencyBudgetSlowBurn": "ratio_rate30m",
              "PeernetProcessDown": "up == 0", "PeernetDiskFilling": "node_filesystem_avail_bytes",
              "PeernetBrokerDiskAlarm": "rabbitmq_alarms_free_disk_space_watermark"}
    for alert, fragment in wanted.items():
        assert fragment in alerts[alert], alert


def test_dashboards_read_the_provisioned_datasource_and_cover_each_signal():
    (source,) = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert len({dashboard["uid"] for dashboard in DASHBOARDS.values()}) == len(DASHBOARDS)
    text = ""
    for dashboard in DASHBOARDS.values():
        for panel in dashboard["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == source["uid"] and panel["targets"], panel["title"]
        text += json.dumps(dashboard)
    for signal in ("peernet_gateway_request_latency_seconds_count", "histogram_quantile", "peernet_relay_lag_events",
                   "peernet_consumer_lag_events", "peernet_dead_letters_total", "rabbitmq_queue_messages",
                   'method=\\"ask_for_offers\\"', 'method=\\"accept\\"', "rabbitmq_connections"):
        assert signal in text, signal


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, ("promtool is missing: `make test` installs it (deploy/ensure-promtool.sh), "
                   "or run `apt-get install prometheus` (Debian's package provides promtool)")
    return found


def test_promtool_checks_the_rules_and_the_scrape_config():
    done = subprocess.run([promtool(), "check", "rules", "alerts.yml"], cwd=PROMETHEUS, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # The config names the rules where the container mounts them: check it with the rules beside it.
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    done = subprocess.run([promtool(), "check", "config", "--syntax-only", "prometheus.yml"], cwd=PROMETHEUS,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_test_rules_passes():
    done = subprocess.run([promtool(), "test", "rules", "alerts.test.yml"], cwd=PROMETHEUS,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr
