"""Payload templates (asl-reference.md §3.2): Parameters, ResultSelector, ItemSelector, Credentials.

Expected values are written by hand from the reference and the conformance recordings.
"""
from __future__ import annotations

import pytest

from fastsfn.errors import PathSyntaxError, StatesRuntime
from fastsfn.paths.template import compile_template, template_paths
from tests.spec.fakes import Ctx


def apply(template, data=None, ctx=None):
    return compile_template(template)(data, ctx or Ctx())


class TestStatic:
    def test_scalars_and_nesting(self):
        t = {"a": 1, "b": [1, {"c": None}], "d": {"e": "x"}}
        assert apply(t, {"z": 1}) == {"a": 1, "b": [1, {"c": None}], "d": {"e": "x"}}

    def test_fully_static_is_built_once(self):
        f = compile_template({"a": {"b": [1, 2]}})
        assert f({}, None) is f({"x": 1}, None)

    def test_literal_keys_copied_even_if_they_look_like_paths(self):
        # conformance: outputdecl BASE_LITERALS (constant_jp_input_path etc.)
        t = {"constant_jp_input": "$", "constant_jp_input_path": "$.input_value",
             "constant_jp_context": "$$", "constant_if": "States.Format('Format:{}', 101)"}
        assert apply(t, {"input_value": 1}) == t

    @pytest.mark.parametrize("value", [None, 0, "s", [], {}])
    def test_non_object_templates(self, value):
        assert apply(value, {"a": 1}) == value


class TestDynamic:
    def test_paths(self):
        t = {"x.$": "$.a", "y.$": "$.b.c", "whole.$": "$"}
        data = {"a": 1, "b": {"c": [2]}}
        assert apply(t, data) == {"x": 1, "y": [2], "whole": data}

    def test_context_and_variables(self):
        t = {"name.$": "$$.Execution.Name", "v.$": "$myVar", "w.$": "$myVar.k"}
        ctx = Ctx({"Execution": {"Name": "exec-1"}}, {"myVar": {"k": 3}})
        assert apply(t, {}, ctx) == {"name": "exec-1", "v": {"k": 3}, "w": 3}

    def test_intrinsic(self):
        t = {"FunctionResult.$": "States.Format('Hello {}', $.n)"}
        assert apply(t, {"n": "Ada"}) == {"FunctionResult": "Hello Ada"}

    def test_mixed_static_and_dynamic_nested(self):
        t = {"k": "v", "inner": {"a.$": "$.a", "lit": 1}, "list": [1, {"b.$": "$.b"}, "s"]}
        assert apply(t, {"a": 10, "b": 20}) == \
            {"k": "v", "inner": {"a": 10, "lit": 1}, "list": [1, {"b": 20}, "s"]}

    def test_dynamic_parts_fresh_each_call(self):
        f = compile_template({"a.$": "$.a", "s": {"x": 1}})
        one, two = f({"a": 1}, Ctx()), f({"a": 2}, Ctx())
        assert one == {"a": 1, "s": {"x": 1}} and two == {"a": 2, "s": {"x": 1}}
        assert one is not two
        assert one["s"] is two["s"]  # static sub-tree shared

    def test_many_dynamic_fields(self):
        t = {f"k{i}.$": f"$.v{i}" for i in range(6)}
        data = {f"v{i}": i for i in range(6)}
        assert apply(t, data) == {f"k{i}": i for i in range(6)}

    def test_map_item_selector(self):
        t = {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "c": "const"}
        ctx = Ctx({"Map": {"Item": {"Index": 2, "Value": {"x": 1}}}})
        assert apply(t, {}, ctx) == {"index": 2, "value": {"x": 1}, "c": "const"}


class TestRuntimeFailures:
    def test_missing_path(self):
        # conformance: the recorded cause after the state prefix
        with pytest.raises(StatesRuntime) as ei:
            apply({"value.$": "$.no_such_jsonpath"}, {"a": 1, "b": [True]})
        assert ei.value.error == "States.Runtime"
        assert ei.value.cause == ("The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' "
                                  "could not be found in the input '{\"a\":1,\"b\":[true]}'")

    def test_missing_path_nested_names_inner_field(self):
        with pytest.raises(StatesRuntime) as ei:
            apply({"outer": {"in.$": "$.x.y"}}, {"x": {}})
        assert ei.value.cause == ("The JSONPath '$.x.y' specified for the field 'in.$' "
                                  "could not be found in the input '{\"x\":{}}'")

    def test_intrinsic_failure_passes_through(self):
        with pytest.raises(StatesRuntime) as ei:
            apply({"v.$": "States.Format('{}', $.nope)"}, {"other": 1})
        assert ei.value.cause == (
            "The function 'States.Format('{}', $.nope)' had the following error: "
            "The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'")


class TestDefinitionErrors:
    @pytest.mark.parametrize("value", [1, None, True, ["$.a"], {"a": "$.b"}, "a.b", "", "States.Nope()",
                                       "States.MathAdd(1)", "States.Format('x'"])
    def test_bad_dynamic_value(self, value):
        with pytest.raises(PathSyntaxError) as ei:
            compile_template({"outer": {"x.$": value}})
        assert str(ei.value) == ("The value for the field 'x.$' must be a valid JSONPath "
                                 "or a valid intrinsic function call")


class TestTemplatePaths:
    def test_collects_every_path(self):
        t = {"a.$": "$.a", "b": {"c.$": "States.UUID()", "d": "$.literal"}, "e": [{"f.$": "$$.X"}]}
        assert template_paths(t) == ["$.a", "States.UUID()", "$$.X"]

    def test_static(self):
        assert template_paths({"a": 1}) == []
        assert template_paths(None) == []
