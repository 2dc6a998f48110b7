"""The bundled examples, and `make run`'s server printing a boto3 snippet and an AWS CLI
command that really work."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import fastsfn
from examples.handlers import handlers

from .serve_process import ROOT, Serve

EXAMPLES = ROOT / "examples"
AWS = shutil.which("aws", path=os.path.dirname(sys.executable)) or shutil.which("aws")


def _run(name, value):
    with fastsfn.client(handlers=handlers) as sfn:
        arn = sfn.create_state_machine(
            name=name, definition=(EXAMPLES / f"{name}.asl.json").read_text(),
            roleArn="arn:aws:iam::123456789012:role/example", type="EXPRESS")["stateMachineArn"]
        return sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps(value))


def _record(key, message):
    return {"partitionKey": key, "data": base64.b64encode(json.dumps(message).encode()).decode()}


def test_iot_example_enriches_a_hot_reading():
    result = _run("iot_ingest", json.loads((EXAMPLES / "iot_reading.json").read_text()))
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {
        "deviceId": "sensor-17", "temperature": 91.5, "timestamp": "2026-11-28T10:15:00Z",
        "tags": ["line-3", "boiler"], "enrichment": {"level": "alert", "site": "plant-a"}}


def test_stream_example_normalises_both_versions_and_skips_the_rest():
    result = _run("stream_transform", json.loads((EXAMPLES / "stream_batch.json").read_text()))
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"batchId": "batch-0001", "skipped": 1, "readings": [
        {"sensorId": "sensor-17", "temperature": 21.5, "timestamp": "2026-11-28T10:15:00Z",
         "site": "plant-a", "alert": False},
        {"sensorId": "sensor-40", "temperature": 84.0, "timestamp": "2026-11-28T10:15:01Z",
         "site": "plant-b", "alert": True}]}


def test_stream_example_quarantines_a_batch_it_cannot_enrich():
    batch = {"batchId": "batch-0002", "records": [
        _record("sensor-99", {"v": 1, "id": "sensor-99", "temp": 20.0, "ts": "t"})]}
    result = _run("stream_transform", batch)
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {
        "batchId": "batch-0002", "status": "QUARANTINED", "error": "UnknownSensor"}


def _block(text, header):
    """The indented block that follows the line containing `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if header in line) + 2
    end = next((i for i in range(start, len(lines)) if lines[i] and not lines[i][0].isspace()),
               len(lines))
    return textwrap.dedent("\n".join(lines[start:end])).strip()


@pytest.fixture(scope="module")
def make_run():
    """What `make run` starts: every example, every handler; and what it printed."""
    server = Serve("--definitions", "examples", "--handlers", "examples.handlers:handlers")
    printed = []
    while not printed or not printed[-1].lstrip().startswith("--input"):
        line = server.proc.stdout.readline()
        assert line, f"the server printed no AWS CLI command: {printed}"
        printed.append(line)
    yield server, "".join(printed)
    assert server.stop() == 0


def test_printed_boto3_snippet_runs_the_iot_example(make_run):
    server, printed = make_run
    code = _block(printed, "boto3")
    assert server.url in code and "inject_host_prefix=False" in code
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    status, output = out.stdout.split(" ", 1)
    assert status == "SUCCEEDED"
    assert json.loads(output)["enrichment"] == {"level": "alert", "site": "plant-a"}


@pytest.mark.skipif(AWS is None, reason="the AWS CLI is not installed")
def test_printed_aws_cli_command_runs_the_iot_example(make_run):
    _, printed = make_run
    command = _block(printed, "AWS CLI")
    assert "AWS_DISABLE_HOST_PREFIX_INJECTION=true" in command
    env = dict(os.environ, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               PATH=os.pathsep.join([os.path.dirname(AWS), os.environ.get("PATH", "")]))
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                         env=env, check=False)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"])["enrichment"] == {"level": "alert", "site": "plant-a"}
