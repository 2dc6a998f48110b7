"""Validation accepts what AWS accepts: published real-world definitions and the conformance set."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fastsfn.asl.validate import validate_definition

SHARED = Path(__file__).resolve().parents[2] / "shared"
REALWORLD = SHARED / "realworld"
CASES = SHARED / "conformance" / "cases"

# Files in the corpus that AWS itself rejects (fragments, templates filled in by code, typos),
# each with the diagnostic that shows why. They must still be rejected, for that reason.
AWS_INVALID = {
    "Cliento-ca+poc-stepfunction-workflow__state-machine__phase-state-machine.asl.json.json":
        ("MISSING_TRANSITION_TARGET", "nothing routes to GetSubWorkflows"),
    "PulasthiAberathne+step-function-update__testStep.json.json":
        ("MISSING_TRANSITION_TARGET", "catcher targets ReservationFallback, which is not defined"),
    "aws-samples+serverless-patterns__lambda-sfn-sls__statemachine__stateMachine.asl.yml.json":
        ("SCHEMA_VALIDATION_FAILED", "YAML 1.1 extraction turned the state names Yes/No into "
                                     "booleans (`Next: true`)"),
    "aws-samples+step-functions-workflows-collection__sfn-iot-data-analytics-dataset__"
    "statemachine__statemachine.asl.json.json":
        ("SCHEMA_VALIDATION_FAILED", "an ItemProcessor fragment: ProcessorConfig at the top level"),
    "aws-samples+step-functions-workflows-collection__shared-fallback-state-jsonata__"
    "statemachine__statemachine.asl.json.json":
        ("SCHEMA_VALIDATION_FAILED", "QueryLanguage misplaced inside States (a state that is a "
                                     "string)"),
    "aws-samples+the-aws-step-functions-workshop__content__module-5__step-4__index.pt.md.json":
        ("MISSING_TRANSITION_TARGET", "workshop exercise with **BLANK** to fill in"),
    "guyernest+step-functions-agent__docs__AGENT_REGISTRY_DESIGN.md.json":
        ("MISSING_TRANSITION_TARGET", "fragment from a design document"),
    "guyernest+step-functions-agent__lambda__tools__batch_processor__state_machine_definition"
    ".json.json":
        ("SCHEMA_VALIDATION_FAILED", "ItemReader/ResultWriter on an INLINE Map (the repository "
                                     "replaced it with state_machine_inline.json)"),
    "guyernest+step-functions-agent__step-functions__agent-with-tools-flow-template.json.json":
        ("MISSING_TRANSITION_TARGET", "template: tool states are added by code"),
    "guyernest+step-functions-agent__step-functions__dynamic-agent-template.json.json":
        ("SCHEMA_VALIDATION_FAILED", "template: \"Choices\": \"DYNAMIC_ROUTING_CHOICES\""),
    "guyernest+step-functions-agent__step-functions__supervisor-agent-flow-template.json.json":
        ("SCHEMA_VALIDATION_FAILED", "template: \"Choices\": [{}]"),
    "guyernest+step-functions-agent__step-functions__supervisor-with-agentcore.json.json":
        ("SCHEMA_VALIDATION_FAILED", "Arguments on a Map state (Map takes Items/ItemSelector)"),
    "guyernest+step-functions-agent__step-functions__web-search-agent.json.json":
        ("SCHEMA_VALIDATION_FAILED", "calls States.Default, which is not an intrinsic function"),
    "takyafumin+sample-aws-step-functions-scraping__docs__page_capture.md.json":
        ("MISSING_TRANSITION_TARGET", "fragment from a README"),
    "takyafumin+sample-aws-step-functions-scraping__docs__search_word_receiver.md.json":
        ("MISSING_TRANSITION_TARGET", "fragment from a README"),
}


def _realworld_files() -> list[Path]:
    if not REALWORLD.is_dir():
        return []
    return sorted(p for p in REALWORLD.glob("*.json") if p.name != "INDEX.json")


def _express() -> dict[str, bool]:
    index = REALWORLD / "INDEX.json"
    if not index.is_file():
        return {}
    return {e["file"]: bool(e.get("express")) for e in json.loads(index.read_text())}


def _cases() -> list[Path]:
    if not CASES.is_dir():
        return []
    out = []
    for p in sorted(CASES.glob("*.json")):
        features = json.loads(p.read_text()).get("features", [])
        if "JSONata" not in features and "Assign" not in features:
            out.append(p)
    return out


REALWORLD_FILES = _realworld_files()
EXPRESS = _express()
CASE_FILES = _cases()


def _aws_errors(definition, type: str):
    return [d for d in validate_definition(definition, type)
            if d.severity == "ERROR" and d.code != "UNSUPPORTED_FEATURE"]


@pytest.mark.parametrize("path", REALWORLD_FILES or [None], ids=lambda p: p.name if p else "none")
def test_realworld_definition_validates(path):
    if path is None:
        pytest.skip(f"real-world definitions not found at {REALWORLD}")
    type = "EXPRESS" if EXPRESS.get(path.name) else "STANDARD"
    found = _aws_errors(path.read_text(), type)
    if path.name in AWS_INVALID:
        code, why = AWS_INVALID[path.name]
        assert any(d.code == code for d in found), (why, found)
        return
    assert found == [], "\n".join(map(str, found))


@pytest.mark.parametrize("path", CASE_FILES or [None], ids=lambda p: p.stem if p else "none")
def test_conformance_definition_validates(path):
    if path is None:
        pytest.skip(f"conformance cases not found at {CASES}")
    case = json.loads(path.read_text())
    definition = case["definition"]
    text = definition if isinstance(definition, str) else json.dumps(definition)
    type = case.get("recorded", {}).get("workflow_type", "STANDARD")
    found = [d for d in validate_definition(text, type) if d.severity == "ERROR"]
    assert found == [], "\n".join(map(str, found))


def test_corpus_counts(report):
    """Adds the counts to the end-of-run summary."""
    if not REALWORLD_FILES and not CASE_FILES:
        pytest.skip(f"shared corpus not found at {SHARED}")
    clean = sum(
        1 for p in REALWORLD_FILES
        if not _aws_errors(p.read_text(), "EXPRESS" if EXPRESS.get(p.name) else "STANDARD"))
    unsupported = sum(
        1 for p in REALWORLD_FILES
        if any(d.code == "UNSUPPORTED_FEATURE" for d in validate_definition(p.read_text())))
    report(f"validate: real-world {clean}/{len(REALWORLD_FILES)} pass AWS checks "
           f"({len(AWS_INVALID)} known AWS-invalid, {unsupported} flagged UNSUPPORTED_FEATURE); "
           f"conformance {len(CASE_FILES)} JSONPath definitions checked")
