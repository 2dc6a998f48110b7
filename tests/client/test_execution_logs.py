"""Express execution logs: which events each level writes, their ids, shapes and streams.

Expected sequences come from AWS's documented and observed Express logs
(`express-runtime-reference.md` section 4) and from execution histories recorded on AWS.
"""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import fastsfn

ROLE = "arn:aws:iam::123456789012:role/test"
GROUP = "/aws/vendedlogs/states/m-Logs"
GROUP_ARN = f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}:*"


class Boom(Exception):
    """A handler's error; AWS names it after the exception's type."""


def _fail(event, context):
    raise Boom("it broke")


HANDLERS = {
    "double": lambda event, context: {"n": event["n"] * 2},
    "fail": _fail,
}


PASS_ONLY = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def logging_config(level: str, data: bool = True) -> dict:
    return {"level": level, "includeExecutionData": data,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": GROUP_ARN}}]}


def run(tmp_path: Path, definition: dict, level: str, data: bool = True,
        input: str = '{"n": 2}') -> tuple[dict, list[dict]]:
    """Run one execution through StartSyncExecution; its response and its log records."""
    sfn = fastsfn.client(HANDLERS, sleep_scale=0.0, log_sink=f"dir:{tmp_path}")
    arn = sfn.create_state_machine(
        name="m", definition=json.dumps(definition), roleArn=ROLE, type="EXPRESS",
        loggingConfiguration=logging_config(level, data))["stateMachineArn"]
    response = sfn.start_sync_execution(stateMachineArn=arn, input=input)
    sfn.close()
    return response, read_records(tmp_path)


def read_records(root: Path) -> list[dict]:
    lines = []
    for path in sorted(root.glob("*/*.log")):
        lines += path.read_text().splitlines()
    return [json.loads(line) for line in lines]


def sequence(records: list[dict]) -> list[tuple[str, str, str]]:
    return [(r["id"], r["previous_event_id"], r["type"]) for r in records]


PASS_TASK = {"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "Invoke"},
    "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "Parameters": {"FunctionName": "double", "Payload.$": "$"},
               "ResultSelector": {"n.$": "$.Payload.n"}, "End": True},
}}


class TestAllLevel:
    def test_pass_then_lambda_invoke_sequence(self, tmp_path):
        response, records = run(tmp_path, PASS_TASK, "ALL")
        assert response["status"] == "SUCCEEDED"
        assert sequence(records) == [
            ("1", "0", "ExecutionStarted"),
            ("2", "0", "PassStateEntered"),
            ("3", "2", "PassStateExited"),
            ("4", "3", "TaskStateEntered"),
            ("5", "4", "TaskScheduled"),
            ("6", "5", "TaskStarted"),
            ("7", "6", "TaskSucceeded"),
            ("8", "7", "TaskStateExited"),
            ("9", "8", "ExecutionSucceeded"),
        ]

    def test_record_fields(self, tmp_path):
        response, records = run(tmp_path, PASS_TASK, "ALL")
        for r in records:
            assert set(r) == {"id", "type", "details", "previous_event_id", "event_timestamp",
                              "execution_arn", "redrive_count"}
            assert r["execution_arn"] == response["executionArn"]
            assert ":express:m:" in r["execution_arn"]
            assert r["redrive_count"] == "0"
            assert re.fullmatch(r"\d{13}", r["event_timestamp"])
        stamps = [int(r["event_timestamp"]) for r in records]
        assert stamps == sorted(stamps)

    def test_timestamps_follow_the_time_a_task_takes(self, tmp_path):
        # Records made in one go may share a clock reading; one made after a handler ran
        # has the time it ended.
        def slow(event, context):
            time.sleep(0.05)
            return {"n": event["n"]}

        sfn = fastsfn.client({"slow": slow}, log_sink=f"dir:{tmp_path}")
        arn = sfn.create_state_machine(
            name="m", definition=json.dumps({"StartAt": "T", "States": {"T": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "slow", "Payload.$": "$"}, "End": True}}}),
            roleArn=ROLE, type="EXPRESS",
            loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
        before = time.time() * 1000
        sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 1}')
        after = time.time() * 1000
        sfn.close()
        stamps = {r["type"]: int(r["event_timestamp"]) for r in read_records(tmp_path)}
        assert before - 1 <= stamps["ExecutionStarted"] <= stamps["TaskStarted"] <= before + 500
        assert stamps["TaskStarted"] + 50 <= stamps["TaskSucceeded"] <= after + 1

    def test_details_with_execution_data(self, tmp_path):
        _, records = run(tmp_path, PASS_TASK, "ALL", input='{"n": 2, "x": "a b"}')
        started, entered, exited, _task_entered, scheduled, task_started, succeeded, \
            task_exited, done = (r["details"] for r in records)
        assert started == {"input": '{"n": 2, "x": "a b"}', "inputDetails": {"truncated": False},
                           "roleArn": ROLE}   # the input exactly as sent
        assert entered["name"] == "Prepare"
        assert json.loads(entered["input"]) == {"n": 2, "x": "a b"}
        assert entered["inputDetails"] == {"truncated": False}
        assert json.loads(exited["output"]) == {"n": 2}
        assert exited["outputDetails"] == {"truncated": False}
        assert scheduled["resourceType"] == "lambda" and scheduled["resource"] == "invoke"
        assert scheduled["region"] == "us-east-1"
        assert json.loads(scheduled["parameters"]) == {"FunctionName": "double",
                                                       "Payload": {"n": 2}}
        assert task_started == {"resourceType": "lambda", "resource": "invoke"}
        assert json.loads(succeeded["output"])["Payload"] == {"n": 4}
        assert json.loads(task_exited["output"]) == {"n": 4}
        assert json.loads(done["output"]) == {"n": 4}
        assert done["outputDetails"] == {"truncated": False}

    def test_without_execution_data_no_payloads(self, tmp_path):
        _, records = run(tmp_path, PASS_TASK, "ALL", data=False)
        details = {r["type"]: r["details"] for r in records}
        assert details["ExecutionStarted"] == {"roleArn": ROLE}
        assert details["PassStateEntered"] == {"name": "Prepare"}
        assert details["PassStateExited"] == {"name": "Prepare"}
        assert details["TaskScheduled"] == {"resourceType": "lambda", "resource": "invoke",
                                            "region": "us-east-1"}
        assert details["TaskSucceeded"] == {"resourceType": "lambda", "resource": "invoke"}
        assert details["ExecutionSucceeded"] == {}

    def test_bare_lambda_arn_logs_lambda_function_events(self, tmp_path):
        definition = {"StartAt": "T", "States": {"T": {
            "Type": "Task", "End": True,
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double"}}}
        _, records = run(tmp_path, definition, "ALL")
        assert [r["type"] for r in records] == [
            "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
            "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
            "ExecutionSucceeded"]
        scheduled = records[2]["details"]
        assert scheduled["resource"] == "arn:aws:lambda:us-east-1:123456789012:function:double"
        assert json.loads(scheduled["input"]) == {"n": 2}
        assert json.loads(records[4]["details"]["output"]) == {"n": 4}

    def test_caught_task_failure(self, tmp_path):
        definition = {"StartAt": "Start", "States": {
            "Start": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                      "Parameters": {"FunctionName": "fail", "Payload.$": "$"},
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}],
                      "End": True},
            "Handler": {"Type": "Pass", "End": True}}}
        response, records = run(tmp_path, definition, "ALL")
        assert response["status"] == "SUCCEEDED"
        assert sequence(records) == [   # as AWS records a caught Lambda error
            ("1", "0", "ExecutionStarted"),
            ("2", "0", "TaskStateEntered"),
            ("3", "2", "TaskScheduled"),
            ("4", "3", "TaskStarted"),
            ("5", "4", "TaskFailed"),
            ("6", "5", "TaskStateExited"),
            ("7", "6", "PassStateEntered"),
            ("8", "7", "PassStateExited"),
            ("9", "8", "ExecutionSucceeded"),
        ]
        failed = records[4]["details"]
        assert failed["error"] == "Boom"
        assert json.loads(failed["cause"])["errorMessage"] == "it broke"
        assert json.loads(records[5]["details"]["output"])["Error"] == "Boom"

    def test_retry_schedules_again_after_the_failure(self, tmp_path):
        definition = {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "fail", "Payload.$": "$"},
            "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1, "IntervalSeconds": 1}],
            "End": True}}}
        response, records = run(tmp_path, definition, "ALL")
        assert response["status"] == "FAILED"
        assert sequence(records) == [
            ("1", "0", "ExecutionStarted"),
            ("2", "0", "TaskStateEntered"),
            ("3", "2", "TaskScheduled"),
            ("4", "3", "TaskStarted"),
            ("5", "4", "TaskFailed"),
            ("6", "5", "TaskScheduled"),
            ("7", "6", "TaskStarted"),
            ("8", "7", "TaskFailed"),
            ("9", "8", "ExecutionFailed"),   # no TaskStateExited when the error is not caught
        ]
        assert records[-1]["details"]["error"] == "Boom"

    def test_map_iterations(self, tmp_path):
        definition = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "End": True,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
        _, records = run(tmp_path, definition, "ALL", input='{"items": [10, 20]}')
        assert sequence(records) == [
            ("1", "0", "ExecutionStarted"),
            ("2", "0", "MapStateEntered"),
            ("3", "2", "MapStateStarted"),
            ("4", "3", "MapIterationStarted"),
            ("5", "4", "PassStateEntered"),
            ("6", "5", "PassStateExited"),
            ("7", "6", "MapIterationSucceeded"),
            ("8", "3", "MapIterationStarted"),
            ("9", "8", "PassStateEntered"),
            ("10", "9", "PassStateExited"),
            ("11", "10", "MapIterationSucceeded"),
            ("12", "11", "MapStateSucceeded"),
            ("13", "12", "MapStateExited"),
            ("14", "13", "ExecutionSucceeded"),
        ]
        assert records[2]["details"] == {"length": 2}
        assert records[7]["details"] == {"name": "M", "index": 1}
        assert json.loads(records[8]["details"]["input"]) == 20

    def test_large_payload_is_truncated_and_flagged(self, tmp_path):
        big = json.dumps({"s": '"' * 100_000})   # escaping doubles it past 248 KB
        _, records = run(tmp_path, {"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                      "End": True}}},
                         "ALL", input=big)
        entered = records[1]["details"]
        assert entered["inputDetails"] == {"truncated": True}
        assert len(json.dumps(entered["input"])) <= 248 * 1024
        compact = json.dumps(json.loads(big), separators=(",", ":"))
        assert compact.startswith(entered["input"])

    def test_the_payload_limit_counts_utf8_bytes(self, tmp_path):
        # 220 KB of input; escaped 260 KB, but only 140,000 characters.
        big = json.dumps({"s": "東" * 60_000 + '"' * 20_000}, ensure_ascii=False)
        _, records = run(tmp_path, {"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                      "End": True}}},
                         "ALL", input=big)
        entered = records[1]["details"]
        assert entered["inputDetails"] == {"truncated": True}
        escaped = json.dumps(entered["input"], ensure_ascii=False).encode()
        assert 240 * 1024 < len(escaped) <= 248 * 1024   # cut near the limit, not far below
        assert big.replace('"s": ', '"s":').startswith(entered["input"])


    def test_payloads_are_escaped_as_json_strings(self, tmp_path):
        # Every byte class: quotes, backslashes, each control character, DEL, non-ASCII,
        # a character outside the BMP; the input as sent (with its spaces and a newline).
        value = {"s": '"q" \\ ' + "".join(map(chr, range(32))) + "\x7f é 東 😀"}
        text = json.dumps(value, ensure_ascii=False, indent=1)
        _, records = run(tmp_path, PASS_ONLY, "ALL", input=text)
        lines = sorted(tmp_path.glob("*/*.log"))[0].read_text("utf-8").splitlines()
        compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        # The line holds each payload as json.dumps escapes it (short escapes, \u00XX).
        assert '"input":' + json.dumps(text, ensure_ascii=False) + "," in lines[0]
        assert '"input":' + json.dumps(compact, ensure_ascii=False) + "," in lines[1]
        assert records[0]["details"]["input"] == text
        assert json.loads(records[2]["details"]["output"]) == value

    def test_escaping_agrees_with_json_dumps_wherever_special_bytes_fall(self, tmp_path):
        # Payloads are escaped eight bytes at a time: special bytes at every offset.
        rng = random.Random(5)
        alphabet = 'ab"\\\n\x01\x1fé東😀 '
        value = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
                 for _ in range(300)]
        _, records = run(tmp_path, PASS_ONLY, "ALL", input=json.dumps(value))
        lines = sorted(tmp_path.glob("*/*.log"))[0].read_text("utf-8").splitlines()
        compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        assert '"input":' + json.dumps(compact, ensure_ascii=False) + "," in lines[1]
        assert json.loads(records[1]["details"]["input"]) == value

    @pytest.mark.parametrize("pad", range(4))
    def test_truncation_never_cuts_a_character(self, tmp_path, pad):
        # 3-byte characters across the limit, shifted by `pad` bytes: each cut lands at a
        # different place inside one, and must fall before it.
        big = json.dumps({"s": "x" * pad + "東" * 86_000}, ensure_ascii=False)
        _, records = run(tmp_path, PASS_ONLY, "ALL", input=big)
        logged = records[1]["details"]["input"]
        assert records[1]["details"]["inputDetails"] == {"truncated": True}
        assert big.replace('"s": ', '"s":').startswith(logged)
        escaped = len(json.dumps(logged, ensure_ascii=False).encode())
        assert 248 * 1024 - 3 <= escaped <= 248 * 1024

    @pytest.mark.parametrize("input", ['{"n": 2}', '{"n": 2, "city": "Zürich 東京"}'])
    def test_records_come_measured_as_put_log_events_counts_them(self, input):
        # The shipper trusts these sizes instead of reading every message again.
        sfn = fastsfn.client(HANDLERS, log_sink="stdout")
        arn = sfn.create_state_machine(
            name="m", definition=json.dumps(PASS_TASK), roleArn=ROLE, type="EXPRESS",
            loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
        runtime = sfn.runtime
        machine = runtime.machines[arn]
        execution = runtime.new_execution(machine, None, json.loads(input))
        runtime.start(machine, execution)
        sfn.close()
        log = execution.log
        events = log.events()
        assert log.count == len(events) == 9
        assert log.lines() == "".join(m + "\n" for _, m in events).encode("utf-8")
        assert [json.loads(m)["event_timestamp"] for _, m in events] == [
            str(ms) for ms, _ in events]
        sizes = [len(message.encode("utf-8")) + 26 for _, message in events]
        assert log.nbytes == sum(sizes)
        assert log.longest == max(sizes)
        stamps = [ms for ms, _ in events]
        assert (log.first, log.last) == (min(stamps), max(stamps))


FAIL_ONLY = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}}


class TestErrorAndFatalLevels:
    def test_error_level_logs_fail_state_and_execution_failed(self, tmp_path):
        _, records = run(tmp_path, FAIL_ONLY, "ERROR")
        # Event ids count every event, logged or not (observed on AWS).
        assert sequence(records) == [("2", "0", "FailStateEntered"),
                                     ("3", "2", "ExecutionFailed")]
        assert records[1]["details"] == {"error": "E", "cause": "c"}

    def test_fatal_level_logs_only_the_execution_failure(self, tmp_path):
        _, records = run(tmp_path, FAIL_ONLY, "FATAL")
        assert sequence(records) == [("3", "2", "ExecutionFailed")]

    @pytest.mark.parametrize("level", ["ERROR", "FATAL", "OFF"])
    def test_successful_execution_writes_nothing(self, tmp_path, level):
        definition = PASS_TASK
        config_level = level
        response, records = run(tmp_path, definition, config_level)
        assert response["status"] == "SUCCEEDED"
        assert records == []

    def test_error_level_logs_task_failure(self, tmp_path):
        definition = {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "fail", "Payload.$": "$"}, "End": True}}}
        _, records = run(tmp_path, definition, "ERROR")
        assert sequence(records) == [("5", "4", "TaskFailed"), ("6", "5", "ExecutionFailed")]
        assert records[0]["details"]["resourceType"] == "lambda"


class TestStreamsAndConfiguration:
    def test_log_group_and_stream_names(self, tmp_path):
        run(tmp_path, PASS_TASK, "ALL")
        (group_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
        assert group_dir.name == GROUP.replace("/", "%2F")
        (stream_file,) = list(group_dir.glob("*.log"))
        stream = stream_file.name[:-len(".log")].replace("%2F", "/")
        assert re.fullmatch(r"states/m/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}/[0-9a-f]{8}", stream)

    def test_executions_share_a_stream_and_are_told_apart_by_arn(self, tmp_path):
        sfn = fastsfn.client(HANDLERS, log_sink=f"dir:{tmp_path}")
        arn = sfn.create_state_machine(
            name="m", definition=json.dumps(PASS_TASK), roleArn=ROLE, type="EXPRESS",
            loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
        arns = {sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 1}')["executionArn"]
                for _ in range(3)}
        sfn.close()
        records = read_records(tmp_path)
        assert len(records) == 27
        assert {r["execution_arn"] for r in records} == arns

    def test_describe_returns_the_configuration(self):
        sfn = fastsfn.client()
        arn = sfn.create_state_machine(
            name="m", definition=json.dumps(FAIL_ONLY), roleArn=ROLE, type="EXPRESS",
            loggingConfiguration=logging_config("ERROR", False))["stateMachineArn"]
        assert sfn.describe_state_machine(stateMachineArn=arn)["loggingConfiguration"] == \
            logging_config("ERROR", False)
        sfn.close()

    @pytest.mark.parametrize("config, message", [
        ({"level": "ALL"}, "Must specify exactly one Log Destination"),
        ({"level": "LOUD", "destinations": []}, "level"),
        ({"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {
            "logGroupArn": GROUP_ARN[:-2]}}]}, "'*' qualifier"),
        ({"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {
            "logGroupArn": "arn:aws:s3:::bucket"}}]}, "Log Group ARN"),
    ])
    def test_invalid_configuration(self, config, message):
        sfn = fastsfn.client()
        with pytest.raises(sfn.exceptions.InvalidLoggingConfiguration, match=re.escape(message)):
            sfn.create_state_machine(name="m", definition=json.dumps(FAIL_ONLY), roleArn=ROLE,
                                     type="EXPRESS", loggingConfiguration=config)
        sfn.close()

    def test_update_turns_logging_on(self, tmp_path):
        sfn = fastsfn.client(log_sink=f"dir:{tmp_path}")
        arn = sfn.create_state_machine(name="m", definition=json.dumps(FAIL_ONLY),
                                       roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
        sfn.start_sync_execution(stateMachineArn=arn)
        sfn.update_state_machine(stateMachineArn=arn,
                                 loggingConfiguration=logging_config("FATAL"))
        sfn.start_sync_execution(stateMachineArn=arn)
        sfn.close()
        assert [r["type"] for r in read_records(tmp_path)] == ["ExecutionFailed"]


class LinesKept:
    """A sink of one's own: keeps the blocks of lines it is given."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.closed = False

    def write_blocks(self, group: str, stream: str, blocks: list[bytes]) -> None:
        self.lines += b"".join(blocks).decode().splitlines()

    def close(self) -> None:
        self.closed = True


def test_a_sink_object_of_ones_own_gets_every_record():
    sink = LinesKept()
    sfn = fastsfn.client(HANDLERS, log_sink=sink)
    arn = sfn.create_state_machine(
        name="m", definition=json.dumps(PASS_TASK), roleArn=ROLE, type="EXPRESS",
        loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
    sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 2}')
    sfn.close()
    assert [json.loads(line)["type"] for line in sink.lines] == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
        "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
        "ExecutionSucceeded"]
    assert sink.closed


def test_execution_blocks_rotate_between_lines(tmp_path):
    from fastsfn.logs import DirSink
    sfn = fastsfn.client(HANDLERS, log_sink=DirSink(str(tmp_path), rotate_bytes=3000))
    arn = sfn.create_state_machine(
        name="m", definition=json.dumps(PASS_TASK), roleArn=ROLE, type="EXPRESS",
        loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
    for n in range(5):
        sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"n": n}))
    sfn.close()
    files = sorted(tmp_path.glob("*/*.log*"), key=lambda f: (
        -int(f.suffix[1:]) if f.suffix[1:].isdigit() else 0))
    assert len(files) > 2 and all(f.stat().st_size <= 3000 for f in files)
    records = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert [r["type"] for r in records].count("ExecutionSucceeded") == 5
    assert [json.loads(r["details"]["input"])["n"] for r in records
            if r["type"] == "ExecutionStarted"] == list(range(5))


@pytest.mark.parametrize("name", ['odd "name" \\ here', '"\n' * 300])   # short, and long
def test_an_execution_arn_that_needs_escaping_is_escaped(tmp_path, name):
    # Names checked by the API cannot hold quotes; an embedder's call to the runtime can.
    sfn = fastsfn.client(HANDLERS, log_sink=f"dir:{tmp_path}")
    arn = sfn.create_state_machine(
        name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE, type="EXPRESS",
        loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
    runtime = sfn.runtime
    machine = runtime.machines[arn]
    execution = runtime.new_execution(machine, name, {"n": 1})
    runtime.run_sync(machine, execution)
    sfn.close()
    records = read_records(tmp_path)
    assert len(records) == 4
    assert {r["execution_arn"] for r in records} == {execution.execution_arn}
    assert name in execution.execution_arn


class TestOutputTextFromTheRecords:
    """With execution data, the output logged last is not encoded again for the response."""

    def _ended(self, definition: dict, input: object):
        sfn = fastsfn.client(HANDLERS, log_sink=LinesKept())
        arn = sfn.create_state_machine(
            name="m", definition=json.dumps(definition), roleArn=ROLE, type="EXPRESS",
            loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
        runtime = sfn.runtime
        machine = runtime.machines[arn]
        execution = runtime.new_execution(machine, None, input)
        outcome = runtime.run_sync(machine, execution)
        sfn.close()
        return execution.log, outcome

    def test_the_last_payload_gives_its_text(self):
        log, outcome = self._ended(PASS_ONLY, {"n": 2, "city": "Zürich 東京", "x": 1.5})
        assert outcome.status == "SUCCEEDED"
        assert outcome.text == '{"n":2,"city":"Zürich 東京","x":1.5}'
        assert log.json_text(outcome.output) == outcome.text
        assert log.json_text({"n": 2, "city": "Zürich 東京", "x": 1.5}) is None   # not it

    def test_a_truncated_payload_gives_none_and_the_output_is_whole(self):
        big = {"s": "x" * 255_000}   # over the 248 KiB a logged payload keeps, under 256 KiB
        log, outcome = self._ended(PASS_ONLY, big)
        assert log.json_text(outcome.output) is None
        assert outcome.status == "SUCCEEDED" and json.loads(outcome.text) == big


def _nested(rng: random.Random, depth: int = 0) -> object:
    """A random JSON-like value: strings with characters that escape, floats of every kind."""
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return "".join(rng.choice('ab"\\\n\x01/é東😀 ') for _ in range(rng.randrange(12)))
    if kind == 1:
        return rng.choice([round(rng.uniform(-1e4, 1e4), rng.randrange(5)), rng.random(),
                           1e300, -0.0, 0.1 + 0.2, float(rng.randrange(10**9)), 2.5e-7])
    if kind == 2:
        return rng.choice([rng.randrange(-10**6, 10**6), 2**63 - 1, -2**63, 2**63])
    if kind == 3:
        return rng.choice([True, False, None])
    if kind in (4, 5):
        return rng.choice(["", "plain", "tab\there"])
    if kind in (6, 7):
        return {f"k{i}\"é": _nested(rng, depth + 1) for i in range(rng.randrange(4))}
    return [_nested(rng, depth + 1) for _ in range(rng.randrange(4))]


def _deep(levels: int) -> object:
    value: object = 1.5
    for _ in range(levels):
        value = {"a": [value]}
    return value


class TestPayloadsAsMsgspecEncodes:
    """A logged payload is its value's JSON text as msgspec writes it, whatever writes it."""

    VALUES = [{"n": 2, "city": "Zürich 東京", "x": 1.5}, [], {}, "", 'q"uo\\te\n\x1f',
              {"big": 2**63, "small": -2**63 - 1},       # past 64 bits: msgspec's
              {"floats": [0.30000000000000004, 1e16, 1e-5, 5e-324, -0.0, 0.0001, 22.0]},
              (1, "tuple"), {1: "int key"}, _deep(20), _deep(40),
              {"bool": True, "none": None, "false": False, "nested": {"a": [[], {}]}}]

    @pytest.mark.parametrize("value", VALUES + [_nested(random.Random(i)) for i in range(60)])
    def test_logged_and_returned_as_msgspec_encodes(self, value):
        msgspec = pytest.importorskip("msgspec")
        expected = msgspec.json.encode(value).decode()
        sink = LinesKept()
        sfn = fastsfn.client(HANDLERS, log_sink=sink)
        arn = sfn.create_state_machine(
            name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE, type="EXPRESS",
            loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
        runtime = sfn.runtime
        machine = runtime.machines[arn]
        outcome = runtime.run_sync(machine, runtime.new_execution(machine, None, value))
        sfn.close()
        records = [json.loads(line) for line in sink.lines]
        assert [r["details"].get("input", r["details"].get("output")) for r in records] \
            == [expected] * 4
        # escaped as a JSON string holds it: only '"', '\\' and control characters
        assert json.dumps(expected, ensure_ascii=False) in sink.lines[0]
        assert outcome.text == expected   # the response's text, taken from the records


@pytest.mark.parametrize("text, first_state_input", [
    ('{"n":2,"x":"a b"}', '{"n":2,"x":"a b"}'),          # compact already: copied
    ('{"n": 2.50, "x": "a\\/b"}', '{"n":2.5,"x":"a/b"}'),   # not provable: encoded
    ('{"a": 1, "a": 2}', '{"a":2}'),                      # a key twice: the last one
    ('[1e2, 0.00001, -0]', '[100.0,0.00001,0]'),
])
def test_the_first_state_logs_the_input_as_its_value_encodes(tmp_path, text,
                                                             first_state_input):
    _, records = run(tmp_path, PASS_ONLY, "ALL", input=text)
    assert records[0]["details"]["input"] == text   # ExecutionStarted: as sent
    assert records[1]["type"] == "PassStateEntered"
    assert records[1]["details"]["input"] == first_state_input


@pytest.mark.parametrize("collected", [False, True])
def test_a_client_never_closed_still_ships_everything_at_exit(tmp_path, collected):
    script = f"""
import gc
import json
import fastsfn

def run(path):
    sfn = fastsfn.client(log_sink="dir:" + path)
    arn = sfn.create_state_machine(
        name="m", definition={json.dumps(PASS_ONLY)!r}, roleArn={ROLE!r}, type="EXPRESS",
        loggingConfiguration={logging_config("ALL")!r})["stateMachineArn"]
    for n in range(1000):
        sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({{"n": n}}))
    return sfn

kept = run({str(tmp_path)!r})
if {collected!r}:
    kept = None
    gc.collect()
"""   # no sfn.close(): the process just ends, with the client still referenced or collected
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120,
                   cwd=Path(__file__).resolve().parents[2])
    assert len(read_records(tmp_path)) == 4 * 1000
