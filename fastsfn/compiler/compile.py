"""Compiler: a validated ASL definition -> a Program of flat, prebuilt states.

Stage: model -> program. Every path, template, intrinsic, choice rule, retry and catch row
is resolved here, once; state names become integer indices. The executor (fastsfn._core)
never sees a field name.
"""
from __future__ import annotations

from typing import Any, Callable

from fastsfn._core import Catcher, Growth, Kind, Program, ResultPathMode, Retrier, State
from fastsfn.asl.validate import is_placeholder
from fastsfn.compiler.choice import compile_condition
from fastsfn.errors import NotSupportedYet, data_limit_exceeded
from fastsfn.jsontext import MAX_PAYLOAD, dumpb, dumps
from fastsfn.intrinsics import compile_intrinsic, is_intrinsic
from fastsfn.paths.jsonpath import compile_path, compile_reference_path
from fastsfn.paths.template import compile_template, template_growth
from fastsfn.timestamps import parse_timestamp

#: bind(resource, state) -> (invoke(task_input, frame), limit_name); supplied by the runtime.
#: invoke returns the result (or an awaitable of it); a failure is a StatesError it raises or
#: returns (returning spares a handler's failed attempt one more raise).
Binder = Callable[[str, dict], tuple[Callable[..., Any], str]]

RESULT_REPLACES = ResultPathMode.RESULT_REPLACES
RESULT_DISCARDED = ResultPathMode.RESULT_DISCARDED
RESULT_MERGED = ResultPathMode.RESULT_MERGED

_KINDS = {
    "Pass": Kind.PASS,
    "Task": Kind.TASK,
    "Choice": Kind.CHOICE,
    "Wait": Kind.WAIT,
    "Succeed": Kind.SUCCEED,
    "Fail": Kind.FAIL,
    "Parallel": Kind.PARALLEL,
    "Map": Kind.MAP,
}


def compile_definition(definition: dict, bind: Binder) -> Program:
    """Compile a whole (validated) state machine definition."""
    return _Compiler(bind, uses_context="$$" in repr(definition)).machine(definition)


def _empty_object(data: Any, ctx: Any) -> dict:
    # InputPath/OutputPath null: the state sees (or emits) an empty object.
    return {}


def _named(getter: Callable, text: str) -> Callable:
    """A getter that also carries its path text, for runtime error messages."""

    def get(data: Any, ctx: Any) -> Any:
        return getter(data, ctx)

    get.text = text  # type: ignore[attr-defined]
    return get


class _Compiler:
    """Walks one definition; sub-machines (branches, iterators) recurse."""

    def __init__(self, bind: Binder, uses_context: bool) -> None:
        self.bind = bind
        self.uses_context = uses_context
        self.query_language = "JSONPath"

    def machine(self, definition: dict) -> Program:
        outer = self.query_language
        self.query_language = definition.get("QueryLanguage", outer)
        index = {name: i for i, name in enumerate(definition["States"])}
        states = tuple(
            self.state(name, body, index) for name, body in definition["States"].items()
        )
        self.query_language = outer
        return Program(states, index[definition["StartAt"]], self.uses_context)

    def state(self, name: str, body: dict, index: dict[str, int]) -> State:
        kind = _KINDS[body["Type"]]
        st = State(kind, name)
        body, unfilled = _without_placeholders(body, index)
        if unfilled is not None:
            st.entry_error = ("States.Runtime", unfilled)
        if "Next" in body:
            st.next_index = index[body["Next"]]
        # The query language is chosen per state; each compiles its own data-flow fields.
        language = body.get("QueryLanguage", self.query_language)
        if language != "JSONPath":
            raise NotSupportedYet(f"QueryLanguage '{language}' (state '{name}')")
        self._jsonpath_io(st, body)
        # A state whose output holds its input (a merged result) or that hands its input to
        # branches or iterations reads the input's size bound, measured once a frame when
        # unknown (a template's output alone is measured instead: it is usually smaller).
        st.needs_bound = (st.result_path_mode == RESULT_MERGED
                          or kind in (Kind.MAP, Kind.PARALLEL))
        st.retriers = tuple(_retrier(r) for r in body.get("Retry", ()))
        st.catchers = tuple(_catcher(c, index) for c in body.get("Catch", ()))
        getattr(self, "_" + body["Type"].lower())(st, body, index)
        return st

    def _jsonpath_io(self, st: State, body: dict) -> None:
        """InputPath, Parameters, ResultSelector, ResultPath, OutputPath."""
        st.input_path = _io_path(body, "InputPath")
        st.output_path = _io_path(body, "OutputPath")
        st.paths_unbounded = any(".." in (body.get(field) or "")
                                 for field in ("InputPath", "OutputPath", "ItemsPath"))
        if "Parameters" in body:
            st.parameters = compile_template(body["Parameters"])
            st.parameters_growth = _growth(body["Parameters"])
        if "ResultSelector" in body:
            st.result_selector = compile_template(body["ResultSelector"])
            st.result_selector_growth = _growth(body["ResultSelector"])
        if "ResultPath" in body:
            st.result_path_mode, st.result_path = _result_path(body["ResultPath"])
            if st.result_path_mode == RESULT_MERGED:
                st.result_path_size = _merge_size(body["ResultPath"])

    # One method per state type: the fields only that type has.

    def _pass(self, st: State, body: dict, index: dict) -> None:
        if "Result" in body:
            st.has_result = True
            st.result = body["Result"]
            st.result_size = len(dumpb(st.result))
            if st.result_size > MAX_PAYLOAD:  # observed: fails once entered
                error = data_limit_exceeded(st.name)
                st.entry_error = (error.error, error.cause)

    def _task(self, st: State, body: dict, index: dict) -> None:
        st.resource = body["Resource"]
        st.invoke, st.limit_name = self.bind(body["Resource"], body)
        st.lambda_function = _is_lambda_function(st.resource)
        st.log_resource = _log_resource(st.resource, st.lambda_function)
        if "TimeoutSeconds" in body:
            st.timeout_seconds = body["TimeoutSeconds"]
        if "TimeoutSecondsPath" in body:
            st.timeout_seconds_path = compile_reference_path(body["TimeoutSecondsPath"])[0]
        if "HeartbeatSeconds" in body:
            st.heartbeat_seconds = body["HeartbeatSeconds"]
        if "HeartbeatSecondsPath" in body:
            st.heartbeat_seconds_path = compile_reference_path(body["HeartbeatSecondsPath"])[0]

    def _choice(self, st: State, body: dict, index: dict) -> None:
        st.choices = tuple(
            (compile_condition(rule), index[rule["Next"]]) for rule in body["Choices"]
            if rule.get("Next") in index
        )
        if "Default" in body:
            st.default_index = index[body["Default"]]

    def _wait(self, st: State, body: dict, index: dict) -> None:
        if "Seconds" in body:
            st.seconds = body["Seconds"]
        elif "SecondsPath" in body:
            text = body["SecondsPath"]
            st.seconds_path = _named(compile_reference_path(text)[0], text)
        elif "Timestamp" in body:
            st.timestamp_text = body["Timestamp"]
            st.timestamp = parse_timestamp(body["Timestamp"]).timestamp()
        elif "TimestampPath" in body:
            text = body["TimestampPath"]
            st.timestamp_path = _named(compile_reference_path(text)[0], text)

    def _succeed(self, st: State, body: dict, index: dict) -> None:
        pass

    def _fail(self, st: State, body: dict, index: dict) -> None:
        st.error = body.get("Error")
        st.cause = body.get("Cause")
        if "ErrorPath" in body:
            st.error_path = _path_or_intrinsic(body["ErrorPath"])
        if "CausePath" in body:
            st.cause_path = _path_or_intrinsic(body["CausePath"])

    def _parallel(self, st: State, body: dict, index: dict) -> None:
        st.branches = tuple(self.machine(branch) for branch in body["Branches"])

    def _map(self, st: State, body: dict, index: dict) -> None:
        processor = body.get("ItemProcessor") or body["Iterator"]
        st.iterator = self.machine(processor)
        # In a Map, `Parameters` (deprecated) is the per-item selector, not the state input.
        selector = body.get("ItemSelector", body.get("Parameters"))
        st.parameters = None
        st.parameters_growth = None
        st.item_selector = None if selector is None else compile_template(selector)
        st.item_selector_growth = None if selector is None else _growth(selector)
        if "ItemsPath" in body:
            st.items_path = compile_path(body["ItemsPath"])
        st.max_concurrency = body.get("MaxConcurrency", 0)
        if "MaxConcurrencyPath" in body:
            text = body["MaxConcurrencyPath"]
            st.max_concurrency_path = _named(compile_reference_path(text)[0], text)
        st.tolerated_failure_count = body.get("ToleratedFailureCount")
        st.tolerated_failure_percentage = body.get("ToleratedFailurePercentage")
        if "ToleratedFailureCountPath" in body:
            st.tolerated_failure_count_path = compile_reference_path(
                body["ToleratedFailureCountPath"])[0]
        if "ToleratedFailurePercentagePath" in body:
            st.tolerated_failure_percentage_path = compile_reference_path(
                body["ToleratedFailurePercentagePath"])[0]
        for field in ("ItemReader", "ResultWriter", "ItemBatcher"):
            if field in body:
                st.entry_error = ("States.Runtime",
                                  f"fastsfn does not support the Map field '{field}' yet")


# Fields whose value AWS requires to be a number, an array or an object; a template
# placeholder string there was meant to be filled in at deploy time.
_STRUCTURED = frozenset({
    "TimeoutSeconds", "HeartbeatSeconds", "Seconds", "MaxConcurrency", "ToleratedFailureCount",
    "ToleratedFailurePercentage", "Retry", "Catch", "Branches", "Choices", "ItemProcessor",
    "Iterator", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
})


def _without_placeholders(body: dict, index: dict[str, int]) -> tuple[dict, str | None]:
    """The state without unfilled placeholders, and a message naming the first one: such a
    state compiles, and fails with States.Runtime if an execution reaches it."""
    found: list[str] = []

    def unfilled(field: str, value: Any) -> bool:
        if isinstance(value, str) and is_placeholder(value) and (
                field in _STRUCTURED or (field in ("Next", "Default") and value not in index)):
            found.append(f"fastsfn cannot run this state: its field '{field}' is the template "
                         f"placeholder '{value}', which was never filled in")
            return True
        return False

    clean = {}
    for field, value in body.items():
        if unfilled(field, value):
            continue
        if field in ("Retry", "Catch", "Choices") and isinstance(value, list):
            value = [{k: v for k, v in row.items() if not unfilled(k, v)}
                     for row in value if not unfilled(field, row)]
            if field == "Catch":
                value = [row for row in value if "Next" in row]
        clean[field] = value
    return clean, (found[0] if found else None)


def _growth(template: Any) -> Growth | None:
    """How large a template's output can be (None: it cannot be told)."""
    growth = template_growth(template)
    return None if growth is None else Growth(*growth)


def _io_path(body: dict, field: str) -> Callable | None:
    if field not in body:
        return None
    text = body[field]
    if text is None:
        return _empty_object
    if text == "$":
        return None
    return compile_path(text)


def _result_path(text: str | None) -> tuple[int, Callable | None]:
    if text is None:
        return RESULT_DISCARDED, None
    if text == "$":
        return RESULT_REPLACES, None
    return RESULT_MERGED, compile_reference_path(text)[1]


def _path_or_intrinsic(text: str) -> Callable:
    return compile_intrinsic(text) if is_intrinsic(text) else compile_path(text)


def _is_lambda_function(resource: str) -> bool:
    """A bare Lambda function ARN (its events are LambdaFunction*, not Task*)."""
    return resource.startswith("arn:aws:lambda:") and ":function:" in resource


def _log_resource(resource: str, lambda_function: bool) -> str:
    """The `resourceType`/`resource` members of Task events, as JSON text:
    `arn:aws:states:::lambda:invoke` -> lambda / invoke, `...:::aws-sdk:s3:getObject` ->
    aws-sdk:s3 / getObject; a resource that is not a service integration ARN (a fastsfn
    handler name) -> fastsfn / the resource. A bare Lambda ARN's LambdaFunction* events
    have the `resource` member only."""
    if lambda_function:
        return '"resource":' + dumps(resource)
    prefix, _, rest = resource.partition(":::")
    if prefix.startswith("arn:") and ":" in rest:
        kind, _, name = rest.rpartition(":")
    else:
        kind, name = "fastsfn", resource
    return '"resourceType":' + dumps(kind) + ',"resource":' + dumps(name)


def _retrier(row: dict) -> Retrier:
    return Retrier(
        row["ErrorEquals"],
        row.get("IntervalSeconds", 1),
        row.get("MaxAttempts", 3),
        row.get("BackoffRate", 2.0),
        row.get("MaxDelaySeconds", 0),
        row.get("JitterStrategy", "NONE") == "FULL",
    )


def _catcher(row: dict, index: dict[str, int]) -> Catcher:
    text = row.get("ResultPath", "$")
    mode, setter = _result_path(text)
    return Catcher(row["ErrorEquals"], index[row["Next"]], mode, setter,
                   _merge_size(text) if mode == RESULT_MERGED else 16)


def _merge_size(result_path: str) -> int:
    """What merging a result at this ResultPath may add besides the result: the objects the
    path makes on its way, at most its own text, escaped."""
    return 6 * len(result_path) + 16
