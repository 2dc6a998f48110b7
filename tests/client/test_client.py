"""The in-process client: boto3's method names, argument checks, response shapes and errors."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest
from botocore.exceptions import ClientError, ParamValidationError

import fastsfn

ROLE = "arn:aws:iam::123456789012:role/test"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
FAIL = json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom",
                                                      "Cause": "it broke"}}})


@pytest.fixture
def sfn():
    client = fastsfn.client(sleep_scale=0.0)
    yield client
    client.close()


def create(sfn, name="m", definition=PASS, type="EXPRESS"):
    return sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE,
                                    type=type)["stateMachineArn"]


class TestCreateAndDescribe:
    def test_create_returns_arn_and_datetime(self, sfn):
        out = sfn.create_state_machine(name="iot", definition=PASS, roleArn=ROLE, type="EXPRESS")
        assert out["stateMachineArn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:iot"
        assert isinstance(out["creationDate"], datetime)
        assert out["creationDate"].tzinfo is not None

    def test_describe_shape(self, sfn):
        arn = create(sfn)
        out = sfn.describe_state_machine(stateMachineArn=arn)
        assert out["name"] == "m" and out["type"] == "EXPRESS" and out["status"] == "ACTIVE"
        assert out["definition"] == PASS and out["roleArn"] == ROLE
        assert out["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
        assert out["tracingConfiguration"] == {"enabled": False}

    def test_default_type_is_standard(self, sfn):
        arn = sfn.create_state_machine(name="s", definition=PASS, roleArn=ROLE)["stateMachineArn"]
        assert sfn.describe_state_machine(stateMachineArn=arn)["type"] == "STANDARD"

    def test_create_is_idempotent_for_same_definition(self, sfn):
        assert create(sfn) == create(sfn)

    def test_create_conflict(self, sfn):
        create(sfn)
        with pytest.raises(sfn.exceptions.StateMachineAlreadyExists):
            create(sfn, definition=FAIL)

    def test_invalid_definition_names_state_and_field(self, sfn):
        bad = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}})
        with pytest.raises(sfn.exceptions.InvalidDefinition) as e:
            create(sfn, definition=bad)
        message = e.value.response["Error"]["Message"]
        assert message.startswith("Invalid State Machine Definition: '")
        assert "MISSING_TRANSITION_TARGET" in message and "/States/A" in message
        assert e.value.response["Error"]["Code"] == "InvalidDefinition"
        assert isinstance(e.value, ClientError)

    @pytest.mark.parametrize("name", ["", "a b", "x" * 81, "a:b", "a*b", "tab\t"])
    def test_invalid_name(self, sfn, name):
        with pytest.raises(sfn.exceptions.InvalidName):
            create(sfn, name=name)

    def test_invalid_role_arn(self, sfn):
        with pytest.raises(sfn.exceptions.InvalidArn):
            sfn.create_state_machine(name="m", definition=PASS, roleArn="role")

    def test_missing_parameter(self, sfn):
        with pytest.raises(ParamValidationError):
            sfn.create_state_machine(name="m", definition=PASS)

    def test_describe_missing_and_invalid_arn(self, sfn):
        with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
            sfn.describe_state_machine(
                stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:none")
        with pytest.raises(sfn.exceptions.InvalidArn):
            sfn.describe_state_machine(stateMachineArn="not-an-arn")


class TestUpdateDeleteList:
    def test_update_definition(self, sfn):
        arn = create(sfn)
        out = sfn.update_state_machine(stateMachineArn=arn, definition=FAIL)
        assert isinstance(out["updateDate"], datetime) and out["revisionId"]
        assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == FAIL
        assert sfn.start_sync_execution(stateMachineArn=arn)["status"] == "FAILED"

    def test_update_nothing(self, sfn):
        arn = create(sfn)
        with pytest.raises(sfn.exceptions.MissingRequiredParameter):
            sfn.update_state_machine(stateMachineArn=arn)

    def test_update_invalid_definition_keeps_old(self, sfn):
        arn = create(sfn)
        with pytest.raises(sfn.exceptions.InvalidDefinition):
            sfn.update_state_machine(stateMachineArn=arn, definition="{}")
        assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == PASS

    def test_delete(self, sfn):
        arn = create(sfn)
        sfn.delete_state_machine(stateMachineArn=arn)
        with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
            sfn.describe_state_machine(stateMachineArn=arn)

    def test_list_pages(self, sfn):
        for i in range(5):
            create(sfn, name=f"m{i}")
        page = sfn.list_state_machines(maxResults=2)
        assert [m["name"] for m in page["stateMachines"]] == ["m0", "m1"]
        rest = sfn.list_state_machines(maxResults=10, nextToken=page["nextToken"])
        assert [m["name"] for m in rest["stateMachines"]] == ["m2", "m3", "m4"]
        assert "nextToken" not in rest
        assert set(page["stateMachines"][0]) == {"stateMachineArn", "name", "type",
                                                 "creationDate"}


class TestValidate:
    def test_ok(self, sfn):
        out = sfn.validate_state_machine_definition(definition=PASS)
        assert out["result"] == "OK" and out["diagnostics"] == [] and out["truncated"] is False

    def test_fail_shape(self, sfn):
        out = sfn.validate_state_machine_definition(definition="{not json")
        assert out["result"] == "FAIL"
        d = out["diagnostics"][0]
        assert d["severity"] == "ERROR" and d["code"] == "INVALID_JSON_DESCRIPTION"

    def test_max_results_truncates(self, sfn):
        bad = json.dumps({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "X"}, "B": {"Type": "Pass", "Next": "Y"}}})
        out = sfn.validate_state_machine_definition(definition=bad, maxResults=1)
        assert out["result"] == "FAIL" and len(out["diagnostics"]) == 1
        assert out["truncated"] is True


class TestStartSyncExecution:
    def test_success_shape(self, sfn):
        arn = create(sfn)
        out = sfn.start_sync_execution(stateMachineArn=arn, name="run1", input='{"a": 1}')
        assert out["status"] == "SUCCEEDED"
        assert json.loads(out["output"]) == {"a": 1}
        assert out["output"] == '{"a":1}'  # compact, as AWS writes it
        assert out["name"] == "run1"
        assert out["executionArn"].startswith(
            "arn:aws:states:us-east-1:123456789012:express:m:run1:")
        assert out["stateMachineArn"] == arn
        assert out["input"] == '{"a": 1}'
        assert out["inputDetails"] == {"included": True}
        assert out["outputDetails"] == {"included": True}
        assert out["billingDetails"] == {"billedMemoryUsedInMB": 64,
                                         "billedDurationInMilliseconds": 100}
        assert isinstance(out["startDate"], datetime) and out["stopDate"] >= out["startDate"]
        assert "error" not in out and "cause" not in out

    def test_generated_names_are_unique_uuids(self, sfn):
        arn = create(sfn)
        names = {sfn.start_sync_execution(stateMachineArn=arn)["name"] for _ in range(50)}
        assert len(names) == 50
        assert all(len(n) == 36 and n.count("-") == 4 for n in names)

    def test_failed_execution_is_a_status(self, sfn):
        arn = create(sfn, definition=FAIL)
        out = sfn.start_sync_execution(stateMachineArn=arn)
        assert out["status"] == "FAILED" and out["error"] == "Boom" and out["cause"] == "it broke"
        assert "output" not in out

    def test_invalid_input(self, sfn):
        arn = create(sfn)
        with pytest.raises(sfn.exceptions.InvalidExecutionInput) as e:
            sfn.start_sync_execution(stateMachineArn=arn, input="{nope")
        assert e.value.response["Error"]["Message"].startswith(
            "Invalid State Machine Execution Input")

    def test_oversized_input(self, sfn):
        arn = create(sfn)
        with pytest.raises(sfn.exceptions.ValidationException):
            sfn.start_sync_execution(stateMachineArn=arn,
                                     input=json.dumps({"x": "a" * 262_144}))

    def test_oversized_output_fails_with_data_limit(self, sfn):
        big = json.dumps({"StartAt": "P", "States": {"P": {
            "Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": True}}})
        arn = create(sfn, definition=big)
        out = sfn.start_sync_execution(stateMachineArn=arn,
                                       input=json.dumps({"s": "x" * 200_000}))
        assert out["status"] == "FAILED" and out["error"] == "States.DataLimitExceeded"
        assert out["cause"].startswith("The state/task 'P' returned a result")   # its state

    @pytest.mark.parametrize("text", [
        json.dumps({"s": "x" * 250_000, "n": [1e15] * 100}),       # ASCII, numbers that grow
        json.dumps({"s": "é" * 125_000}, ensure_ascii=False),     # 250,000 UTF-8 bytes
    ])
    def test_large_input_measured_not_guessed(self, sfn, text):
        # The text's size bounds the input's (five times over: past the limit here, so
        # the payloads are measured): what fits runs, a copy of it does not.
        definition = json.dumps({"StartAt": "P", "States": {"P": {
            "Type": "Pass", "Parameters": {"s.$": "$.s"}, "ResultPath": "$.copy",
            "Next": "Q"}, "Q": {"Type": "Pass", "InputPath": "$.copy", "End": True}}})
        arn = create(sfn, definition=definition)
        out = sfn.start_sync_execution(stateMachineArn=arn, input=text)
        assert out["status"] == "FAILED" and out["error"] == "States.DataLimitExceeded"
        arn_one = create(sfn, name="one", definition=json.dumps({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Parameters": {"s.$": "$.s"}, "End": True}}}))
        out = sfn.start_sync_execution(stateMachineArn=arn_one, input=text)
        assert out["status"] == "SUCCEEDED"
        assert json.loads(out["output"]) == {"s": json.loads(text)["s"]}

    def test_standard_machine_not_supported(self, sfn):
        arn = create(sfn, type="STANDARD")
        with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported):
            sfn.start_sync_execution(stateMachineArn=arn)

    def test_invalid_execution_name(self, sfn):
        arn = create(sfn)
        with pytest.raises(sfn.exceptions.InvalidName):
            sfn.start_sync_execution(stateMachineArn=arn, name="bad name")


class TestHandlers:
    def definition(self, resource, parameters=None):
        state = {"Type": "Task", "Resource": resource, "End": True}
        if parameters:
            state["Parameters"] = parameters
        return json.dumps({"StartAt": "T", "States": {"T": state}})

    def run(self, handlers, definition, input=None):
        with fastsfn.client(handlers=handlers, sleep_scale=0.0) as sfn:
            arn = create(sfn, definition=definition)
            return sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps(input or {}))

    def test_function_by_name_and_arn(self):
        arn = "arn:aws:lambda:us-east-1:123456789012:function:double"
        for key in ("double", arn):
            out = self.run({key: lambda e, c: {"v": e["v"] * 2}}, self.definition(arn), {"v": 4})
            assert json.loads(out["output"]) == {"v": 8}

    def test_async_handler(self):
        async def slow(event, context):
            await asyncio.sleep(0.01)
            return {"done": event["n"]}

        out = self.run({"slow": slow}, self.definition(
            "arn:aws:lambda:us-east-1:123456789012:function:slow"), {"n": 3})
        assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == {"done": 3}

    def test_handler_context_is_lambda_like(self):
        seen = []

        def record(event, context):
            seen.append((context.function_name, context.invoked_function_arn,
                         context.aws_request_id, context.aws_request_id))
            return event

        arn = "arn:aws:lambda:us-east-1:123456789012:function:record"
        definition = json.dumps({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": arn, "Next": "B"},
            "B": {"Type": "Task", "Resource": arn, "End": True}}})
        self.run({"record": record}, definition)
        assert [s[:2] for s in seen] == [("record", arn)] * 2
        ids = [s[2] for s in seen]
        assert all(s[2] == s[3] for s in seen)   # one id per invocation, however often read
        assert ids[0] != ids[1] and all(len(i) == 36 and i.count("-") == 4 for i in ids)

    def test_handler_exception_is_lambda_error(self):
        class CustomError(Exception):
            pass

        def fail(event, context):
            raise CustomError("bad reading")

        out = self.run({"fail": fail}, self.definition(
            "arn:aws:lambda:us-east-1:123456789012:function:fail"))
        assert out["status"] == "FAILED" and out["error"] == "CustomError"
        cause = json.loads(out["cause"])
        assert list(cause) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert cause["errorMessage"] == "bad reading" and cause["errorType"] == "CustomError"
        assert any("raise CustomError" in line for line in cause["stackTrace"])

    @pytest.mark.parametrize("form", ["sync", "async"])
    def test_stack_trace_lists_the_handler_frames_only(self, form):
        def check(reading):
            if reading < 0:
                raise ValueError(f"négatif\x7f: {reading}")

        def fail(event, context):
            check(event["v"])

        async def fail_async(event, context):
            check(event["v"])

        handler = fail if form == "sync" else fail_async
        out = self.run({"fail": handler}, self.definition(
            "arn:aws:lambda:us-east-1:123456789012:function:fail"), {"v": -1})
        cause = json.loads(out["cause"])
        assert cause["errorMessage"] == "négatif\x7f: -1"
        assert out["cause"].isascii() and "\\u00e9gatif\\u007f" in out["cause"]
        lines = cause["stackTrace"]
        assert [line.split(", in ")[1].split("\n")[0] for line in lines] == [
            handler.__name__, "check"]
        assert lines[0].startswith(f'  File "{__file__}", line ')
        assert lines[1].endswith('    raise ValueError(f"négatif\\x7f: {reading}")\n')

    def test_lambda_invoke_envelope(self):
        out = self.run({"echo": lambda e, c: e}, self.definition(
            "arn:aws:states:::lambda:invoke",
            {"FunctionName": "echo", "Payload": {"x.$": "$.x"}}), {"x": 1})
        result = json.loads(out["output"])
        assert result["Payload"] == {"x": 1} and result["StatusCode"] == 200
        assert result["ExecutedVersion"] == "$LATEST"
        assert set(result) == {"ExecutedVersion", "Payload", "SdkHttpMetadata",
                               "SdkResponseMetadata", "StatusCode"}

    def test_unregistered_function(self):
        out = self.run({}, self.definition("arn:aws:lambda:us-east-1:123456789012:function:nope"))
        assert out["error"] == "Lambda.ResourceNotFoundException"
        assert "function:nope:$LATEST" in out["cause"]

    def test_unregistered_other_resource_says_how_to_register(self):
        out = self.run({}, self.definition("arn:aws:states:::sqs:sendMessage"))
        assert out["status"] == "FAILED"
        assert "arn:aws:states:::sqs:sendMessage" in out["cause"] and "handlers=" in out["cause"]

    def test_glob_handler(self):
        out = self.run({"arn:aws:states:::sqs:*": lambda e, c: {"MessageId": "1"}},
                       self.definition("arn:aws:states:::sqs:sendMessage"))
        assert json.loads(out["output"]) == {"MessageId": "1"}


class TestStartExecutionAndAsync:
    def test_start_execution_returns_at_once(self):
        seen = []

        async def record(event, context):
            await asyncio.sleep(0.01)
            seen.append(event)
            return event

        sfn = fastsfn.client(handlers={"*": record})
        arn = create(sfn, definition=json.dumps({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:r",
            "End": True}}}))
        out = sfn.start_execution(stateMachineArn=arn, input='{"k": 1}')
        assert out["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:express:m:")
        assert isinstance(out["startDate"], datetime)
        sfn.close()
        assert seen == [{"k": 1}]

    def test_aclient(self):
        async def main():
            sfn = fastsfn.aclient()
            out = await sfn.create_state_machine(name="a", definition=PASS, roleArn=ROLE,
                                                 type="EXPRESS")
            res = await sfn.start_sync_execution(stateMachineArn=out["stateMachineArn"],
                                                 input='{"z": true}')
            await sfn.close()
            return res

        res = asyncio.run(main())
        assert res["status"] == "SUCCEEDED" and json.loads(res["output"]) == {"z": True}


class TestEmbedderFastPath:
    def test_compile_machine_call(self):
        machine = fastsfn.compile_machine(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"b.$": "$.a"},
                                               "End": True}}})
        assert machine({"a": [1, 2]}) == {"b": [1, 2]}

    def test_failure_raises(self):
        machine = fastsfn.compile_machine(FAIL)
        with pytest.raises(fastsfn.ExecutionFailed) as e:
            machine({})
        assert (e.value.status, e.value.error, e.value.cause) == ("FAILED", "Boom", "it broke")


class TestAsyncHandlersFromSyncCode:
    """An async handler that never suspends finishes without an event loop hop; one that
    does suspend finishes on this thread's loop; both give the same answers."""

    def machine(self, handler):
        return fastsfn.compile_machine(
            {"StartAt": "T", "States": {"T": {
                "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "End": True}}}, {"f": handler})

    def test_async_handler_without_suspension(self):
        async def quick(event, context):
            return {"n": event["n"] + 1}

        assert self.machine(quick)({"n": 1}) == {"n": 2}

    def test_async_handler_that_suspends(self):
        async def slow(event, context):
            await asyncio.sleep(0.01)
            await asyncio.sleep(0)
            return {"n": event["n"] * 2}

        m = self.machine(slow)
        assert [m({"n": i}) for i in range(3)] == [{"n": 0}, {"n": 2}, {"n": 4}]

    def test_async_handler_error_after_suspending(self):
        async def fails(event, context):
            await asyncio.sleep(0.01)
            raise KeyError("missing")

        outcome = self.machine(fails).run({})
        assert outcome.error == "KeyError"
        assert json.loads(outcome.cause)["errorMessage"] == "'missing'"

    def test_sync_client_called_from_async_code(self):
        async def quick(event, context):
            await asyncio.sleep(0.01)
            return "done"

        m = self.machine(quick)

        async def main():
            return m({})

        assert asyncio.run(main()) == "done"
        m.close()
