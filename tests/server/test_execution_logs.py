"""`fastsfn serve --log-sink dir:PATH`: every event of every execution is on disk after SIGTERM;
`--log-sink stdout`: stdout holds the log lines and nothing else."""
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


def _run(server: Serve, executions: int) -> list[str]:
    """Create the logged machine and run it `executions` times; the execution ARNs."""
    try:
        raw = Raw(server.url)
        status, _, body = raw.call("CreateStateMachine", {
            "name": "logged", "definition": PASS, "roleArn": ROLE, "type": "EXPRESS",
            "loggingConfiguration": CONFIG})
        assert status == 200, body
        arn = body["stateMachineArn"]
        arns = []
        for n in range(executions):
            status, _, body = raw.call("StartSyncExecution", {
                "stateMachineArn": arn, "input": json.dumps({"n": n})})
            assert status == 200 and body["status"] == "SUCCEEDED", body
            arns.append(body["executionArn"])
    finally:
        assert server.stop() == 0, server.err
    return arns


def _each_whole_and_in_order(records: list[dict], arns: list[str]) -> None:
    """Every execution of `arns` has its four events, in order, and no other is there."""
    by_execution: dict[str, list[dict]] = {}
    for record in records:
        by_execution.setdefault(record["execution_arn"], []).append(record)
    assert sorted(by_execution) == sorted(arns)
    for events in by_execution.values():   # each execution whole and in order
        assert [e["type"] for e in events] == [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
        assert [e["id"] for e in events] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_shutdown_ships_every_event(tmp_path, workers):
    logs = tmp_path / "logs"
    arns = _run(Serve("--log-sink", f"dir:{logs}", "--workers", workers, "--data-dir",
                      str(tmp_path / "data")), EXECUTIONS)
    _each_whole_and_in_order([json.loads(line) for path in sorted(logs.glob("*/*.log"))
                              for line in path.read_text("utf-8").splitlines()], arns)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_stdout_sink_has_stdout_to_itself(tmp_path, workers):
    server = Serve("--log-sink", "stdout", "--workers", workers, "--data-dir",
                   str(tmp_path / "data"), ready_on_stderr=True)
    assert server.ready.startswith("fastsfn: serving on http://")
    arns = _run(server, 20)
    # Every line is a log record (the ready line and how to call went to stderr).
    _each_whole_and_in_order([json.loads(line) for line in server.out.splitlines()], arns)
