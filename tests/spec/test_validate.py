"""Definition validation (asl-reference §8): AWS's diagnostics, codes and JSON-pointer locations."""
from __future__ import annotations

import copy
import json

import pytest

from fastsfn.asl.validate import definition_error_message, unsupported_features, validate_definition
from fastsfn.errors import Diagnostic


def machine(*states: tuple[str, dict], **top) -> dict:
    """A definition whose StartAt is the first state."""
    d = {"StartAt": states[0][0], "States": dict(states)}
    d.update(top)
    return d


def one(state: dict, **top) -> dict:
    """A one-state machine named S; Next/End are added for the types that take them."""
    state = dict(state)
    if state.get("Type") not in ("Choice", "Succeed", "Fail") and "Next" not in state \
            and "End" not in state:
        state["End"] = True
    return machine(("S", state), **top)


def errors(definition, type: str = "STANDARD") -> list[Diagnostic]:
    if isinstance(definition, dict):
        definition = json.dumps(definition)
    return [d for d in validate_definition(definition, type) if d.severity == "ERROR"]


def assert_ok(definition, type: str = "STANDARD") -> None:
    assert errors(definition, type) == []


def assert_diag(definition, code: str, location: str | None, text: str,
                type: str = "STANDARD") -> None:
    found = errors(definition, type)
    assert any(d.code == code and d.location == location and text in d.message for d in found), \
        found


TASK = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f"}


class TestTopLevel:
    def test_minimal_machine_is_valid(self):
        assert_ok(one({"Type": "Pass"}))

    def test_not_json(self):
        found = errors("not a definition")
        assert [d.code for d in found] == ["INVALID_JSON_DESCRIPTION"]

    @pytest.mark.parametrize("text", ["", " ", "[]", "1", "null"])
    def test_not_an_object(self, text):
        assert errors(text) == [Diagnostic(
            "ERROR", "SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object")]

    def test_empty_object(self):
        assert errors("{}") == [Diagnostic(
            "ERROR", "SCHEMA_VALIDATION_FAILED", "These fields are required: [States, StartAt]", "/")]

    def test_missing_start_at(self):
        d = one({"Type": "Pass"})
        del d["StartAt"]
        assert errors(d) == [Diagnostic(
            "ERROR", "SCHEMA_VALIDATION_FAILED", "These fields are required: [StartAt]", "/")]

    def test_unknown_top_level_field(self):
        assert_diag(one({"Type": "Pass"}, Coment="x"), "SCHEMA_VALIDATION_FAILED", "/",
                    "Field 'Coment' is not supported")

    def test_empty_states(self):
        assert_diag({"StartAt": "A", "States": {}}, "SCHEMA_VALIDATION_FAILED", "/States",
                    "Value cannot be empty")

    @pytest.mark.parametrize("value", [0, -1, 1.5, "10"])
    def test_bad_timeout_seconds(self, value):
        found = errors(one({"Type": "Pass"}, TimeoutSeconds=value))
        assert [d.location for d in found] == ["/TimeoutSeconds"]

    def test_optional_fields(self):
        assert_ok(one({"Type": "Pass"}, Comment="c", Version="1.0", TimeoutSeconds=30,
                      QueryLanguage="JSONPath"))

    def test_bad_version_and_query_language(self):
        assert_diag(one({"Type": "Pass"}, Version="2.0"), "SCHEMA_VALIDATION_FAILED", "/Version",
                    "'Version'")
        assert_diag(one({"Type": "Pass"}, QueryLanguage="SQL"), "SCHEMA_VALIDATION_FAILED",
                    "/QueryLanguage", "[JSONPath, JSONata]")

    def test_downgrade_query_language(self):
        d = one({"Type": "Pass", "QueryLanguage": "JSONPath"}, QueryLanguage="JSONata")
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")

    def test_dict_input_accepted(self):
        assert validate_definition(one({"Type": "Pass"})) == []


class TestCommonStateFields:
    def test_bad_type(self):
        assert_diag(one({"Type": "Lambda"}), "SCHEMA_VALIDATION_FAILED", "/States/S/Type",
                    "The field 'Type' should have one of these values: "
                    "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]")

    def test_missing_type(self):
        assert_diag(machine(("S", {"End": True})), "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "These fields are required: [Type]")

    def test_unknown_field(self):
        assert_diag(one({"Type": "Pass", "_comment": "x"}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S", "Field '_comment' is not supported")

    @pytest.mark.parametrize("kind", ["Pass", "Wait", "Choice", "Succeed", "Fail"])
    def test_retry_catch_timeout_only_where_allowed(self, kind):
        state = {"Type": kind, "Retry": [], "Catch": [], "TimeoutSeconds": 5}
        found = {d.message for d in errors(one(state)) if d.location == "/States/S"}
        assert {"Field 'Retry' is not supported", "Field 'Catch' is not supported",
                "Field 'TimeoutSeconds' is not supported"} <= found

    def test_neither_next_nor_end(self):
        assert_diag(machine(("S", {"Type": "Pass"})), "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "[Next, End]")

    def test_both_next_and_end(self):
        d = machine(("S", {"Type": "Pass", "Next": "T", "End": True}), ("T", {"Type": "Succeed"}))
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S", "[Next, End]")

    def test_end_false(self):
        assert_diag(one({"Type": "Pass", "End": False}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/End", "'End'")

    @pytest.mark.parametrize("kind", ["Succeed", "Fail"])
    def test_next_end_on_terminal_types(self, kind):
        assert_diag(machine(("S", {"Type": kind, "End": True})), "SCHEMA_VALIDATION_FAILED",
                    "/States/S", "Field 'End' is not supported")

    def test_jsonata_field_in_jsonpath_state(self):
        assert_diag(one({"Type": "Pass", "Output": {}}), "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported "
                    "for the 'JSONata' QueryLanguage")

    def test_jsonpath_field_in_jsonata_state(self):
        d = one({"Type": "Pass", "QueryLanguage": "JSONata", "InputPath": "$.a"})
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only "
                    "supported for the 'JSONPath' QueryLanguage")

    def test_state_name_too_long(self):
        name = "x" * 81
        found = errors(machine((name, {"Type": "Succeed"})))
        assert [d.location for d in found] == [f"/States/{name}"]


class TestPass:
    def test_all_fields(self):
        assert_ok(one({"Type": "Pass", "Comment": "c", "InputPath": "$.a", "OutputPath": None,
                       "Parameters": {"x.$": "$.y", "lit": "$.not-a-path"}, "ResultPath": "$.r",
                       "Result": {"any": ["json", 1]}}))

    def test_result_selector_not_allowed(self):
        assert_diag(one({"Type": "Pass", "ResultSelector": {}}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S", "Field 'ResultSelector' is not supported")


class TestTask:
    def test_valid_resources(self):
        for resource in (
            "arn:aws:lambda:us-east-1:111111111111:function:f",
            "arn:aws:states:::lambda:invoke",
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "arn:aws:states:::states:startExecution.sync:2",
            "arn:aws:states:::aws-sdk:s3:listBuckets",
            "arn:aws:states:::events:putEvents",
            "arn:aws:states:::http:invoke",
            "arn:aws:states:us-east-1:111111111111:activity:a",
            "arn:${AWS::Partition}:states:::sqs:sendMessage",
            "${LambdaArn}",
            "<MyFunctionArn>",
        ):
            assert_ok(one({**TASK, "Resource": resource}))

    def test_resource_required(self):
        assert_diag(one({"Type": "Task"}), "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "These fields are required: [Resource]")

    @pytest.mark.parametrize("resource", ["myFunction", "arn:aws:lambda", 42])
    def test_unrecognized_resource(self, resource):
        found = errors(one({**TASK, "Resource": resource}))
        assert [d.location for d in found] == ["/States/S/Resource"]

    def test_timeouts(self):
        assert_ok(one({**TASK, "TimeoutSeconds": 10, "HeartbeatSeconds": 5}))
        assert_ok(one({**TASK, "TimeoutSecondsPath": "$.t", "HeartbeatSecondsPath": "$.h"}))
        assert_diag(one({**TASK, "TimeoutSeconds": 0}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/TimeoutSeconds", "between 1 and 99999999")
        assert_diag(one({**TASK, "HeartbeatSeconds": 1.5}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/HeartbeatSeconds", "[INTEGER]")

    def test_timeout_exclusive_with_path(self):
        assert_diag(one({**TASK, "TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "[TimeoutSeconds, TimeoutSecondsPath]")
        assert_diag(one({**TASK, "HeartbeatSeconds": 1, "HeartbeatSecondsPath": "$.t"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "[HeartbeatSeconds, HeartbeatSecondsPath]")

    def test_heartbeat_not_below_timeout(self):
        assert_diag(one({**TASK, "TimeoutSeconds": 10, "HeartbeatSeconds": 10}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/HeartbeatSeconds", "HeartbeatSeconds")

    def test_timeout_path_is_a_reference_path(self):
        assert_diag(one({**TASK, "TimeoutSecondsPath": "$.t[*]"}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/TimeoutSecondsPath", "'TimeoutSecondsPath'")

    def test_credentials(self):
        assert_ok(one({**TASK, "Credentials": {"RoleArn": "arn:aws:iam::1:role/r"}}))
        assert_ok(one({**TASK, "Credentials": {"RoleArn.$": "$.role"}}))
        assert_diag(one({**TASK, "Credentials": {}}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Credentials", "The field 'RoleArn' is required but was missing")

    def test_result_selector_template(self):
        assert_ok(one({**TASK, "ResultSelector": {"p.$": "$.Payload"}}))
        assert_diag(one({**TASK, "ResultSelector": {"p.$": 3}}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/ResultSelector/p.$",
                    "The value for the field 'p.$' must be a valid JSONPath or a valid "
                    "intrinsic function call")


class TestWait:
    @pytest.mark.parametrize("option", [
        {"Seconds": 0}, {"Seconds": 99999999}, {"Timestamp": "2024-01-01T00:00:00Z"},
        {"Timestamp": "2024-01-01T00:00:00.123+02:00"}, {"SecondsPath": "$.s"},
        {"TimestampPath": "$$.Execution.Input.t"}])
    def test_one_option(self, option):
        assert_ok(one({"Type": "Wait", **option}))

    @pytest.mark.parametrize("options", [{}, {"Seconds": 1, "SecondsPath": "$.s"},
                                         {"Seconds": 1, "Timestamp": "2024-01-01T00:00:00Z"}])
    def test_not_exactly_one_option(self, options):
        assert_diag(one({"Type": "Wait", **options}), "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "[Seconds, Timestamp, SecondsPath, TimestampPath]")

    @pytest.mark.parametrize("seconds", [-1, 1.5, 100000000])
    def test_bad_seconds(self, seconds):
        found = errors(one({"Type": "Wait", "Seconds": seconds}))
        assert [d.location for d in found] == ["/States/S/Seconds"]

    @pytest.mark.parametrize("ts", ["2016-12-05 21:29:29Z", "2016-12-05T21:29:29",
                                    "05-12-2016T21:29:29Z", "2016-12-05T25:29:29Z",
                                    "2016-13-05T21:29:29Z"])
    def test_bad_timestamp(self, ts):
        assert_diag(one({"Type": "Wait", "Timestamp": ts}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Timestamp", "String does not match RFC3339 timestamp")

    def test_seconds_path_is_a_reference_path(self):
        assert_diag(one({"Type": "Wait", "SecondsPath": "$..s"}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/SecondsPath", "'SecondsPath'")


class TestSucceedFail:
    def test_succeed(self):
        assert_ok(one({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}))

    def test_fail_fields(self):
        assert_ok(one({"Type": "Fail", "Error": "E", "Cause": "C"}))
        assert_ok(one({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$$.Execution.Name"}))
        assert_ok(one({"Type": "Fail", "ErrorPath": "States.Format('E{}', $.n)",
                       "CausePath": "States.JsonToString($.x)"}))
        assert_ok(one({"Type": "Fail"}))

    def test_fail_exclusive_pairs(self):
        assert_diag(one({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S", "[Error, ErrorPath]")
        assert_diag(one({"Type": "Fail", "Cause": "C", "CausePath": "$.c"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S", "[Cause, CausePath]")

    def test_fail_path_must_return_string(self):
        assert_diag(one({"Type": "Fail", "ErrorPath": "States.Array(1)"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/ErrorPath", "'ErrorPath'")
        assert_diag(one({"Type": "Fail", "CausePath": "oops"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/CausePath", "'CausePath'")

    def test_fail_has_no_io_fields(self):
        assert_diag(one({"Type": "Fail", "InputPath": "$"}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S", "Field 'InputPath' is not supported")


def choice(*rules, default: str | None = "Done", **extra) -> dict:
    state = {"Type": "Choice", "Choices": list(rules), **extra}
    if default is not None:
        state["Default"] = default
    return machine(("S", state), ("Done", {"Type": "Succeed"}))


class TestChoiceRules:
    @pytest.mark.parametrize("op,value", [
        ("StringEquals", "a"), ("StringLessThan", "a"), ("StringGreaterThan", "a"),
        ("StringLessThanEquals", "a"), ("StringGreaterThanEquals", "a"), ("StringMatches", "a*"),
        ("NumericEquals", 1), ("NumericLessThan", 1.5), ("NumericGreaterThan", -1),
        ("NumericLessThanEquals", 0), ("NumericGreaterThanEquals", 2),
        ("BooleanEquals", True),
        ("TimestampEquals", "2024-01-01T00:00:00Z"), ("TimestampLessThan", "2024-01-01T00:00:00Z"),
        ("TimestampGreaterThan", "2024-01-01T00:00:00Z"),
        ("TimestampLessThanEquals", "2024-01-01T00:00:00Z"),
        ("TimestampGreaterThanEquals", "2024-01-01T00:00:00Z"),
        ("IsNull", True), ("IsPresent", False), ("IsNumeric", True), ("IsString", True),
        ("IsBoolean", True), ("IsTimestamp", True),
        ("StringEqualsPath", "$.b"), ("NumericLessThanPath", "$.b"),
        ("BooleanEqualsPath", "$$.Execution.Input.b"), ("TimestampEqualsPath", "$.b[0]"),
    ])
    def test_every_operator(self, op, value):
        assert_ok(choice({"Variable": "$.a", op: value, "Next": "Done"}))

    @pytest.mark.parametrize("op,value,expected", [
        ("StringEquals", 1, "[STRING]"), ("NumericEquals", "1", "[NUMBER]"),
        ("BooleanEquals", "true", "[BOOLEAN]"), ("IsNull", 1, "[BOOLEAN]"),
        ("TimestampEquals", "2024-01-01", "String does not match RFC3339 timestamp"),
        ("StringEqualsPath", "$..b", "'StringEqualsPath'"),
    ])
    def test_bad_operand(self, op, value, expected):
        assert_diag(choice({"Variable": "$.a", op: value, "Next": "Done"}),
                    "SCHEMA_VALIDATION_FAILED", f"/States/S/Choices/0/{op}", expected)

    def test_nested_and_or_not(self):
        rule = {"And": [{"Variable": "$.a", "IsPresent": True},
                        {"Or": [{"Variable": "$.b", "NumericEquals": 1},
                                {"Not": {"Variable": "$.c", "StringEquals": "x"}}]}],
                "Next": "Done"}
        assert_ok(choice(rule))

    def test_empty_choices(self):
        assert_diag(choice(), "SCHEMA_VALIDATION_FAILED", "/States/S/Choices",
                    "Value cannot be empty")

    def test_choices_required(self):
        assert_diag(machine(("S", {"Type": "Choice", "Default": "Done"}),
                            ("Done", {"Type": "Succeed"})),
                    "SCHEMA_VALIDATION_FAILED", "/States/S", "These fields are required: [Choices]")

    def test_top_level_rule_needs_next(self):
        assert_diag(choice({"Variable": "$.a", "IsNull": True}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Choices/0", "These fields are required: [Next]")

    def test_nested_rule_must_not_have_next(self):
        rule = {"Not": {"Variable": "$.a", "IsNull": True, "Next": "Done"}, "Next": "Done"}
        assert_diag(choice(rule), "SCHEMA_VALIDATION_FAILED", "/States/S/Choices/0/Not",
                    "Field 'Next' is not supported")

    def test_no_operator(self):
        assert_diag(choice({"Variable": "$.a", "Next": "Done"}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Choices/0", "exactly one")

    def test_two_operators(self):
        assert_diag(choice({"Variable": "$.a", "IsNull": True, "IsString": True, "Next": "Done"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Choices/0", "exactly one")

    def test_variable_required(self):
        assert_diag(choice({"IsNull": True, "Next": "Done"}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Choices/0", "These fields are required: [Variable]")

    def test_variable_is_a_reference_path(self):
        assert_diag(choice({"Variable": "$.a[*]", "IsNull": True, "Next": "Done"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Choices/0/Variable", "'Variable'")

    def test_empty_and(self):
        assert_diag(choice({"And": [], "Next": "Done"}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Choices/0/And", "Value cannot be empty")

    def test_condition_in_jsonpath_mode(self):
        assert_diag(choice({"Condition": "{% true %}", "Next": "Done"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Choices/0",
                    "field 'Condition' is only supported for the 'JSONata' QueryLanguage")

    def test_unknown_rule_field(self):
        assert_diag(choice({"Variable": "$.a", "StringEqual": "x", "Next": "Done"}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Choices/0",
                    "Field 'StringEqual' is not supported")

    def test_choice_has_no_next(self):
        assert_diag(choice({"Variable": "$.a", "IsNull": True, "Next": "Done"}, Next="Done"),
                    "SCHEMA_VALIDATION_FAILED", "/States/S", "Field 'Next' is not supported")


class TestRetryCatch:
    def test_full_retrier_and_catcher(self):
        state = {**TASK, "Next": "Done",
                 "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 3,
                            "MaxAttempts": 0, "BackoffRate": 1.5, "MaxDelaySeconds": 10,
                            "JitterStrategy": "FULL", "Comment": "c"},
                           {"ErrorEquals": ["States.ALL"]}],
                 "Catch": [{"ErrorEquals": ["Custom"], "Next": "Done", "ResultPath": "$.err"},
                           {"ErrorEquals": ["States.ALL"], "Next": "Done", "ResultPath": None}]}
        assert_ok(machine(("S", state), ("Done", {"Type": "Succeed"})))

    @pytest.mark.parametrize("field,value", [
        ("IntervalSeconds", 0), ("MaxAttempts", -1), ("BackoffRate", 0.5),
        ("MaxDelaySeconds", 0), ("MaxDelaySeconds", 31622401), ("JitterStrategy", "HALF"),
        ("IntervalSeconds", 1.5)])
    def test_bad_retrier_values(self, field, value):
        d = one({**TASK, "Retry": [{"ErrorEquals": ["E"], field: value}]})
        found = errors(d)
        assert [x.location for x in found] == [f"/States/S/Retry/0/{field}"], found

    def test_error_equals_required_and_non_empty(self):
        assert_diag(one({**TASK, "Retry": [{"MaxAttempts": 1}]}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Retry/0", "These fields are required: [ErrorEquals]")
        assert_diag(one({**TASK, "Retry": [{"ErrorEquals": []}]}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Retry/0/ErrorEquals", "Value cannot be empty")

    def test_states_all_alone_and_last(self):
        assert_diag(one({**TASK, "Retry": [{"ErrorEquals": ["States.ALL", "E"]}]}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Retry/0/ErrorEquals", "States.ALL")
        assert_diag(one({**TASK, "Retry": [{"ErrorEquals": ["States.ALL"]},
                                           {"ErrorEquals": ["E"]}]}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Retry/0", "last")

    def test_catcher_needs_next(self):
        assert_diag(one({**TASK, "Catch": [{"ErrorEquals": ["E"]}]}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Catch/0", "These fields are required: [Next]")

    def test_catcher_result_path(self):
        d = machine(("S", {**TASK, "End": True,
                           "Catch": [{"ErrorEquals": ["E"], "Next": "D", "ResultPath": "$.a..b"}]}),
                    ("D", {"Type": "Succeed"}))
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S/Catch/0/ResultPath", "'ResultPath'")

    def test_unknown_retrier_field(self):
        assert_diag(one({**TASK, "Retry": [{"ErrorEquals": ["E"], "Backoff": 2}]}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Retry/0", "Field 'Backoff' is not supported")


class TestPathsAndTemplates:
    @pytest.mark.parametrize("path", ["$", "$.a", "$.a.b[0]", "$['a b']", "$.a[*].b", "$..x",
                                      "$.a[?(@.b > 1)]", "$.a[1:3]", "$$", "$$.Execution.Input"])
    def test_valid_paths(self, path):
        assert_ok(one({"Type": "Pass", "InputPath": path, "OutputPath": path,
                       "Parameters": {"v.$": path}}))

    @pytest.mark.parametrize("path", ["a.b", "$.a[", ""])
    def test_invalid_input_path(self, path):
        assert_diag(one({"Type": "Pass", "InputPath": path}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/InputPath", "'InputPath'")

    @pytest.mark.parametrize("path", ["$.a[*]", "$..a", "$.a[1:2]", "$.a[?(@.b)]"])
    def test_result_path_is_a_reference_path(self, path):
        assert_diag(one({"Type": "Pass", "ResultPath": path}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/ResultPath", "'ResultPath'")

    def test_null_paths(self):
        assert_ok(one({"Type": "Pass", "InputPath": None, "OutputPath": None, "ResultPath": None}))

    def test_intrinsics_in_templates(self):
        assert_ok(one({"Type": "Pass", "Parameters": {
            "a.$": "States.Format('{} {}', $.x, States.UUID())",
            "nested": [{"b.$": "States.ArrayLength($.list)"}],
            "c.$": "States.MathAdd($.n, 1)"}}))

    @pytest.mark.parametrize("value", ["States.Nope(1)", "States.Format('{}'", "not a path", 1,
                                       None])
    def test_bad_dynamic_values(self, value):
        assert_diag(one({"Type": "Pass", "Parameters": {"deep": {"k.$": value}}}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Parameters/deep/k.$",
                    "The value for the field 'k.$' must be a valid JSONPath or a valid intrinsic "
                    "function call")

    def test_template_in_array(self):
        assert_diag(one({"Type": "Pass", "Parameters": {"l": [{"k.$": "x"}]}}),
                    "SCHEMA_VALIDATION_FAILED", "/States/S/Parameters/l/0/k.$", "'k.$'")

    def test_keys_without_suffix_are_literal(self):
        assert_ok(one({"Type": "Pass", "Parameters": {"k": "States.Nope(", "p": "$.[["}}))


def parallel(*branches, **extra) -> dict:
    return one({"Type": "Parallel", "Branches": list(branches), **extra})


def branch(name: str, state: dict | None = None) -> dict:
    return {"StartAt": name, "States": {name: state or {"Type": "Succeed"}}}


def map_state(processor: dict | None = None, key: str = "ItemProcessor", **extra) -> dict:
    state = {"Type": "Map", **extra}
    if processor is not None:
        state[key] = processor
    return one(state)


class TestParallel:
    def test_valid(self):
        assert_ok(parallel(branch("A"), branch("B"), ResultSelector={"r.$": "$[0]"},
                           ResultPath="$.out", Retry=[{"ErrorEquals": ["States.ALL"]}]))

    def test_branches_required_and_non_empty(self):
        assert_diag(one({"Type": "Parallel"}), "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "These fields are required: [Branches]")
        assert_diag(parallel(), "SCHEMA_VALIDATION_FAILED", "/States/S/Branches",
                    "Value cannot be empty")

    def test_nested_locations(self):
        d = parallel(branch("A"), branch("B", {"Type": "Pass", "Bogus": 1, "End": True}))
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S/Branches/1/States/B",
                    "Field 'Bogus' is not supported")

    def test_branch_shape(self):
        assert_diag(parallel({"States": {"A": {"Type": "Succeed"}}}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Branches/0", "These fields are required: [StartAt]")
        assert_diag(parallel({**branch("A"), "TimeoutSeconds": 3}), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/Branches/0", "Field 'TimeoutSeconds' is not supported")

    def test_branch_missing_start(self):
        d = parallel({"StartAt": "Z", "States": {"A": {"Type": "Succeed"}}})
        assert_diag(d, "MISSING_TRANSITION_TARGET", "/States/S/Branches/0/StartAt",
                    "Missing 'Next' target: Z")

    def test_branch_cannot_leave_its_scope(self):
        d = parallel(branch("A", {"Type": "Pass", "Next": "S"}))
        assert_diag(d, "MISSING_TRANSITION_TARGET", "/States/S/Branches/0/States/A/Next",
                    "Missing 'Next' target: S")


class TestMap:
    def test_inline_map(self):
        assert_ok(map_state(branch("A"), ItemsPath="$.items", ItemSelector={"v.$": "$$.Map.Item.Value"},
                            MaxConcurrency=0, ResultPath="$.r", ToleratedFailurePercentage=5))

    def test_legacy_iterator_and_parameters(self):
        assert_ok(map_state(branch("A"), key="Iterator", Parameters={"i.$": "$$.Map.Item.Index"},
                            MaxConcurrency=1))

    def test_processor_required(self):
        assert_diag(map_state(), "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "These fields are required: [ItemProcessor]")

    def test_exclusive_pairs(self):
        d = map_state(branch("A"), MaxConcurrency=1, MaxConcurrencyPath="$.m")
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "[MaxConcurrency, MaxConcurrencyPath]")
        d = map_state(branch("A"), ItemSelector={}, Parameters={})
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S", "[ItemSelector, Parameters]")
        d = one({"Type": "Map", "ItemProcessor": branch("A"), "Iterator": branch("B")})
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S", "[ItemProcessor, Iterator]")

    @pytest.mark.parametrize("field,value", [
        ("MaxConcurrency", -1), ("MaxConcurrency", "2"), ("ToleratedFailureCount", -1),
        ("ToleratedFailurePercentage", 101), ("ItemsPath", "items"),
        ("MaxConcurrencyPath", "$.a[*]"), ("ToleratedFailureCountPath", "x")])
    def test_bad_map_fields(self, field, value):
        found = errors(map_state(branch("A"), **{field: value}))
        assert [d.location for d in found] == [f"/States/S/{field}"], found

    def test_distributed_map(self):
        processor = {**branch("A"), "ProcessorConfig": {"Mode": "DISTRIBUTED",
                                                        "ExecutionType": "EXPRESS"}}
        assert_ok(map_state(
            processor, Label="run", ToleratedFailureCountPath="$.n",
            ItemReader={"Resource": "arn:aws:states:::s3:getObject",
                        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                        "Parameters": {"Bucket.$": "$.b", "Key": "k"}},
            ItemBatcher={"MaxItemsPerBatch": 10, "BatchInput": {"x.$": "$.x"}},
            ResultWriter={"Resource": "arn:aws:states:::s3:putObject",
                          "Parameters": {"Bucket": "b", "Prefix": "p"}}))

    def test_distributed_needs_execution_type(self):
        processor = {**branch("A"), "ProcessorConfig": {"Mode": "DISTRIBUTED"}}
        assert_diag(map_state(processor), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/ItemProcessor/ProcessorConfig",
                    "These fields are required: [ExecutionType]")

    def test_bad_mode(self):
        processor = {**branch("A"), "ProcessorConfig": {"Mode": "PARALLEL"}}
        assert_diag(map_state(processor), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/ItemProcessor/ProcessorConfig/Mode", "[INLINE, DISTRIBUTED]")

    @pytest.mark.parametrize("field", ["ItemReader", "ResultWriter", "ItemBatcher"])
    def test_distributed_only_fields_on_inline(self, field):
        assert_diag(map_state(branch("A"), **{field: {}}), "SCHEMA_VALIDATION_FAILED",
                    f"/States/S/{field}", "DISTRIBUTED")

    def test_nested_processor_locations(self):
        d = map_state(branch("A", {"Type": "Wait", "End": True}))
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S/ItemProcessor/States/A",
                    "[Seconds, Timestamp, SecondsPath, TimestampPath]")


class TestGraph:
    def test_missing_targets(self):
        d = machine(("A", {"Type": "Pass", "Next": "Nope"}), ("B", {"Type": "Succeed"}))
        found = errors(d)
        assert Diagnostic("ERROR", "MISSING_TRANSITION_TARGET", "Missing 'Next' target: Nope",
                          "/States/A/Next") in found
        assert Diagnostic("ERROR", "MISSING_TRANSITION_TARGET", 'State "B" is not reachable.',
                          "/States/B") in found

    def test_missing_start_at_target(self):
        d = machine(("A", {"Type": "Succeed"}))
        d["StartAt"] = "Z"
        assert_diag(d, "MISSING_TRANSITION_TARGET", "/StartAt", "Missing 'Next' target: Z")

    def test_missing_default_choice_and_catch_targets(self):
        d = machine(("S", {"Type": "Choice", "Default": "X",
                           "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Y"}]}))
        assert_diag(d, "MISSING_TRANSITION_TARGET", "/States/S/Default", "target: X")
        assert_diag(d, "MISSING_TRANSITION_TARGET", "/States/S/Choices/0/Next", "target: Y")
        d = one({**TASK, "Catch": [{"ErrorEquals": ["E"], "Next": "Q"}]})
        assert_diag(d, "MISSING_TRANSITION_TARGET", "/States/S/Catch/0/Next", "target: Q")

    def test_catch_and_choice_make_states_reachable(self):
        d = machine(("S", {**TASK, "Next": "C", "Catch": [{"ErrorEquals": ["E"], "Next": "F"}]}),
                    ("C", {"Type": "Choice", "Default": "D",
                           "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "S"}]}),
                    ("D", {"Type": "Succeed"}), ("F", {"Type": "Fail"}))
        assert_ok(d)

    def test_unreachable_in_branch(self):
        b = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}}
        assert_diag(parallel(b), "MISSING_TRANSITION_TARGET", "/States/S/Branches/0/States/B",
                    'State "B" is not reachable.')

    def test_no_terminal_state(self):
        d = machine(("A", {"Type": "Pass", "Next": "B"}), ("B", {"Type": "Pass", "Next": "A"}))
        assert errors(d) == [Diagnostic("ERROR", "MISSING_END_STATE",
                                        "Workflow has no terminal state")]

    def test_duplicate_names_across_the_machine(self):
        d = parallel(branch("S"))
        assert_diag(d, "DUPLICATE_STATE_NAME", "/States/S/Branches/0/States/S",
                    "Duplicate State name: S")
        d = one({"Type": "Parallel", "Branches": [branch("A"), branch("A")]})
        assert_diag(d, "DUPLICATE_STATE_NAME", "/States/S/Branches/1/States/A",
                    "Duplicate State name: A")


class TestExpress:
    @pytest.mark.parametrize("resource,suffix", [
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", ".waitForTaskToken"),
        ("arn:aws:states:::states:startExecution.sync", ".sync"),
        ("arn:aws:states:::states:startExecution.sync:2", ".sync:2"),
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", ".waitForTaskToken"),
    ])
    def test_service_patterns(self, resource, suffix):
        d = one({**TASK, "Resource": resource})
        assert errors(d, "EXPRESS") == [Diagnostic(
            "ERROR", "SCHEMA_VALIDATION_FAILED",
            f"Express state machine does not support '{suffix}' service integration ",
            "/States/S/Resource")]
        assert_ok(d, "STANDARD")

    def test_activity(self):
        d = one({**TASK, "Resource": "arn:aws:states:us-east-1:111111111111:activity:a"})
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S/Resource",
                    "Express state machine does not support Activity ARN", type="EXPRESS")
        assert_ok(d)

    def test_request_response_is_fine(self):
        assert_ok(one({**TASK, "Resource": "arn:aws:states:::sqs:sendMessage"}), "EXPRESS")
        assert_ok(one(TASK), "EXPRESS")

    def test_nested_in_branch(self):
        d = parallel(branch("A", {**TASK, "Resource": "arn:aws:states:::ecs:runTask.sync",
                                  "End": True}))
        assert_diag(d, "SCHEMA_VALIDATION_FAILED", "/States/S/Branches/0/States/A/Resource",
                    "'.sync'", type="EXPRESS")

    def test_distributed_map_needs_standard_parent(self):
        processor = {**branch("A"), "ProcessorConfig": {"Mode": "DISTRIBUTED",
                                                        "ExecutionType": "EXPRESS"}}
        assert_diag(map_state(processor), "SCHEMA_VALIDATION_FAILED", "/States/S",
                    "Distributed Map", type="EXPRESS")

    def test_express_child_of_distributed_map(self):
        processor = {**branch("A", {**TASK, "Resource": "arn:aws:states:::glue:startJobRun.sync",
                                    "End": True}),
                     "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}}
        assert_diag(map_state(processor), "SCHEMA_VALIDATION_FAILED",
                    "/States/S/ItemProcessor/States/A/Resource", "'.sync'")
        processor["ProcessorConfig"]["ExecutionType"] = "STANDARD"
        assert_ok(map_state(processor))


class TestUnsupportedFeatures:
    def test_jsonata_top_level(self):
        d = one({"Type": "Pass", "Output": "{% $states.input %}"}, QueryLanguage="JSONata")
        assert errors(d) == [Diagnostic("ERROR", "UNSUPPORTED_FEATURE",
                                        "fastsfn does not support QueryLanguage 'JSONata' yet",
                                        "/QueryLanguage")]

    def test_jsonata_state(self):
        d = one({"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"a": "{% 1 %}"}})
        assert_diag(d, "UNSUPPORTED_FEATURE", "/States/S/QueryLanguage", "'JSONata'")

    def test_assign(self):
        d = one({"Type": "Pass", "Assign": {"x": 1}})
        assert_diag(d, "UNSUPPORTED_FEATURE", "/States/S/Assign", "'Assign'")

    def test_assign_in_rule_and_catcher(self):
        d = machine(("S", {**TASK, "Next": "C",
                           "Catch": [{"ErrorEquals": ["E"], "Next": "C", "Assign": {"e": 1}}]}),
                    ("C", {"Type": "Choice", "Default": "D", "Choices": [
                        {"Variable": "$.a", "IsNull": True, "Next": "D", "Assign": {"y": 2}}]}),
                    ("D", {"Type": "Succeed"}))
        assert_diag(d, "UNSUPPORTED_FEATURE", "/States/S/Catch/0/Assign", "'Assign'")
        assert_diag(d, "UNSUPPORTED_FEATURE", "/States/C/Choices/0/Assign", "'Assign'")

    def test_variable_reference(self):
        d = one({"Type": "Pass", "Parameters": {"v.$": "$answer"}})
        assert_diag(d, "UNSUPPORTED_FEATURE", "/States/S/Parameters/v.$", "variables")

    def test_aws_errors_win(self):
        d = one({"Type": "Pass", "Assign": {"x": 1}, "Bogus": 1}, QueryLanguage="JSONata")
        assert {x.code for x in errors(d)} == {"SCHEMA_VALIDATION_FAILED"}

    def test_function_directly(self):
        assert unsupported_features(one({"Type": "Pass"})) == []
        assert len(unsupported_features(one({"Type": "Pass", "Assign": {}},
                                            QueryLanguage="JSONata"))) == 2

    def test_jsonata_strings_in_jsonpath_state_are_literals(self):
        assert_ok(one({"Type": "Pass", "Result": "{% 1 + 1 %}"}))


class TestDefinitionErrorMessage:
    def test_single(self):
        found = errors("{}")
        assert definition_error_message(found) == (
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are "
            "required: [States, StartAt] at /'")

    def test_several_joined_with_comma(self):
        d = machine(("A", {"Type": "Pass", "Next": "Nope"}), ("B", {"Type": "Succeed"}))
        assert definition_error_message(errors(d)) == (
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: "
            "Nope at /States/A/Next, MISSING_TRANSITION_TARGET: State \"B\" is not reachable. "
            "at /States/B'")

    def test_no_location(self):
        d = [Diagnostic("ERROR", "MISSING_END_STATE", "Workflow has no terminal state")]
        assert definition_error_message(d) == (
            "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state "
            "at null'")


class TestPlaceholders:
    """Template placeholders left in real definitions stand for deploy-time values."""

    def test_placeholder_values(self):
        d = one({**TASK, "Resource": "${Fn}", "TimeoutSeconds": "${Timeout}",
                 "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": "${Attempts}"}]})
        assert_ok(d)

    def test_placeholder_catcher_hides_edges(self):
        d = machine(("S", {**TASK, "End": True, "Catch": ["${Handler}"]}),
                    ("H", {**TASK, "End": True}))
        assert_ok(d)

    def test_input_is_not_mutated(self):
        d = parallel(branch("A"))
        before = copy.deepcopy(d)
        validate_definition(d)
        assert d == before
