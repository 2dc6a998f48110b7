"""`fastsfn serve --log-sink dir:PATH`: every event of every execution is on disk after SIGTERM."""
from __future__ import annotations

import json

import pytest

from .conftest import PASS, ROLE, Raw
from .serve_process import Serve

GROUP = "/aws/vendedlogs/states/logged-Logs"
CONFIG = {"level": "ALL", "includeExecutionData": True, "destinations": [
    {"cloudWatchLogsLogGroup": {"logGroupArn": f"arn:aws:logs:us-east-1:123456789012:"
                                               f"log-group:{GROUP}:*"}}]}
EXECUTIONS = 300


@pytest.mark.parametrize("workers", ["1", "2"])
def test_shutdown_ships_every_event(tmp_path, workers):
    logs = tmp_path / "logs"
    server = Serve("--log-sink", f"dir:{logs}", "--workers", workers, "--data-dir",
                   str(tmp_path / "data"))
    try:
        raw = Raw(server.url)
        status, _, body = raw.call("CreateStateMachine", {
            "name": "logged", "definition": PASS, "roleArn": ROLE, "type": "EXPRESS",
            "loggingConfiguration": CONFIG})
        assert status == 200, body
        arn = body["stateMachineArn"]
        arns = []
        for n in range(EXECUTIONS):
            status, _, body = raw.call("StartSyncExecution", {
                "stateMachineArn": arn, "input": json.dumps({"n": n})})
            assert status == 200 and body["status"] == "SUCCEEDED", body
            arns.append(body["executionArn"])
    finally:
        assert server.stop() == 0, server.err
    records = [json.loads(line) for path in sorted(logs.glob("*/*.log"))
               for line in path.read_text("utf-8").splitlines()]
    by_execution: dict[str, list[dict]] = {}
    for record in records:
        by_execution.setdefault(record["execution_arn"], []).append(record)
    assert sorted(by_execution) == sorted(arns)
    for events in by_execution.values():   # each execution whole and in order
        assert [e["type"] for e in events] == [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
        assert [e["id"] for e in events] == ["1", "2", "3", "4"]
