"""What a module imports, read with `ast` without running it: the boundary tests' one reader."""
import ast
from pathlib import Path


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # `from services import intake` names the service in its alias, not in its module
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names
