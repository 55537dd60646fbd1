"""The pages are a client of the public API: they import no service, and no nameko or eventlet."""
import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[1]
FORBIDDEN = ("services.intake", "services.directory", "services.matching", "services.supervision",
             "services.audit", "services.gateway", "nameko", "eventlet", "kombu")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_pages_import_no_service_and_no_bus():
    offending = {f"{path.relative_to(WEB)}: {name}" for path in WEB.rglob("*.py") if "tests" not in path.parts
                 for name in imported(path) if name.startswith(FORBIDDEN)}
    assert not offending, offending
