"""Executions' logs shipped to a CloudWatch Logs endpoint (moto's server) and read back
with boto3's `logs` client: every event, in order, shaped for its level; nothing lost when
the endpoint goes down in the middle of a run."""
from __future__ import annotations

import json
import threading
from collections import defaultdict

import pytest

import fastsfn

from .conftest import wait_until

ROLE = "arn:aws:iam::123456789012:role/test"

MACHINE = {"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "Check"},
    "Check": {"Type": "Choice", "Default": "Invoke",
              "Choices": [{"Variable": "$.n", "NumericLessThan": 0, "Next": "Negative"}]},
    "Negative": {"Type": "Fail", "Error": "Negative", "Cause": "n < 0"},
    "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "Parameters": {"FunctionName": "double", "Payload.$": "$"},
               "OutputPath": "$.Payload", "End": True},
}}
HANDLERS = {"double": lambda event, context: {"n": event["n"] * 2}}
SUCCEEDED = ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ChoiceStateEntered",
             "ChoiceStateExited", "TaskStateEntered", "TaskScheduled", "TaskStarted",
             "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]


def group_arn(name: str) -> str:
    return f"arn:aws:logs:us-east-1:123456789012:log-group:{name}:*"


def create(sfn, name: str, level: str, data: bool) -> str:
    return sfn.create_state_machine(
        name=name, definition=json.dumps(MACHINE), roleArn=ROLE, type="EXPRESS",
        loggingConfiguration={"level": level, "includeExecutionData": data, "destinations": [
            {"cloudWatchLogsLogGroup": {"logGroupArn": group_arn(f"/sfn/{name}")}}]},
    )["stateMachineArn"]


def records(server, group: str) -> list[dict]:
    """Every message of the group (all streams), in stored order."""
    logs = server.logs_client()
    out, token = [], None
    while True:
        kwargs = {"logGroupName": group, **({"nextToken": token} if token else {})}
        page = logs.filter_log_events(**kwargs)
        for event in page["events"]:
            message = json.loads(event["message"])
            assert event["timestamp"] == int(message["event_timestamp"])
            assert event["logStreamName"].startswith(f"states/{group.rsplit('/', 1)[1]}/")
            out.append(message)
        token = page.get("nextToken")
        if not token:
            return out


def by_execution(found: list[dict]) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        runs[r["execution_arn"]].append(r)
    return runs


@pytest.mark.parametrize("data", [True, False])
def test_all_level_every_event_in_order(moto_server, tmp_path, data):
    name = f"all-{data}".lower()
    sfn = fastsfn.client(HANDLERS, log_sink=f"cloudwatch:{moto_server.url}",
                         log_spool=str(tmp_path))
    arn = create(sfn, name, "ALL", data)
    arns = [sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"n": i}))
            ["executionArn"] for i in range(5)]
    sfn.close()
    runs = by_execution(records(moto_server, f"/sfn/{name}"))
    assert sorted(runs) == sorted(arns)
    for i, arn in enumerate(arns):
        run = runs[arn]
        assert [r["type"] for r in run] == SUCCEEDED
        assert [r["id"] for r in run] == [str(k) for k in range(1, 12)]
        assert [r["previous_event_id"] for r in run] == ["0", "0"] + [str(k)
                                                                     for k in range(2, 11)]
        end = run[-1]["details"]
        if data:
            assert json.loads(end["output"]) == {"n": 2 * i}
            assert json.loads(run[1]["details"]["input"]) == {"n": i}
        else:
            assert end == {}
            assert all("input" not in r["details"] and "output" not in r["details"]
                       for r in run)


def test_error_level_logs_failures_only(moto_server, tmp_path):
    sfn = fastsfn.client(HANDLERS, log_sink=f"cloudwatch:{moto_server.url}",
                         log_spool=str(tmp_path))
    arn = create(sfn, "errors", "ERROR", False)
    ok = sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 1}')
    failed = sfn.start_sync_execution(stateMachineArn=arn, input='{"n": -1}')
    sfn.close()
    assert ok["status"] == "SUCCEEDED" and failed["status"] == "FAILED"
    found = records(moto_server, "/sfn/errors")
    assert [(r["id"], r["type"], r["execution_arn"]) for r in found] == [
        ("6", "FailStateEntered", failed["executionArn"]),
        ("7", "ExecutionFailed", failed["executionArn"]),
    ]
    assert found[0]["details"] == {"name": "Negative"}
    assert found[1]["details"] == {"error": "Negative", "cause": "n < 0"}


def test_endpoint_down_mid_run_every_event_arrives_once(own_moto_server, tmp_path):
    server = own_moto_server
    server.start()
    sfn = fastsfn.client(HANDLERS, log_sink=f"cloudwatch:{server.url}",
                         log_spool=str(tmp_path / "spool"))
    arn = create(sfn, "faults", "ALL", False)
    down = threading.Event()
    total = 3000

    def run() -> None:
        for i in range(total):
            if i == total // 3:
                down.wait()   # the rest runs while the endpoint refuses connections
            sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"n": i}))

    runner = threading.Thread(target=run)
    runner.start()
    logs = sfn.runtime.logs
    wait_until(lambda: logs.counters.get("shipped", 0) > 0, "a first shipped batch")
    server.stop()
    down.set()
    runner.join()
    wait_until(lambda: logs.counters.get("retried", 0) > 0, "a failed call after the stop")
    confirmed_before_restart = logs.counters["shipped"]
    server.start()   # a new moto process: its log groups and streams are gone
    sfn.close()
    counters = logs.counters
    assert counters["shipped"] == total * len(SUCCEEDED)
    assert counters["dropped"] == 0
    found = records(server, "/sfn/faults")
    assert len(found) == total * len(SUCCEEDED) - confirmed_before_restart
    seen = {(r["execution_arn"], r["id"]) for r in found}
    assert len(seen) == len(found)   # none twice
    # Executions that ran after the stop arrived whole, in order.
    runs = by_execution(found)
    whole = [run for run in runs.values() if run[0]["type"] == "ExecutionStarted"]
    assert len(whole) >= total - total // 3 - 1
    for run in whole:
        assert [r["type"] for r in run] == SUCCEEDED
