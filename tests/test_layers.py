"""No package imports one above it: launch -> ui, evals -> assistant -> ingest.

Every import counts, at the top of a module, inside a function or under `__main__`: a
hidden upward import is still a cycle waiting for the first refactor. Each module of each
package is read as source (nothing is imported or run), so a violation anywhere fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each package may import of the project's own packages (besides itself).
MAY_IMPORT: dict[str, set[str]] = {
    "ingest": set(),
    "assistant": {"ingest"},
    "evals": {"assistant", "ingest"},
    "ui": {"assistant", "ingest"},
    "launch": {"ui", "evals", "assistant", "ingest"},
}


def imported_packages(source: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def upward_imports(package: str) -> list[str]:
    others = set(MAY_IMPORT) - MAY_IMPORT[package] - {package}
    return [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, imported in imported_packages(path)
        if imported in others
    ]


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_no_package_imports_one_above_it(package):
    assert upward_imports(package) == []


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from launch.cli import app\n    import ui.app\n", encoding="utf-8")
    assert imported_packages(module) == [(2, "launch"), (3, "ui")]
