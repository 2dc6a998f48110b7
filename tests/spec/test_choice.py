"""Choice rules (JSONPath mode): fastsfn.compiler.choice.compile_condition.

Expected values are written by hand from the ASL spec and from what AWS recorded; the last
section replays the AWS-recorded single-rule Choice cases of ../shared/conformance.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fastsfn.compiler.choice import compile_condition
from fastsfn.errors import StatesRuntime
from tests.spec.fakes import Ctx


def check(rule, data, ctx=None):
    return compile_condition(rule)(data, ctx if ctx is not None else Ctx())


def var(op, operand, value, path="$.v"):
    """Evaluate {Variable: $.v, op: operand} against {"v": value}."""
    return check({"Variable": path, op: operand, "Next": "X"}, {"v": value})


ALL_TYPES = [None, 0, 0.0, 1, 1.1, -3, "", " ", "HelloWorld", "1", "2012-10-09T19:00:55Z",
             [], [""], {}, {"A": 0}, True, False]


# -- Numeric ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "op, operand, value, expected",
    [
        ("NumericEquals", 1, 1, True),
        ("NumericEquals", 1, 1.0, True),
        ("NumericEquals", 1.0, 1, True),
        ("NumericEquals", 0, 0.0, True),
        ("NumericEquals", 0, -0.0, True),
        ("NumericEquals", 2.22, 2.22, True),
        ("NumericEquals", 1, 1.1, False),
        ("NumericEquals", 1, True, False),       # a JSON boolean is not a number
        ("NumericEquals", 0, False, False),
        ("NumericEquals", 1, "1", False),         # nor is a numeric string
        ("NumericEquals", 0, None, False),
        ("NumericEquals", 0, [], False),
        ("NumericEquals", 0, {}, False),
        ("NumericLessThan", 1, 0, True),
        ("NumericLessThan", 1, 1, False),
        ("NumericLessThan", 1, 0.999, True),
        ("NumericLessThan", 0, -1, True),
        ("NumericLessThan", 1, False, False),
        ("NumericLessThan", 1, "0", False),
        ("NumericGreaterThan", 0, 1, True),
        ("NumericGreaterThan", 0, 0.0, False),
        ("NumericGreaterThan", 0, 1e-9, True),
        ("NumericGreaterThan", 0, True, False),
        ("NumericLessThanEquals", 1, 1.0, True),
        ("NumericLessThanEquals", 1, 2, False),
        ("NumericGreaterThanEquals", 0, 0.0, True),
        ("NumericGreaterThanEquals", 1, 0, False),
        ("NumericGreaterThanEquals", 10**20, 10**20 + 1, True),
    ],
)
def test_numeric(op, operand, value, expected):
    assert var(op, operand, value) is expected


@pytest.mark.parametrize(
    "op, v, w, expected",
    [
        ("NumericEqualsPath", 1, 1.0, True),
        ("NumericEqualsPath", 0.0, 0, True),
        ("NumericEqualsPath", 1.1, 1, False),
        ("NumericEqualsPath", True, 1, False),
        ("NumericEqualsPath", 1, True, False),    # operand of the wrong type: false too
        ("NumericEqualsPath", 1, "1", False),
        ("NumericEqualsPath", "", 0, False),
        ("NumericEqualsPath", None, 0, False),
        ("NumericLessThanPath", 0, 1, True),
        ("NumericLessThanPath", 0.0, 0, False),
        ("NumericGreaterThanPath", 1, 0, True),
        ("NumericGreaterThanPath", 0, 1, False),
        ("NumericLessThanEqualsPath", 0.0, 0, True),
        ("NumericLessThanEqualsPath", 1, 0, False),
        ("NumericGreaterThanEqualsPath", 1, 1, True),
        ("NumericGreaterThanEqualsPath", 0, 1, False),
    ],
)
def test_numeric_path(op, v, w, expected):
    assert check({"Variable": "$.v", op: "$.w"}, {"v": v, "w": w}) is expected


# -- String -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "op, operand, value, expected",
    [
        ("StringEquals", "Hello", "Hello", True),
        ("StringEquals", "HelloWorld", " ", False),
        ("StringEquals", "     ", " ", False),
        ("StringEquals", "1", 1, False),
        ("StringEquals", "true", True, False),
        ("StringEquals", "null", None, False),
        ("StringEquals", "", "", True),
        ("StringEquals", "caf\u00e9", "cafe\u0301", False),   # no normalisation
        ("StringLessThan", "AB", "A", True),
        ("StringLessThan", "A", "AB", False),
        ("StringLessThan", "", "", False),
        ("StringLessThan", "a", "B", True),                   # code units: 'B' < 'a'
        ("StringLessThan", "b", 1, False),
        ("StringGreaterThan", "ABC", "AB", False),
        ("StringGreaterThan", "A", "A ", True),
        ("StringGreaterThan", "", "", False),
        ("StringGreaterThanEquals", "", "", True),
        ("StringGreaterThanEquals", "A", "AB", True),
        ("StringGreaterThanEquals", "AB", "A", False),
        ("StringLessThanEquals", "AB", "A", True),
        ("StringLessThanEquals", "A", "AB", False),
        ("StringLessThanEquals", "", "", True),
        # Java compareTo is UTF-16 code-unit order: U+1F600 is \ud83d\ude00, below U+FF5E.
        ("StringLessThan", "\uff5e", "\U0001f600", True),
        ("StringGreaterThan", "\U0001f600", "\uff5e", True),
        ("StringGreaterThan", "\uff5e", "\U0001f600", False),
        ("StringLessThanEquals", "\U0001f600", "\uff5e", False),
        ("StringGreaterThanEquals", "\uff5e", "\U0001f600", False),
        ("StringLessThan", "a\U0001f600", "a\uff5e", False),
        ("StringLessThan", "\U0001f600", "a", True),           # plain ASCII vs astral
        ("StringGreaterThan", "\U0001f600", "\U0001f601", True),
        ("StringGreaterThan", "\U0001f601", "\U0001f600", False),
        ("StringEquals", "\U0001f600", "\U0001f600", True),
    ],
)
def test_string(op, operand, value, expected):
    assert var(op, operand, value) is expected


@pytest.mark.parametrize(
    "op, v, w, expected",
    [
        ("StringEqualsPath", "Hello", "Hello", True),
        ("StringEqualsPath", "\t\n", "\t\r\n", False),
        ("StringEqualsPath", "1", 1, False),
        ("StringEqualsPath", 1, "1", False),
        ("StringLessThanPath", "A", "AB", True),
        ("StringLessThanPath", "AB", "A", False),
        ("StringGreaterThanPath", "A", "A ", False),
        ("StringGreaterThanPath", "", "", False),
        ("StringGreaterThanEqualsPath", "A", "AB", False),
        ("StringLessThanEqualsPath", "A", "AB", True),
        ("StringLessThanPath", "\uff5e", "\U0001f600", False),
        ("StringLessThanPath", "\U0001f600", "\uff5e", True),
        ("StringGreaterThanPath", "\uff5ex", "\U0001f600", True),
        ("StringLessThanPath", "b", None, False),
    ],
)
def test_string_path(op, v, w, expected):
    assert check({"Variable": "$.v", op: "$.w"}, {"v": v, "w": w}) is expected


# -- StringMatches ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "pattern, value, expected",
    [
        ("log-*.txt", "log-2024.txt", True),
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log-2024.txt.bak", False),
        ("log-*.txt", "xlog-1.txt", False),
        ("*", "", True),
        ("*", "anything", True),
        ("**", "x", True),
        ("abc", "abc", True),
        ("abc", "abcd", False),
        ("abc*", "abcdef", True),
        ("abc*", "xabc", False),
        ("*abc", "xxabc", True),
        ("*abc", "abcx", False),
        ("*mid*", "a mid b", True),
        ("*mid*", "mi d", False),
        ("a*b*c", "aXbYc", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "acb", False),
        ("a*a", "a", False),                 # prefix and suffix may not overlap
        ("a*a", "aa", True),
        ("*.?[x]", "z.?[x]", True),           # ?, [, ], . are literal
        ("*.?[x]", "z.a[x]", False),
        ("a.c", "abc", False),
        ("\\*", "*", True),                   # JSON "\\*": a literal star
        ("\\*", "x", False),
        ("a\\*b", "a*b", True),
        ("a\\*b", "aXb", False),
        ("\\**", "*tail", True),
        ("\\**", "tail", False),
        ("\\\\", "\\", True),                 # JSON "\\\\": one literal backslash
        ("\\\\*", "\\abc", True),
        ("\\\\*", "abc", False),
        ("*\\\\", "a\\", True),
        ("line*", "line1\nline2", True),      # * spans newlines
        ("caf\u00e9*", "caf\u00e9 au lait", True),
        ("*\U0001f600", "smile \U0001f600", True),
    ],
)
def test_string_matches(pattern, value, expected):
    assert var("StringMatches", pattern, value) is expected


@pytest.mark.parametrize("value", [None, 1, 1.5, True, [], {}, ["log-1.txt"]])
def test_string_matches_non_string_is_false(value):
    assert var("StringMatches", "*", value) is False


# -- Boolean ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "operand, value, expected",
    [
        (True, True, True),
        (True, False, False),
        (False, False, True),
        (False, True, False),
        (True, 1, False),
        (False, 0, False),
        (False, 0.0, False),
        (True, "true", False),
        (False, None, False),
        (False, "", False),
        (False, [], False),
        (True, {}, False),
    ],
)
def test_boolean(operand, value, expected):
    assert var("BooleanEquals", operand, value) is expected


@pytest.mark.parametrize(
    "v, w, expected",
    [
        (True, True, True),
        (False, False, True),
        (False, True, False),
        (True, False, False),
        (1, True, False),
        (True, 1, False),
        (0, False, False),
        (None, False, False),
        ("true", True, False),
        ({}, True, False),
    ],
)
def test_boolean_path(v, w, expected):
    assert check({"Variable": "$.v", "BooleanEqualsPath": "$.w"}, {"v": v, "w": w}) is expected


# -- Timestamp --------------------------------------------------------------------------------

T0 = "2012-10-09T19:00:55Z"
T1 = "2012-10-09T19:00:56Z"


@pytest.mark.parametrize(
    "op, operand, value, expected",
    [
        ("TimestampEquals", T0, T0, True),
        ("TimestampEquals", T1, T0, False),
        ("TimestampEquals", T0, "2012-10-09T20:00:55+01:00", True),    # same instant
        ("TimestampEquals", T0, "2012-10-09T19:00:55.000Z", True),
        ("TimestampEquals", T0, "2012-10-09T19:00:55.0001Z", False),
        ("TimestampEquals", T0, "2012-10-09T19:00:55", False),         # no zone
        ("TimestampEquals", T0, "2012-10-09 19:00:55Z", False),
        ("TimestampEquals", T0, "", False),
        ("TimestampEquals", T0, " ", False),
        ("TimestampEquals", T0, "2023-02-24 12:15:56.832957", False),
        ("TimestampEquals", T0, 0, False),
        ("TimestampEquals", T0, 1349809255, False),
        ("TimestampEquals", T0, True, False),
        ("TimestampEquals", T0, None, False),
        ("TimestampEquals", T0, [T0], False),
        ("TimestampLessThan", T0, T0, False),
        ("TimestampLessThan", T0, T1, False),
        ("TimestampLessThan", T1, T0, True),
        ("TimestampLessThan", T0, "2012-10-09T19:00:55-00:01", False),  # one minute later
        ("TimestampLessThan", T0, "2012-10-09T19:00:55+00:01", True),   # one minute earlier
        ("TimestampLessThan", T0, "not a time", False),
        ("TimestampGreaterThan", T0, T0, False),
        ("TimestampGreaterThan", T1, T0, False),
        ("TimestampGreaterThan", T0, T1, True),
        ("TimestampGreaterThan", T0, "2012-10-09T19:00:55.000000001Z", True),   # nanoseconds
        ("TimestampGreaterThan", "2012-10-09T19:00:55.0000001Z",
         "2012-10-09T19:00:55.0000002Z", True),
        ("TimestampGreaterThanEquals", T0, T1, True),
        ("TimestampGreaterThanEquals", T1, T0, False),
        ("TimestampLessThanEquals", T0, T0, True),
        ("TimestampLessThanEquals", T0, T1, False),
        ("TimestampLessThanEquals", T0, "2012-10-09T18:00:55.999-01:00", False),
    ],
)
def test_timestamp(op, operand, value, expected):
    assert var(op, operand, value) is expected


@pytest.mark.parametrize(
    "op, v, w, expected",
    [
        ("TimestampEqualsPath", T0, T0, True),
        ("TimestampEqualsPath", T0, T1, False),
        ("TimestampEqualsPath", T0, "2012-10-09T21:00:55+02:00", True),
        ("TimestampEqualsPath", T0, "garbage", False),
        ("TimestampEqualsPath", "garbage", T0, False),
        ("TimestampEqualsPath", T0, 0, False),
        ("TimestampLessThanPath", T1, T0, False),
        ("TimestampLessThanPath", T0, T1, True),
        ("TimestampGreaterThanPath", T0, T1, False),
        ("TimestampGreaterThanPath", T1, T0, True),
        ("TimestampGreaterThanEqualsPath", T0, T1, False),
        ("TimestampLessThanEqualsPath", T1, T0, False),
        ("TimestampLessThanEqualsPath", T0, T0, True),
    ],
)
def test_timestamp_path(op, v, w, expected):
    assert check({"Variable": "$.v", op: "$.w"}, {"v": v, "w": w}) is expected


# -- type tests -------------------------------------------------------------------------------

TYPE_TRUTH = {
    # value -> (IsNull, IsNumeric, IsString, IsBoolean, IsTimestamp)
    "null": (True, False, False, False, False),
    "0": (False, True, False, False, False),
    "0.0": (False, True, False, False, False),
    "1.1": (False, True, False, False, False),
    '""': (False, False, True, False, False),
    '" "': (False, False, True, False, False),
    '"1"': (False, False, True, False, False),              # numeric strings are strings
    '"1.5"': (False, False, True, False, False),
    '"HelloWorld"': (False, False, True, False, False),
    '"2012-10-09T19:00:55Z"': (False, False, True, False, True),
    '"2012-10-09T19:00:55+01:00"': (False, False, True, False, True),
    '"2012-10-09T19:00:55.123456Z"': (False, False, True, False, True),
    '"2012-10-09T19:00:55"': (False, False, True, False, False),
    '"2023-02-24"': (False, False, True, False, False),
    "true": (False, False, False, True, False),
    "false": (False, False, False, True, False),
    "[]": (False, False, False, False, False),
    '[""]': (False, False, False, False, False),
    "{}": (False, False, False, False, False),
    '{"A": 0}': (False, False, False, False, False),
}
TYPE_OPS = ("IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")


@pytest.mark.parametrize("text", list(TYPE_TRUTH))
@pytest.mark.parametrize("index", range(len(TYPE_OPS)), ids=TYPE_OPS)
def test_type_tests(text, index):
    value = json.loads(text)
    op, expected = TYPE_OPS[index], TYPE_TRUTH[text][index]
    assert var(op, True, value) is expected
    assert var(op, False, value) is (not expected)


@pytest.mark.parametrize("value", [None, 0, "", False, [], {}])
def test_is_present_on_existing_values(value):
    assert var("IsPresent", True, value) is True
    assert var("IsPresent", False, value) is False


def test_is_present_on_missing_values():
    assert check({"Variable": "$.missing", "IsPresent": True}, {"v": 1}) is False
    assert check({"Variable": "$.missing", "IsPresent": False}, {"v": 1}) is True
    assert check({"Variable": "$.v.deeper", "IsPresent": True}, {"v": 1}) is False
    assert check({"Variable": "$.v[3]", "IsPresent": False}, {"v": [1]}) is True
    assert check({"Variable": "$.v[0]", "IsPresent": True}, {"v": [1]}) is True


# -- missing values ---------------------------------------------------------------------------

MISSING = "Invalid path '$.missing': The choice state's condition path references an invalid value."


@pytest.mark.parametrize(
    "op, operand",
    [
        ("NumericEquals", 1), ("StringEquals", "x"), ("BooleanEquals", True),
        ("TimestampEquals", T0), ("StringMatches", "*"), ("IsNull", True), ("IsNull", False),
        ("IsNumeric", False), ("IsString", True), ("IsBoolean", False), ("IsTimestamp", False),
        ("NumericLessThanPath", "$.v"),
    ],
)
def test_missing_variable_is_a_runtime_error(op, operand):
    with pytest.raises(StatesRuntime) as info:
        check({"Variable": "$.missing", op: operand}, {"v": 1})
    assert info.value.error == "States.Runtime"
    assert info.value.cause == MISSING


def test_missing_operand_path_is_a_runtime_error():
    with pytest.raises(StatesRuntime) as info:
        check({"Variable": "$.v", "NumericEqualsPath": "$.w.x"}, {"v": 1, "w": {}})
    assert info.value.cause == (
        "Invalid path '$.w.x': The choice state's condition path references an invalid value.")


def test_guarded_by_is_present():
    rule = {"And": [{"Variable": "$.flag", "IsPresent": True},
                    {"Variable": "$.flag", "BooleanEquals": True}], "Next": "X"}
    assert check(rule, {}) is False
    assert check(rule, {"flag": True}) is True
    assert check(rule, {"flag": "yes"}) is False


# -- And / Or / Not ---------------------------------------------------------------------------

def test_and_or_not():
    gt1 = {"Variable": "$.n", "NumericGreaterThan": 1}
    lt5 = {"Variable": "$.n", "NumericLessThan": 5}
    is_s = {"Variable": "$.s", "StringEquals": "x"}
    missing = {"Variable": "$.nope", "NumericEquals": 0}
    assert check({"And": [gt1, lt5]}, {"n": 3}) is True
    assert check({"And": [gt1, lt5]}, {"n": 7}) is False
    assert check({"And": [gt1, lt5, is_s]}, {"n": 3, "s": "x"}) is True
    assert check({"And": [gt1, lt5, is_s]}, {"n": 3, "s": "y"}) is False
    assert check({"And": [gt1]}, {"n": 3}) is True
    assert check({"Or": [gt1, is_s]}, {"n": 0, "s": "x"}) is True
    assert check({"Or": [gt1, is_s]}, {"n": 0, "s": "y"}) is False
    assert check({"Or": [gt1, lt5, is_s]}, {"n": 9, "s": "y"}) is True
    assert check({"Or": [{"Variable": "$.n", "IsNull": True}, gt1, is_s]},
                 {"n": 0, "s": "y"}) is False
    assert check({"Not": gt1}, {"n": 0}) is True
    assert check({"Not": {"Not": gt1}}, {"n": 0}) is False
    assert check({"Not": {"And": [gt1, {"Not": lt5}]}}, {"n": 9}) is False
    # Short-circuit: the missing variable is never read.
    assert check({"Or": [gt1, missing]}, {"n": 3}) is True
    assert check({"And": [lt5, gt1, missing]}, {"n": 9}) is False
    with pytest.raises(StatesRuntime):
        check({"Or": [gt1, missing]}, {"n": 0})
    with pytest.raises(StatesRuntime):
        check({"Not": missing}, {"n": 0})


def test_top_level_extras_ignored():
    rule = {"Variable": "$.n", "NumericEquals": 1, "Next": "A", "Comment": "c",
            "Assign": {"x.$": "$.n"}}
    assert check(rule, {"n": 1}) is True
    assert check({"Not": {"Variable": "$.n", "NumericEquals": 1, "Comment": "nested"},
                  "Next": "A"}, {"n": 1}) is False


# -- other roots ------------------------------------------------------------------------------

def test_whole_input_and_indexes():
    assert check({"Variable": "$", "StringEquals": "No messages"}, "No messages") is True
    assert check({"Variable": "$", "IsNumeric": True}, 5) is True
    assert check({"Variable": "$.a[1].b", "NumericEquals": 2}, {"a": [{}, {"b": 2}]}) is True
    assert check({"Variable": "$['odd key']", "BooleanEquals": False}, {"odd key": False}) is True


def test_context_object_and_variables():
    ctx = Ctx(context={"Execution": {"Name": "run-1"}, "State": {"RetryCount": 0}},
              variables={"guess": "x", "answer": "x", "n": 3})
    assert check({"Variable": "$$.Execution.Name", "StringEquals": "run-1"}, {}, ctx) is True
    assert check({"Variable": "$$.State.RetryCount", "NumericEquals": 0}, {}, ctx) is True
    assert check({"Variable": "$guess", "StringEqualsPath": "$answer"}, {}, ctx) is True
    assert check({"Variable": "$n", "NumericGreaterThanPath": "$.limit"}, {"limit": 2},
                 ctx) is True
    assert check({"Variable": "$.x", "StringEqualsPath": "$$.Execution.Name"}, {"x": "run-1"},
                 ctx) is True


# -- invalid rules ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "rule",
    [
        {"Variable": "$.v", "Next": "X"},                                    # no operator
        {"Variable": "$.v", "NumericEquals": 1, "StringEquals": "1"},        # two operators
        {"Variable": "$.v", "NumericEqual": 1},                              # unknown operator
        {"Variable": "$.v", "NumericEquals": "1"},
        {"Variable": "$.v", "NumericEquals": True},
        {"Variable": "$.v", "NumericEquals": None},
        {"Variable": "$.v", "StringEquals": 1},
        {"Variable": "$.v", "StringMatches": 1},
        {"Variable": "$.v", "BooleanEquals": "true"},
        {"Variable": "$.v", "BooleanEquals": 1},
        {"Variable": "$.v", "TimestampEquals": "2016-12-05 21:29:29Z"},
        {"Variable": "$.v", "TimestampEquals": 0},
        {"Variable": "$.v", "IsNull": "true"},
        {"Variable": "$.v", "IsPresent": 1},
        {"Variable": "$.v", "NumericEqualsPath": 1},
        {"Variable": "$.v", "StringMatchesPath": "$.w"},                     # no such form
        {"Variable": "$.v", "BooleanLessThan": True},
        {"Variable": 5, "NumericEquals": 1},
        {"NumericEquals": 1},                                                # no Variable
        {"And": []},
        {"And": {"Variable": "$.v", "NumericEquals": 1}},
        {"Or": "x"},
        {"Not": []},
        {"Variable": "$.v", "And": [{"Variable": "$.v", "NumericEquals": 1}]},
        {"And": [{"Variable": "$.v", "NumericEquals": 1}],
         "Or": [{"Variable": "$.v", "NumericEquals": 1}]},
        {"And": [{"Variable": "$.v", "NumericEquals": 1, "Next": "X"}]},     # nested Next
        {"Not": {"Variable": "$.v", "NumericEquals": 1, "Assign": {}}},
        {"Condition": "{% true %}", "Next": "X"},                            # JSONata rule
        {"Next": "X"},
        "rule",
        None,
    ],
)
def test_invalid_rules(rule):
    with pytest.raises(ValueError):
        compile_condition(rule)


# -- AWS-recorded conformance cases -----------------------------------------------------------

CASES = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "cases"


def _recorded_choice_cases():
    """Single-rule JSONPath Choice cases whose outcome says which branch AWS took."""
    if not CASES.is_dir():
        return []
    out = []
    for path in sorted(CASES.glob("*.json")):
        case = json.loads(path.read_text())
        features = set(case["features"])
        if not any(f.startswith("ChoiceOp:") for f in features) or "JSONata" in features:
            continue
        if not features <= {"Choice", "Pass", "JSONPath"} | {
                f for f in features if f.startswith("ChoiceOp:")}:
            continue
        states = case["definition"]["States"]
        choices = [s for s in states.values() if s["Type"] == "Choice"]
        if len(choices) != 1 or len(choices[0]["Choices"]) != 1 or "InputPath" in choices[0]:
            continue
        expected = case["expected"]
        if expected["status"] != "SUCCEEDED" or not isinstance(expected["output"], dict):
            continue
        branch = expected["output"].get("TestResult.$")
        if branch not in ("ConditionTrue", "ConditionFalse"):
            continue
        rule = choices[0]["Choices"][0]
        taken = states[rule["Next"]]["Result"].get("TestResult.$")
        out.append(pytest.param(rule, case["input"], branch == taken, id=case["id"][-60:]))
    return out


RECORDED = _recorded_choice_cases()


@pytest.mark.skipif(not RECORDED, reason="no conformance cases in ../shared/conformance")
@pytest.mark.parametrize("rule, data, expected", RECORDED)
def test_recorded_on_aws(rule, data, expected):
    assert check(rule, data) is expected


def test_recorded_cases_found():
    if not CASES.is_dir():
        pytest.skip("no conformance cases")
    assert len(RECORDED) > 250
