"""The 540 published definitions in ../shared/realworld compile and run without crashing.

Each runs once with a catch-all stub handler answering every Task (it echoes its input); the
execution must end in a status with an AWS error or succeed — never an exception escaping
the engine.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fastsfn.errors import DefinitionError
from fastsfn.runtime import Runtime
from tests.test_realworld_validate import AWS_INVALID

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
FILES = sorted(p for p in REALWORLD.glob("*.json") if p.name != "INDEX.json") \
    if REALWORLD.is_dir() else []
EXPRESS = {e["file"] for e in json.loads((REALWORLD / "INDEX.json").read_text())
           if e["express"]} if REALWORLD.is_dir() else set()


def _echo(event, context):
    return event


@pytest.mark.skipif(not FILES, reason=f"no real-world definitions at {REALWORLD}")
@pytest.mark.parametrize("path", FILES, ids=[p.name[:60] for p in FILES])
def test_realworld_definition_runs(path: Path):
    if path.name in AWS_INVALID:
        pytest.skip(f"AWS rejects this file too: {AWS_INVALID[path.name][1]}")
    runtime = Runtime({"*": _echo}, sleep_scale=0.0, max_seconds=5.0)
    kind = "EXPRESS" if path.name in EXPRESS else "STANDARD"
    try:
        machine = runtime.register("realworld", path.read_text(), "arn:aws:iam::123456789012:role/r", kind)
    except DefinitionError as e:
        # Only features fastsfn does not have yet may stop a published definition.
        assert {d.code for d in e.diagnostics} == {"UNSUPPORTED_FEATURE"}, e.diagnostics
        pytest.skip(f"not supported yet: {e.diagnostics[0].message}")
    execution = runtime.new_execution(machine, None, {})
    outcome = runtime.run_sync(machine, execution)
    assert outcome.status in ("SUCCEEDED", "FAILED", "TIMED_OUT")
    if outcome.status == "SUCCEEDED":
        json.dumps(outcome.output)
    else:
        # A Fail state may name no error (AWS reports null); anything else names one.
        assert outcome.error is None or (isinstance(outcome.error, str) and outcome.error)
        assert "internal error" not in (outcome.cause or ""), outcome.cause
