"""The pages are a client of the public API: they import no service, and no nameko or eventlet."""
from pathlib import Path

from shared.tests.imports import imported

WEB = Path(__file__).resolve().parents[1]
FORBIDDEN = ("services.intake", "services.directory", "services.matching", "services.supervision",
             "services.audit", "services.gateway", "nameko", "eventlet", "kombu")


def test_the_pages_import_no_service_and_no_bus():
    offending = {f"{path.relative_to(WEB)}: {name}" for path in WEB.rglob("*.py") if "tests" not in path.parts
                 for name in imported(path) if name.startswith(FORBIDDEN)}
    assert not offending, offending
