"""deploy/compose.yaml and deploy/k8s/ run every process of shared/network.py as
network.py runs it: the same command and port, /health probed on that port, one
relay per service, and only environment variables the code actually reads. Both are fit
for production: valid (the compose spec, Kubernetes' own schemas and CloudNativePG's),
pinned images, limits, a three-node broker, a database with a replica and backups,
disruption budgets, network policies, each secret defined once, nothing published
that should not be."""
import copy
import json
import re
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from shared import broker_users, config
from shared.network import GATEWAY, WEB, specs

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# As in the image, which sets PEERNET_BIND_HOST=0.0.0.0 (the web pages' bind address is in their command).
PROCESSES = {spec.name: spec for spec in specs(port_base=8100, bind_host="0.0.0.0")}
RELAYS = [name for name in PROCESSES if name.endswith("-relay")]
SERVICES = list(config.SERVICES)

# What the code reads: config.env(...), os.environ, and a service's declared settings (setting("NAME", ...)).
READS = re.compile(r"""(?:\benv|environ\.get|getenv|\bsetting)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
                   r"""|environ\[["']([A-Z][A-Z0-9_]*)["']\]""")


def variables_read(folder: Path, leave_out=()) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        if "tests" not in path.relative_to(ROOT).parts and path not in leave_out:
            names.update(a or b for a, b in READS.findall(path.read_text()))
    return names


# Development tokens are minted by the gateway (make token) and the web pages (development
# sign-in) alone: what that module reads is theirs, not every process's.
DEV_TOKENS = ROOT / "shared" / "dev_tokens.py"
SHARED_READS = (variables_read(ROOT / "shared", leave_out=(DEV_TOKENS,))
                | {f"PEERNET_STORE_{s.upper()}" for s in SERVICES})  # an f-string there
DEV_TOKEN_READS = variables_read(DEV_TOKENS.parent, leave_out=set((ROOT / "shared").rglob("*.py")) - {DEV_TOKENS})


def allowed(process: str) -> set[str]:
    """What the process reads: shared/ and its own service's package (a relay builds its service's Application)."""
    own = process if process in (GATEWAY, WEB) else process.removesuffix("-relay")
    extra = DEV_TOKEN_READS if process in (GATEWAY, WEB) else set()
    return SHARED_READS | extra | variables_read(ROOT / "services" / own)


def env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


# Two of each service where instances may share the work; matching's projection is in memory.
INSTANCES = {"intake": 2, "directory": 2, "matching": 1, "supervision": 2, "audit": 2, "notifications": 1}
# A URI with a password in it is a secret too: the broker's (AMQP_URI), the forgotten list's database.
SECRET_NAMES = re.compile(r"KEY|PASS|SECRET|COOKIE|AMQP_URI|FORGOTTEN_LIST")


def health_url(text: str) -> tuple[int, str]:
    found = re.search(r"http://[^/:'\"]+:(\d+)(/[^'\"\s]*)", text)
    assert found, f"no URL in {text!r}"
    return int(found.group(1)), found.group(2)


def test_the_variable_scan_sees_what_config_reads():
    assert {"AMQP_URI", "PEERNET_QUEUE_TYPE", "PEERNET_BIND_HOST", "POSTGRES_PASSWORD", "PEERNET_CIPHER_KEY"} <= SHARED_READS
    assert "PEERNET_JWT_SECRET" in allowed(GATEWAY) and "PEERNET_JWT_SECRET" not in allowed("intake")


# --- compose.yaml ------------------------------------------------------------------------

COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


@pytest.mark.parametrize("name", PROCESSES)
def test_compose_runs_each_process_as_network_py_does(name):
    spec, service = PROCESSES[name], COMPOSE[name]
    assert service["command"] == ["python", *spec.args]
    assert health_url(" ".join(service["healthcheck"]["test"])) == (spec.port, "/health")


@pytest.mark.parametrize("name", PROCESSES)
def test_compose_env_names_only_variables_the_process_reads(name):
    service = COMPOSE[name]
    names = set(service.get("environment", {}))
    for name_of_file in service.get("env_file", []):
        names |= set(env_file(DEPLOY / f"{name_of_file}.example"))
    assert names and names <= allowed(name), sorted(names - allowed(name))


@pytest.mark.parametrize("name", [*SERVICES, *RELAYS])
def test_compose_stores_in_postgres_and_queues_are_quorum(name):
    # A store per container (SQLite) would split a service's log between its instances.
    environment = COMPOSE[name]["environment"]
    assert environment["PEERNET_STORE"] == "postgres" and environment["PEERNET_QUEUE_TYPE"] == "quorum"


@pytest.mark.parametrize("path", sorted(DEPLOY.glob("*.env.example")), ids=lambda path: path.name)
def test_env_templates_hold_placeholders_never_secrets(path):
    secrets = {name: value for name, value in env_file(path).items() if SECRET_NAMES.search(name)}
    assert secrets and all("replace" in value.lower() for value in secrets.values()), secrets


def test_compose_runs_one_relay_per_service_two_of_most_services_and_a_three_node_broker():
    assert {COMPOSE[relay]["deploy"]["replicas"] for relay in RELAYS} == {1}
    assert {name: COMPOSE[name]["deploy"]["replicas"] for name in SERVICES} == INSTANCES
    assert sum(service.get("image", "").startswith("rabbitmq:") for service in COMPOSE.values()) == 3


# --- k8s/ ------------------------------------------------------------------------------

K8S = [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]
DEPLOYMENTS = {doc["metadata"]["name"]: doc for doc in K8S if doc["kind"] == "Deployment"}
ENV_SOURCES = {(doc["kind"], doc["metadata"]["name"]): set(doc.get("data") or doc.get("stringData"))
               for doc in K8S if doc["kind"] in ("ConfigMap", "Secret")}


def container(name: str) -> dict:
    (only,) = DEPLOYMENTS[name]["spec"]["template"]["spec"]["containers"]
    return only


def test_k8s_has_a_deployment_for_every_process_and_nothing_else():
    assert set(DEPLOYMENTS) == set(PROCESSES)


@pytest.mark.parametrize("name", PROCESSES)
def test_k8s_runs_each_process_as_network_py_does_and_probes_health_on_its_port(name):
    spec, running = PROCESSES[name], container(name)
    assert running["command"] == ["python", *spec.args]
    probes = {kind: running[kind] for kind in ("startupProbe", "readinessProbe", "livenessProbe") if kind in running}
    assert {"readinessProbe", "livenessProbe"} <= set(probes)
    assert {(probe["httpGet"]["path"], probe["httpGet"]["port"]) for probe in probes.values()} == {("/health", spec.port)}
    annotations = DEPLOYMENTS[name]["spec"]["template"]["metadata"]["annotations"]
    if name == WEB:  # the pages serve no /metrics: nothing to scrape
        assert not any(key.startswith("prometheus.io/") for key in annotations or {})
        return
    assert (annotations["prometheus.io/scrape"], annotations["prometheus.io/port"],
            annotations["prometheus.io/path"]) == ("true", str(spec.metrics_port or spec.port), "/metrics")


@pytest.mark.parametrize("name", PROCESSES)
def test_k8s_env_names_only_variables_the_process_reads(name):
    running = container(name)
    names = {variable["name"] for variable in running.get("env", [])}
    for source in running["envFrom"]:
        kind, ref = ("ConfigMap", source["configMapRef"]) if "configMapRef" in source else ("Secret", source["secretRef"])
        names |= ENV_SOURCES[(kind, ref["name"])]
    assert names <= allowed(name), sorted(names - allowed(name))


@pytest.mark.parametrize("relay", RELAYS)
def test_k8s_runs_exactly_one_relay_per_service_never_two_at_once(relay):
    deployment = DEPLOYMENTS[relay]["spec"]
    assert deployment["replicas"] == 1 and deployment["strategy"]["type"] == "Recreate"


def test_k8s_services_scale_out_but_matching_whose_projection_is_in_memory():
    assert {name: DEPLOYMENTS[name]["spec"]["replicas"] for name in SERVICES} == INSTANCES
    assert DEPLOYMENTS["matching"]["spec"]["strategy"]["type"] == "Recreate"


def test_k8s_queues_are_quorum_and_the_gateway_and_web_services_reach_their_ports():
    assert ENV_SOURCES[("ConfigMap", "peernet")] >= {"PEERNET_QUEUE_TYPE", "PEERNET_STORE"}
    configmap = next(doc for doc in K8S if doc["kind"] == "ConfigMap")
    assert configmap["data"]["PEERNET_QUEUE_TYPE"] == "quorum" and configmap["data"]["PEERNET_STORE"] == "postgres"
    services = {doc["metadata"]["name"]: doc for doc in K8S
                if doc["kind"] == "Service" and not doc["metadata"]["name"].startswith("peernet-rabbitmq")}
    assert set(services) == {GATEWAY, WEB}
    for name, service in services.items():
        assert service["spec"]["ports"][0]["targetPort"] == PROCESSES[name].port


def test_k8s_web_pages_reach_the_gateway_through_its_service():
    env = {variable["name"]: variable["value"] for variable in container(WEB)["env"]}
    assert env["PEERNET_GATEWAY_URL"] == f"http://{GATEWAY}"  # the gateway Service's port 80


def test_the_secret_template_holds_placeholders_never_secrets():
    values = {name: value for doc in K8S if doc["kind"] == "Secret" for name, value in doc["stringData"].items()
              if SECRET_NAMES.search(name)}
    assert values and all("REPLACE-ME" in value for value in values.values()), values


def test_kustomization_applies_every_manifest_but_the_secret_template():
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    manifests = {path.name for path in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml", "secret.template.yaml"}
    assert set(kustomization["resources"]) == manifests


def test_the_image_sets_only_variables_shared_reads():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert set(re.findall(r"\b(PEERNET_[A-Z_]+)=", dockerfile)) <= SHARED_READS


# --- fit for production ------------------------------------------------------------------

SCHEMAS = ROOT / "tests" / "schemas"  # vendored, with their sources in tests/schemas/README.md
COMPOSE_FILE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
RESOURCES = [doc for doc in K8S if doc["kind"] != "Kustomization"]
WORKLOADS = {doc["metadata"]["name"]: doc for doc in K8S if doc["kind"] in ("Deployment", "StatefulSet")}
CUSTOM = {("postgresql.cnpg.io/v1", "Cluster"): "cnpg-cluster-v1.json",
          ("postgresql.cnpg.io/v1", "ScheduledBackup"): "cnpg-scheduledbackup-v1.json",
          ("barmancloud.cnpg.io/v1", "ObjectStore"): "barmancloud-objectstore-v1.json"}
# The oldest Kubernetes still common and the newest the package knows.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
PINNED = re.compile(r"^[\w./-]+:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$")  # an exact version: no latest, no 3-management


def strict(schema):
    """A CRD schema that refuses unknown fields, as `kubectl apply --validate=strict` does."""
    schema = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node \
                    and not node.get("x-kubernetes-preserve-unknown-fields"):
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)
    close(schema)
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("doc", RESOURCES, ids=lambda doc: f"{doc['kind']}/{doc['metadata']['name']}")
def test_k8s_manifests_are_valid_kubernetes(doc, version):
    custom = CUSTOM.get((doc["apiVersion"], doc["kind"]))
    if custom:  # the operators' own CRD schemas: CloudNativePG 1.30, its Barman Cloud plugin 0.14
        jsonschema.validate(doc, strict(json.loads((SCHEMAS / custom).read_text())))
    else:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_compose_file_is_valid_by_the_compose_specification():
    jsonschema.validate(COMPOSE_FILE, json.loads((SCHEMAS / "compose-spec.json").read_text()))


def test_every_image_is_pinned_to_an_exact_version():
    images = {name: service["image"] for name, service in COMPOSE.items()}
    images |= {f"k8s {name}": container["image"] for name, workload in WORKLOADS.items()
               for container in workload["spec"]["template"]["spec"]["containers"] if container["image"] != "peernet"}
    images |= {f"k8s {doc['metadata']['name']}": doc["spec"]["imageName"] for doc in K8S if doc["kind"] == "Cluster"}
    assert {name: image for name, image in images.items() if not PINNED.match(image)} == {}
    # peernet's own image in k8s is the one kustomize names, at a version.
    (image,) = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())["images"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", image["newTag"])


def test_every_container_has_resource_requests_and_limits():
    for name, workload in WORKLOADS.items():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"]), name
    for name, service in COMPOSE.items():
        resources = service["deploy"]["resources"]
        assert {"cpus", "memory"} <= set(resources["limits"]) and resources["reservations"], name
    for database in [doc for doc in K8S if doc["kind"] == "Cluster"]:
        assert {"cpu", "memory"} <= set(database["spec"]["resources"]["limits"])


def test_rabbitmq_is_three_nodes_that_pause_a_minority_and_serve_quorum_queues():
    config = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "cluster_partition_handling = pause_minority" in config
    assert "rabbitmq_prometheus" in (DEPLOY / "rabbitmq" / "enabled_plugins").read_text()
    rabbit = WORKLOADS["peernet-rabbitmq"]
    assert rabbit["kind"] == "StatefulSet" and rabbit["spec"]["replicas"] == 3
    (configmap,) = [doc for doc in K8S if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "peernet-rabbitmq"]
    assert "cluster_partition_handling = pause_minority" in configmap["data"]["rabbitmq.conf"]
    assert "peer_discovery_backend = k8s" in configmap["data"]["rabbitmq.conf"]
    assert "rabbitmq_peer_discovery_k8s" in configmap["data"]["enabled_plugins"]
    assert ENV_SOURCES[("ConfigMap", "peernet")] >= {"PEERNET_QUEUE_TYPE"}


def test_the_management_ui_and_the_gateways_metrics_are_not_published():
    published = {name: service.get("ports", []) for name, service in COMPOSE.items()}
    assert {name for name, ports in published.items() if ports} == {GATEWAY, WEB, "prometheus", "grafana"}
    assert published[GATEWAY] == [f"{PROCESSES[GATEWAY].port}:{PROCESSES[GATEWAY].port}"]
    assert all(port.startswith("127.0.0.1:") for port in published["prometheus"] + published["grafana"])
    assert not any("15672" in str(port) for ports in published.values() for port in ports)
    service_ports = {port["port"] for doc in K8S if doc["kind"] == "Service" for port in doc["spec"]["ports"]}
    assert 15672 not in service_ports and PROCESSES[GATEWAY].metrics_port not in service_ports


def test_postgres_has_a_replica_and_backups():
    assert "pg_basebackup" in (DEPLOY / "postgres" / "replica.sh").read_text()
    assert {"postgres", "postgres-replica", "postgres-backup"} <= set(COMPOSE)
    assert "pg_dump" in (DEPLOY / "postgres" / "backup.sh").read_text()
    database = next(doc for doc in K8S if doc["kind"] == "Cluster" and doc["metadata"]["name"] == "peernet-db")
    assert database["spec"]["instances"] >= 2
    (archiver,) = [plugin for plugin in database["spec"]["plugins"] if plugin.get("isWALArchiver")]
    stores = {doc["metadata"]["name"] for doc in K8S if doc["kind"] == "ObjectStore"}
    assert archiver["parameters"]["barmanObjectName"] in stores
    (nightly,) = [doc for doc in K8S if doc["kind"] == "ScheduledBackup"]
    assert nightly["spec"]["cluster"]["name"] == database["metadata"]["name"]
    assert ENV_SOURCES[("ConfigMap", "peernet")] and \
        next(doc for doc in K8S if doc["kind"] == "ConfigMap")["data"]["POSTGRES_HOST"] == f"{database['metadata']['name']}-rw"


def pod_labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"]["labels"]


def selects(selector: dict, labels: dict) -> bool:
    for expression in selector.get("matchExpressions", []):
        if expression["operator"] != "In" or labels.get(expression["key"]) not in expression["values"]:
            return False
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def test_disruption_budgets_keep_every_process_that_runs_several_and_a_broker_majority():
    budgets = [doc["spec"] for doc in K8S if doc["kind"] == "PodDisruptionBudget"]
    for name, workload in WORKLOADS.items():
        covering = [budget for budget in budgets if selects(budget["selector"], pod_labels(workload))]
        if workload["spec"]["replicas"] > 1:  # one instance: a budget would only block drains
            (budget,) = covering
            assert budget.get("minAvailable", 0) >= 1 or budget.get("maxUnavailable") == 1, name
        else:
            assert covering == [], name
    (broker,) = [budget for budget in budgets if selects(budget["selector"], pod_labels(WORKLOADS["peernet-rabbitmq"]))]
    assert broker["maxUnavailable"] == 1  # two of three: the quorum queues keep their majority


def policies_for(labels: dict) -> list[dict]:
    return [doc["spec"] for doc in K8S if doc["kind"] == "NetworkPolicy" and selects(doc["spec"]["podSelector"], labels)]


def test_network_policies_deny_by_default_and_let_in_from_outside_only_to_the_gateway_and_the_pages():
    (deny,) = [doc["spec"] for doc in K8S if doc["kind"] == "NetworkPolicy" and doc["metadata"]["name"] == "default-deny"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for name, workload in WORKLOADS.items():
        open_to_all = [rule for policy in policies_for(pod_labels(workload)) for rule in policy.get("ingress", [])
                       if "from" not in rule]
        assert bool(open_to_all) == (name in (GATEWAY, WEB)), name


@pytest.mark.parametrize("name", [*SERVICES, *RELAYS])
def test_network_policies_let_services_and_relays_reach_the_broker_and_the_database_alone(name):
    destinations = set()
    for policy in policies_for(pod_labels(WORKLOADS[name])):
        for rule in policy.get("egress", []):
            assert "to" in rule, f"{name} may reach anywhere on {rule.get('ports')}"
            for peer in rule["to"]:
                destinations.add(json.dumps(peer["podSelector"], sort_keys=True))
    assert destinations == {json.dumps(selector, sort_keys=True) for selector in (
        {"matchLabels": {"k8s-app": "kube-dns"}},
        {"matchLabels": {"app.kubernetes.io/name": "rabbitmq"}},
        {"matchLabels": {"cnpg.io/cluster": "peernet-db"}},
        {"matchLabels": {"cnpg.io/cluster": "peernet-forgotten"}})}
    # In compose the same: the internal network, which has no way out and no published port.
    assert COMPOSE[name]["networks"] == ["internal"] and COMPOSE_FILE["networks"]["internal"]["internal"] is True


def test_each_secret_is_defined_once():
    # AMQP_URI once per broker user: the administrator's (the nodes') and each principal's, each its own user.
    keys = [key if key != "AMQP_URI" else doc["metadata"]["name"] for doc in K8S if doc["kind"] == "Secret"
            for key in doc["stringData"]]
    keys += [key for doc in K8S if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] in ("peernet-oidc",
                                                                                          "peernet-smtp")
             for key in doc["data"]]
    assert sorted(keys) == sorted(set(keys))
    names = [name if name != "AMQP_URI" else path.name for path in DEPLOY.glob("*.env.example")
             for name in env_file(path)]
    assert sorted(names) == sorted(set(names))
    users = [broker_users.credentials(env_file(path)["AMQP_URI"])[0] for path in DEPLOY.glob("amqp*.env.example")]
    users += [broker_users.credentials(doc["stringData"]["AMQP_URI"])[0] for doc in K8S
              if doc["kind"] == "Secret" and "AMQP_URI" in doc["stringData"]]
    assert len(users) == 2 * (len(broker_users.PRINCIPALS) + 1) and len(set(users)) == len(broker_users.PRINCIPALS) + 1
    # The broker's password is AMQP_URI's: no process or node is given it a second time.
    for doc in WORKLOADS.values():
        for container in doc["spec"]["template"]["spec"]["containers"]:
            given = {variable["name"] for variable in container.get("env", [])}
            assert not given & {"RABBITMQ_DEFAULT_PASS", "POSTGRES_PASSWORD"} or \
                all("valueFrom" in variable for variable in container["env"]
                    if variable["name"] in ("RABBITMQ_DEFAULT_PASS", "POSTGRES_PASSWORD"))


def test_prometheus_scrapes_every_process_at_its_metrics_port_and_grafana_is_provisioned():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (peernet,) = [job for job in config["scrape_configs"] if job["job_name"] == "peernet"]
    scraped = {(name, target["port"]) for target in peernet["dns_sd_configs"] for name in target["names"]}
    assert scraped == {(name, spec.metrics_port or spec.port) for name, spec in PROCESSES.items() if name != WEB}
    (rabbit,) = [job for job in config["scrape_configs"] if job["job_name"] == "rabbitmq"]
    assert rabbit["static_configs"][0]["targets"] == [f"rabbit{n}:15692" for n in (1, 2, 3)]
    mounts = {volume.split(":")[1] for volume in COMPOSE["grafana"]["volumes"] if volume.startswith("./")}
    assert mounts == {"/etc/grafana/provisioning", "/var/lib/grafana/dashboards"}
    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "peernet.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


# --- a broker user per process, and what issue 21 wires ---------------------------------------

def test_each_process_connects_to_the_broker_as_its_own_user():
    for name in PROCESSES:
        principal = broker_users.principal_of(name)
        compose_files = [f for f in COMPOSE[name].get("env_file", []) if f.startswith("amqp")]
        k8s_secrets = [source["secretRef"]["name"] for source in container(name)["envFrom"]
                       if "secretRef" in source and source["secretRef"]["name"].startswith("peernet-amqp")]
        if principal is None:  # the web pages never reach the broker
            assert compose_files == k8s_secrets == [], name
        else:
            assert compose_files == [f"amqp-{principal}.env"] and k8s_secrets == [f"peernet-amqp-{principal}"], name
    # The nodes' definitions are made from every user's file (compose) or Secret (k8s) and loaded at boot.
    mounted = {volume.split(":")[1] for volume in COMPOSE["broker-definitions"]["volumes"]}
    assert {f"/run/peernet/amqp/{principal}.env" for principal in broker_users.PRINCIPALS} <= mounted
    assert "load_definitions = /etc/rabbitmq/definitions/definitions.json" in (
        DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    assert all(COMPOSE[f"rabbit{n}"]["depends_on"]["broker-definitions"]["condition"] ==
               "service_completed_successfully" for n in (1, 2, 3))
    rabbit = WORKLOADS["peernet-rabbitmq"]["spec"]["template"]["spec"]
    (users,) = [volume for volume in rabbit["volumes"] if volume["name"] == "users"]
    projected = {source["secret"]["name"] for source in users["projected"]["sources"]}
    assert projected == {"peernet-amqp", *(f"peernet-amqp-{principal}" for principal in broker_users.PRINCIPALS)}
    (configmap,) = [doc for doc in K8S if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "peernet-rabbitmq"]
    assert "load_definitions = /etc/rabbitmq/definitions/definitions.json" in configmap["data"]["rabbitmq.conf"]


def test_the_definitions_tool_makes_every_user_from_the_env_files(tmp_path):
    users = tmp_path / "amqp"
    users.mkdir()
    for principal in broker_users.PRINCIPALS:
        (users / f"{principal}.env").write_text((DEPLOY / f"amqp-{principal}.env.example").read_text())
    out = tmp_path / "definitions.json"
    assert broker_users.main(["definitions", "--users", str(users), "--administrator",
                              str(DEPLOY / "amqp.env.example"), "--out", str(out)]) == 0
    made = json.loads(out.read_text())
    assert {user["name"] for user in made["users"]} == {"peernet", *(f"peernet-{p}" for p in broker_users.PRINCIPALS)}
    assert "replace-me" not in out.read_text()  # hashes, never the passwords
    assert {rule["user"] for rule in made["topic_permissions"] if rule["write"] == "^intake\\."} == {"peernet-intake"}


def test_the_forgotten_list_is_a_database_apart_for_every_service_and_relay_and_the_backup():
    assert env_file(DEPLOY / "forgotten.env.example")["PEERNET_FORGOTTEN_LIST"].startswith("postgresql://")
    for name in [*SERVICES, *RELAYS]:
        assert "forgotten.env" in COMPOSE[name]["env_file"] and \
            COMPOSE[name]["depends_on"]["forgotten-db"]["condition"] == "service_healthy"
        env = {variable["name"]: variable for variable in container(name)["env"]}
        assert env["PEERNET_FORGOTTEN_LIST"]["valueFrom"]["secretKeyRef"] == {"name": "peernet-forgotten-app",
                                                                           "key": "uri"}
    # Not the stores' database: a cluster (k8s) or a server (compose) of its own.
    clusters = {doc["metadata"]["name"] for doc in K8S if doc["kind"] == "Cluster"}
    assert clusters == {"peernet-db", "peernet-forgotten"}
    assert COMPOSE["forgotten-db"]["volumes"] != COMPOSE["postgres"]["volumes"]
    (cronjob,) = [doc for doc in K8S if doc["kind"] == "CronJob"]
    backup = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert {source["secretRef"]["name"] for source in backup["envFrom"] if "secretRef" in source} >= {
        "peernet-backup", "peernet-amqp-tools"}
    assert {variable["name"] for variable in backup["env"]} == {"POSTGRES_PASSWORD", "PEERNET_FORGOTTEN_LIST"}
    assert "backup.env" in COMPOSE["backup"]["env_file"] and "amqp-tools.env" in COMPOSE["backup"]["env_file"]


def test_notifications_reach_an_smtp_server_whose_password_is_a_secret():
    assert set(env_file(DEPLOY / "smtp.env.example")) == {f"PEERNET_SMTP_{name}" for name in (
        "HOST", "PORT", "STARTTLS", "USER", "PASSWORD", "FROM")}
    assert "smtp.env" in COMPOSE["notifications"]["env_file"]
    sources = {(kind, ref["name"]) for source in container("notifications")["envFrom"]
               for kind, ref in (("ConfigMap", source.get("configMapRef")), ("Secret", source.get("secretRef"))) if ref}
    assert {("ConfigMap", "peernet-smtp"), ("Secret", "peernet-smtp")} <= sources
    assert ENV_SOURCES[("Secret", "peernet-smtp")] == {"PEERNET_SMTP_PASSWORD"}
    assert "PEERNET_SMTP_PASSWORD" not in ENV_SOURCES[("ConfigMap", "peernet-smtp")]
