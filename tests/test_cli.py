"""The `fastsfn` command: validate and execute."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fastsfn(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fastsfn.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_execute_bundled_example():
    result = fastsfn("execute", "examples/iot_ingest.asl.json", "--input-file",
                     "examples/iot_reading.json", "--handlers", "examples.iot_handlers:handlers")
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["status"] == "SUCCEEDED"
    output = json.loads(response["output"])
    assert output["deviceId"] == "sensor-17"
    assert output["enrichment"] == {"level": "alert", "site": "plant-a"}
    assert ":express:iot_ingest:" in response["executionArn"]


def test_execute_failure_exits_1(tmp_path):
    path = tmp_path / "fail.asl.json"
    path.write_text(json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail",
                                                                 "Error": "E"}}}))
    result = fastsfn("execute", str(path), "--input", "{}")
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == "E"


def test_execute_bad_input_is_clean_error(tmp_path):
    result = fastsfn("execute", "examples/iot_ingest.asl.json", "--input", "{oops")
    assert result.returncode == 1
    assert "InvalidExecutionInput" in result.stderr and "Traceback" not in result.stderr


def test_validate_ok_and_invalid(tmp_path):
    ok = fastsfn("validate", "examples/iot_ingest.asl.json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["result"] == "OK"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}))
    result = fastsfn("validate", str(bad))
    assert result.returncode == 1
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert diagnostics and all(d["severity"] == "ERROR" for d in diagnostics)
    assert any(d.get("location", "").startswith("/States/A") for d in diagnostics)
