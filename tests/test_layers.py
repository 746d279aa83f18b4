"""The layers: the library (``enrich``) never imports the application (``flows``), and the API double
(``fakeapis``) depends on nothing of the library but its public configuration.

Checked on the source: no import statement anywhere in ``enrich/`` (module level or inside a function)
names ``flows``, and ``fakeapis/`` imports only the public modules below; and at run time: importing
every library module in a fresh interpreter loads no ``flows`` module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "enrich"
DOUBLE = ROOT / "fakeapis"
PUBLIC = {"enrich.config", "enrich.errors", "enrich.exitcodes", "enrich.redact"}
"""What the double may use of the library: the public configuration, its exceptions and exit codes."""


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_library_module_imports_the_app() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in imported_modules(path) if n.split(".")[0] == "flows")
        for path in sorted(LIBRARY.rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_library_loads_no_app_module() -> None:
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in LIBRARY.rglob("*.py")
        if path.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'flows' or m.startswith('flows.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == "[]"


def test_the_double_depends_only_on_the_public_configuration() -> None:
    used = {
        str(path.relative_to(ROOT)): sorted(
            n for n in imported_modules(path) if n.split(".")[0] in {"enrich", "flows"} and n not in PUBLIC
        )
        for path in sorted(DOUBLE.rglob("*.py"))
    }
    assert {k: v for k, v in used.items() if v} == {}
