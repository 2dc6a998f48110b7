"""TestState over HTTP with boto3 (and in-process where simpler).

Expected values are worked out by hand from the ASL data-flow rules; response shapes (which
inspectionData members appear for which state, RETRIABLE/CAUGHT_ERROR details, error
messages) follow AWS's answers recorded in LocalStack's AWS-validated TestState snapshots.
"""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import fastsfn

from .conftest import ROLE

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

IO_PASS = {
    "Type": "Pass",
    "InputPath": "$.initialData",
    "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
    "ResultPath": "$.modifiedData",
    "End": True,
}
IO_INPUT = {"initialData": {"fieldFromInput": "value from input", "otherField": "other"},
            "unrelatedData": {"someOtherField": 1234}}
# IO_PASS applied to IO_INPUT, by hand: InputPath selects initialData, Parameters builds the
# result from it, ResultPath puts the result under modifiedData of the raw input.
IO_PARAMETERS = {"staticValue": "some value", "inputValue": "value from input"}
IO_OUTPUT = {**IO_INPUT, "modifiedData": IO_PARAMETERS}

TASK = {
    "Type": "Task",
    "Resource": LAMBDA + "broken",   # fails if called: a mocked Task must not call it
    "ResultSelector": {"total.$": "$.sum"},
    "ResultPath": "$.out",
    "Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 3, "MaxAttempts": 2,
               "BackoffRate": 2.0}],
    "Catch": [{"ErrorEquals": ["Fatal"], "Next": "OnFatal"},
              {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "OnError"}],
    "Next": "Done",
}


def call(sfn, definition: dict, **kwargs) -> dict:
    response = sfn.test_state(definition=json.dumps(definition), **kwargs)
    response.pop("ResponseMetadata")
    return response


def decoded(inspection: dict) -> dict:
    """inspectionData with its JSON-text members decoded."""
    return {k: json.loads(v) if isinstance(v, str) else v for k, v in inspection.items()}


def error_of(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


# -- Pass -------------------------------------------------------------------------------------

def test_pass_info_returns_output_without_inspection_data(sfn):
    response = call(sfn, IO_PASS, input=json.dumps(IO_INPUT), inspectionLevel="INFO")
    assert json.loads(response.pop("output")) == IO_OUTPUT
    assert response == {"status": "SUCCEEDED"}   # End: no nextState; INFO: no inspectionData


def test_pass_debug_records_every_stage(sfn):
    response = call(sfn, IO_PASS, input=json.dumps(IO_INPUT), inspectionLevel="DEBUG")
    assert json.loads(response["output"]) == IO_OUTPUT
    assert decoded(response["inspectionData"]) == {
        "input": IO_INPUT,
        "afterInputPath": IO_INPUT["initialData"],
        "afterParameters": IO_PARAMETERS,
        "afterResultSelector": IO_PARAMETERS,   # a Pass has no ResultSelector: unchanged
        "afterResultPath": IO_OUTPUT,
    }


def test_pass_with_result_skips_input_path_and_parameters(sfn):
    state = {**IO_PASS, "Result": {"resultKey": "result value"}}
    response = call(sfn, state, input=json.dumps(IO_INPUT), inspectionLevel="TRACE")
    expected = {**IO_INPUT, "modifiedData": {"resultKey": "result value"}}
    assert json.loads(response["output"]) == expected
    assert decoded(response["inspectionData"]) == {
        "input": IO_INPUT,
        "result": {"resultKey": "result value"},
        "afterResultSelector": {"resultKey": "result value"},
        "afterResultPath": expected,
    }


def test_pass_next_is_the_next_state(sfn):
    response = call(sfn, {"Type": "Pass", "OutputPath": "$.a", "Next": "Later"},
                    input='{"a": {"b": 1}}')
    assert (json.loads(response["output"]), response["nextState"]) == ({"b": 1}, "Later")


# -- Choice -----------------------------------------------------------------------------------

CHOICE = {
    "Type": "Choice",
    "Choices": [{"Variable": "$.value", "NumericGreaterThanEquals": 20, "Next": "Big"},
                {"Variable": "$.type", "StringEquals": "Private", "Next": "Private"}],
    "Default": "Other",
}


@pytest.mark.parametrize("document, next_state", [
    ({"type": "Private", "value": 22}, "Big"),       # first matching rule wins
    ({"type": "Private", "value": 2}, "Private"),
    ({"type": "Public", "value": 2}, "Other"),       # Default
])
def test_choice_next_state(sfn, document, next_state):
    response = call(sfn, CHOICE, input=json.dumps(document), inspectionLevel="DEBUG")
    assert response["nextState"] == next_state
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == document
    assert decoded(response["inspectionData"]) == {"input": document, "afterInputPath": document}


def test_choice_without_match_or_default_fails(sfn):
    state = {k: v for k, v in CHOICE.items() if k != "Default"}
    response = call(sfn, state, input='{"type": "Public", "value": 2}')
    assert response["status"] == "FAILED"
    assert response["error"] == "States.NoChoiceMatched"
    assert "output" not in response and "nextState" not in response


# -- Task -------------------------------------------------------------------------------------

def test_task_mock_result_goes_through_result_selector_and_path(sfn):
    response = call(sfn, TASK, input='{"id": 7}', mock={"result": '{"sum": 42}'},
                    inspectionLevel="DEBUG")
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "Done"
    assert json.loads(response["output"]) == {"id": 7, "out": {"total": 42}}
    assert decoded(response["inspectionData"]) == {
        "input": {"id": 7}, "afterInputPath": {"id": 7}, "afterParameters": {"id": 7},
        "result": {"sum": 42}, "afterResultSelector": {"total": 42},
        "afterResultPath": {"id": 7, "out": {"total": 42}},
    }


def test_task_mock_error_caught(sfn):
    response = call(sfn, TASK, input='{"id": 7}', inspectionLevel="DEBUG",
                    mock={"errorOutput": {"error": "Broken", "cause": "it broke"}})
    assert response["status"] == "CAUGHT_ERROR"
    assert (response["error"], response["cause"]) == ("Broken", "it broke")
    assert response["nextState"] == "OnError"   # States.ALL, the second catcher
    assert json.loads(response["output"]) == {
        "id": 7, "error": {"Error": "Broken", "Cause": "it broke"}}
    assert response["inspectionData"]["errorDetails"] == {"catchIndex": 1}


def test_task_mock_error_caught_at_info_has_no_inspection_data(sfn):
    response = call(sfn, TASK, mock={"errorOutput": {"error": "Fatal", "cause": "x"}})
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "OnFatal")
    assert json.loads(response["output"]) == {"Error": "Fatal", "Cause": "x"}
    assert "inspectionData" not in response


@pytest.mark.parametrize("retry_count, backoff", [(0, 3), (1, 6)])   # 3 * 2.0 ** count
def test_task_mock_error_retriable(sfn, retry_count, backoff):
    response = call(sfn, TASK, inspectionLevel="DEBUG",
                    stateConfiguration={"retrierRetryCount": retry_count},
                    mock={"errorOutput": {"error": "Throttled", "cause": "slow down"}})
    assert response["status"] == "RETRIABLE"
    assert (response["error"], response["cause"]) == ("Throttled", "slow down")
    assert "output" not in response and "nextState" not in response
    assert response["inspectionData"]["errorDetails"] == {
        "retryIndex": 0, "retryBackoffIntervalSeconds": backoff}


def test_task_retries_used_up_then_caught(sfn):
    response = call(sfn, TASK, inspectionLevel="DEBUG",
                    stateConfiguration={"retrierRetryCount": 2},   # MaxAttempts 2: used up
                    mock={"errorOutput": {"error": "Throttled", "cause": "slow down"}})
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "OnError")
    assert response["inspectionData"]["errorDetails"] == {"retryIndex": 0, "catchIndex": 1}


def test_task_retries_used_up_without_catcher_fails(sfn):
    state = {k: v for k, v in TASK.items() if k != "Catch"}
    response = call(sfn, state, inspectionLevel="DEBUG",
                    stateConfiguration={"retrierRetryCount": 2},
                    mock={"errorOutput": {"error": "Throttled", "cause": "slow down"}})
    assert response["status"] == "FAILED"
    assert response["inspectionData"]["errorDetails"] == {"retryIndex": 0}


def test_task_calls_the_registered_handler(sfn):
    state = {"Type": "Task", "Resource": LAMBDA + "enrich", "ResultPath": "$.enriched",
             "End": True}
    response = call(sfn, state, roleArn=ROLE, input='{"temperature": 90}',
                    inspectionLevel="DEBUG")
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"temperature": 90, "enriched": {"level": "alert"}}
    assert json.loads(response["inspectionData"]["result"]) == {"level": "alert"}


def test_task_calls_an_async_handler(sfn):
    state = {"Type": "Task", "Resource": LAMBDA + "slow", "End": True}
    response = call(sfn, state, roleArn=ROLE, input='{"a": 1}')
    assert json.loads(response["output"]) == {"slow": True, "a": 1}


def test_task_handler_exception_is_the_task_error(sfn):
    state = {"Type": "Task", "Resource": LAMBDA + "broken", "End": True}
    response = call(sfn, state, roleArn=ROLE)
    assert (response["status"], response["error"]) == ("FAILED", "KeyError")
    assert json.loads(response["cause"])["errorType"] == "KeyError"


def test_mocked_task_does_not_call_its_handler():
    calls = []
    client = fastsfn.client(handlers={"count": lambda event, context: calls.append(event)})
    state = {"Type": "Task", "Resource": LAMBDA + "count", "End": True}
    response = client.test_state(definition=json.dumps(state), mock={"result": '"mocked"'})
    assert (response["output"], calls) == ('"mocked"', [])
    client.test_state(definition=json.dumps(state), roleArn=ROLE, input='{"n": 1}')
    assert calls == [{"n": 1}]
    client.close()


def test_context_is_what_dollar_dollar_reads(sfn):
    state = {"Type": "Task", "Resource": LAMBDA + "broken", "End": True,
             "Parameters": {"execution.$": "$$.Execution.Name", "state.$": "$$.State.Name"}}
    response = call(sfn, state, mock={"result": "{}"}, inspectionLevel="DEBUG",
                    context=json.dumps({"Execution": {"Name": "my-execution"}}))
    assert json.loads(response["inspectionData"]["afterParameters"]) == {
        "execution": "my-execution", "state": "StateName"}


# -- Fail -------------------------------------------------------------------------------------

def test_fail_state(sfn):
    state = {"Type": "Fail", "Error": "SomeFailure", "Cause": "it failed"}
    response = call(sfn, state, input='{"Value": "HelloWorld"}', inspectionLevel="DEBUG")
    assert response["status"] == "FAILED"
    assert (response["error"], response["cause"]) == ("SomeFailure", "it failed")
    assert "output" not in response
    assert decoded(response["inspectionData"]) == {
        "input": {"Value": "HelloWorld"}, "afterInputPath": {"Value": "HelloWorld"}}


# -- Map and Parallel need a mock -------------------------------------------------------------

MAP = {
    "Type": "Map", "ItemsPath": "$.values", "MaxConcurrency": 2, "ToleratedFailureCount": 1,
    "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
    "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
    "ResultPath": "$.results", "End": True,
}


def test_map_with_mock_result(sfn):
    response = call(sfn, MAP, input='{"values": ["a", "b"]}', mock={"result": "[1, 2]"},
                    inspectionLevel="DEBUG")
    assert json.loads(response["output"]) == {"values": ["a", "b"], "results": [1, 2]}
    inspection = decoded(response["inspectionData"])
    assert inspection["afterItemsPath"] == ["a", "b"]
    assert inspection["afterItemSelector"] == [{"index": 0, "value": "a"},
                                               {"index": 1, "value": "b"}]
    assert (inspection["maxConcurrency"], inspection["toleratedFailureCount"]) == (2, 1)


@pytest.mark.parametrize("mock, message", [
    (None, ("TestState API does not support Map or Parallel states. Supported state types "
            "include: [Task, Wait, Pass, Succeed, Fail, Choice]")),
    ({"result": '{"not": "a list"}'}, "Mocked result must be an array."),
])
def test_map_mock_rules(sfn, mock, message):
    kwargs = {} if mock is None else {"mock": mock}
    with pytest.raises(ClientError) as excinfo:
        call(sfn, MAP, input='{"values": []}', **kwargs)
    assert error_of(excinfo)[1] == message


def test_mock_on_a_pass_state_is_refused(sfn):
    with pytest.raises(ClientError) as excinfo:
        call(sfn, IO_PASS, mock={"result": "{}"})
    assert error_of(excinfo) == ("ValidationException",
                                 "State type 'Pass' is not supported when a mock is specified")


# -- whole machine with stateName -------------------------------------------------------------

MACHINE = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": {"items": [1, 2]}, "Next": "Each"},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": {
            "StartAt": "Double", "States": {
                "Double": {"Type": "Pass", "Parameters": {"v.$": "$"}, "Next": "Finish"},
                "Finish": {"Type": "Succeed"}}}},
    },
}


def test_state_name_picks_a_state_of_a_whole_machine(sfn):
    response = call(sfn, MACHINE, stateName="Prepare")
    assert (json.loads(response["output"]), response["nextState"]) == ({"items": [1, 2]}, "Each")


def test_state_name_reaches_into_a_map_iteration(sfn):
    response = call(sfn, MACHINE, stateName="Double", input="5")
    assert (json.loads(response["output"]), response["nextState"]) == ({"v": 5}, "Finish")


def test_unknown_state_name(sfn):
    with pytest.raises(ClientError) as excinfo:
        call(sfn, MACHINE, stateName="Nowhere")
    assert error_of(excinfo) == ("ValidationException", "State not found in definition")


# -- bad requests -----------------------------------------------------------------------------

@pytest.mark.parametrize("definition", [
    '{"Type": "Pass", "End": true',                 # not JSON
    '{"Type": "Teleport", "End": true}',            # no such state type
    '{"Type": "Pass", "Next": "A", "End": true}',    # Next and End together
])
def test_invalid_definition(sfn, definition):
    with pytest.raises(ClientError) as excinfo:
        sfn.test_state(definition=definition)
    code, message = error_of(excinfo)
    assert code == "InvalidDefinition"
    assert message.startswith("Invalid State Machine Definition: '")


def test_invalid_input(sfn):
    with pytest.raises(ClientError) as excinfo:
        call(sfn, IO_PASS, input="{not json")
    assert error_of(excinfo)[0] == "InvalidExecutionInput"


def test_task_without_role_or_mock_is_refused(sfn):
    with pytest.raises(ClientError) as excinfo:
        call(sfn, TASK)
    assert error_of(excinfo) == ("ValidationException",
                                 "RoleArn must be specified when testing a Task state")


def test_jsonata_and_variables_are_not_supported_yet(sfn):
    with pytest.raises(ClientError) as excinfo:
        call(sfn, {"Type": "Pass", "QueryLanguage": "JSONata", "End": True})
    assert error_of(excinfo)[0] == "InvalidDefinition"
    assert "fastsfn does not support QueryLanguage 'JSONata' yet" in error_of(excinfo)[1]
    with pytest.raises(ClientError) as excinfo:
        call(sfn, IO_PASS, variables='{"x": 1}')
    assert error_of(excinfo) == ("ValidationException",
                                 "UNSUPPORTED_FEATURE: fastsfn does not support variables yet")


@pytest.mark.parametrize("request_members, named", [
    ({"mock": {"result": "{}", "fieldValidationMode": "STRICT"}}, "fieldValidationMode"),
    ({"mock": {"result": "{}"}, "stateConfiguration": {"mapIterationFailureCount": 1}},
     "mapIterationFailureCount"),
])
def test_unbuilt_options_are_refused_by_name(sfn, request_members, named):
    with pytest.raises(ClientError) as excinfo:
        call(sfn, TASK, **request_members)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "fastsfn does not support" in message and named in message


# -- the payload limit ------------------------------------------------------------------------

BIG_INPUT = json.dumps({"s": "x" * 150_000})


@pytest.mark.parametrize("state", [
    {"Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": True},   # built input
    {"Type": "Pass", "Parameters": {"a.$": "$.s"}, "ResultPath": "$.copy", "End": True},
])
def test_state_input_or_output_over_the_limit(sfn, state):
    response = call(sfn, state, input=BIG_INPUT)
    assert response["status"] == "FAILED"
    assert response["error"] == "States.DataLimitExceeded"
    assert "output" not in response


def test_a_caught_error_output_over_the_limit_fails(sfn):
    # What an execution does too: the catcher's output is held to the limit.
    cause = "c" * 120_000
    response = call(sfn, TASK, input=BIG_INPUT, mock={"errorOutput": {"error": "Broken",
                                                                     "cause": cause}})
    assert response["status"] == "FAILED"
    assert response["error"] == "States.DataLimitExceeded"
    assert "output" not in response and "nextState" not in response
    with fastsfn.client({"broken": _broken(cause)}) as client:
        arn = client.create_state_machine(
            name="caught", roleArn=ROLE, type="EXPRESS", definition=json.dumps({
                "StartAt": "T", "States": {"T": dict(TASK, Next="Done"),
                                           "OnFatal": {"Type": "Succeed"},
                                           "OnError": {"Type": "Succeed"},
                                           "Done": {"Type": "Succeed"}}}))["stateMachineArn"]
        execution = client.start_sync_execution(stateMachineArn=arn, input=BIG_INPUT)
    assert (execution["status"], execution["error"]) == ("FAILED", "States.DataLimitExceeded")
    small = call(sfn, TASK, input='{"id": 7}', mock={"errorOutput": {"error": "Broken",
                                                                      "cause": cause}})
    assert small["status"] == "CAUGHT_ERROR" and small["nextState"] == "OnError"


class Broken(Exception):
    """A handler's failure (its Lambda error is named after the class)."""


def _broken(cause):
    def broken(event, context):
        raise Broken(cause)
    return broken


def test_state_output_within_the_limit(sfn):
    state = {"Type": "Pass", "Parameters": {"a.$": "$.s"}, "End": True}
    response = call(sfn, state, input=BIG_INPUT)
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"a": "x" * 150_000}
