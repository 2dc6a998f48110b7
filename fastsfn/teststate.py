"""TestState: run one state once, and report what each data-flow stage made of its input.

Stage: runtime. The state is compiled by the ordinary compiler (a lone state is wrapped in a
one-state machine); its compiled pieces are then applied here one by one, in the executor's
order (InputPath, Parameters, the task or Pass `Result`, ResultSelector, ResultPath,
OutputPath), so each stage's value can be recorded for `inspectionData`. Nothing is retried,
caught or waited for: TestState reports what *would* happen (status RETRIABLE or
CAUGHT_ERROR, the next state's name).

Response shapes follow AWS's recorded answers (LocalStack's AWS-validated snapshots of
`tests/aws/services/stepfunctions/v2/test_state/`).
"""
from __future__ import annotations

import asyncio
from asyncio import events
from collections.abc import Callable
from inspect import isawaitable
from typing import Any

from fastsfn import stepping
from fastsfn._core import Catcher, Kind, Program, ResultPathMode, Retrier, State, error_matches, now
from fastsfn.asl.validate import UNSUPPORTED
from fastsfn.errors import (
    DefinitionError,
    Diagnostic,
    NotSupportedYet,
    PathNotFound,
    StatesError,
    StatesRuntime,
    TaskFailure,
    data_limit_exceeded,
)
from fastsfn.ids import new_uuid
from fastsfn.jsontext import MAX_PAYLOAD, DecodeError, dumpb, dumps, loads
from fastsfn.timestamps import format_timestamp

INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
#: The name a lone state runs under (AWS's context object shows `State.Name` "StateName").
LONE_STATE_NAME = "StateName"
#: TestState runs a state for at most five minutes, then fails with States.Timeout.
MAX_SECONDS = 300.0

_KIND_NAMES = {Kind.PASS: "Pass", Kind.TASK: "Task", Kind.CHOICE: "Choice", Kind.WAIT: "Wait",
               Kind.SUCCEED: "Succeed", Kind.FAIL: "Fail", Kind.PARALLEL: "Parallel",
               Kind.MAP: "Map"}
_MOCKABLE = (Kind.TASK, Kind.PARALLEL, Kind.MAP)
_PLAIN = (dict, list, str, int, float, bool, type(None))


class InvalidRequest(Exception):
    """A TestState request AWS refuses: the error code and message to answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def run_state(
    runtime: Any, definition: str, input_value: Any, *, inspection_level: str = "INFO",
    state_name: str | None = None, role_arn: str | None = None, mock: dict | None = None,
    context: str | None = None, state_configuration: dict | None = None,
    variables: str | None = None, reveal_secrets: bool = False,
) -> dict:
    """TestState's response (without ResponseMetadata); raises InvalidRequest."""
    if variables is not None and variables.strip() not in ("", "{}"):
        raise InvalidRequest("ValidationException", str(
            Diagnostic("ERROR", UNSUPPORTED, "fastsfn does not support variables yet")))
    st, names = _state_under_test(runtime, definition, state_name)
    config = state_configuration or {}
    for member in ("errorCausedByState", "mapIterationFailureCount", "mapItemReaderData"):
        if member in config:
            raise InvalidRequest("ValidationException",
                                 f"fastsfn does not support stateConfiguration.{member} yet")
    mocked = _mock(st, mock, reveal_secrets, role_arn)
    if context is not None and mock is None:
        raise InvalidRequest("ValidationException",
                             "The context field may only be specified together with a mock")
    retry_count = config.get("retrierRetryCount", 0)
    ctx = _Context(_context_object(runtime, st, input_value, role_arn, retry_count, context))
    run = _Run(runtime, st, names, ctx, mocked)
    return run.respond(input_value, retry_count, inspection_level != "INFO")


# -- the state under test -----------------------------------------------------------------

def _state_under_test(runtime: Any, definition: str, state_name: str | None,
                      ) -> tuple[State, tuple[str, ...]]:
    """The compiled state, and the names of its machine's states (to name `nextState`)."""
    try:
        parsed = loads(definition)
    except (DecodeError, UnicodeDecodeError, TypeError):
        parsed = None
    if state_name is None:
        if not isinstance(parsed, dict):
            _compile(runtime, definition)   # reports the bad JSON as AWS words it
            raise InvalidRequest("InvalidDefinition", "Invalid State Definition: "
                                 "the definition must be a JSON object")
        machine = _lone_state_machine(parsed)
        state_name = LONE_STATE_NAME
    else:
        machine = definition
    program = _compile(runtime, machine)
    found = _find(program, state_name)
    if found is None:
        raise InvalidRequest("ValidationException", "State not found in definition")
    return found


def _lone_state_machine(state: dict) -> dict:
    """A one-state machine around `state`; each transition target is a Succeed stub."""
    targets = [state.get("Next"), state.get("Default")]
    for key in ("Choices", "Catch"):
        rows = state.get(key)
        if isinstance(rows, list):
            targets += [row.get("Next") for row in rows if isinstance(row, dict)]
    states: dict[str, Any] = {LONE_STATE_NAME: state}
    for target in targets:
        if isinstance(target, str) and target not in states:
            states[target] = {"Type": "Succeed"}
    return {"StartAt": LONE_STATE_NAME, "States": states}


def _compile(runtime: Any, machine: str | dict) -> Program:
    # STANDARD: TestState accepts (with a mock) integration patterns Express refuses.
    try:
        return runtime.compile(machine, "STANDARD")[1]
    except DefinitionError as e:
        raise InvalidRequest("InvalidDefinition", str(e)) from None
    except NotSupportedYet as e:
        raise InvalidRequest("InvalidDefinition", f"fastsfn does not support {e} yet") from None


def _find(program: Program, name: str) -> tuple[State, tuple[str, ...]] | None:
    """The state `name` in this program or in any branch or Map iteration inside it."""
    names = tuple(st.name for st in program.states)
    for st in program.states:
        if st.name == name:
            return st, names
    for st in program.states:
        for sub in (*st.branches, st.iterator):
            found = _find(sub, name) if sub is not None else None
            if found is not None:
                return found
    return None


def _mock(st: State, mock: dict | None, reveal_secrets: bool, role_arn: str | None,
          ) -> StatesError | tuple[Any] | None:
    """The mocked outcome: an error to raise, `(result,)`, or None (no mock)."""
    kind = _KIND_NAMES[st.kind]
    if mock is None:
        if st.kind in (Kind.MAP, Kind.PARALLEL):
            raise InvalidRequest("InvalidDefinition", "TestState API does not support Map or "
                                 "Parallel states. Supported state types include: [Task, Wait, "
                                 "Pass, Succeed, Fail, Choice]")
        if st.kind == Kind.TASK and role_arn is None:
            raise InvalidRequest("ValidationException",
                                 "RoleArn must be specified when testing a Task state")
        return None
    if st.kind not in _MOCKABLE:
        raise InvalidRequest("ValidationException",
                             f"State type '{kind}' is not supported when a mock is specified")
    if reveal_secrets:
        raise InvalidRequest("ValidationException",
                             "TestState does not support RevealSecrets when a mock is specified.")
    if ("result" in mock) == ("errorOutput" in mock):
        raise InvalidRequest("ValidationException", "A test mock should have only one of the "
                             "following fields: [result, errorOutput].")
    mode = mock.get("fieldValidationMode", "NONE")
    if mode != "NONE":   # unset: not checked either (AWS's default is STRICT)
        raise InvalidRequest("ValidationException", f"fastsfn does not support "
                             f"mock.fieldValidationMode '{mode}' yet: mocked results are not "
                             "checked against the service's response shape")
    if "errorOutput" in mock:
        out = mock["errorOutput"]
        error_class = TaskFailure if st.kind == Kind.TASK else StatesError
        return error_class(out.get("error"), out.get("cause"))
    try:
        result = loads(mock["result"])
    except (DecodeError, UnicodeDecodeError, TypeError):
        raise InvalidRequest("ValidationException", "Mocked result must be valid JSON.") from None
    if st.kind in (Kind.MAP, Kind.PARALLEL) and type(result) is not list:
        raise InvalidRequest("ValidationException", "Mocked result must be an array.")
    if st.kind == Kind.PARALLEL and len(result) != len(st.branches):
        raise InvalidRequest("ValidationException", "Mocked result must contain the same "
                             "number of items as number of Parallel branches.")
    return (result,)


# -- the context object ---------------------------------------------------------------------

class _Context:
    """What compiled paths and templates read from a running frame: `$$` and variables."""

    __slots__ = ("_context", "variables")

    def __init__(self, context: dict) -> None:
        self._context = context
        self.variables: dict = {}

    def context_object(self) -> dict:
        return self._context

    def for_item(self, index: int, value: Any) -> _Context:
        """The context a Map's ItemSelector sees for one item (`$$.Map.Item`)."""
        return _Context({**self._context, "Map": {"Item": {"Index": index, "Value": value}}})


def _context_object(runtime: Any, st: State, input_value: Any, role_arn: str | None,
                    retry_count: int, given: str | None) -> dict:
    """AWS's context object for a test run (an Express execution of a generated machine),
    with the sections of `given` (the request's `context`) laid over it."""
    machine = "TestStateMachine-" + new_uuid()
    execution = new_uuid()
    started = format_timestamp(now())
    state: dict[str, Any] = {"Name": st.name, "EnteredTime": started}
    if st.kind in _MOCKABLE:
        state["RetryCount"] = retry_count
    out: dict[str, Any] = {
        "Execution": {
            "Id": f"arn:aws:states:{runtime.region}:{runtime.account_id}:express:"
                  f"{machine}:{execution}",
            "Input": input_value, "Name": execution, "RoleArn": role_arn, "StartTime": started},
        "StateMachine": {
            "Id": runtime.state_machine_arn(machine), "Name": machine},
        "State": state,
    }
    if given is None:
        return out
    try:
        sections = loads(given)
    except (DecodeError, UnicodeDecodeError):
        sections = None
    if not isinstance(sections, dict):
        raise InvalidRequest("ValidationException", "The context must be a JSON object")
    for key, value in sections.items():
        out[key] = {**out[key], **value} if isinstance(out.get(key), dict) and \
            isinstance(value, dict) else value
    return out


# -- one run ----------------------------------------------------------------------------------

class _Run:
    """The state applied to one input, stage by stage; `inspection` records each stage."""

    def __init__(self, runtime: Any, st: State, names: tuple[str, ...], ctx: _Context,
                 mocked: Any) -> None:
        self.runtime = runtime
        self.st = st
        self.names = names
        self.ctx = ctx
        self.mocked = mocked
        self.inspection: dict[str, Any] = {}

    def respond(self, data: Any, retry_count: int, inspect: bool) -> dict:
        """Run the state; the response as AWS shapes it."""
        out: dict[str, Any] = {}
        self.inspection["input"] = data
        try:
            output, next_index = self.run(data)
            status = "SUCCEEDED"
        except PathNotFound as e:
            error = self._located(StatesRuntime(f"Invalid path '{e.path}' : {e.detail}"))
            status, output, next_index = self._handled(error, data, retry_count, out)
        except StatesError as e:
            status, output, next_index = self._handled(self._located(e), data, retry_count, out)
        if output is not None:
            out["output"] = dumps(output[0])
        if inspect:
            out["inspectionData"] = self._inspection_data()
        if next_index is not None and next_index >= 0:
            out["nextState"] = self.names[next_index]
        out["status"] = status
        return out

    def _located(self, error: StatesError) -> StatesError:
        """States.Runtime's cause names the state, as an execution's does."""
        if error.error == "States.Runtime":
            error.cause = (f"An error occurred while executing the state '{self.st.name}'. "
                           f"{error.cause}")
        return error

    def _handled(self, error: StatesError, data: Any, retry_count: int, out: dict,
                 ) -> tuple[str, tuple | None, int | None]:
        """What Retry and Catch would do with `error`: (status, (output,) or None, next)."""
        out["error"] = error.error
        if error.cause is not None:
            out["cause"] = error.cause
        if error.error == "States.Runtime":   # never retried, never caught
            return "FAILED", None, None
        details: dict[str, int] = {}
        for i, retrier in enumerate(self.st.retriers):
            if error_matches(retrier.error_equals, error):
                details["retryIndex"] = i
                if retry_count < retrier.max_attempts:
                    details["retryBackoffIntervalSeconds"] = _backoff(retrier, retry_count)
                    self.inspection["errorDetails"] = details
                    return "RETRIABLE", None, None
                break
        status, output, next_index = "FAILED", None, None
        for i, catcher in enumerate(self.st.catchers):
            if error_matches(catcher.error_equals, error):
                details["catchIndex"] = i
                caught = _caught_output(catcher, data, error)
                try:
                    _within_limit(caught, self.st.limit_name)
                except StatesError as e:   # the caught output is over the limit: it fails
                    out["error"], out["cause"] = e.error, e.cause
                    break
                status, output, next_index = "CAUGHT_ERROR", (caught,), catcher.next_index
                break
        if details:
            self.inspection["errorDetails"] = details
        return status, output, next_index

    def _inspection_data(self) -> dict:
        out: dict[str, Any] = {}
        for key, value in self.inspection.items():
            out[key] = value if key in _NOT_JSON_TEXT else dumps(value)
        return out

    # -- stages: each records its value under AWS's inspectionData name

    def run(self, data: Any) -> tuple[tuple, int]:
        """((output,), next state index); raises StatesError or PathNotFound."""
        st = self.st
        if st.entry_error is not None:
            error, cause = st.entry_error
            raise StatesRuntime(cause) if error == "States.Runtime" else StatesError(error, cause)
        if st.kind == Kind.PASS and st.has_result:   # Result: InputPath and Parameters unused
            return self._finish(st.result)
        eff = self._stage("afterInputPath", st.input_path, data)
        if st.kind == Kind.CHOICE:
            return self._choose(eff)
        if st.kind == Kind.FAIL:
            raise StatesError(self._fail_field(st.error, st.error_path, data, "ErrorPath"),
                              self._fail_field(st.cause, st.cause_path, data, "CausePath"))
        if st.kind in (Kind.SUCCEED, Kind.WAIT):   # TestState does not wait
            return (_within_limit(self._get(st.output_path, eff), st.limit_name),), \
                st.next_index
        if st.kind == Kind.MAP:
            self._map_stages(eff)
        else:
            eff = self._stage("afterParameters", st.parameters, eff)
            if st.parameters is not None:
                _within_limit(eff, st.limit_name)
        if st.kind == Kind.PASS:
            return self._finish(eff, record_result=False)
        return self._finish(self._result(eff))

    def _stage(self, name: str, fn: Callable | None, value: Any) -> Any:
        if fn is not None:
            value = fn(value, self.ctx)
        self.inspection[name] = value
        return value

    def _get(self, fn: Callable | None, value: Any) -> Any:
        return value if fn is None else fn(value, self.ctx)

    def _finish(self, result: Any, record_result: bool = True) -> tuple[tuple, int]:
        """ResultSelector, ResultPath, OutputPath (as `Frame._finish`)."""
        st = self.st
        if record_result:
            self.inspection["result"] = result
        result = self._stage("afterResultSelector", st.result_selector, result)
        raw = self.inspection["input"]
        if st.result_path_mode == ResultPathMode.RESULT_REPLACES:
            combined = result
        elif st.result_path_mode == ResultPathMode.RESULT_DISCARDED:
            combined = raw
        else:
            combined = st.result_path(raw, result)
        self.inspection["afterResultPath"] = combined
        return (_within_limit(self._get(st.output_path, combined), st.limit_name),), st.next_index

    def _choose(self, eff: Any) -> tuple[tuple, int]:
        st = self.st
        for predicate, next_index in st.choices:
            if predicate(eff, self.ctx):
                break
        else:
            if st.default_index < 0:
                raise StatesError("States.NoChoiceMatched", f"No Matches! at state '{st.name}'")
            next_index = st.default_index
        return (_within_limit(self._get(st.output_path, eff), st.limit_name),), next_index

    def _fail_field(self, value: Any, path: Callable | None, data: Any, field: str) -> Any:
        """A Fail state's Error or Cause, from ErrorPath/CausePath when set (as the executor)."""
        if path is None:
            return value
        try:
            return path(data, self.ctx)
        except PathNotFound as e:
            raise StatesRuntime(
                f"The JSONPath '{e.path}' specified for the field '{field}' could not be found "
                f"in the input '{dumpb(data).decode()}'") from None

    def _map_stages(self, eff: Any) -> None:
        """ItemsPath, ItemSelector and the Map's limits (the iterations are mocked)."""
        st = self.st
        items = self._stage("afterItemsPath", st.items_path, eff)
        if type(items) is not list:
            raise StatesRuntime(
                f"Map state input must be an array but was: {dumpb(items).decode()}")
        if st.item_selector is not None:
            self.inspection["afterItemSelector"] = [
                _within_limit(st.item_selector(eff, self.ctx.for_item(i, item)), st.limit_name)
                for i, item in enumerate(items)]
        self.inspection["maxConcurrency"] = (
            st.max_concurrency if st.max_concurrency_path is None
            else st.max_concurrency_path(eff, self.ctx))
        count = st.tolerated_failure_count
        if st.tolerated_failure_count_path is not None:
            count = st.tolerated_failure_count_path(eff, self.ctx)
        percentage = st.tolerated_failure_percentage
        if st.tolerated_failure_percentage_path is not None:
            percentage = st.tolerated_failure_percentage_path(eff, self.ctx)
        if count is not None:
            self.inspection["toleratedFailureCount"] = count
        if percentage is not None:
            self.inspection["toleratedFailurePercentage"] = float(percentage)

    def _result(self, task_input: Any) -> Any:
        """The mocked outcome, or (a Task without a mock) the bound handler's result."""
        if isinstance(self.mocked, StatesError):
            raise self.mocked
        if self.mocked is not None:
            return self.mocked[0]
        st = self.st
        result = st.invoke(task_input, self.ctx)
        if isinstance(result, StatesError):
            raise result
        if type(result) not in _PLAIN and isawaitable(result):
            result = _settle(self.runtime, result, st.timeout_seconds or MAX_SECONDS)
        return _within_limit(result, st.limit_name)


# inspectionData members that are numbers or objects, not JSON text
_NOT_JSON_TEXT = frozenset({"errorDetails", "maxConcurrency", "toleratedFailureCount",
                            "toleratedFailurePercentage"})




def _backoff(retrier: Retrier, retry_count: int) -> int:
    """Whole seconds before retry `retry_count + 1` (jitter left out)."""
    delay = retrier.interval_seconds * retrier.backoff_rate ** retry_count
    if retrier.max_delay_seconds > 0:
        delay = min(delay, retrier.max_delay_seconds)
    return int(delay)


def _within_limit(value: Any, name: str) -> Any:
    """The value, if its JSON is within the payload limit (a state input built by
    Parameters, a result, an output); else DataLimitExceeded naming the state or task."""
    if type(value) in (dict, list, str) and len(dumpb(value)) > MAX_PAYLOAD:
        raise data_limit_exceeded(name)
    return value


def _caught_output(catcher: Catcher, data: Any, error: StatesError) -> Any:
    """The error output placed by the catcher's ResultPath into the state's raw input."""
    error_output = {"Error": error.error, "Cause": error.cause}
    if catcher.result_path_mode == ResultPathMode.RESULT_REPLACES:
        return error_output
    if catcher.result_path_mode == ResultPathMode.RESULT_DISCARDED:
        return data
    return catcher.result_path(data, error_output)


def _settle(runtime: Any, awaitable: Any, timeout: float) -> Any:
    """An async handler's result, from synchronous code (on the runtime's loop when this
    thread's loop is busy, as `Runtime.finish_sync` does)."""

    async def bounded() -> Any:
        try:
            return await asyncio.wait_for(awaitable, timeout)
        except TimeoutError:
            raise StatesError("States.Timeout", None) from None

    if events._get_running_loop() is not None:
        return asyncio.run_coroutine_threadsafe(bounded(), runtime.loop()).result()
    return stepping.run_blocking(bounded(), None)
