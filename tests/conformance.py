"""Runs the AWS-recorded conformance cases (../shared/conformance) and compares results.

The case format is described in that folder's README. A token in a recorded string
(`<uuid:1>`, `date`, ...) matches any non-empty text; everything else must be equal.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastsfn.errors import DefinitionError
from fastsfn.runtime import Outcome, Runtime

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASES = SHARED / "conformance" / "cases"
HANDLERS = SHARED / "conformance" / "handlers.json"
NOT_JSONPATH = {"JSONata", "Assign", "Map:Distributed"}


@dataclass
class Verdict:
    """The result of one case: passed or not, and what differed."""

    case_id: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    number_kinds: list[str] = field(default_factory=list)  # int vs float differences


def load_cases() -> list[dict]:
    """Every case file, sorted by name."""
    return [json.loads(p.read_text()) for p in sorted(CASES.glob("*.json"))]


def is_jsonpath_case(case: dict) -> bool:
    """The cases issue 2 is judged on: not JSONata, Assign or Distributed Map."""
    return not (set(case["features"]) & NOT_JSONPATH)


def lambda_handlers() -> dict:
    """Handlers giving each recorded Lambda function the behaviour handlers.json describes."""
    spec = json.loads(HANDLERS.read_text())
    handlers = {}
    for name, fn in spec.items():
        handlers[name] = _make_handler(fn)
    return handlers


def _make_handler(fn: dict):
    behaviour = fn["behaviour"]
    if behaviour == "return-constant":
        value = fn["value"]
        return lambda event, context: json.loads(json.dumps(value))
    if behaviour == "echo-input":
        return lambda event, context: event
    if behaviour == "raise":
        error = type(fn["raise"]["errorType"], (Exception,), {})
        message = fn["raise"]["errorMessage"]

        def raise_(event, context):
            raise error(message)

        return raise_
    raise ValueError(f"unknown handler behaviour {behaviour!r}")


def run_case(case: dict, runtime: Runtime | None = None) -> Outcome:
    """Run one case as recorded (names from its `context`), with instant waits."""
    ctx = case.get("context") or {}
    runtime = runtime or Runtime(lambda_handlers(), ctx.get("region", "us-east-1"),
                                 ctx.get("account_id", "111111111111"), sleep_scale=0.0)
    kind = "EXPRESS" if case.get("recorded", {}).get("workflow_type") == "EXPRESS" else "STANDARD"
    machine = runtime.register(
        ctx.get("state_machine_name", "conformance"), json.dumps(case["definition"]),
        f"arn:aws:iam::{runtime.account_id}:role/conformance", kind)
    execution = runtime.new_execution(machine, ctx.get("execution_name"), case["input"])
    return runtime.run_sync(machine, execution)


def judge(case: dict, outcome: Outcome) -> Verdict:
    """Compare an outcome with the recorded result."""
    expected = case["expected"]
    verdict = Verdict(case["id"], True)
    patterns = _patterns(case)
    if outcome.status != expected["status"]:
        verdict.problems.append(
            f"status {outcome.status} != {expected['status']} "
            f"(error={outcome.error!r}, cause={str(outcome.cause)[:300]!r})")
    elif expected["status"] == "SUCCEEDED":
        _compare(expected["output"], outcome.output, "$.output", patterns, verdict)
    else:
        _compare(expected.get("error"), outcome.error, "$.error", patterns, verdict)
        exp_cause, got_cause = expected.get("cause"), outcome.cause
        cause_was_json = any(n.startswith("cause-was-json") for n in case.get("notes", ()))
        if cause_was_json and _lambda_error(exp_cause) \
                and _lambda_error(got_cause):
            _compare_lambda_errors(exp_cause, got_cause, "$.cause", verdict, same_style=False)
        else:
            _compare(exp_cause, got_cause, "$.cause", patterns, verdict)
    verdict.passed = not verdict.problems
    return verdict


def _patterns(case: dict) -> dict[str, re.Pattern | None]:
    """Placeholder path -> regex for its recorded string (None: any value at all)."""
    out: dict[str, re.Pattern | None] = {}
    for p in case.get("placeholders", ()):
        recorded, tokens = p["recorded"], p["tokens"]
        if recorded in tokens:
            out[p["path"]] = None
            continue
        regex = re.escape(recorded)
        for token in sorted(set(tokens), key=len, reverse=True):
            regex = regex.replace(re.escape(token), "(?s:.+)")
        out[p["path"]] = re.compile(regex, re.S)
    return out


def _lambda_error(text: Any) -> dict | None:
    """A Lambda error JSON text, parsed; None for anything else."""
    if not isinstance(text, str) or not text.startswith('{"errorMessage"'):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "errorType" in value else None


def _compare_lambda_errors(exp: str, got: str, path: str, verdict: Verdict,
                           same_style: bool = True) -> None:
    """Lambda error JSON: message, type and layout exact; requestId and stackTrace are the
    runtime's own, so only their types are compared (the issue's "compare loosely")."""
    e, g = _lambda_error(exp), _lambda_error(got)
    if g is None or list(e) != list(g):
        verdict.problems.append(f"{path}: {got!r} is not a Lambda error like {exp!r}")
        return
    for k in ("errorMessage", "errorType"):
        if e.get(k) != g.get(k):
            verdict.problems.append(f"{path}.{k}: expected {e.get(k)!r}, got {g.get(k)!r}")
    if not isinstance(g.get("requestId"), str) or not isinstance(g.get("stackTrace"), list):
        verdict.problems.append(f"{path}: requestId/stackTrace malformed in {got!r}")
    if same_style and ('": "' in exp) != ('": "' in got):
        verdict.problems.append(f"{path}: JSON layout differs: {got[:60]!r} vs {exp[:60]!r}")


def _compare(exp: Any, got: Any, path: str, patterns: dict, verdict: Verdict,
             key: str | None = None) -> None:
    if _lambda_error(exp) is not None:
        _compare_lambda_errors(exp, got, path, verdict)
        return
    if path in patterns:
        pattern = patterns[path]
        if pattern is None or (isinstance(got, str) and pattern.fullmatch(got)):
            return
        verdict.problems.append(f"{path}: {got!r} does not match {pattern.pattern!r}")
        return
    if isinstance(exp, str) and key is not None and exp == key and got is not None:
        return  # LocalStack masked this value with its key name (e.g. X-Amzn-Trace-Id)
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            verdict.problems.append(f"{path}: expected an object, got {_short(got)}")
            return
        if set(exp) != set(got):
            verdict.problems.append(
                f"{path}: keys {sorted(got)} != {sorted(exp)}")
        for k in exp:
            if k in got:
                _compare(exp[k], got[k], f"{path}.{k}", patterns, verdict, k)
        return
    if isinstance(exp, list):
        if not isinstance(got, list) or len(got) != len(exp):
            verdict.problems.append(f"{path}: expected {_short(exp)}, got {_short(got)}")
            return
        for i, (e, g) in enumerate(zip(exp, got)):
            _compare(e, g, f"{path}[{i}]", patterns, verdict)
        return
    if isinstance(exp, bool) or isinstance(got, bool) or exp is None or got is None:
        if exp is not got and exp != got or type(exp) is not type(got):
            verdict.problems.append(f"{path}: expected {_short(exp)}, got {_short(got)}")
        return
    if isinstance(exp, (int, float)) and isinstance(got, (int, float)):
        if exp != got:
            verdict.problems.append(f"{path}: expected {exp!r}, got {got!r}")
        elif type(exp) is not type(got):
            verdict.number_kinds.append(f"{path}: expected {exp!r}, got {got!r}")
        return
    if exp != got:
        verdict.problems.append(f"{path}: expected {_short(exp)}, got {_short(got)}")


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) < 300 else text[:300] + "..."


def run_and_judge(case: dict) -> Verdict:
    """Run a case and judge it; an unsupported or invalid definition is a failed verdict."""
    try:
        outcome = run_case(case)
    except DefinitionError as e:
        return Verdict(case["id"], False, [f"definition rejected: {e}"])
    return judge(case, outcome)
