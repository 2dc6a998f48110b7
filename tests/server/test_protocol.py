"""The protocol layer without HTTP: operation table, decoding, encoding."""
from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

import fastsfn
from fastsfn.server.protocol import Operation, Operations, ProtocolError, decode, encode


@pytest.fixture(scope="module")
def ops():
    return Operations(fastsfn.client())


def test_every_client_method_is_served(ops):
    assert set(ops.served) == {
        "CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine",
        "DeleteStateMachine", "ListStateMachines", "StartExecution", "StartSyncExecution",
        "ValidateStateMachineDefinition", "TagResource", "UntagResource",
        "ListTagsForResource", "DescribeStateMachineForExecution", "TestState"}
    assert {"DescribeExecution", "GetExecutionHistory", "StopExecution"} <= ops.unsupported
    assert ops.served["StartSyncExecution"].method == "start_sync_execution"


def test_member_in_the_aws_model_but_not_in_the_client(ops):
    full = ops.served["StartSyncExecution"]
    narrow = Operation(full.name, full.method, full.members - {"traceHeader"}, full.shape)
    with pytest.raises(ProtocolError) as e:
        decode(narrow, b'{"traceHeader": "Root=1"}')
    assert e.value.code == "ValidationException"
    assert e.value.message == ("fastsfn does not support the member 'traceHeader' of "
                               "StartSyncExecution yet")


def test_nested_nulls_and_unmodelled_members_dropped(ops):
    op = ops.served["CreateStateMachine"]
    params = decode(op, b'{"name": "a", "tracingConfiguration": {"enabled": null, "x": 1},'
                        b' "tags": [{"key": "k", "value": "v", "extra": 2}]}')
    assert params == {"name": "a", "tracingConfiguration": {},
                      "tags": [{"key": "k", "value": "v"}]}


def test_encode_dates_as_epoch_seconds_without_metadata():
    when = datetime(2024, 5, 6, 12, 0, 0, 123456, tzinfo=UTC)
    body = orjson.loads(encode({"creationDate": when, "ResponseMetadata": {"x": 1}}))
    assert body == {"creationDate": 1714996800.123}


def test_error_body():
    assert orjson.loads(ProtocolError(400, "InvalidArn", "Invalid Arn: 'x'").body()) == {
        "__type": "InvalidArn", "message": "Invalid Arn: 'x'"}
