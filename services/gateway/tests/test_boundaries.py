"""The gateway depends on contracts, not on services: it imports no service's module, and the
command contracts it shares with the services import no service, no eventsourcing, no nameko."""
from pathlib import Path

from shared.tests.imports import imported

ROOT = Path(__file__).resolve().parents[3]
GATEWAY = ROOT / "services" / "gateway"
COMMANDS = ROOT / "shared" / "contracts" / "commands"


def offending(folder: Path, allowed) -> set[str]:
    return {f"{path.relative_to(ROOT)}: {name}" for path in folder.rglob("*.py") if "tests" not in path.parts
            for name in imported(path) if not allowed(name)}


def test_the_gateway_imports_no_service_but_itself():
    def allowed(name):
        parts = name.split(".")
        return parts[0] != "services" or parts[1:2] == ["gateway"]
    bad = offending(GATEWAY, allowed)
    assert not bad, bad


def test_the_command_contracts_import_no_service_and_no_framework():
    def allowed(name):
        return name.split(".")[0] not in ("services", "eventsourcing", "nameko", "eventlet", "kombu")
    bad = offending(COMMANDS, allowed)
    assert not bad, bad
