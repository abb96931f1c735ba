"""The package layout by stage: no module imports a stage above its own (see docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
BASE = {"errors", "types", "settings"}
# what each part may import besides itself; a part not named here may import nothing of ours
ALLOWED = {
    "errors": set(),
    "types": set(),
    "settings": {"errors"},
    "text": {"errors", "types"},
    "runtime": {"errors", "settings"},
    "search": BASE | {"text", "runtime"},
    "ingest": BASE | {"text", "runtime", "search"},
    "answer": BASE | {"text", "runtime"},
    "pipeline": BASE | {"text", "runtime", "search", "ingest", "answer"},
    "evaluation": BASE | {"text", "runtime", "search", "ingest", "answer", "pipeline"},
    "serve": BASE | {"text", "runtime", "search", "ingest", "answer", "pipeline", "evaluation"},
    "__init__": BASE | {"pipeline", "search"},
    "__main__": {"serve"},
}


def _part(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported(path: Path) -> set[str]:
    """The top-level parts of `assistant` that a module imports, at any depth of its code."""
    parts = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative imports would hide the direction; the layout uses none
                parts.add(f"relative import in line {node.lineno}")
            elif node.module == "assistant":
                parts |= {a.name for a in node.names}
            elif node.module and node.module.startswith("assistant."):
                parts.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            parts |= {a.name.split(".")[1] for a in node.names if a.name.startswith("assistant.")}
    return parts


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_upward(path):
    part = _part(path)
    assert part in ALLOWED, f"{part} is a new part of the package: give it a place in ALLOWED"
    wrong = _imported(path) - ALLOWED[part] - {part}
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}, above its stage"


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from assistant.pipeline import Assistant\nimport assistant.serve.ui\n")
    assert _imported(module) == {"pipeline", "serve"}


def test_every_package_says_what_it_owns_and_may_import():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        if init.parent != PACKAGE:
            assert "May import" in doc, f"{init.relative_to(PACKAGE)} lacks its import rule"
