"""deploy/compose.yaml and deploy/k8s/ run every process of shared/network.py as
network.py runs it: the same command and port, /health probed on that port, one
relay per service, and only environment variables the code actually reads."""
import re
from pathlib import Path

import pytest
import yaml

from shared import config
from shared.network import GATEWAY, WEB, specs

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# As in the image, which sets PEERNET_BIND_HOST=0.0.0.0 (the web pages' bind address is in their command).
PROCESSES = {spec.name: spec for spec in specs(port_base=8100, bind_host="0.0.0.0")}
RELAYS = [name for name in PROCESSES if name.endswith("-relay")]
SERVICES = list(config.SERVICES)

READS = re.compile(r"""(?:\benv|environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']|environ\[["']([A-Z][A-Z0-9_]*)["']\]""")


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
INSTANCES = {"intake": 2, "directory": 2, "matching": 1, "supervision": 2, "audit": 2}
SECRET_NAMES = re.compile(r"KEY|PASS|SECRET|COOKIE|AMQP_URI")


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
    assert sum(service.get("image", "").startswith("rabbitmq:3") for service in COMPOSE.values()) == 3


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
            annotations["prometheus.io/path"]) == ("true", str(spec.port), "/metrics")


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
    services = {doc["metadata"]["name"]: doc for doc in K8S if doc["kind"] == "Service"}
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
