"""The eight state types and input/output processing, run end to end through the executor.

Organised by asl-reference.md sections; expected values are written from the spec.
"""
from __future__ import annotations

import asyncio
import json
import time

import pytest

import fastsfn
from fastsfn.runtime import Runtime

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def machine(states, start=None, handlers=None, sleep_scale=0.0, **top):
    definition = {"StartAt": start or next(iter(states)), "States": states, **top}
    return fastsfn.compile_machine(definition, handlers, sleep_scale=sleep_scale)


def run(states, input=None, **kw):
    return machine(states, **kw).run({} if input is None else input)


class TestInputOutputProcessing:
    """§3.1: InputPath -> Parameters -> result -> ResultSelector -> ResultPath -> OutputPath."""

    def test_input_path_selects(self):
        out = run({"P": {"Type": "Pass", "InputPath": "$.a", "End": True}}, {"a": {"b": 1}})
        assert out.output == {"b": 1}

    def test_input_path_null_gives_empty_object(self):
        out = run({"P": {"Type": "Pass", "InputPath": None, "End": True}}, {"a": 1})
        assert out.output == {}

    def test_result_path_merges_into_raw_input(self):
        out = run({"P": {"Type": "Pass", "InputPath": "$.a", "Result": 5,
                         "ResultPath": "$.r", "End": True}}, {"a": {"x": 1}})
        assert out.output == {"a": {"x": 1}, "r": 5}

    def test_result_path_null_discards(self):
        out = run({"P": {"Type": "Pass", "Result": 5, "ResultPath": None, "End": True}},
                  {"keep": True})
        assert out.output == {"keep": True}

    def test_result_path_creates_intermediates(self):
        out = run({"P": {"Type": "Pass", "Result": "v", "ResultPath": "$.a.b.c", "End": True}},
                  {"z": 0})
        assert out.output == {"z": 0, "a": {"b": {"c": "v"}}}

    def test_result_path_does_not_mutate_input(self):
        data = {"a": {"b": 1}}
        m = machine({"P": {"Type": "Pass", "Result": 2, "ResultPath": "$.a.c", "End": True}})
        assert m(data) == {"a": {"b": 1, "c": 2}}
        assert data == {"a": {"b": 1}}

    def test_result_path_match_failure_is_catchable(self):
        out = run({
            "P": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "Next": "E"},
            "E": {"Type": "Succeed"}}, {"a": "scalar"})
        assert out.status == "FAILED" and out.error == "States.ResultPathMatchFailure"

    def test_output_path(self):
        out = run({"P": {"Type": "Pass", "Result": {"x": {"y": 2}}, "OutputPath": "$.x",
                         "End": True}})
        assert out.output == {"y": 2}

    def test_output_path_null(self):
        out = run({"P": {"Type": "Pass", "OutputPath": None, "End": True}}, {"a": 1})
        assert out.output == {}

    def test_missing_output_path_is_runtime_error(self):
        out = run({"pass": {"Type": "Pass", "OutputPath": "$.NoSuchOutputPath", "End": True}},
                  {"a": 1})
        assert out.status == "FAILED" and out.error == "States.Runtime"
        assert out.cause == ("An error occurred while executing the state 'pass' (entered at "
                             "the event id #2). Invalid path '$.NoSuchOutputPath' : No results "
                             "for path: $['NoSuchOutputPath']")

    def test_parameters_missing_path_cause(self):
        out = run({"pass": {"Type": "Pass", "Parameters": {"value.$": "$.nope"}, "End": True}},
                  {"a": 1})
        assert out.error == "States.Runtime"
        assert out.cause == ("An error occurred while executing the state 'pass' (entered at "
                             "the event id #2). The JSONPath '$.nope' specified for the field "
                             "'value.$' could not be found in the input '{\"a\":1}'")

    def test_states_runtime_is_never_caught(self):
        out = run({
            "T": {"Type": "Pass", "OutputPath": "$.missing", "Next": "E"},
            "E": {"Type": "Succeed"}}, {})
        assert out.error == "States.Runtime"


class TestPass:
    def test_result_wins_over_parameters(self):
        out = run({"P": {"Type": "Pass", "Result": {"r": 1}, "Parameters": {"p": 2},
                         "End": True}})
        assert out.output == {"r": 1}

    def test_parameters_template(self):
        out = run({"P": {"Type": "Pass", "Parameters": {"lit": "$.x", "dyn.$": "$.x",
                                                        "nested": {"d.$": "$.y[1]"}},
                         "End": True}}, {"x": "X", "y": [0, 9]})
        assert out.output == {"lit": "$.x", "dyn": "X", "nested": {"d": 9}}

    def test_chain_and_next(self):
        out = run({
            "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Pass", "Result": 2, "ResultPath": "$.b", "End": True}})
        assert out.output == {"a": 1, "b": 2}

    def test_float_and_int_kept_apart(self):
        m = machine({"P": {"Type": "Pass", "Result": {"f": 1.0, "i": 1}, "End": True}})
        out = m({})
        assert type(out["f"]) is float and type(out["i"]) is int


class TestChoice:
    def states(self):
        return {
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
                {"Not": {"Variable": "$.s", "StringEquals": "x"}, "Next": "NotX"}],
                "Default": "Other"},
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "NotX": {"Type": "Pass", "Result": "notx", "End": True},
            "Other": {"Type": "Pass", "Result": "other", "End": True}}

    @pytest.mark.parametrize("data,expected", [
        ({"n": 11, "s": "x"}, "big"), ({"n": 1, "s": "y"}, "notx"), ({"n": 1, "s": "x"}, "other")])
    def test_first_match_wins(self, data, expected):
        assert run(self.states(), data).output == expected

    def test_no_match_without_default(self):
        out = run({"C": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericEquals": 1, "Next": "E"}]},
            "E": {"Type": "Succeed"}}, {"n": 2})
        assert out.status == "FAILED" and out.error == "States.NoChoiceMatched"

    def test_output_is_effective_input(self):
        out = run({"C": {"Type": "Choice", "InputPath": "$.in", "OutputPath": "$.v",
                         "Choices": [{"Variable": "$.v", "IsPresent": True, "Next": "E"}]},
                   "E": {"Type": "Succeed"}}, {"in": {"v": 7}})
        assert out.output == 7


class TestWait:
    def test_seconds_path_waits_and_passes_input(self):
        m = machine({"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}},
                    sleep_scale=1.0)
        start = time.monotonic()
        assert m({"s": 0}) == {"s": 0}
        outcome = m.run({"s": 1})
        assert outcome.output == {"s": 1}
        m2 = machine({"W": {"Type": "Wait", "Seconds": 1, "End": True}}, sleep_scale=0.05)
        t0 = time.monotonic()
        m2({})
        assert time.monotonic() - t0 >= 0.04
        assert time.monotonic() - start >= 1.0

    @pytest.mark.parametrize("value,detail", [
        (-1, "The SecondsPath parameter references a negative value: $.s == -1"),
        (1.5, "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"),
    ])
    def test_bad_seconds_path(self, value, detail):
        out = run({"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}, {"s": value})
        assert out.error == "States.Runtime" and out.cause.endswith(detail)

    def test_timestamp_in_past_does_not_wait(self):
        out = run({"W": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "End": True}},
                  {"a": 1}, sleep_scale=1.0)
        assert out.output == {"a": 1}

    def test_bad_timestamp_path(self):
        out = run({"W": {"Type": "Wait", "TimestampPath": "$.t", "End": True}},
                  {"t": "2016-12-05 21:29:29Z"})
        assert out.error == "States.Runtime"
        assert out.cause.endswith("The TimestampPath parameter does not reference a valid "
                                  "ISO-8601 extended offset date-time format string: $.t == "
                                  "2016-12-05 21:29:29Z")

    def test_wait_past_express_limit_times_out(self):
        runtime = Runtime(sleep_scale=1.0, max_seconds=0.2)
        m = runtime.register("w", json.dumps({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 5, "End": True}}}), "arn:aws:iam::1:role/r")
        outcome = runtime.run_sync(m, runtime.new_execution(m, None, {}))
        assert outcome.status == "TIMED_OUT" and outcome.error == "States.Timeout"


class TestSucceedAndFail:
    def test_succeed_with_paths(self):
        out = run({"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}},
                  {"a": {"b": 3}})
        assert out.output == 3

    def test_fail_literal(self):
        out = run({"F": {"Type": "Fail", "Error": "E", "Cause": "C"}})
        assert (out.status, out.error, out.cause) == ("FAILED", "E", "C")

    def test_fail_empty(self):
        out = run({"F": {"Type": "Fail"}})
        assert (out.status, out.error, out.cause) == ("FAILED", None, None)

    def test_fail_paths(self):
        out = run({"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}},
                  {"e": "error string", "c": "cause string"})
        assert (out.error, out.cause) == ("error string", "cause string")

    def test_fail_intrinsic_cause(self):
        out = run({"F": {"Type": "Fail", "Error": "E",
                         "CausePath": "States.Format('bad {}', $.n)"}}, {"n": 3})
        assert out.cause == "bad 3"


class TestTaskRetryCatch:
    """§6: Retry then Catch, with AWS's matching rules."""

    def flaky(self, failures, error=ValueError):
        calls = []

        def handler(event, context):
            calls.append(event)
            if len(calls) <= failures:
                raise error("flaky")
            return {"ok": len(calls)}

        return handler, calls

    def task(self, **fields):
        return {"Type": "Task", "Resource": FN + "f", "End": True, **fields}

    def test_retry_until_success(self):
        handler, calls = self.flaky(2)
        out = run({"T": self.task(Retry=[{"ErrorEquals": ["ValueError"], "MaxAttempts": 2}])},
                  handlers={"f": handler})
        assert out.output == {"ok": 3} and len(calls) == 3

    def test_retry_exhausted_then_catch(self):
        handler, calls = self.flaky(10)
        states = {"T": {"Type": "Task", "Resource": FN + "f", "Next": "X",
                        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
                        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H",
                                   "ResultPath": "$.err"}]},
                  "X": {"Type": "Succeed"}, "H": {"Type": "Pass", "End": True}}
        out = run(states, {"in": 1}, handlers={"f": handler})
        assert len(calls) == 2
        assert out.output["in"] == 1 and out.output["err"]["Error"] == "ValueError"
        assert json.loads(out.output["err"]["Cause"])["errorMessage"] == "flaky"

    def test_only_first_matching_retrier_is_used(self):
        handler, calls = self.flaky(10)
        out = run({"T": self.task(Retry=[
            {"ErrorEquals": ["ValueError"], "MaxAttempts": 1},
            {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}])}, handlers={"f": handler})
        assert out.status == "FAILED" and len(calls) == 2

    def test_max_attempts_zero_never_retries(self):
        handler, calls = self.flaky(10)
        run({"T": self.task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}])},
            handlers={"f": handler})
        assert len(calls) == 1

    def test_task_failed_matches_handler_errors(self):
        handler, _ = self.flaky(10)
        states = {"T": {"Type": "Task", "Resource": FN + "f", "Next": "X",
                        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "H"}]},
                  "X": {"Type": "Succeed"}, "H": {"Type": "Pass", "End": True}}
        out = run(states, handlers={"f": handler})
        assert out.output["Error"] == "ValueError"

    def test_retry_count_in_context(self):
        handler, calls = self.flaky(2)
        out = run({"T": self.task(Parameters={"n.$": "$$.State.RetryCount"},
                                  Retry=[{"ErrorEquals": ["States.ALL"]}])},
                  handlers={"f": handler})
        assert [c["n"] for c in calls] == [0, 1, 2] and out.status == "SUCCEEDED"

    def test_backoff_really_sleeps(self):
        handler, calls = self.flaky(2)
        m = machine({"T": self.task(Retry=[{"ErrorEquals": ["States.ALL"],
                                            "IntervalSeconds": 1, "BackoffRate": 2.0}])},
                    handlers={"f": handler}, sleep_scale=0.02)
        t0 = time.monotonic()
        m({})
        assert time.monotonic() - t0 >= 0.02 * (1 + 2) * 0.9

    def test_task_timeout_on_async_handler(self):
        async def slow(event, context):
            await asyncio.sleep(5)

        m = machine({"T": self.task(TimeoutSeconds=1)}, handlers={"f": slow})
        t0 = time.monotonic()
        outcome = m.run({})
        assert outcome.error == "States.Timeout" and time.monotonic() - t0 < 3

    def test_oversized_task_result_is_data_limit_and_catchable(self):
        states = {"T": {"Type": "Task", "Resource": FN + "big", "Next": "X",
                        "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "H"}]},
                  "X": {"Type": "Succeed"}, "H": {"Type": "Pass", "End": True}}
        out = run(states, handlers={"big": lambda e, c: "x" * 300_000})
        assert out.output["Error"] == "States.DataLimitExceeded"
        assert FN + "big" in out.output["Cause"]

    def test_result_selector_and_result_path(self):
        out = run({"T": self.task(ResultSelector={"v.$": "$.value"}, ResultPath="$.r")},
                  {"keep": 1}, handlers={"f": lambda e, c: {"value": 42, "noise": 0}})
        assert out.output == {"keep": 1, "r": {"v": 42}}


class TestParallel:
    def test_branch_outputs_in_order(self):
        out = run({"P": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": True}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "InputPath": "$.x",
                                               "End": True}}}]}}, {"x": 1})
        assert out.output == ["a", 1]

    def test_branch_failure_surfaces_its_own_error(self):
        out = run({"P": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
            {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "FailureType",
                                               "Cause": "Cause description"}}}]}})
        assert (out.error, out.cause) == ("FailureType", "Cause description")

    def test_async_branches_run_concurrently(self):
        async def slow(event, context):
            await asyncio.sleep(0.2)
            return event

        branches = [{"StartAt": f"T{i}", "States": {f"T{i}": {
            "Type": "Task", "Resource": FN + "s", "End": True}}} for i in range(3)]
        m = machine({"P": {"Type": "Parallel", "End": True, "Branches": branches}},
                    handlers={"s": slow})
        t0 = time.monotonic()
        assert m({"v": 1}) == [{"v": 1}] * 3
        assert time.monotonic() - t0 < 0.5


class TestMap:
    def iterator(self, state):
        return {"StartAt": "I", "States": {"I": {**state, "End": True}}}

    def test_items_and_selector_with_context(self):
        out = run({"M": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                         "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value",
                                          "k.$": "$.k"},
                         "ItemProcessor": self.iterator({"Type": "Pass"})}},
                  {"items": ["a", "b"], "k": 0})
        assert out.output == [{"i": 0, "v": "a", "k": 0}, {"i": 1, "v": "b", "k": 0}]

    def test_legacy_iterator_and_parameters(self):
        out = run({"M": {"Type": "Map", "End": True, "Parameters": {"x.$": "$$.Map.Item.Value"},
                         "Iterator": self.iterator({"Type": "Pass", "InputPath": "$.x"})}},
                  [1, 2])
        assert out.output == [1, 2]

    def test_not_an_array(self):
        out = run({"M": {"Type": "Map", "End": True,
                         "ItemProcessor": self.iterator({"Type": "Pass"})}}, {"a": 1})
        assert out.error == "States.Runtime"
        assert "Map state input must be an array but was: {\"a\":1}" in out.cause

    def test_iteration_failure_fails_map(self):
        out = run({"M": {"Type": "Map", "End": True, "ItemProcessor": {
            "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2,
                                                      "Next": "F"}], "Default": "OK"},
                "F": {"Type": "Fail", "Error": "Two", "Cause": "item 2"},
                "OK": {"Type": "Succeed"}}}}}, [1, 2, 3])
        assert (out.error, out.cause) == ("Two", "item 2")

    def test_max_concurrency_one_runs_in_order(self):
        order = []

        async def record(event, context):
            order.append(("start", event))
            await asyncio.sleep(0.01)
            order.append(("end", event))
            return event

        m = machine({"M": {"Type": "Map", "End": True, "MaxConcurrency": 1,
                           "ItemProcessor": self.iterator({"Type": "Task",
                                                           "Resource": FN + "r"})}},
                    handlers={"r": record})
        assert m([1, 2, 3]) == [1, 2, 3]
        assert order == [("start", 1), ("end", 1), ("start", 2), ("end", 2),
                         ("start", 3), ("end", 3)]

    def test_max_concurrency_path_invalid(self):
        out = run({"MapState": {"Type": "Map", "End": True, "MaxConcurrencyPath": "$.m",
                                "ItemsPath": "$.items",
                                "ItemProcessor": self.iterator({"Type": "Pass"})}},
                  {"m": "NoNumber", "items": [1]})
        assert out.cause.endswith('The MaxConcurrencyPath field refers to value "NoNumber" '
                                  'which is not a valid integer: $.m')

    def test_tolerated_failures(self):
        iterator = {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2,
                                                 "Next": "F"}], "Default": "OK"},
            "F": {"Type": "Fail", "Error": "Two"}, "OK": {"Type": "Succeed"}}}
        ok = run({"M": {"Type": "Map", "End": True, "ToleratedFailureCount": 1,
                        "ItemProcessor": iterator}}, [1, 2, 3])
        assert ok.status == "SUCCEEDED"
        bad = run({"M": {"Type": "Map", "End": True, "ToleratedFailureCount": 0,
                         "ItemProcessor": iterator}}, [1, 2, 3])
        assert bad.error == "States.ExceedToleratedFailureThreshold"


class TestContextObject:
    def test_execution_fields(self):
        runtime = Runtime(region_name="us-east-1", account_id="111111111111")
        m = runtime.register("sm", json.dumps({"StartAt": "P", "States": {"P": {
            "Type": "Pass", "Parameters": {"ctx.$": "$$"}, "End": True}}}),
            "arn:aws:iam::111111111111:role/r", "STANDARD")
        outcome = runtime.run_sync(m, runtime.new_execution(m, "exec1", {"in": 1}))
        ctx = outcome.output["ctx"]
        assert ctx["Execution"]["Id"] == \
            "arn:aws:states:us-east-1:111111111111:execution:sm:exec1"
        assert ctx["Execution"]["Name"] == "exec1" and ctx["Execution"]["Input"] == {"in": 1}
        assert ctx["Execution"]["RoleArn"] == "arn:aws:iam::111111111111:role/r"
        assert ctx["StateMachine"] == {"Id": m.arn, "Name": "sm"}
        assert ctx["State"]["Name"] == "P" and "RetryCount" not in ctx["State"]  # Pass: none
        assert ctx["Execution"]["RedriveCount"] == 0  # STANDARD only
        start = ctx["Execution"]["StartTime"]
        assert len(start) == 24 and start.endswith("Z") and start[10] == "T"


class TestExecutionLimits:
    def test_infinite_loop_times_out(self):
        runtime = Runtime(max_seconds=0.3)
        m = runtime.register("loop", json.dumps({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": True,
                                                 "Next": "E"}], "Default": "A"},
            "E": {"Type": "Succeed"}}}),
            "arn:aws:iam::1:role/r")
        outcome = runtime.run_sync(m, runtime.new_execution(m, None, {}))
        assert outcome.status == "TIMED_OUT"

    def test_execution_timeout_seconds(self):
        runtime = Runtime(sleep_scale=1.0)
        m = runtime.register("t", json.dumps({"TimeoutSeconds": 1, "StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 3, "End": True}}}), "arn:aws:iam::1:role/r")
        t0 = time.monotonic()
        outcome = runtime.run_sync(m, runtime.new_execution(m, None, {}))
        assert outcome.status == "TIMED_OUT" and time.monotonic() - t0 < 2


class TestTaskTimeoutsAndIntegrations:
    """§4.1: TimeoutSeconds(Path), HeartbeatSeconds, integration patterns by workflow type."""

    async def _sleepy(self, event, context):
        await asyncio.sleep(event.get("sleep", 5))
        return {"slept": True}

    def test_timeout_seconds_path(self):
        m = machine({"T": {"Type": "Task", "Resource": FN + "s", "TimeoutSecondsPath": "$.t",
                           "End": True}}, handlers={"s": self._sleepy})
        assert m.run({"t": 1, "sleep": 0.01}).output == {"slept": True}
        assert m.run({"t": 1, "sleep": 3}).error == "States.Timeout"

    def test_heartbeat_timeout_is_caught_by_states_timeout(self):
        states = {"T": {"Type": "Task", "Resource": FN + "s", "HeartbeatSeconds": 1,
                        "TimeoutSeconds": 10, "Next": "X",
                        "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "H"}]},
                  "X": {"Type": "Succeed"}, "H": {"Type": "Pass", "End": True}}
        out = run(states, {"sleep": 3}, handlers={"s": self._sleepy})
        assert out.output["Error"] == "States.HeartbeatTimeout"

    def test_sync_integration_runs_through_a_handler_on_standard(self):
        definition = {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": True}}}
        m = fastsfn.compile_machine(definition, {"arn:aws:states:::glue:*": lambda e, c: "done"},
                                    type="STANDARD")
        assert m({}) == "done"

    def test_sync_integration_rejected_for_express(self):
        definition = {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": True}}}
        with pytest.raises(fastsfn.errors.DefinitionError) as e:
            fastsfn.compile_machine(definition, type="EXPRESS")
        assert "Express state machine does not support" in str(e.value)

    def test_activity_without_handler_fails_naming_it(self):
        arn = "arn:aws:states:us-east-1:123456789012:activity:approve"
        definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": arn,
                                                        "End": True}}}
        outcome = fastsfn.compile_machine(definition, type="STANDARD").run({})
        assert outcome.error == "States.Runtime" and arn in outcome.cause

    def test_express_executions_are_capped_at_five_minutes(self):
        runtime = Runtime()
        definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        express = runtime.register("e", definition, "arn:aws:iam::1:role/r", "EXPRESS")
        standard = runtime.register("s", definition, "arn:aws:iam::1:role/r", "STANDARD")
        capped = runtime.register("c", json.dumps({"TimeoutSeconds": 30, **json.loads(definition)}),
                                  "arn:aws:iam::1:role/r", "EXPRESS")
        assert 299 < runtime.new_execution(express, None, {}).remaining() <= 300
        assert runtime.new_execution(standard, None, {}).remaining() is None
        assert 29 < runtime.new_execution(capped, None, {}).remaining() <= 30


class TestRetryDetails:
    def failing(self):
        calls = []

        def handler(event, context):
            calls.append(time.monotonic())
            raise RuntimeError("no")

        return handler, calls

    def test_max_delay_seconds_caps_backoff(self):
        handler, calls = self.failing()
        m = machine({"T": {"Type": "Task", "Resource": FN + "f", "End": True, "Retry": [
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 2,
             "MaxDelaySeconds": 1}]}}, handlers={"f": handler}, sleep_scale=0.05)
        outcome = m.run({})
        assert outcome.error == "RuntimeError" and len(calls) == 3
        assert calls[2] - calls[0] < 0.3   # uncapped: 0.05 * (10 + 20) = 1.5 s

    def test_full_jitter_never_waits_longer(self):
        handler, calls = self.failing()
        m = machine({"T": {"Type": "Task", "Resource": FN + "f", "End": True, "Retry": [
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3,
             "JitterStrategy": "FULL"}]}}, handlers={"f": handler}, sleep_scale=0.05)
        m.run({})
        assert len(calls) == 4 and calls[3] - calls[0] <= 0.05 * (2 + 4 + 8) + 0.1

    def test_parallel_retry_and_catch(self):
        attempts = []

        def flaky(event, context):
            attempts.append(1)
            if len(attempts) < 2:
                raise ValueError("once")
            return "ok"

        out = run({"P": {"Type": "Parallel", "End": True,
                         "Retry": [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 1}],
                         "Branches": [{"StartAt": "T", "States": {"T": {
                             "Type": "Task", "Resource": FN + "f", "End": True}}}]}},
                  handlers={"f": flaky})
        assert out.output == ["ok"] and len(attempts) == 2

    def test_map_catch_with_result_path(self):
        out = run({"M": {"Type": "Map", "Next": "X", "ItemsPath": "$.items",
                         "Catch": [{"ErrorEquals": ["Bad"], "ResultPath": "$.error",
                                    "Next": "H"}],
                         "ItemProcessor": {"StartAt": "F", "States": {
                             "F": {"Type": "Fail", "Error": "Bad", "Cause": "c"}}}},
                   "X": {"Type": "Succeed"}, "H": {"Type": "Pass", "End": True}},
                  {"items": [1]})
        assert out.output == {"items": [1], "error": {"Error": "Bad", "Cause": "c"}}


class TestPayloadLimit:
    def test_pass_result_too_large_fails_after_entering(self):
        out = run({"Big": {"Type": "Pass", "Result": "x" * 262_145, "End": True}})
        assert out.error == "States.DataLimitExceeded"
        assert out.cause == ("The state/task 'Big' returned a result with a size exceeding "
                             "the maximum number of bytes service limit.")

    # Each iteration or branch returns 100,000 characters: within the limit alone, 300,000
    # bytes together.
    HUNDRED_K = {"hundred_k": lambda e, c: "x" * 100_000}
    ITERATION = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN + "hundred_k", "End": True}}}

    def branches(self, n):
        return [{"StartAt": f"T{i}", "States": {
            f"T{i}": {"Type": "Task", "Resource": FN + "hundred_k", "End": True}}}
            for i in range(n)]

    def test_map_output_over_the_limit(self):
        out = run({"M": {"Type": "Map", "ItemProcessor": self.ITERATION, "Next": "After"},
                   "After": {"Type": "Succeed"}}, [1, 2, 3], handlers=self.HUNDRED_K)
        assert out.error == "States.DataLimitExceeded"
        assert out.cause == ("The state/task 'M' returned a result with a size exceeding "
                             "the maximum number of bytes service limit.")

    def test_parallel_output_over_the_limit_is_catchable(self):
        out = run({"P": {"Type": "Parallel", "Branches": self.branches(3), "Next": "After",
                         "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]},
                   "After": {"Type": "Succeed"}, "Handled": {"Type": "Pass", "End": True}},
                  handlers=self.HUNDRED_K)
        assert out.status == "SUCCEEDED"
        assert out.output["Error"] == "States.DataLimitExceeded"

    def test_map_output_within_the_limit(self):
        out = run({"M": {"Type": "Map", "ItemProcessor": self.ITERATION, "End": True}},
                  [1, 2], handlers=self.HUNDRED_K)
        assert out.status == "SUCCEEDED" and len(out.output) == 2

    # Payloads grown inside the execution (AWS fails a state whose input after Parameters,
    # or whose output, is over the limit); each within the limit on its own.
    BIG = {"s": "x" * 150_000}
    DATA_LIMIT = ("The state/task '{}' returned a result with a size exceeding the maximum "
                  "number of bytes service limit.")

    def test_parameters_doubling_the_input(self):
        out = run({"P": {"Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"},
                         "ResultPath": None, "Next": "After"},
                   "After": {"Type": "Succeed"}}, self.BIG)
        assert (out.error, out.cause) == ("States.DataLimitExceeded",
                                          self.DATA_LIMIT.format("P"))

    def test_task_input_built_over_the_limit_is_not_sent(self):
        calls = []
        out = run({"T": {"Type": "Task", "Resource": FN + "f", "End": True,
                         "Parameters": {"a.$": "$.s", "b.$": "$.s"}}}, self.BIG,
                  handlers={"f": lambda e, c: calls.append(e)})
        assert out.error == "States.DataLimitExceeded" and calls == []

    def test_result_merged_into_the_input(self):
        out = run({"T": {"Type": "Task", "Resource": FN + "f", "ResultPath": "$.r",
                         "Next": "After"}, "After": {"Type": "Succeed"}}, self.BIG,
                  handlers={"f": lambda e, c: "y" * 150_000})
        assert out.error == "States.DataLimitExceeded"

    def test_intrinsic_output_over_the_limit(self):
        out = run({"P": {"Type": "Pass", "Parameters": {
            "a.$": "States.Format('{}{}{}{}', $.s, $.s, $.s, $.s)"}, "End": True}},
            {"s": "z" * 70_000})
        assert out.error == "States.DataLimitExceeded"

    def test_recursive_descent_gathering_a_payload_twice(self):
        nested = {"x": {"x": {"s": "x" * 100_000}}}   # $..x: both objects, one inside the other
        out = run({"P": {"Type": "Pass", "Parameters": {"all.$": "$..x"}, "End": True}},
                  {"a": nested, "b": nested})
        assert out.error == "States.DataLimitExceeded"

    def test_caught_error_merged_over_the_limit(self):
        def boom(event, context):
            raise ValueError("c" * 40_000)   # in the cause: 40,000 bytes and more
        out = run({"T": {"Type": "Task", "Resource": FN + "boom", "End": True, "Catch": [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "H"}]},
            "H": {"Type": "Pass", "End": True}}, {"s": "x" * 230_000},
            handlers={"boom": boom})
        assert out.error == "States.DataLimitExceeded"

    def test_map_item_selector_building_each_input_over_the_limit(self):
        out = run({"M": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                         "ItemSelector": {"s.$": "$.s", "again.$": "$.s"},
                         "ItemProcessor": {"StartAt": "P", "States": {
                             "P": {"Type": "Pass", "End": True}}}}},
                  {"items": [1], "s": "x" * 150_000})
        assert out.error == "States.DataLimitExceeded"

    def test_large_payloads_within_the_limit_are_not_failed(self):
        # 250,000 bytes carried through a template, a merged result and a Map: each output
        # stays within 262,144 bytes, however many states it passes.
        out = run({
            "Pick": {"Type": "Pass", "Parameters": {"s.$": "$.s", "items.$": "$.items"},
                     "Next": "Add"},
            "Add": {"Type": "Task", "Resource": FN + "f", "ResultPath": "$.r", "Next": "Each"},
            "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.items",
                     "ItemProcessor": self.ITERATION_SMALL, "End": True}},
            {"s": "x" * 250_000, "items": [1, 2, 3]},
            handlers={"f": lambda e, c: "y" * 5_000, "small": lambda e, c: e})
        assert out.status == "SUCCEEDED", out.cause
        assert len(out.output["s"]) == 250_000 and out.output["items"] == [1, 2, 3]

    ITERATION_SMALL = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN + "small", "End": True}}}

    def test_map_output_discarded_by_result_path(self):
        # The state's output is its input when ResultPath is null: nothing over the limit.
        out = run({"M": {"Type": "Map", "ItemProcessor": self.ITERATION, "ResultPath": None,
                         "End": True}}, [1, 2, 3], handlers=self.HUNDRED_K)
        assert out.status == "SUCCEEDED" and out.output == [1, 2, 3]


class TestTaskResultSize:
    """Task results are measured as JSON text; small flat objects skip the encoding."""

    def task(self, result):
        return run({"T": {"Type": "Task", "Resource": FN + "r", "End": True}},
                   handlers={"r": lambda e, c: result})

    def test_flat_object_just_over_the_limit(self):
        # 64 keys of 4,100 characters: about 262,700 bytes of JSON.
        big = {f"k{i:02d}": "x" * 4_100 for i in range(64)}
        assert self.task(big).error == "States.DataLimitExceeded"

    def test_escapes_count(self):
        # 50,000 newlines are 100,000 bytes once escaped; three of them are over the limit.
        out = self.task({"a": "\n" * 50_000, "b": "\n" * 50_000, "c": "\n" * 50_000})
        assert out.error == "States.DataLimitExceeded"

    def test_huge_integer_is_a_clear_error(self):
        out = self.task({"n": 10 ** 5_000})
        assert out.error == "States.Runtime"
        assert "cannot be written as JSON" in out.cause and "internal error" not in out.cause

    def test_small_result_passes(self):
        assert self.task({"a": "x" * 1000, "n": 1, "f": 1.5, "b": True, "z": None}).status \
            == "SUCCEEDED"

    def test_non_json_result_is_a_clear_error(self):
        out = self.task({"when": object()})
        assert out.error == "States.Runtime" and "not JSON" in out.cause

    def test_nested_non_json_value_is_found(self):
        out = self.task({"a": [1, {"when": object()}]})
        assert out.error == "States.Runtime" and "not JSON" in out.cause

    def test_nested_result_just_over_and_within_the_limit(self):
        part = {"s": "x" * 90_000}
        assert self.task([part, part, part]).error == "States.DataLimitExceeded"
        assert self.task([part, part]).status == "SUCCEEDED"

    def test_result_nested_too_deeply_is_a_clear_error(self):
        deep = []
        for _ in range(100_000):
            deep = [deep]
        out = self.task(deep)
        assert out.error == "States.Runtime" and "nested too deeply" in out.cause
