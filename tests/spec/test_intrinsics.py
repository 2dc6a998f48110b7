"""Intrinsic functions (asl-reference.md §7).

Expected values are written by hand from the reference and from the conformance recordings
(/work/shared/conformance/cases/intrinsic_functions_*), never computed by the code under test.
"""
from __future__ import annotations

import re

import pytest

from fastsfn.errors import PathSyntaxError, StatesRuntime
from fastsfn.intrinsics import (
    Call,
    Literal,
    PathArg,
    compile_intrinsic,
    is_intrinsic,
    java_double,
    parse_intrinsic,
)
from fastsfn.intrinsics import functions as F
from tests.spec.fakes import Ctx


def ev(text, data=None, ctx=None):
    return compile_intrinsic(text)(data, ctx or Ctx())


def runtime_error(text, data=None, ctx=None) -> str:
    with pytest.raises(StatesRuntime) as ei:
        ev(text, data, ctx)
    assert ei.value.error == "States.Runtime"
    return ei.value.cause


# ------------------------------------------------------------------ parsing


class TestIsIntrinsic:
    def test_yes(self):
        assert is_intrinsic("States.UUID()")
        assert is_intrinsic("  States.Format('x')")

    def test_no(self):
        assert not is_intrinsic("$.States")
        assert not is_intrinsic("states.UUID()")
        assert not is_intrinsic(5)


class TestParse:
    def test_literals(self):
        c = parse_intrinsic("States.Array('a', 1, -2, 1.5, -0.25, true, false, null)")
        assert c.name == "States.Array"
        assert [a.value for a in c.args] == ["a", 1, -2, 1.5, -0.25, True, False, None]
        assert type(c.args[1].value) is int and type(c.args[3].value) is float

    def test_paths_and_nested(self):
        c = parse_intrinsic("States.Format('{} {}', $.a[0], States.JsonToString($$.Execution.Input))")
        assert c.args[1] == PathArg("$.a[0]")
        inner = c.args[2]
        assert isinstance(inner, Call) and inner.name == "States.JsonToString"
        assert inner.args == (PathArg("$$.Execution.Input"),)
        assert inner.text == "States.JsonToString($$.Execution.Input)"

    def test_path_with_brackets_commas_and_parens(self):
        c = parse_intrinsic("States.Array($['a,b'], $.x[?(@.y > 1)], $var.v)")
        assert [a.text for a in c.args] == ["$['a,b']", "$.x[?(@.y > 1)]", "$var.v"]

    def test_whitespace(self):
        c = parse_intrinsic("  States.MathAdd(  1 ,\n 2 )  ")
        assert [a.value for a in c.args] == [1, 2]

    def test_string_escapes(self):
        c = parse_intrinsic(r"States.Format('It\'s \{\} a \\ b')")
        assert c.args[0].value == "It's {} a \\ b"

    def test_json_newline_is_a_real_newline(self):
        # JSON "States.StringSplit('Hello\nWorld', '\n')" decodes to real newlines
        c = parse_intrinsic("States.StringSplit('Hello\nWorld', '\n')")
        assert c.args[0] == Literal("Hello\nWorld", "Hello\nWorld")

    def test_no_args(self):
        assert parse_intrinsic("States.UUID()").args == ()
        assert parse_intrinsic("States.Array()").args == ()

    @pytest.mark.parametrize("text, fragment", [
        ("States.Nope(1)", "unknown function 'States.Nope'"),
        ("States.Format", "expected '('"),
        ("States.Format('x'", "missing ')'"),
        ("States.Format('x)", "unterminated string"),
        ("States.MathAdd(1 2)", "unexpected"),
        ("States.MathAdd(1, 2) extra", "unexpected text after the call"),
        ("States.MathAdd(1)", "takes 2 argument(s), got 1"),
        ("States.ArrayRange(1, 5)", "takes 3 argument(s), got 2"),
        ("States.UUID(1)", "takes 0 argument(s), got 1"),
        ("States.MathRandom(1, 2, 3, 4)", "takes 2 to 3 argument(s), got 4"),
        ("States.Format()", "takes at least 1 argument(s), got 0"),
        ("States.MathAdd(1, foo)", "unexpected 'f'"),
        ("States.JsonMerge($.a, $.b, true)", "must be false"),
        ("States.JsonToString('x')", "path argument"),
        ("$.a", "starts with 'States.'"),
    ])
    def test_syntax_errors(self, text, fragment):
        with pytest.raises(PathSyntaxError) as ei:
            parse_intrinsic(text)
        assert fragment in str(ei.value)

    def test_nesting_limit(self):
        def nest(n):
            t = "$.a"
            for _ in range(n):
                t = f"States.Array({t})"
            return t

        parse_intrinsic(nest(10))
        with pytest.raises(PathSyntaxError, match="nested"):
            parse_intrinsic(nest(11))


# ------------------------------------------------------------------ functions


class TestFormat:
    # conformance: test_format_1 / test_format_2
    @pytest.mark.parametrize("value, expected", [
        (" ", "Formatting argument  ."),
        ("HelloWorld", "Formatting argument HelloWorld."),
        (None, "Formatting argument null."),
        (1, "Formatting argument 1."),
        (1.1, "Formatting argument 1.1."),
        ('{"Arg1": 1, "Arg2": []}', 'Formatting argument {"Arg1": 1, "Arg2": []}.'),
    ])
    def test_recorded_single(self, value, expected):
        assert ev("States.Format('Formatting argument {}.', $.FunctionInput)",
                  {"FunctionInput": value}) == expected

    def test_recorded_two(self):
        assert ev("States.Format('Formatting arguments fst={} and snd={}.', $.f.fst, $.f.snd)",
                  {"f": {"fst": None, "snd": None}}) == "Formatting arguments fst=null and snd=null."

    def test_object_java_map_style(self):
        assert ev("States.Format('{}', $.o)", {"o": {"Arg1": 1, "Arg2": []}}) == "{Arg1=1, Arg2=[]}"

    def test_array_and_nested(self):
        assert ev("States.Format('{}', $.o)", {"o": [1, "a", True, None, {"k": [2.5]}]}) \
            == "[1, a, true, null, {k=[2.5]}]"

    def test_floats_java_style(self):
        assert ev("States.Format('{} {} {} {}', $.a, $.b, $.c, $.d)",
                  {"a": 1.0, "b": 1.5, "c": 1e20, "d": 0.0001}) == "1.0 1.5 1.0E20 1.0E-4"

    def test_booleans_and_literal_args(self):
        assert ev("States.Format('{}-{}-{}', true, 3, 'x')") == "true-3-x"

    def test_escaped_braces(self):
        assert ev(r"States.Format('\{\} {}', $.a)", {"a": 7}) == "{} 7"

    def test_escaped_quote(self):
        assert ev(r"States.Format('It\'s {}!', $.n)", {"n": "Pikachu"}) == "It's Pikachu!"

    def test_template_from_path(self):
        # conformance: MAP_STATE_REFERENCE_IN_INTRINSIC
        assert ev("States.Format($.AnswerTemplate, $$.Map.Item.Value)",
                  {"AnswerTemplate": "It's {}!"},
                  Ctx({"Map": {"Item": {"Value": "Charizard"}}})) == "It's Charizard!"

    def test_template_from_variable(self):
        assert ev("States.Format($t, $n)", None, Ctx(variables={"t": "Hi {}", "n": "Bo"})) == "Hi Bo"

    def test_no_placeholders(self):
        assert ev("States.Format('plain')") == "plain"

    @pytest.mark.parametrize("text, data", [
        ("States.Format('{} {}', $.a)", {"a": 1}),
        ("States.Format('{}', $.a, $.a)", {"a": 1}),
        ("States.Format('Hello {', $.a)", {"a": 1}),
        ("States.Format('}')", {}),
        ("States.Format($.t, $.a)", {"t": 5, "a": 1}),
    ])
    def test_bad_arguments(self, text, data):
        assert runtime_error(text, data) == (
            f"The function '{text}' had the following error: Invalid arguments in States.Format")


class TestStringToJson:
    @pytest.mark.parametrize("s, expected", [
        ("", None), ("-0", 0), ("1", 1), ('{"key":"value"}', {"key": "value"}),
        ("[1, 2.5]", [1, 2.5]), ('"x"', "x"),
    ])
    def test_recorded(self, s, expected):
        out = ev("States.StringToJson($.s)", {"s": s})
        assert out == expected and type(out) is type(expected)

    def test_literal_with_json(self):
        # conformance: test_json_merge_escaped_argument
        assert ev("""States.StringToJson('{"constant_in_literal": "false"}')""") == \
            {"constant_in_literal": "false"}

    def test_invalid(self):
        assert runtime_error("States.StringToJson($.s)", {"s": "{nope"}).endswith(
            "Invalid arguments in States.StringToJson")
        assert runtime_error("States.StringToJson($.s)", {"s": 5}).endswith(
            "Invalid arguments in States.StringToJson")


class TestJsonToString:
    @pytest.mark.parametrize("v, expected", [
        (None, "null"), (1, "1"), (1.1, "1.1"), ([1, 2, "HelloWorld"], '[1,2,"HelloWorld"]'),
        ({"Arg1": 1, "Arg2": []}, '{"Arg1":1,"Arg2":[]}'), ({"test": "object"}, '{"test":"object"}'),
    ])
    def test_recorded(self, v, expected):
        assert ev("States.JsonToString($.v)", {"v": v}) == expected


class TestArray:
    @pytest.mark.parametrize("v", [" ", None, 1, 1.1, '{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}])
    def test_recorded(self, v):
        assert ev("States.Array($.f.fst, $.f.snd)", {"f": {"fst": v, "snd": v}}) == [v, v]

    def test_literals(self):
        assert ev("States.Array('a', 'b', 'c')") == ["a", "b", "c"]

    def test_empty(self):
        assert ev("States.Array()") == []


class TestArrayPartition:
    @pytest.mark.parametrize("arr, n, expected", [
        ([], 1, []), ([0], 2, [[0]]), ([0, 1], 1, [[0], [1]]), ([0, 1, 2], 2, [[0, 1], [2]]),
        ([0, 1, 2, 3], 3, [[0, 1, 2], [3]]), ([0, 1, 2, 3], 5, [[0, 1, 2, 3]]),
        ([1, 2, 3, 4, 5, 6], 2, [[1, 2], [3, 4], [5, 6]]),
    ])
    def test_recorded(self, arr, n, expected):
        assert ev("States.ArrayPartition($.a, $.n)", {"a": arr, "n": n}) == expected

    @pytest.mark.parametrize("data", [{"a": [1], "n": 0}, {"a": [1], "n": -1}, {"a": [1], "n": 0.49},
                                      {"a": "x", "n": 1}, {"a": [1], "n": "1"}])
    def test_invalid(self, data):
        assert runtime_error("States.ArrayPartition($.a, $.n)", data).endswith(
            "Invalid arguments in States.ArrayPartition")


class TestArrayContains:
    @pytest.mark.parametrize("arr, v, expected", [
        ([[1, 2, 3], 2], None, False), ([[1, 2, 3], 2], [1, 2, 3], True),
        ([{"1": 2, "2": []}], [], False), ([{"1": 2, "2": []}], {"2": [], "1": 2}, True),
        ([True, False], True, True), ([1, 2, 3, 4, 5, 6], 5, True), ([1, 0], True, False),
    ])
    def test_recorded(self, arr, v, expected):
        assert ev("States.ArrayContains($.a, $.v)", {"a": arr, "v": v}) is expected

    def test_invalid(self):
        assert runtime_error("States.ArrayContains($.a, 1)", {"a": {}}).endswith(
            "Invalid arguments in States.ArrayContains")


class TestArrayRange:
    @pytest.mark.parametrize("args, expected", [
        ((0, 9, 3), [0, 3, 6, 9]), ((0, 10, 3), [0, 3, 6, 9]), ((1, 9, 2), [1, 3, 5, 7, 9]),
        ((1, 10, 2), [1, 3, 5, 7, 9]), ((0, 3, 1), [0, 1, 2, 3]), ((5, 1, -2), [5, 3, 1]),
        ((3, 3, 1), [3]), ((5, 1, 1), []), ((1.4, 5.6, 2.2), [1, 3, 5]),
    ])
    def test_values(self, args, expected):
        assert ev("States.ArrayRange($.a, $.b, $.c)", dict(zip("abc", args))) == expected

    def test_literal(self):
        assert ev("States.ArrayRange(1, 10, 2)") == [1, 3, 5, 7, 9]

    def test_limit(self):
        out = ev("States.ArrayRange(1, 1000, 1)")
        assert len(out) == 1000 and out[0] == 1 and out[-1] == 1000
        assert runtime_error("States.ArrayRange(1, 1001, 1)").endswith(
            "Invalid arguments in States.ArrayRange")

    @pytest.mark.parametrize("text", ["States.ArrayRange(1, 10, 0)", "States.ArrayRange('a', 5, 1)"])
    def test_invalid(self, text):
        assert runtime_error(text) == (
            f"The function '{text}' had the following error: Invalid arguments in States.ArrayRange")


class TestArrayGetItem:
    def test_recorded(self):
        assert ev("States.ArrayGetItem($.a, $.i)", {"a": [1, 2, 3, 4, 5, 6, 7, 8, 9], "i": 5}) == 6

    def test_literal_index(self):
        assert ev("States.ArrayGetItem($.a, 2)", {"a": [1, 2, 3]}) == 3

    @pytest.mark.parametrize("i", [3, -1, "0"])
    def test_out_of_range(self, i):
        assert runtime_error("States.ArrayGetItem($.a, $.i)", {"a": [1, 2, 3], "i": i}).endswith(
            "Invalid arguments in States.ArrayGetItem")


class TestArrayLength:
    def test_recorded(self):
        assert ev("States.ArrayLength($.a)", {"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]}) == 9
        assert ev("States.ArrayLength($.a)", {"a": []}) == 0

    def test_invalid(self):
        assert runtime_error("States.ArrayLength($.a)", {"a": "abc"}).endswith(
            "Invalid arguments in States.ArrayLength")


class TestArrayUnique:
    def test_recorded(self):
        assert ev("States.ArrayUnique($.a)", {"a": [1, 2, 2, 3, 3, 4]}) == [1, 2, 3, 4]

    def test_deep_equality_first_occurrence(self):
        data = {"a": [None, None, True, True, False, 1, 1, 1.1, 0, "H", "H", [], [], [None], [None],
                      {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1, "b": 1}]}
        assert ev("States.ArrayUnique($.a)", data) == [
            None, True, False, 1, 1.1, 0, "H", [], [None], {"a": 1, "b": 2}, {"a": 1, "b": 1}]


class TestBase64:
    def test_recorded(self):
        assert ev("States.Base64Encode($.s)", {"s": ""}) == ""
        assert ev("States.Base64Encode($.s)", {"s": "Data to encode"}) == "RGF0YSB0byBlbmNvZGU="
        assert ev("States.Base64Encode($.s)", {"s": "Hello World"}) == "SGVsbG8gV29ybGQ="
        assert ev("States.Base64Decode($.s)", {"s": ""}) == ""
        assert ev("States.Base64Decode($.s)", {"s": "RGF0YSB0byBlbmNvZGU="}) == "Data to encode"

    def test_utf8(self):
        assert ev("States.Base64Encode('é')") == "w6k="
        assert ev("States.Base64Decode('w6k=')") == "é"

    def test_limit(self):
        assert ev("States.Base64Encode($.s)", {"s": "a" * 10_000}).startswith("YWFh")
        assert runtime_error("States.Base64Encode($.s)", {"s": "a" * 10_001}).endswith(
            "Invalid arguments in States.Base64Encode")
        assert runtime_error("States.Base64Decode($.s)", {"s": "A" * 10_004}).endswith(
            "Invalid arguments in States.Base64Decode")

    def test_invalid(self):
        assert runtime_error("States.Base64Decode('!!')").endswith("Invalid arguments in States.Base64Decode")
        assert runtime_error("States.Base64Encode($.n)", {"n": 1}).endswith(
            "Invalid arguments in States.Base64Encode")


class TestHash:
    @pytest.mark.parametrize("alg, digest", [
        ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
        ("SHA-384", "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"),
        ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
    ])
    def test_recorded(self, alg, digest):
        assert ev("States.Hash($.d, $.a)", {"d": "input data", "a": alg}) == digest

    def test_recorded_sha256_literal(self):
        assert ev("States.Hash($.s, 'SHA-256')", {"s": "Hash this string"}) == \
            "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e"

    @pytest.mark.parametrize("data", [{"d": "x", "a": "SHA-2"}, {"d": "x", "a": "sha-256"},
                                      {"d": "a" * 10_001, "a": "MD5"}, {"d": 1, "a": "MD5"}])
    def test_invalid(self, data):
        assert runtime_error("States.Hash($.d, $.a)", data).endswith("Invalid arguments in States.Hash")


class TestJsonMerge:
    def test_recorded_shallow(self):
        data = {"f": {"fst": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3},
                      "snd": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}}}
        assert ev("States.JsonMerge($.f.fst, $.f.snd, false)", data) == \
            {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4}

    def test_recorded_with_string_to_json_and_context(self):
        text = """States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $$.Execution.Input.input_field, false)"""
        ctx = Ctx({"Execution": {"Input": {"input_field": {"constant_input_field": "constant_value"}}}})
        assert ev(text, {}, ctx) == {"constant_input_field": "constant_value", "constant_in_literal": "false"}

    def test_does_not_mutate_inputs(self):
        data = {"a": {"x": 1}, "b": {"y": 2}}
        ev("States.JsonMerge($.a, $.b, false)", data)
        assert data == {"a": {"x": 1}, "b": {"y": 2}}

    def test_invalid(self):
        assert runtime_error("States.JsonMerge($.a, $.b, $.d)", {"a": {}, "b": {}, "d": True}).endswith(
            "Invalid arguments in States.JsonMerge")
        assert runtime_error("States.JsonMerge($.a, $.b, false)", {"a": [], "b": {}}).endswith(
            "Invalid arguments in States.JsonMerge")


class TestMathRandom:
    def test_range_end_exclusive(self):
        for _ in range(200):
            v = ev("States.MathRandom(1, 3)")
            assert type(v) is int and v in (1, 2)

    def test_recorded_float_bounds(self):
        v = ev("States.MathRandom($.a, $.b)", {"a": 12.5, "b": 44.51})
        assert type(v) is int and 12 <= v < 44

    def test_seeded_is_deterministic(self):
        a = ev("States.MathRandom(0, 999, 3)")
        assert all(ev("States.MathRandom($.a, $.b, $.s)", {"a": 0, "b": 999, "s": 3}) == a for _ in range(5))
        assert 0 <= a < 999

    def test_java_random(self):
        # java.util.Random(42).nextInt(10) == 0, new Random(0).nextInt(100) == 60
        assert F.JavaRandom(42).next_int(10) == 0
        assert F.JavaRandom(0).next_int(100) == 60

    @pytest.mark.parametrize("text", ["States.MathRandom(1, 1)", "States.MathRandom(10, 5)",
                                      "States.MathRandom(1.4, 1.6)", "States.MathRandom('a', 10)",
                                      "States.MathRandom(1, 10, null)"])
    def test_invalid(self, text):
        assert runtime_error(text).endswith("Invalid arguments in States.MathRandom")


class TestMathAdd:
    # conformance: test_math_add exec*
    @pytest.mark.parametrize("a, b, expected", [
        (-9, 3, -6), (1.5, 1.51, 4), (-1.49, -1.5, -2), (-1.5, -1.51, -3), (1.49, -1.49, 0),
        (1.51, 0, 2), (-1.49, 0, -1), (-1.5, 0, -1), (3.5, 0, 4), (-0.5, 0, 0), (-2.5, 0, -2),
        (-3.5, 0, -3), (5, 3, 8),
    ])
    def test_recorded(self, a, b, expected):
        out = ev("States.MathAdd($.a, $.b)", {"a": a, "b": b})
        assert out == expected and type(out) is int

    def test_literal_negative(self):
        assert ev("States.MathAdd($.i, -1)", {"i": 1}) == 0

    @pytest.mark.parametrize("data", [{"a": "1", "b": 1}, {"a": None, "b": 1}, {"a": True, "b": 1}])
    def test_invalid(self, data):
        assert runtime_error("States.MathAdd($.a, $.b)", data) == (
            "The function 'States.MathAdd($.a, $.b)' had the following error: "
            "Invalid arguments in States.MathAdd")


class TestStringSplit:
    # conformance: test_string_split exec*
    @pytest.mark.parametrize("s, d, expected", [
        (" ", ",", [" "]), (" , ", ",", [" ", " "]), (", , ,", ",", [" ", " "]),
        ("1,2,3,4,5", ",", ["1", "2", "3", "4", "5"]),
        ("This.is+a,test=string", ".+,=", ["This", "is", "a", "test", "string"]),
        ("split on T and \nnew line", "T\n", ["split on ", " and ", "new line"]),
        ("Value1,Value2,Value3\n,,,\n", ",", ["Value1", "Value2", "Value3\n", "\n"]),
        ("", ",", []),
    ])
    def test_recorded(self, s, d, expected):
        assert ev("States.StringSplit($.s, $.d)", {"s": s, "d": d}) == expected

    def test_literal_delimiter(self):
        assert ev("States.StringSplit($.s, ',')", {"s": "a,b,c,d,e"}) == ["a", "b", "c", "d", "e"]

    def test_recorded_escape_sequence(self):
        assert ev("States.StringSplit('Hello\nWorld', '\n')") == ["Hello", "World"]

    def test_invalid(self):
        assert runtime_error("States.StringSplit($.s, ',')", {"s": 1}).endswith(
            "Invalid arguments in States.StringSplit")


class TestUUID:
    def test_v4_and_fresh(self):
        a, b = ev("States.UUID()"), ev("States.UUID()")
        pat = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        assert pat.match(a) and pat.match(b) and a != b


# ------------------------------------------------------------------ composition, errors, speed


class TestNesting:
    def test_recorded_nested_calls(self):
        # conformance: test_nested_calls_2
        text = ("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
                "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))")
        ctx = Ctx({"StateMachine": {"Name": "test-statemachine_fsfnuid0001"}})
        assert ev(text, None, ctx) == "statemachine_fsfnuid0001"

    def test_recorded_nested_math_add_with_variables(self):
        text = "States.MathAdd(States.MathAdd(States.MathAdd($yCurrent, $xCurrent), $zCurrent), $bias)"
        assert ev(text, None, Ctx(variables={"xCurrent": 1, "yCurrent": 2, "zCurrent": 3, "bias": 3})) == 9

    def test_format_of_json_to_string(self):
        assert ev("States.Format('arn:{}:{}', $.svc, States.JsonToString($.obj))",
                  {"svc": "lambda", "obj": {"k": 1}}) == 'arn:lambda:{"k":1}'


class TestMissingPathArgument:
    def test_whole_expression_and_input_in_cause(self):
        assert runtime_error("States.Format('{}', $.nope)", {"other": 1}) == (
            "The function 'States.Format('{}', $.nope)' had the following error: "
            "The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'")

    def test_nested_names_the_whole_expression(self):
        text = "States.Format('{}', States.Format('{}', $.nope))"
        assert runtime_error(text, {"other": 1}) == (
            f"The function '{text}' had the following error: "
            "The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'")

    def test_explicit_null_is_not_missing(self):
        assert ev("States.Format('{}', $.nul)", {"nul": None}) == "null"


class TestCompiled:
    def test_constant_folded(self):
        f = compile_intrinsic("States.ArrayRange(1, 3, 1)")
        assert f(None, None) == [1, 2, 3]
        assert f(None, None) is f(None, None)  # built once

    def test_impure_not_folded(self):
        f = compile_intrinsic("States.UUID()")
        assert f(None, None) != f(None, None)

    def test_failing_constant_fails_at_run_time_not_compile_time(self):
        f = compile_intrinsic("States.ArrayGetItem(States.Array(1), 5)")
        with pytest.raises(StatesRuntime):
            f({}, None)

    def test_java_double(self):
        assert [java_double(x) for x in (1.0, 1.5, -0.0, 1e7, 1234567.5, 0.001, 0.0001, 1.25e-10, -3e21)] == \
            ["1.0", "1.5", "-0.0", "1.0E7", "1234567.5", "0.001", "1.0E-4", "1.25E-10", "-3.0E21"]
