"""Every served operation through boto3: success shapes and the errors AWS raises."""
from __future__ import annotations

import itertools
import json
import time
from datetime import datetime

import pytest

from .conftest import FAIL, PASS, ROLE

_names = itertools.count()

TASK = json.dumps({"StartAt": "Enrich", "States": {"Enrich": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:enrich",
    "ResultPath": "$.enriched", "End": True}}})
SLOW = json.dumps({"StartAt": "S", "States": {"S": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow",
    "End": True}}})
BROKEN = json.dumps({"StartAt": "B", "States": {"B": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:broken",
    "End": True}}})


def unique(prefix="m"):
    return f"{prefix}-{next(_names)}"


def create(sfn, definition=PASS, type="EXPRESS", name=None, **kw):
    return sfn.create_state_machine(name=name or unique(), definition=definition, roleArn=ROLE,
                                    type=type, **kw)["stateMachineArn"]


class TestStateMachines:
    def test_create_and_describe(self, sfn):
        name = unique("iot")
        out = sfn.create_state_machine(name=name, definition=PASS, roleArn=ROLE, type="EXPRESS",
                                       tags=[{"key": "team", "value": "iot"}])
        arn = out["stateMachineArn"]
        assert arn == f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
        assert isinstance(out["creationDate"], datetime)
        d = sfn.describe_state_machine(stateMachineArn=arn)
        assert d["name"] == name and d["type"] == "EXPRESS" and d["status"] == "ACTIVE"
        assert d["definition"] == PASS and d["roleArn"] == ROLE
        assert d["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
        assert d["tracingConfiguration"] == {"enabled": False}
        assert isinstance(d["creationDate"], datetime)
        assert abs(d["creationDate"].timestamp() - time.time()) < 60
        assert d["creationDate"] == out["creationDate"]

    def test_create_is_idempotent_then_conflicts(self, sfn):
        name = unique()
        assert create(sfn, name=name) == create(sfn, name=name)
        with pytest.raises(sfn.exceptions.StateMachineAlreadyExists):
            create(sfn, name=name, definition=FAIL)

    def test_update(self, sfn):
        arn = create(sfn)
        out = sfn.update_state_machine(stateMachineArn=arn, definition=FAIL)
        assert isinstance(out["updateDate"], datetime) and out["revisionId"]
        assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == FAIL

    def test_update_with_nothing_to_update(self, sfn):
        arn = create(sfn)
        with pytest.raises(sfn.exceptions.MissingRequiredParameter):
            sfn.update_state_machine(stateMachineArn=arn)

    def test_delete_then_describe(self, sfn):
        arn = create(sfn)
        assert {k: v for k, v in sfn.delete_state_machine(stateMachineArn=arn).items()
                if k != "ResponseMetadata"} == {}
        with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
            sfn.describe_state_machine(stateMachineArn=arn)

    def test_list_with_paging(self, sfn):
        arns = {create(sfn) for _ in range(3)}
        seen, token = [], None
        while True:
            page = sfn.list_state_machines(maxResults=2, **({"nextToken": token} if token else {}))
            assert len(page["stateMachines"]) <= 2
            seen += page["stateMachines"]
            token = page.get("nextToken")
            if not token:
                break
        assert arns <= {m["stateMachineArn"] for m in seen}
        assert all(isinstance(m["creationDate"], datetime) for m in seen)

    def test_list_paginator(self, sfn):
        arn = create(sfn)
        pages = sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 1})
        assert arn in {m["stateMachineArn"] for p in pages for m in p["stateMachines"]}

    def test_validate_definition(self, sfn):
        ok = sfn.validate_state_machine_definition(definition=PASS, type="EXPRESS")
        assert ok["result"] == "OK" and ok["diagnostics"] == []
        bad = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}})
        out = sfn.validate_state_machine_definition(definition=bad)
        assert out["result"] == "FAIL" and out["diagnostics"]
        assert {"severity", "code", "message"} <= set(out["diagnostics"][0])

    def test_invalid_definition(self, sfn):
        with pytest.raises(sfn.exceptions.InvalidDefinition) as e:
            create(sfn, definition=json.dumps({"StartAt": "A"}))
        assert e.value.response["Error"]["Message"].startswith("Invalid State Machine Definition")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    def test_invalid_name(self, sfn):
        with pytest.raises(sfn.exceptions.InvalidName):
            create(sfn, name="has space")

    def test_invalid_role_arn(self, sfn):
        with pytest.raises(sfn.exceptions.InvalidArn):
            sfn.create_state_machine(name=unique(), definition=PASS, roleArn="role")

    @pytest.mark.parametrize("operation", ["describe_state_machine", "delete_state_machine",
                                           "start_sync_execution", "start_execution"])
    def test_invalid_arn(self, sfn, operation):
        with pytest.raises(sfn.exceptions.InvalidArn):
            getattr(sfn, operation)(stateMachineArn="not-an-arn")

    def test_does_not_exist(self, sfn):
        arn = "arn:aws:states:us-east-1:123456789012:stateMachine:nobody"
        with pytest.raises(sfn.exceptions.StateMachineDoesNotExist) as e:
            sfn.start_sync_execution(stateMachineArn=arn)
        assert e.value.response["Error"]["Message"] == f"State Machine Does Not Exist: '{arn}'"

    def test_invalid_type_is_validation_exception(self, sfn):
        with pytest.raises(sfn.exceptions.ClientError) as e:
            create(sfn, type="FAST")
        assert e.value.response["Error"]["Code"] == "ValidationException"


class TestExecutions:
    def test_sync_success_shape(self, sfn):
        arn = create(sfn, TASK)
        out = sfn.start_sync_execution(stateMachineArn=arn, name="run-1",
                                       input=json.dumps({"temperature": 90}),
                                       traceHeader="Root=1-abc")
        assert out["status"] == "SUCCEEDED"
        assert json.loads(out["output"]) == {"temperature": 90, "enriched": {"level": "alert"}}
        assert out["name"] == "run-1" and out["stateMachineArn"] == arn
        assert out["executionArn"].startswith(
            arn.replace(":stateMachine:", ":express:") + ":run-1:")
        assert isinstance(out["startDate"], datetime) and isinstance(out["stopDate"], datetime)
        assert out["startDate"] <= out["stopDate"]
        assert out["billingDetails"] == {"billedMemoryUsedInMB": 64,
                                         "billedDurationInMilliseconds": 100}
        assert out["inputDetails"] == {"included": True} and out["traceHeader"] == "Root=1-abc"

    def test_sync_suspending_handler(self, sfn):
        arn = create(sfn, SLOW)
        out = sfn.start_sync_execution(stateMachineArn=arn, input='{"a": 1}')
        assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == {"slow": True, "a": 1}

    def test_failed_execution_is_http_200(self, sfn):
        out = sfn.start_sync_execution(stateMachineArn=create(sfn, FAIL))
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert out["status"] == "FAILED" and out["error"] == "Boom" and out["cause"] == "it broke"
        assert "output" not in out

    def test_handler_exception_is_failed_status(self, sfn):
        out = sfn.start_sync_execution(stateMachineArn=create(sfn, BROKEN))
        assert out["status"] == "FAILED" and out["error"] == "KeyError"
        assert json.loads(out["cause"])["errorType"] == "KeyError"

    def test_standard_machine_rejects_sync(self, sfn):
        with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported):
            sfn.start_sync_execution(stateMachineArn=create(sfn, type="STANDARD"))

    def test_invalid_input(self, sfn):
        with pytest.raises(sfn.exceptions.InvalidExecutionInput):
            sfn.start_sync_execution(stateMachineArn=create(sfn), input="{not json")

    def test_invalid_execution_name(self, sfn):
        with pytest.raises(sfn.exceptions.InvalidName):
            sfn.start_sync_execution(stateMachineArn=create(sfn), name="a/b")

    def test_start_execution(self, sfn):
        arn = create(sfn, SLOW)
        out = sfn.start_execution(stateMachineArn=arn, input="{}")
        assert out["executionArn"].startswith(arn.replace(":stateMachine:", ":express:"))
        assert isinstance(out["startDate"], datetime)


class TestNotSupported:
    def test_describe_execution(self, sfn):
        with pytest.raises(sfn.exceptions.ClientError) as e:
            sfn.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:"
                                                "express:m:a:b")
        error = e.value.response["Error"]
        assert error["Code"] == "UnknownOperationException"
        assert error["Message"] == "fastsfn does not support DescribeExecution yet"

    def test_list_executions(self, sfn):
        with pytest.raises(sfn.exceptions.ClientError) as e:
            sfn.list_executions(stateMachineArn=create(sfn))
        assert "ListExecutions" in e.value.response["Error"]["Message"]


def test_missing_required_member_via_boto3_is_client_side(sfn):
    """boto3 validates required members itself; the server's check is for raw callers."""
    from botocore.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        sfn.describe_state_machine()
