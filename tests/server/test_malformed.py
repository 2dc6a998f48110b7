"""Malformed requests over raw HTTP: each gets AWS's error body, and the server keeps serving."""
from __future__ import annotations

import json

import pytest

from fastsfn.server import app as app_module
from fastsfn.server.app import MAX_BODY

from .conftest import PASS, ROLE

SM = "arn:aws:states:us-east-1:123456789012:stateMachine:"


@pytest.fixture
def still_serving(raw):
    """After the test's bad request, a good one on a new connection still succeeds."""
    yield
    status, _, body = raw.call("ListStateMachines", {})
    assert status == 200 and "stateMachines" in body


def error(response, status, code):
    got_status, headers, body = response
    assert got_status == status, body
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert headers["x-amzn-RequestId"]
    assert set(body) == {"__type", "message"} and body["__type"] == code
    assert "Traceback" not in body["message"]
    return body["message"]


pytestmark = pytest.mark.usefixtures("still_serving")


@pytest.mark.parametrize("body", ["{", "not json", '{"name": "a",}', "\xff\xfe"])
def test_bad_json(raw, body):
    error(raw.call("CreateStateMachine", body), 400, "SerializationException")


@pytest.mark.parametrize("body", ["[]", "1", '"text"', "null"])
def test_body_not_an_object(raw, body):
    error(raw.call("ListStateMachines", body), 400, "SerializationException")


@pytest.mark.parametrize("operation, body, where", [
    ("CreateStateMachine", {"name": 123, "definition": PASS, "roleArn": ROLE}, "'name'"),
    ("CreateStateMachine", {"name": "a", "definition": {"StartAt": "P"}, "roleArn": ROLE},
     "'definition'"),
    ("CreateStateMachine", {"name": "a", "definition": PASS, "roleArn": ROLE, "tags": "x"},
     "'tags'"),
    ("CreateStateMachine", {"name": "a", "definition": PASS, "roleArn": ROLE,
                            "tags": [{"key": 1, "value": "v"}]}, "'tags[0].key'"),
    ("CreateStateMachine", {"name": "a", "definition": PASS, "roleArn": ROLE,
                            "loggingConfiguration": "ALL"}, "'loggingConfiguration'"),
    ("CreateStateMachine", {"name": "a", "definition": PASS, "roleArn": ROLE,
                            "tracingConfiguration": {"enabled": "yes"}},
     "'tracingConfiguration.enabled'"),
    ("ListStateMachines", {"maxResults": "5"}, "'maxResults'"),
    ("ListStateMachines", {"maxResults": True}, "'maxResults'"),
    ("StartSyncExecution", {"stateMachineArn": SM + "x", "input": {"a": 1}}, "'input'"),
])
def test_wrong_member_types(raw, operation, body, where):
    message = error(raw.call(operation, body), 400, "SerializationException")
    assert where in message


def test_unknown_member(raw):
    message = error(raw.call("ListStateMachines", {"maxResult": 5}), 400, "ValidationException")
    assert "'maxResult'" in message


def test_missing_required_member(raw):
    message = error(raw.call("DescribeStateMachine", {}), 400, "ValidationException")
    assert message == ("1 validation error detected: Value null at 'stateMachineArn' failed to "
                       "satisfy constraint: Member must not be null")


def test_null_member_is_absent(raw):
    status, _, body = raw.call("ListStateMachines", {"nextToken": None, "maxResults": None})
    assert status == 200 and "stateMachines" in body


def test_empty_body_is_empty_request(raw):
    status, _, body = raw.call("ListStateMachines", b"")
    assert status == 200 and "stateMachines" in body


@pytest.mark.parametrize("target", ["AWSStepFunctions.Nope", "AmazonSQS.ListQueues",
                                    "CreateStateMachine", "AWSStepFunctions."])
def test_unknown_target(raw, target):
    message = error(raw.request(b"{}", target), 400, "UnknownOperationException")
    assert target in message


def test_missing_target(raw):
    error(raw.request(b"{}", None), 400, "UnknownOperationException")


@pytest.mark.parametrize("operation", ["ListExecutions", "DescribeExecution", "StopExecution",
                                       "GetExecutionHistory"])
def test_unsupported_operation_named(raw, operation):
    message = error(raw.call(operation, {}), 400, "UnknownOperationException")
    assert message == f"fastsfn does not support {operation} yet"


def test_get_request(raw):
    error(raw.request(None, "AWSStepFunctions.ListStateMachines", method="GET"), 400,
          "UnknownOperationException")


def test_oversized_body(raw):
    body = json.dumps({"name": "big", "roleArn": ROLE, "definition": "x" * (MAX_BODY + 1)})
    try:
        response = raw.call("CreateStateMachine", body)
    except (ConnectionResetError, BrokenPipeError):
        return  # the server may close before the client has sent everything
    message = error(response, 413, "RequestEntityTooLargeException")
    assert str(MAX_BODY) in message


def test_largest_definition_is_accepted(raw):
    """A definition of 1,048,576 characters (AWS's limit) fits in a request."""
    padding = 1_048_576 - len(PASS) - len(', "Comment": ""')
    definition = PASS[:-1] + ', "Comment": "' + "\u00e9" * padding + '"}'
    assert len(definition) == 1_048_576
    status, _, body = raw.call("ValidateStateMachineDefinition", {"definition": definition})
    assert status == 200 and body["result"] == "OK", body


@pytest.mark.parametrize("operation, member", [
    ("DescribeStateMachine", "stateMachineArn"), ("DeleteStateMachine", "stateMachineArn"),
    ("StartSyncExecution", "stateMachineArn"), ("StartExecution", "stateMachineArn"),
    ("UpdateStateMachine", "stateMachineArn")])
@pytest.mark.parametrize("arn", ["nope", "arn:aws:states:us-east-1:123:stateMachine:x", ""])
def test_invalid_arns(raw, operation, member, arn):
    message = error(raw.call(operation, {member: arn, "definition": PASS}
                             if operation == "UpdateStateMachine" else {member: arn}),
                    400, "InvalidArn")
    assert message == f"Invalid Arn: '{arn}'"


def test_sync_execution_ignores_the_host_header(raw):
    status, _, body = raw.call("CreateStateMachine", {
        "name": "host-header", "definition": PASS, "roleArn": ROLE, "type": "EXPRESS"})
    assert status == 200
    status, _, body = raw.call("StartSyncExecution",
                               {"stateMachineArn": body["stateMachineArn"], "input": '{"a": 1}'},
                               headers={"Host": "sync-localhost:8083"})
    assert status == 200 and body["status"] == "SUCCEEDED" and body["output"] == '{"a":1}'
    assert isinstance(body["startDate"], float) and isinstance(body["stopDate"], float)


@pytest.mark.parametrize("operation", ["StartSyncExecution", "StartExecution"])
def test_a_start_with_null_members_runs(raw, operation):
    # An unknown member that is null is as good as absent (the typed decoding refuses it;
    # the general path takes it).
    status, _, body = raw.call("CreateStateMachine", {
        "name": f"nulls-{operation}", "definition": PASS, "roleArn": ROLE, "type": "EXPRESS"})
    assert status == 200
    status, _, body = raw.call(operation, {"stateMachineArn": body["stateMachineArn"],
                                           "name": None, "input": '{"n": 1}', "extra": None})
    assert status == 200 and f":express:nulls-{operation}:" in body["executionArn"], body
    if operation == "StartSyncExecution":
        assert body["status"] == "SUCCEEDED" and body["output"] == '{"n":1}'


def test_unexpected_exception_is_internal_failure_without_traceback(raw, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app_module, "encode", explode)
    message = error(raw.call("ListStateMachines", {}), 500, "InternalFailure")
    assert "secret detail" not in message
    monkeypatch.undo()
