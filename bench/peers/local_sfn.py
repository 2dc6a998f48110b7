"""aws-local-stepfunctions (TypeScript, npm) under node, driven by `local_sfn.mjs`.

The package is installed on first use with `npm install --prefix bench/.node
aws-local-stepfunctions` (bench/.node/ is git-ignored). Task handlers are the JavaScript
twins in `handlers.mjs`, passed through `overrides.taskResourceLocalHandlers`; Retry waits are
zeroed with `overrides.retryIntervalOverrides` where fastsfn runs with `sleep_scale=0`.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterable

HERE = Path(__file__).resolve().parent
PREFIX = HERE.parent / ".node"
MODULES = PREFIX / "node_modules"
PACKAGE = "aws-local-stepfunctions"


def installed() -> bool:
    return (MODULES / PACKAGE / "package.json").exists()


def version() -> str:
    try:
        return json.loads((MODULES / PACKAGE / "package.json").read_text())["version"]
    except OSError:
        return "?"


def available(install: bool = False) -> str | None:
    """None when the engine can run here, else why not (installing it first if asked)."""
    if not shutil.which("node"):
        return "node is not installed"
    if installed():
        return None
    if not install:
        return f"{PACKAGE} is not installed in bench/.node (python3 -m bench.compare installs it)"
    if not shutil.which("npm"):
        return "npm is not installed"
    try:
        subprocess.run(["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund",
                        PACKAGE], check=True, capture_output=True, text=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        return f"npm install {PACKAGE} failed: {detail.strip().splitlines()[-1:]}"
    return None if installed() else f"npm install {PACKAGE} did not install it"


def run(workloads: Iterable[Any], duration: float = 0.0) -> dict[str, dict]:
    """Run each workload once (and time it for `duration` seconds); results by name."""
    job = {"duration": duration, "workloads": [
        {"name": w.name, "definition": w.definition, "input_text": w.input_text,
         "zero_retry_intervals": w.sleep_scale == 0.0} for w in workloads]}
    proc = subprocess.run(["node", str(HERE / "local_sfn.mjs")], input=json.dumps(job),
                          capture_output=True, text=True, check=False,
                          env={"LOCAL_SFN_MODULES": str(MODULES), "PATH": _path()})
    if proc.returncode != 0:
        raise RuntimeError(f"node failed: {proc.stderr.strip()[-2000:]}")
    return {line["name"]: line for line in map(json.loads, proc.stdout.splitlines())}


def _path() -> str:
    import os

    return os.environ.get("PATH", "")
