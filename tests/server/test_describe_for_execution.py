"""DescribeStateMachineForExecution over boto3.

AWS: the operation is not supported for EXPRESS executions; for execution-ARN operations on
an `...:express:...` ARN, AWS answers InvalidArn "Invalid Arn: 'Resource type not valid in
this context: express'" (observed for DescribeExecution). A STANDARD execution's answer is
the machine it ran, with the machine's last update date.
"""
from __future__ import annotations

import json

import pytest

from .conftest import PASS, ROLE

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:"


@pytest.fixture(scope="module")
def standard(sfn):
    return sfn.create_state_machine(name="dsmfe-standard", definition=PASS, roleArn=ROLE,
                                    tracingConfiguration={"enabled": True})["stateMachineArn"]


def test_standard_execution(sfn, standard):
    created = sfn.describe_state_machine(stateMachineArn=standard)
    execution = sfn.start_execution(stateMachineArn=standard, name="run-1")["executionArn"]
    assert execution == EXECUTION + "dsmfe-standard:run-1"

    got = sfn.describe_state_machine_for_execution(executionArn=execution)
    got.pop("ResponseMetadata")
    assert got == {
        "stateMachineArn": standard, "name": "dsmfe-standard", "definition": PASS,
        "roleArn": ROLE, "updateDate": created["creationDate"],
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": {"enabled": True},
    }


def test_execution_keeps_the_definition_it_ran(sfn):
    arn = sfn.create_state_machine(name="dsmfe-updated", definition=PASS,
                                   roleArn=ROLE)["stateMachineArn"]
    before = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    newer = json.dumps({"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}})
    update = sfn.update_state_machine(stateMachineArn=arn, definition=newer)
    after = sfn.start_execution(stateMachineArn=arn)["executionArn"]

    assert sfn.describe_state_machine_for_execution(executionArn=before)["definition"] == PASS
    got = sfn.describe_state_machine_for_execution(executionArn=after)
    assert got["definition"] == newer
    assert got["updateDate"] == update["updateDate"]
    assert got["revisionId"] == update["revisionId"]


def test_express_execution_is_invalid_arn(sfn):
    arn = sfn.create_state_machine(name="dsmfe-express", definition=PASS, roleArn=ROLE,
                                   type="EXPRESS")["stateMachineArn"]
    execution = sfn.start_sync_execution(stateMachineArn=arn)["executionArn"]
    with pytest.raises(sfn.exceptions.InvalidArn) as e:
        sfn.describe_state_machine_for_execution(executionArn=execution)
    assert e.value.response["Error"]["Message"] == (
        "Invalid Arn: 'Resource type not valid in this context: express'")


def test_unknown_execution(sfn, standard):
    arn = EXECUTION + "dsmfe-standard:never-started"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist) as e:
        sfn.describe_state_machine_for_execution(executionArn=arn)
    assert e.value.response["Error"]["Message"] == f"Execution Does Not Exist: '{arn}'"


@pytest.mark.parametrize("arn", [
    "nonsense", "arn:aws:states:us-east-1:123456789012:stateMachine:dsmfe-standard"])
def test_malformed_arn(sfn, arn):
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_state_machine_for_execution(executionArn=arn)
