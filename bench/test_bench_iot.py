"""The IoT four-state workflow: fastsfn's call paths beside the hand-written function.

Compare the groups' means: each row's ratio to `hand-written` is the figure that matters
(this machine is shared and noisy; absolute numbers are not).
"""
from __future__ import annotations

import json

import pytest

import fastsfn
from bench.workloads import (IOT_DEFINITION, IOT_HANDLERS, IOT_INPUT, IOT_INPUT_TEXT,
                             iot_by_hand, iot_by_hand_text)


@pytest.fixture(scope="module")
def sfn():
    client = fastsfn.client(handlers=IOT_HANDLERS)
    arn = client.create_state_machine(
        name="iot", definition=IOT_DEFINITION, roleArn="arn:aws:iam::123456789012:role/b",
        type="EXPRESS")["stateMachineArn"]
    yield client, arn
    client.close()


@pytest.fixture(scope="module")
def machine():
    return fastsfn.compile_machine(IOT_DEFINITION, IOT_HANDLERS)


def test_results_agree(sfn, machine):
    client, arn = sfn
    expected = iot_by_hand(IOT_INPUT)
    assert machine(IOT_INPUT) == expected
    out = client.start_sync_execution(stateMachineArn=arn, input=IOT_INPUT_TEXT)
    assert json.loads(out["output"]) == expected
    assert json.loads(iot_by_hand_text(IOT_INPUT_TEXT)) == expected


@pytest.mark.benchmark(group="iot-values")
def test_iot_hand_written_values(benchmark):
    benchmark(iot_by_hand, IOT_INPUT)


@pytest.mark.benchmark(group="iot-values")
def test_iot_fastsfn_fast_path(benchmark, machine):
    benchmark(machine, IOT_INPUT)


@pytest.mark.benchmark(group="iot-text")
def test_iot_hand_written_text(benchmark):
    benchmark(iot_by_hand_text, IOT_INPUT_TEXT)


@pytest.mark.benchmark(group="iot-text")
def test_iot_fastsfn_start_sync_execution(benchmark, sfn):
    client, arn = sfn
    benchmark(client.start_sync_execution, stateMachineArn=arn, input=IOT_INPUT_TEXT)
