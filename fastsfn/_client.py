"""The in-process client: boto3's `stepfunctions` method names, arguments and responses.

Stage: shell. Every method validates its arguments as the AWS API does, calls the runtime,
and shapes the answer as boto3 returns it (dates as `datetime`). Errors are raised as boto3
raises them: `client.exceptions.<Code>`, subclasses of botocore's `ClientError`.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, Awaitable, Mapping

from botocore.exceptions import ClientError, ParamValidationError

from fastsfn._core import now
from fastsfn.asl.validate import validate_definition
from fastsfn.errors import DefinitionError
from fastsfn.express_logs import LogSink, LogSinkUnavailable, check_logging_configuration
from fastsfn.ids import new_uuid
from fastsfn.jsontext import SURELY_WITHIN_LIMIT, DecodeError, exceeds_payload_limit, loads
from fastsfn.resources import Handler
from fastsfn.responses import metadata, start_body, sync_body, sync_response, utc_datetime
from fastsfn.runtime import Outcome, Runtime, StateMachine
from fastsfn.teststate import INSPECTION_LEVELS, InvalidRequest, run_state

ERROR_CODES = (
    "InvalidArn", "InvalidDefinition", "InvalidName", "InvalidExecutionInput",
    "InvalidLoggingConfiguration", "InvalidTracingConfiguration", "StateMachineAlreadyExists",
    "StateMachineDoesNotExist", "StateMachineDeleting", "StateMachineTypeNotSupported",
    "ExecutionDoesNotExist", "ExecutionAlreadyExists", "ExecutionLimitExceeded",
    "ValidationException", "MissingRequiredParameter", "InvalidToken", "ResourceNotFound",
    "TooManyTags", "ConflictException",
)

_FORBIDDEN_NAME = re.compile(
    "[\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\ufffe\uffff\ud800-\udfff]")
_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/.+$")
_SM_ARN = re.compile(r"^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$")
_TAGGABLE_ARN = re.compile(r"^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:(stateMachine|activity):.+$")
_EXECUTION_ARN = re.compile(
    r"^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:(execution|express):[^:]+:[^:]+(:[^:]+)?$")
MAX_TAGS = 50  # per resource


class Exceptions:
    """`client.exceptions`: one ClientError subclass per AWS error code."""

    ClientError = ClientError

    def __init__(self) -> None:
        for code in ERROR_CODES:
            setattr(self, code, type(code, (ClientError,), {}))

    def raise_(self, code: str, message: str, operation: str, **members: Any) -> None:
        cls = getattr(self, code)
        raise cls({"Error": {"Code": code, "Message": message},
                   "ResponseMetadata": {"HTTPStatusCode": 400}, **members}, operation)


def _description(m: StateMachine, **members: Any) -> dict:
    """What both Describe operations tell of a state machine, plus `members`."""
    out = {"stateMachineArn": m.arn, "name": m.name, "definition": m.definition,
           "roleArn": m.role_arn, **members,
           "loggingConfiguration": m.logging_configuration,
           "tracingConfiguration": m.tracing_configuration}
    if m.revision_id is not None:
        out["revisionId"] = m.revision_id
    out["ResponseMetadata"] = metadata()
    return out


def _require(operation: str, **params: Any) -> None:
    missing = [name for name, value in params.items() if value is None]
    if missing:
        raise ParamValidationError(report="\n".join(
            f'Missing required parameter in input: "{name}"' for name in missing))


class Client:
    """In-process Step Functions client; same calls as `boto3.client("stepfunctions")`."""

    def __init__(
        self,
        handlers: Mapping[str, Handler] | None = None,
        region_name: str = "us-east-1",
        account_id: str = "123456789012",
        sleep_scale: float = 1.0,
        runtime: Runtime | None = None,
        data_dir: str | Path | None = None,
        log_sink: LogSink | None = None,
        log_spool: str | None = None,
    ) -> None:
        self.runtime = runtime or Runtime(handlers, region_name, account_id, sleep_scale,
                                          data_dir=data_dir, log_sink=log_sink,
                                          log_spool=log_spool)
        self.exceptions = Exceptions()
        self.meta = type("Meta", (), {"region_name": region_name})()

    # -- helpers --------------------------------------------------------------------------

    def _fail(self, code: str, message: str, operation: str, **members: Any) -> None:
        self.exceptions.raise_(code, message, operation, **members)

    def _check_name(self, name: str, operation: str) -> None:
        if not 1 <= len(name) <= 80 or _FORBIDDEN_NAME.search(name):
            self._fail("InvalidName", f"Invalid Name: '{name}'", operation)

    def _machine(self, arn: str, operation: str) -> StateMachine:
        self.runtime.refresh()
        machine = self.runtime.machines.get(arn)
        if machine is not None:
            return machine
        if not isinstance(arn, str) or not _SM_ARN.match(arn):
            self._fail("InvalidArn", f"Invalid Arn: '{arn}'", operation)
        self._fail("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'",
                   operation)
        raise AssertionError  # unreachable: _fail raises

    def _logging_configuration(self, config: dict | None, operation: str) -> dict:
        """The configuration as DescribeStateMachine shows it (AWS's defaults filled in)."""
        problem = check_logging_configuration(config)
        if problem is not None:
            self._fail("InvalidLoggingConfiguration", problem, operation)
        out = {"level": "OFF", "includeExecutionData": False}
        if config:
            out.update(config)
        return out

    def _compile(self, definition: str, type: str, operation: str) -> None:
        try:
            self.runtime.compile(definition, type)
        except DefinitionError as e:
            self._fail("InvalidDefinition", str(e), operation)

    # -- state machines -------------------------------------------------------------------

    def create_state_machine(
        self, *, name: str | None = None, definition: str | None = None,
        roleArn: str | None = None, type: str = "STANDARD",
        loggingConfiguration: dict | None = None, tags: list | None = None,
        tracingConfiguration: dict | None = None, publish: bool = False,
        versionDescription: str | None = None, encryptionConfiguration: dict | None = None,
    ) -> dict:
        """CreateStateMachine."""
        op = "CreateStateMachine"
        _require(op, name=name, definition=definition, roleArn=roleArn)
        assert name is not None and definition is not None and roleArn is not None
        self._check_name(name, op)
        if type not in ("STANDARD", "EXPRESS"):
            self._fail("ValidationException",
                       f"1 validation error detected: Value '{type}' at 'type' failed to "
                       "satisfy constraint: Member must satisfy enum value set: "
                       "[STANDARD, EXPRESS]", op)
        if not _ROLE_ARN.match(roleArn):
            self._fail("InvalidArn", f"Invalid Arn: '{roleArn}'", op)
        logging = self._logging_configuration(loggingConfiguration, op)
        tracing = tracingConfiguration or {"enabled": False}
        arn = self.runtime.state_machine_arn(name)
        tag_list = self._tag_list(tags or [], [], arn, op)
        self.runtime.refresh()
        existing = self.runtime.machines.get(arn)
        if existing is not None:
            if (existing.definition, existing.type, existing.logging_configuration,
                    existing.tracing_configuration) == (definition, type, logging, tracing):
                return {"stateMachineArn": arn,
                        "creationDate": utc_datetime(existing.creation_date),
                        "ResponseMetadata": metadata()}
            self._fail("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'", op)
        try:
            machine = self.runtime.register(
                name, definition, roleArn, type, logging_configuration=logging,
                tracing_configuration=tracing, tags=tag_list)
        except DefinitionError as e:
            self._fail("InvalidDefinition", str(e), op)
        except LogSinkUnavailable as e:
            self._fail("InvalidLoggingConfiguration", str(e), op)
        return {"stateMachineArn": machine.arn, "creationDate": utc_datetime(machine.creation_date),
                "ResponseMetadata": metadata()}

    def describe_state_machine(self, *, stateMachineArn: str | None = None,
                               includedData: str | None = None) -> dict:
        """DescribeStateMachine."""
        op = "DescribeStateMachine"
        _require(op, stateMachineArn=stateMachineArn)
        m = self._machine(stateMachineArn, op)  # type: ignore[arg-type]
        return _description(m, status="ACTIVE", type=m.type,
                            creationDate=utc_datetime(m.creation_date))

    def describe_state_machine_for_execution(self, *, executionArn: str | None = None,
                                             includedData: str | None = None) -> dict:
        """DescribeStateMachineForExecution: STANDARD executions started by this process."""
        op = "DescribeStateMachineForExecution"
        _require(op, executionArn=executionArn)
        match = _EXECUTION_ARN.match(executionArn) if isinstance(executionArn, str) else None
        if match is None:
            self._fail("InvalidArn", f"Invalid Arn: '{executionArn}'", op)
        elif match.group(1) == "express":  # as DescribeExecution answers on AWS
            self._fail("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: "
                       "express'", op)
        m = self.runtime.executions.get(executionArn)  # type: ignore[arg-type]
        if m is None:
            self._fail("ExecutionDoesNotExist", f"Execution Does Not Exist: '{executionArn}'", op)
        assert m is not None
        return _description(m, updateDate=utc_datetime(m.update_date or m.creation_date))

    def update_state_machine(
        self, *, stateMachineArn: str | None = None, definition: str | None = None,
        roleArn: str | None = None, loggingConfiguration: dict | None = None,
        tracingConfiguration: dict | None = None, publish: bool = False,
        versionDescription: str | None = None, encryptionConfiguration: dict | None = None,
    ) -> dict:
        """UpdateStateMachine."""
        op = "UpdateStateMachine"
        _require(op, stateMachineArn=stateMachineArn)
        m = self._machine(stateMachineArn, op)  # type: ignore[arg-type]
        if definition is None and roleArn is None and loggingConfiguration is None \
                and tracingConfiguration is None:
            self._fail("MissingRequiredParameter",
                       "Either the definition, the roleArn, the LoggingConfiguration, or the "
                       "TracingConfiguration must be specified", op)
        if roleArn is not None and not _ROLE_ARN.match(roleArn):
            self._fail("InvalidArn", f"Invalid Arn: '{roleArn}'", op)
        logging = (self._logging_configuration(loggingConfiguration, op)
                   if loggingConfiguration is not None else m.logging_configuration)
        try:
            updated = self.runtime.register(
                m.name, definition if definition is not None else m.definition,
                roleArn or m.role_arn, m.type, logging_configuration=logging,
                tracing_configuration=tracingConfiguration or m.tracing_configuration,
                tags=m.tags, creation_date=m.creation_date, update_date=now(),
                revision_id=new_uuid())
        except DefinitionError as e:
            self._fail("InvalidDefinition", str(e), op)
        except LogSinkUnavailable as e:
            self._fail("InvalidLoggingConfiguration", str(e), op)
        return {"updateDate": utc_datetime(updated.update_date), "revisionId": updated.revision_id,
                "ResponseMetadata": metadata()}

    def delete_state_machine(self, *, stateMachineArn: str | None = None) -> dict:
        """DeleteStateMachine (immediate here; AWS deletes asynchronously)."""
        op = "DeleteStateMachine"
        _require(op, stateMachineArn=stateMachineArn)
        if not isinstance(stateMachineArn, str) or not _SM_ARN.match(stateMachineArn):
            self._fail("InvalidArn", f"Invalid Arn: '{stateMachineArn}'", op)
        self.runtime.unregister(stateMachineArn)  # type: ignore[arg-type]
        return {"ResponseMetadata": metadata()}

    def list_state_machines(self, *, maxResults: int = 0, nextToken: str | None = None) -> dict:
        """ListStateMachines, paged by `maxResults`/`nextToken`."""
        op = "ListStateMachines"
        self.runtime.refresh()
        machines = sorted(self.runtime.machines.values(), key=lambda m: m.name)
        start = 0
        if nextToken is not None:
            try:
                start = int(nextToken)
            except ValueError:
                self._fail("InvalidToken", f"Invalid Token: '{nextToken}'", op)
        size = maxResults or 100
        page = machines[start:start + size]
        out: dict[str, Any] = {"stateMachines": [
            {"stateMachineArn": m.arn, "name": m.name, "type": m.type,
             "creationDate": utc_datetime(m.creation_date)} for m in page]}
        if start + size < len(machines):
            out["nextToken"] = str(start + size)
        out["ResponseMetadata"] = metadata()
        return out

    def validate_state_machine_definition(
        self, *, definition: str | None = None, type: str = "STANDARD",
        severity: str = "ERROR", maxResults: int = 0,
    ) -> dict:
        """ValidateStateMachineDefinition: AWS's `result`/`diagnostics`/`truncated` shape."""
        _require("ValidateStateMachineDefinition", definition=definition)
        found = validate_definition(definition, type)  # type: ignore[arg-type]
        if severity == "ERROR":
            found = [d for d in found if d.severity == "ERROR"]
        limit = maxResults or 100
        result = "FAIL" if any(d.severity == "ERROR" for d in found) else "OK"
        return {"result": result, "diagnostics": [d.to_dict() for d in found[:limit]],
                "truncated": len(found) > limit, "ResponseMetadata": metadata()}

    def test_state(
        self, *, definition: str | None = None, roleArn: str | None = None,
        input: str | None = None, inspectionLevel: str = "INFO", revealSecrets: bool = False,
        variables: str | None = None, stateName: str | None = None, mock: dict | None = None,
        context: str | None = None, stateConfiguration: dict | None = None,
    ) -> dict:
        """TestState: runs one state once (see fastsfn.teststate); failures are in `status`."""
        op = "TestState"
        _require(op, definition=definition)
        if inspectionLevel not in INSPECTION_LEVELS:
            self._fail("ValidationException",
                       f"1 validation error detected: Value '{inspectionLevel}' at "
                       "'inspectionLevel' failed to satisfy constraint: Member must satisfy "
                       "enum value set: [INFO, DEBUG, TRACE]", op)
        if roleArn is not None and not _ROLE_ARN.match(roleArn):
            self._fail("InvalidArn", f"Invalid Arn: '{roleArn}'", op)
        try:
            value = loads("{}" if input is None else input)
        except (DecodeError, TypeError) as e:
            self._fail("InvalidExecutionInput",
                       f"Invalid State Machine Execution Input: '{e}'", op)
        try:
            out = run_state(self.runtime, definition, value,  # type: ignore[arg-type]
                            inspection_level=inspectionLevel, state_name=stateName,
                            role_arn=roleArn, mock=mock, context=context,
                            state_configuration=stateConfiguration, variables=variables,
                            reveal_secrets=revealSecrets)
        except InvalidRequest as e:
            self._fail(e.code, e.message, op)
        out["ResponseMetadata"] = metadata()
        return out

    # -- tags -----------------------------------------------------------------------------

    def _tagged(self, arn: str, operation: str) -> StateMachine:
        self.runtime.refresh()
        machine = self.runtime.machines.get(arn)
        if machine is not None:
            return machine
        if not isinstance(arn, str) or not _TAGGABLE_ARN.match(arn):
            self._fail("InvalidArn", f"Invalid Arn: '{arn}'", operation)
        self._fail("ResourceNotFound", f"Resource not found: '{arn}'", operation,
                   resourceName=arn)
        raise AssertionError  # unreachable: _fail raises

    def _tag_list(self, tags: list, current: list, arn: str, operation: str) -> list:
        """`current` with `tags` added (a known key gets the new value), checked as AWS does."""
        errors = []
        for i, tag in enumerate(tags, 1):
            key, value = tag.get("key"), tag.get("value", "")
            if key is None:
                errors.append(f"Value null at 'tags.{i}.member.key' failed to satisfy "
                              "constraint: Member must not be null")
            elif not 1 <= len(key) <= 128:
                errors.append(_length_error(key, f"tags.{i}.member.key", 1, 128))
            if not len(value) <= 256:
                errors.append(_length_error(value, f"tags.{i}.member.value", 0, 256))
        if errors:
            self._fail("ValidationException", _validation_errors(errors), operation)
        merged = {t["key"]: t["value"] for t in current}
        merged.update((t["key"], t.get("value", "")) for t in tags)
        if len(merged) > MAX_TAGS:
            self._fail("TooManyTags", f"Too many tags: a resource has at most {MAX_TAGS} "
                       f"tags: '{arn}'", operation, resourceName=arn)
        return [{"key": k, "value": v} for k, v in merged.items()]

    def tag_resource(self, *, resourceArn: str | None = None,
                     tags: list | None = None) -> dict:
        """TagResource: adds tags, replacing the value of a key already there."""
        op = "TagResource"
        _require(op, resourceArn=resourceArn, tags=tags)
        machine = self._tagged(resourceArn, op)  # type: ignore[arg-type]
        machine.tags = self._tag_list(tags, machine.tags, machine.arn, op)  # type: ignore[arg-type]
        self.runtime.save(machine)
        return {"ResponseMetadata": metadata()}

    def untag_resource(self, *, resourceArn: str | None = None,
                       tagKeys: list | None = None) -> dict:
        """UntagResource: removes the tags with these keys (unknown keys are ignored)."""
        op = "UntagResource"
        _require(op, resourceArn=resourceArn, tagKeys=tagKeys)
        machine = self._tagged(resourceArn, op)  # type: ignore[arg-type]
        drop = set(tagKeys)  # type: ignore[arg-type]
        machine.tags = [t for t in machine.tags if t["key"] not in drop]
        self.runtime.save(machine)
        return {"ResponseMetadata": metadata()}

    def list_tags_for_resource(self, *, resourceArn: str | None = None) -> dict:
        """ListTagsForResource."""
        op = "ListTagsForResource"
        _require(op, resourceArn=resourceArn)
        machine = self._tagged(resourceArn, op)  # type: ignore[arg-type]
        return {"tags": [dict(t) for t in machine.tags], "ResponseMetadata": metadata()}

    # -- executions -----------------------------------------------------------------------

    def _start(self, op: str, stateMachineArn: str | None, name: str | None,
               input: str | None, express_only: bool = False) -> tuple[StateMachine, Any]:
        machine = self.runtime.machines.get(stateMachineArn)  # type: ignore[arg-type]
        if machine is None or self.runtime.store is not None:
            machine = self.runtime.lookup(stateMachineArn)  # type: ignore[arg-type]
        if machine is None:
            _require(op, stateMachineArn=stateMachineArn)
            machine = self._machine(stateMachineArn, op)  # type: ignore[arg-type]
        if express_only and machine.type != "EXPRESS":
            self._fail("StateMachineTypeNotSupported",
                       "This operation is not supported by this type of state machine", op)
        if name is not None:
            self._check_name(name, op)
        text = "{}" if input is None else input
        if len(text) > SURELY_WITHIN_LIMIT and exceeds_payload_limit(text):
            self._fail("ValidationException",
                       "1 validation error detected: Value at 'input' failed to satisfy "
                       "constraint: Member must have length less than or equal to 262144", op)
        try:
            value = loads(text)
        except (DecodeError, TypeError) as e:
            self._fail("InvalidExecutionInput",
                       f"Invalid State Machine Execution Input: '{e}'", op)
        return machine, self.runtime.new_execution(machine, name, value, text)

    def start_sync_execution(
        self, *, stateMachineArn: str | None = None, name: str | None = None,
        input: str | None = None, traceHeader: str | None = None,
        includedData: str | None = None,
    ) -> dict:
        """StartSyncExecution: runs to the end; failures are in `status`, not exceptions."""
        machine, execution = self._start("StartSyncExecution", stateMachineArn, name, input,
                                         express_only=True)
        outcome = self.runtime.run_sync(machine, execution)
        return sync_response(machine, execution, outcome, input, traceHeader)

    def start_execution(
        self, *, stateMachineArn: str | None = None, name: str | None = None,
        input: str | None = None, traceHeader: str | None = None,
    ) -> dict:
        """StartExecution: returns at once; the execution runs on the runtime's loop."""
        machine, execution = self._start("StartExecution", stateMachineArn, name, input)
        self.runtime.remember(machine, execution)
        self.runtime.run_in_background(machine, execution)
        return {"executionArn": execution.execution_arn,
                "startDate": utc_datetime(execution.start_time), "ResponseMetadata": metadata()}

    def close(self) -> None:
        """Wait for background executions and stop the runtime's loop."""
        self.runtime.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _length_error(value: str, path: str, low: int, high: int) -> str:
    bound = (f"greater than or equal to {low}" if len(value) < low
             else f"less than or equal to {high}")
    return (f"Value '{value}' at '{path}' failed to satisfy constraint: Member must have "
            f"length {bound}")


def _validation_errors(errors: list[str]) -> str:
    count = len(errors)
    return (f"{count} validation error{'s' if count > 1 else ''} detected: "
            + "; ".join(errors))


def client(
    handlers: Mapping[str, Handler] | None = None,
    region_name: str = "us-east-1",
    account_id: str = "123456789012",
    sleep_scale: float = 1.0,
    data_dir: str | Path | None = None,
    log_sink: LogSink | None = None,
    log_spool: str | None = None,
) -> Client:
    """An in-process client with boto3's `stepfunctions` surface.

    `handlers` maps a Lambda function name or ARN, or any Task Resource (globs allowed), to
    a callable `(event, context)`, sync or async. `sleep_scale` multiplies every real wait
    (Wait states, retry back-off); 0 makes them instant, for tests. `data_dir` keeps the
    state machines and their tags in a SQLite file there, shared by every process using it.
    `log_sink` is where executions of machines with a `loggingConfiguration` log:
    `dir:PATH` (default `dir:./fastsfn-logs`), `stdout`, `cloudwatch` or `cloudwatch:URL`,
    or a sink object of your own (`write_blocks(group, stream, blocks)` of lines, or
    `put_log_events(group, stream, events)` batches; and `close()`); records a CloudWatch
    endpoint cannot take yet wait in `log_spool` (default `./fastsfn-logs-spool`).
    A bad spec raises ValueError here; a sink that cannot be opened (no AWS credentials, a
    directory that cannot be made) fails the call that gives a machine logging, with
    InvalidLoggingConfiguration. `close()` ships everything.
    """
    return Client(handlers, region_name, account_id, sleep_scale, data_dir=data_dir,
                  log_sink=log_sink, log_spool=log_spool)


class AsyncClient:
    """The same surface as coroutines, for asyncio programs (`fastsfn.aclient`).

    For the server, `start_sync_body` and `start_body` answer the starting operations with
    their HTTP bodies as bytes (dates as epoch seconds, no ResponseMetadata).
    """

    def __init__(self, sync: Client) -> None:
        self._sync = sync
        self.exceptions = sync.exceptions
        self.runtime = sync.runtime

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._sync, name)

        async def call(**kwargs: Any) -> Any:
            return method(**kwargs)

        call.__name__ = name
        return call

    async def start_sync_execution(
        self, *, stateMachineArn: str | None = None, name: str | None = None,
        input: str | None = None, traceHeader: str | None = None,
        includedData: str | None = None,
    ) -> dict:
        """StartSyncExecution; a suspended execution finishes on the caller's loop."""
        machine, execution = self._sync._start("StartSyncExecution", stateMachineArn, name,
                                               input, express_only=True)
        outcome = self.runtime.run(machine, execution)
        if type(outcome) is not Outcome:
            outcome = await outcome
        return sync_response(machine, execution, outcome, input, traceHeader)

    def start_sync_body(self, stateMachineArn: str | None, name: str | None,
                        input: str | None, traceHeader: str | None) -> bytes | Awaitable[bytes]:
        """StartSyncExecution's HTTP body (the server's call): the bytes at once, without a
        coroutine, unless the execution suspended."""
        machine, execution = self._sync._start("StartSyncExecution", stateMachineArn, name,
                                               input, express_only=True)
        outcome = self.runtime.run(machine, execution)
        if type(outcome) is Outcome:
            return sync_body(machine, execution, outcome, input, traceHeader)
        return self._sync_body_later(machine, execution, outcome, input, traceHeader)

    async def _sync_body_later(self, machine: StateMachine, execution: Any, running: Any,
                               input: str | None, traceHeader: str | None) -> bytes:
        return sync_body(machine, execution, await running, input, traceHeader)

    async def start_execution(
        self, *, stateMachineArn: str | None = None, name: str | None = None,
        input: str | None = None, traceHeader: str | None = None,
    ) -> dict:
        """StartExecution; the execution runs as a task on the caller's loop."""
        execution = self._run_in_background(stateMachineArn, name, input)
        return {"executionArn": execution.execution_arn,
                "startDate": utc_datetime(execution.start_time), "ResponseMetadata": metadata()}

    def start_body(self, stateMachineArn: str | None, name: str | None,
                   input: str | None, traceHeader: str | None) -> bytes:
        """StartExecution's HTTP body (the server's call)."""
        execution = self._run_in_background(stateMachineArn, name, input)
        return start_body(execution.execution_arn, execution.start_time)

    def _run_in_background(self, stateMachineArn: str | None, name: str | None,
                           input: str | None) -> Any:
        sync = self._sync
        machine, execution = sync._start("StartExecution", stateMachineArn, name, input)
        self.runtime.remember(machine, execution)
        outcome = self.runtime.run(machine, execution)
        if not isinstance(outcome, Outcome):
            self.runtime.track(asyncio.get_running_loop().create_task(outcome))
        return execution

    async def close(self) -> None:
        """Wait for executions started on this loop, then for their logs to be shipped."""
        await self.runtime.drain()
        await asyncio.get_running_loop().run_in_executor(None, self.runtime.logs.flush)


def aclient(
    handlers: Mapping[str, Handler] | None = None,
    region_name: str = "us-east-1",
    account_id: str = "123456789012",
    sleep_scale: float = 1.0,
    data_dir: str | Path | None = None,
    log_sink: LogSink | None = None,
    log_spool: str | None = None,
) -> AsyncClient:
    """An asyncio client: `await client.start_sync_execution(...)` and friends."""
    return AsyncClient(Client(handlers, region_name, account_id, sleep_scale,
                              data_dir=data_dir, log_sink=log_sink, log_spool=log_spool))
