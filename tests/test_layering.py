"""Data flows one way: definition -> asl -> compiler -> _core; shells sit on the runtime.

Each stage may import only the stages below it (checked on the source, like a linter).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fastsfn"

# module (or package) -> fastsfn modules it must never import
FORBIDDEN = {
    "asl": {"compiler", "_core", "runtime", "resources", "_client", "cli", "machine"},
    "paths": {"asl", "compiler", "_core", "runtime", "resources", "_client", "cli", "machine"},
    "intrinsics": {"asl", "compiler", "_core", "runtime", "resources", "_client", "cli",
                   "machine"},
    "compiler": {"runtime", "resources", "_client", "cli", "machine"},
    "_core.pyx": {"asl", "compiler", "paths", "intrinsics", "runtime", "resources", "_client",
                  "cli", "machine"},
    "runtime.py": {"_client", "cli", "machine"},
    "lambdas.pyx": {"asl", "compiler", "paths", "intrinsics", "_core", "runtime", "_client",
                    "cli", "machine", "server"},
    "responses.pyx": {"_client", "cli", "machine", "server"},
    "resources.py": {"runtime", "_client", "cli", "machine"},
    "server": {"cli", "_core", "compiler", "asl"},
}


def _imports(path: Path) -> set[str]:
    if path.suffix == ".pyx":
        names = set()
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) > 1 and words[0] in ("import", "from", "cimport") \
                    and words[1].startswith("fastsfn."):
                names.add(words[1].split(".")[1])
        return names
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fastsfn"):
            parts = node.module.split(".")
            if len(parts) > 1:
                names.add(parts[1])
            else:
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("fastsfn."):
                    names.add(alias.name.split(".")[1])
    return names


@pytest.mark.parametrize("stage", sorted(FORBIDDEN))
def test_stage_imports_only_downward(stage):
    target = PACKAGE / stage
    files = sorted(target.glob("*.py")) if target.is_dir() else [target]
    assert files, f"nothing found for {stage}"
    for path in files:
        bad = _imports(path) & FORBIDDEN[stage]
        assert not bad, f"{path.name} imports {sorted(bad)}: data must flow one way"


def test_import_without_compiled_core_says_how_to_build(tmp_path):
    copy = tmp_path / "fastsfn"
    copy.mkdir()
    for path in PACKAGE.rglob("*.py"):
        dest = copy / path.relative_to(PACKAGE)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(path.read_text())
    # -S: no site-packages, so an installed (editable) fastsfn cannot shadow the copy.
    result = subprocess.run([sys.executable, "-S", "-c", "import fastsfn"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "make build" in result.stderr and "fastsfn._core" in result.stderr
