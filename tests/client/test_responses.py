"""StartSyncExecution's response as boto3 returns it, and the HTTP bodies written as bytes
(`fastsfn.responses`): what the dicts hold, byte for byte as orjson writes them (dates as
epoch seconds with milliseconds)."""
from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import orjson
import pytest

import fastsfn
from fastsfn._core import Outcome
from fastsfn.jsontext import MAX_PAYLOAD
from fastsfn.responses import start_body, sync_body, sync_response

ROLE = "arn:aws:iam::123456789012:role/test"
# Bytes JSON must escape, next to runs of eight that need none, and characters of 2-4 bytes.
AWKWARD = 'say "hi"\\ now\n\t\x01\x1f and é, 漢字, 🎉; plain ASCII runs of eight+ bytes'
ECHO = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
FAIL = json.dumps({"StartAt": "F", "States": {"F": {
    "Type": "Fail", "Error": "Boom\"\n", "Cause": AWKWARD}}})


def _wire_date(epoch: float) -> float:
    return round(epoch * 1000) / 1000


def _as_wire(response: dict, body: dict, execution) -> dict:
    """`response` (boto3's shape) as the HTTP body holds it; the stop date and the billed
    duration are read when the body was written, so they are taken from `body`. The start
    date is rounded from the execution's own epoch: the response's datetime is already
    rounded to microseconds, and rounding that again to milliseconds can differ."""
    out = {}
    for key, value in response.items():
        if key == "ResponseMetadata":
            continue
        out[key] = value
    out["startDate"] = _wire_date(execution.start_time)
    out["stopDate"] = body["stopDate"]
    out["billingDetails"] = body["billingDetails"]
    return out


@pytest.fixture(scope="module")
def sfn():
    client = fastsfn.client()
    for name, definition in (("echo", ECHO), ("fail", FAIL)):
        client.create_state_machine(name=name, definition=definition, roleArn=ROLE,
                                    type="EXPRESS")
    yield client
    client.close()


def _run(sfn, machine_name, input_text, name=None):
    arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{machine_name}"
    machine, execution = sfn._start("StartSyncExecution", arn, name, input_text)
    return machine, execution, sfn.runtime.run_sync(machine, execution)


@pytest.mark.parametrize("trace_header", [None, 'Root=1-"x"'])
@pytest.mark.parametrize("input_text", [None, "{}", json.dumps({"text": AWKWARD}),
                                        json.dumps({"text": AWKWARD}, ensure_ascii=False),
                                        '{"a" : [1, 2.50, 3e2],\n "b": null}'])
def test_succeeded_body_is_the_response_as_orjson_writes_it(sfn, input_text, trace_header):
    machine, execution, outcome = _run(sfn, "echo", input_text, name="wire-é-1")
    body = sync_body(machine, execution, outcome, input_text, trace_header)
    parsed = orjson.loads(body)
    response = sync_response(machine, execution, outcome, input_text, trace_header)
    assert body == orjson.dumps(_as_wire(response, parsed, execution))
    assert parsed["status"] == "SUCCEEDED"
    assert json.loads(parsed["output"]) == json.loads(input_text or "{}")
    assert parsed["startDate"] <= parsed["stopDate"] <= time.time() + 0.001


def test_strings_escaped_as_orjson_escapes_them_at_every_length_and_offset(sfn):
    # Escaping reads sixteen bytes at a time, and runs past a chunk when the text goes on
    # for 32 bytes more: special bytes at every offset of texts of every length up to 80.
    machine, execution, outcome = _run(sfn, "echo", "{}")
    rng = random.Random(11)
    alphabet = 'abcdefgh"\\\n\x01\x1f\x7fé東😀 '
    for _ in range(3_000):
        text = "".join(rng.choice(alphabet if rng.random() < 0.3 else "xyz")
                       for _ in range(rng.randrange(81)))
        body = sync_body(machine, execution, outcome, text, text)
        parsed = orjson.loads(body)
        assert (parsed["input"], parsed["traceHeader"]) == (text, text)
        assert body == orjson.dumps(_as_wire(
            sync_response(machine, execution, outcome, text, text), parsed, execution))


def test_response_as_boto3_returns_it(sfn):
    machine, execution, outcome = _run(sfn, "echo", '{"a": [1, 2.5]}', name="named")
    before = datetime.now(UTC)
    response = sync_response(machine, execution, outcome, '{"a": [1, 2.5]}', "Root=1")
    metadata = response.pop("ResponseMetadata")
    assert response == {
        "executionArn": execution.execution_arn, "stateMachineArn": machine.arn,
        "name": "named", "startDate": response["startDate"],
        "stopDate": response["stopDate"], "status": "SUCCEEDED", "output": '{"a":[1,2.5]}',
        "outputDetails": {"included": True}, "input": '{"a": [1, 2.5]}',
        "inputDetails": {"included": True}, "traceHeader": "Root=1",
        "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100}}
    assert list(response)[:6] == ["executionArn", "stateMachineArn", "name", "startDate",
                                  "stopDate", "status"]
    assert response["startDate"] == datetime.fromtimestamp(execution.start_time, UTC)
    assert before <= response["stopDate"] <= datetime.now(UTC) + timedelta(milliseconds=1)
    assert set(metadata) == {"RequestId", "HTTPStatusCode", "HTTPHeaders", "RetryAttempts"}
    assert metadata["HTTPStatusCode"] == 200 and len(metadata["RequestId"]) == 36


def test_failed_response_has_error_and_cause_and_no_output(sfn):
    machine, execution, outcome = _run(sfn, "fail", None)
    response = sync_response(machine, execution, outcome, None, None)
    assert (response["status"], response["error"], response["cause"]) == (
        "FAILED", 'Boom"\n', AWKWARD)
    assert response["input"] == "{}"
    assert "output" not in response and "outputDetails" not in response
    assert "traceHeader" not in response


def test_failed_body_has_the_error_and_cause_escaped(sfn):
    machine, execution, outcome = _run(sfn, "fail", '{"x": 1}')
    body = sync_body(machine, execution, outcome, '{"x": 1}', None)
    parsed = orjson.loads(body)
    assert body == orjson.dumps(_as_wire(
        sync_response(machine, execution, outcome, '{"x": 1}', None), parsed, execution))
    assert (parsed["status"], parsed["error"], parsed["cause"]) == ("FAILED", 'Boom"\n',
                                                                     AWKWARD)
    assert "output" not in parsed


def test_output_given_as_text_is_used_as_it_is(sfn):
    machine, execution, _ = _run(sfn, "echo", "{}")
    outcome = Outcome("SUCCEEDED", {"ignored": True}, text='{"from": "text"}')
    parsed = orjson.loads(sync_body(machine, execution, outcome, "{}", None))
    assert parsed["output"] == '{"from": "text"}'


@pytest.mark.parametrize("output, error", [
    (object(), "States.Runtime"),                      # cannot be written as JSON
    ("x" * MAX_PAYLOAD, "States.DataLimitExceeded"),   # 2 bytes over with its quotes
])
def test_output_aws_would_refuse_fails_the_execution(sfn, output, error):
    machine, execution, _ = _run(sfn, "echo", "{}")
    body = sync_body(machine, execution, Outcome("SUCCEEDED", output), "{}", None)
    parsed = orjson.loads(body)
    response = sync_response(machine, execution, Outcome("SUCCEEDED", output), "{}", None)
    assert (parsed["status"], parsed["error"]) == ("FAILED", error)
    assert body == orjson.dumps(_as_wire(response, parsed, execution))


def test_output_at_the_limit_is_returned(sfn):
    machine, execution, _ = _run(sfn, "echo", "{}")
    output = "x" * (MAX_PAYLOAD - 2)
    parsed = orjson.loads(sync_body(machine, execution, Outcome("SUCCEEDED", output),
                                    "{}", None))
    assert parsed["status"] == "SUCCEEDED"
    assert json.loads(parsed["output"]) == output


@pytest.mark.parametrize("seconds_ago, billed", [(0.0, 100), (0.25, 300), (1.01, 1100)])
def test_billed_duration_in_100_ms_steps(sfn, seconds_ago, billed):
    machine, execution, outcome = _run(sfn, "echo", "{}")
    started = SimpleNamespace(execution_arn=execution.execution_arn, name=execution.name,
                              start_time=time.time() - seconds_ago)
    parsed = orjson.loads(sync_body(machine, started, outcome, "{}", None))
    response = sync_response(machine, started, outcome, "{}", None)
    expected = {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed}
    assert parsed["billingDetails"] == response["billingDetails"] == expected


def test_dates_written_as_orjson_writes_the_rounded_float():
    rng = random.Random(7)
    epochs = [0.0, 0.0004, 0.0005, 0.001, 0.1, 1.0, 10.25, 1795953331.0, 1795953331.5,
              1795953331.05, 1795953331.005, 1795953331.9995, 1e12 - 0.001, 1e12, 2.5e15]
    epochs += [rng.uniform(0, 4e9) for _ in range(20_000)]
    epochs += [rng.uniform(0, 100) for _ in range(5_000)]
    for epoch in epochs:
        expected = orjson.dumps({"executionArn": "a", "startDate": _wire_date(epoch)})
        assert start_body("a", epoch) == expected, epoch


def test_the_servers_calls_answer_bodies():
    SLOW = "arn:aws:lambda:us-east-1:123456789012:function:slow"

    async def slow(event, context):
        await asyncio.sleep(0)
        return event

    async def run():
        client = fastsfn.aclient({"slow": slow})
        arn = (await client.create_state_machine(name="m", definition=ECHO, roleArn=ROLE,
                                                 type="EXPRESS"))["stateMachineArn"]
        suspends = (await client.create_state_machine(
            name="s", roleArn=ROLE, type="EXPRESS", definition=json.dumps({
                "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": SLOW,
                                                 "End": True}}})))["stateMachineArn"]
        started = client.start_body(arn, None, '{"a": 1}', None)
        finished = client.start_sync_body(arn, None, '{"a": 1}', None)
        later = client.start_sync_body(suspends, None, '{"b": 2}', None)
        assert type(later) is not bytes   # it suspended: awaited on this loop
        later = await later
        await client.close()
        return started, finished, later

    started, finished, later = asyncio.run(run())
    assert set(orjson.loads(started)) == {"executionArn", "startDate"}
    assert orjson.loads(finished)["output"] == '{"a":1}'
    assert orjson.loads(later)["status"] == "SUCCEEDED"
    assert orjson.loads(later)["output"] == '{"b":2}'
