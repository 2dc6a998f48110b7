"""Ended executions' records handed to a local sink's shipper in C (`LocalLane`), and
through the Python path where the C one does not apply: every record once, in order."""
from __future__ import annotations

import json

import fastsfn
from fastsfn.logrecords import LineBatches

from .test_execution_logs import HANDLERS, ROLE, logging_config
from .test_line_batches import Dropped

CHOOSE = {"StartAt": "Check", "States": {
    "Check": {"Type": "Choice", "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 100, "Next": "TooBig"}], "Default": "Double"},
    "Double": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "Parameters": {"FunctionName": "double", "Payload.$": "$"},
               "OutputPath": "$.Payload", "End": True},
    "TooBig": {"Type": "Fail", "Error": "TooBig", "Cause": "n is over 100"},
}}


class Kept(Dropped):
    """A sink that keeps the lines it is given."""

    def __init__(self) -> None:
        self.lines: list[dict] = []

    def write_blocks(self, log_group_name: str, log_stream_name: str, blocks: list) -> None:
        self.lines += [json.loads(line) for line in b"".join(blocks).splitlines()]


def _machine(sink, data: bool = True):
    sfn = fastsfn.client(HANDLERS, log_sink=sink)
    arn = sfn.create_state_machine(name="m", definition=json.dumps(CHOOSE), roleArn=ROLE,
                                   type="EXPRESS", loggingConfiguration=logging_config(
                                       "ALL", data))["stateMachineArn"]
    return sfn, arn


def _by_execution(lines: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for line in lines:
        out.setdefault(line["execution_arn"], []).append(line)
    return out


def test_successful_executions_end_in_c_the_shipper_opened_with_the_machine(monkeypatch):
    sink = Kept()
    sfn, arn = _machine(sink)
    runtime = sfn.runtime
    assert runtime.logs.lane is not None and runtime.logs.lane.open   # before any execution
    python_ends = []
    slow = runtime._ended
    monkeypatch.setattr(runtime, "_ended", lambda execution, outcome: python_ends.append(
        outcome.status) or slow(execution, outcome))
    responses = [sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"n": n}))
                 for n in (1, 2, 300, 3, 4, 500, 5)]
    assert runtime.logs.lane is not None and runtime.logs.lane.open
    sfn.close()
    assert not runtime.logs.lane   # closed with its shipper
    # Only the failures (ERROR's records, made by the Python path) are not ended in C.
    assert python_ends == ["FAILED", "FAILED"]
    assert [r["status"] for r in responses] == ["SUCCEEDED", "SUCCEEDED", "FAILED",
                                                "SUCCEEDED", "SUCCEEDED", "FAILED", "SUCCEEDED"]
    records = _by_execution(sink.lines)
    assert list(records) == [r["executionArn"] for r in responses]   # in the order they ended
    for response in responses:
        lines = records[response["executionArn"]]
        assert [int(r["id"]) for r in lines] == list(range(1, len(lines) + 1))
        last = lines[-1]
        if response["status"] == "SUCCEEDED":
            assert last["type"] == "ExecutionSucceeded"
            assert json.loads(last["details"]["output"]) == json.loads(response["output"])
            assert json.loads(response["output"]) == {
                "n": 2 * json.loads(response["input"])["n"]}
        else:
            assert last["type"] == "ExecutionFailed"
            assert last["details"]["error"] == "TooBig"


def test_without_execution_data_the_output_is_still_answered():
    sink = Kept()
    sfn, arn = _machine(sink, data=False)
    outputs = [sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"n": n}))["output"]
               for n in range(5)]
    sfn.close()
    assert [json.loads(o) for o in outputs] == [{"n": 2 * n} for n in range(5)]
    assert [r["type"] for r in sink.lines].count("ExecutionSucceeded") == 5
    assert not any("output" in r["details"] for r in sink.lines)


def test_an_execution_ending_after_close_is_shipped_by_a_new_shipper():
    sink = Kept()
    sfn, arn = _machine(sink)
    runtime = sfn.runtime
    machine = runtime.machines[arn]
    sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 1}')   # opens the shipper
    execution = runtime.new_execution(machine, None, {"n": 7})   # made with the open lane
    lane = execution.lane
    assert lane is runtime.logs.lane
    runtime.logs.close()
    assert not lane.open
    assert runtime.run_sync(machine, execution).output == {"n": 14}
    sfn.close()
    records = _by_execution(sink.lines)
    assert [r["type"] for r in records[execution.execution_arn]][-1] == "ExecutionSucceeded"
    assert len(records) == 2


def test_a_block_refused_by_a_shipper_closed_meanwhile_goes_to_the_next():
    # A close in another thread can come between the lane's check and its put: the block it
    # had taken goes to the shipper opened next instead of being lost (or raising).
    sink = Kept()
    sfn = fastsfn.client(HANDLERS, log_sink=sink)
    sfn.runtime.logs._batches = LineBatches(1)   # each execution's lines a block at once
    arn = sfn.create_state_machine(name="m", definition=json.dumps(CHOOSE), roleArn=ROLE,
                                   type="EXPRESS", loggingConfiguration=logging_config("ALL")
                                   )["stateMachineArn"]
    first = sfn.runtime.logs.shipper
    first.close()   # as that other thread's close would have, the lane still open
    response = sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 3}')
    assert sfn.runtime.logs.shipper is not first
    sfn.close()
    lines = _by_execution(sink.lines)[response["executionArn"]]
    assert [int(r["id"]) for r in lines] == list(range(1, len(lines) + 1))
    assert lines[-1]["type"] == "ExecutionSucceeded"


class Batches:
    """A sink of PutLogEvents batches that keeps their messages."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    def put_log_events(self, log_group_name: str, log_stream_name: str, events: list) -> int:
        self.messages += [json.loads(message) for _, message in events]
        return 0

    def close(self) -> None:
        """Nothing to release."""


def test_records_refused_by_a_log_shipper_closed_meanwhile_go_to_the_next(tmp_path):
    sink = Batches()
    sfn = fastsfn.client(HANDLERS, log_sink=sink, log_spool=str(tmp_path))
    arn = sfn.create_state_machine(name="m", definition=json.dumps(CHOOSE), roleArn=ROLE,
                                   type="EXPRESS", loggingConfiguration=logging_config("ALL")
                                   )["stateMachineArn"]
    first = sfn.runtime.logs.shipper
    first.close()
    response = sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 3}')
    assert sfn.runtime.logs.shipper is not first
    sfn.close()
    types = [m["type"] for m in sink.messages if m["execution_arn"] == response["executionArn"]]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
