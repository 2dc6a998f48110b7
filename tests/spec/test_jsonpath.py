"""JSONPath as AWS Step Functions evaluates it (Jayway JsonPath). Expected values are from the
ASL reference (docs §3.3/3.4), AWS recordings (conformance cases) and Jayway's source."""
from __future__ import annotations

import copy

import pytest

from fastsfn.errors import PathNotFound, PathSyntaxError, StatesError
from fastsfn.paths.jsonpath import (
    compile_path, compile_reference_path, is_definite, normalized, path_kind,
)


def get(path, data, ctx=None):
    return compile_path(path)(data, ctx)


def detail(path, data, ctx=None):
    with pytest.raises(PathNotFound) as ei:
        compile_path(path)(data, ctx)
    assert ei.value.path == path
    return ei.value.detail


class FakeCtx:
    def __init__(self, context=None, variables=None):
        self._context = context if context is not None else {}
        self.variables = variables if variables is not None else {}
        self.calls = 0

    def context_object(self):
        self.calls += 1
        return self._context


BOOKS = {
    "store": {
        "book": [
            {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
            {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick",
             "isbn": "0-553-21311-3", "price": 8.99},
            {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord",
             "isbn": "0-395-19395-8", "price": 22.99},
        ],
        "bicycle": {"color": "red", "price": 19.95},
    },
    "expensive": 10,
}


class TestDefinite:
    def test_root_is_identity(self):
        data = {"a": [1]}
        assert get("$", data) is data
        assert get("$", 5) == 5
        assert get("$", None) is None

    def test_dot_and_bracket_properties(self):
        data = {"a": {"b": {"c": 7}}}
        assert get("$.a.b.c", data) == 7
        assert get("$['a']['b']['c']", data) == 7
        assert get('$["a"]["b"].c', data) == 7
        assert get("$.a['b'].c", data) == 7

    def test_returns_the_same_object_not_a_copy(self):
        inner = {"x": [1, 2]}
        assert get("$.a", {"a": inner}) is inner

    def test_index_and_negative_index(self):
        data = {"items": [{"k": 0}, {"k": 1}, {"k": 2}]}
        assert get("$.items[0].k", data) == 0
        assert get("$.items[2]", data) == {"k": 2}
        assert get("$.items[-1].k", data) == 2
        assert get("$.items[-3].k", data) == 0
        assert get("$[1]", ["a", "b"]) == "b"

    def test_index_10_recorded_on_aws(self):
        data = {"items": [{"item_key": i} for i in range(11)]}
        assert get("$.items[10]", data) == {"item_key": 10}

    def test_null_and_false_values_are_found(self):
        data = {"n": None, "f": False, "z": 0, "e": ""}
        assert get("$.n", data) is None
        assert get("$.f", data) is False
        assert get("$.z", data) == 0
        assert get("$.e", data) == ""

    def test_dot_keys_with_dashes_colons_and_dollar(self):
        data = {"delivery-partner": 1, "a:b": 2, "x$y": 3, "é": 4}
        assert get("$.delivery-partner", data) == 1
        assert get("$.a:b", data) == 2
        assert get("$.x$y", data) == 3
        assert get("$.é", data) == 4

    def test_bracket_keys_with_any_characters(self):
        data = {"my key": 1, "a.b": 2, "$x": 3, "[y]": 4, "": 5, "it's": 6}
        assert get("$['my key']", data) == 1
        assert get("$['a.b']", data) == 2
        assert get("$['$x']", data) == 3
        assert get("$['[y]']", data) == 4
        assert get("$['']", data) == 5
        assert get('$["it\'s"]', data) == 6

    def test_bracket_key_keeps_backslash_recorded_on_aws(self):
        # ESCAPE_SEQUENCES_JSONPATH: path $['Test\""Name"'] reads key  Test\""Name"
        key = 'Test\\""Name"'
        assert get("$['Test\\\"\"Name\"']", {key: 'Value"\\'}) == 'Value"\\'

    def test_surrounding_whitespace_is_trimmed(self):
        assert get("  $.a  ", {"a": 1}) == 1
        assert get("$[ 'a' ]", {"a": 2}) == 2
        assert get("$[ 0 ]", [3]) == 3

    def test_dot_before_bracket_is_accepted(self):
        assert get("$.[0]", ["x"]) == "x"
        assert get("$.['a']", {"a": 1}) == 1

    def test_multi_property_at_the_end_is_a_merged_object(self):
        data = {"a": 1, "b": 2, "c": 3}
        assert get("$['a','c']", data) == {"a": 1, "c": 3}
        assert get("$['a','nope']", data) == {"a": 1}

    def test_length_function(self):
        data = {"l": [1, 2, 3], "o": {"a": 1, "b": 2}, "s": "abc"}
        assert get("$.l.length()", data) == 3
        assert get("$.o.length()", data) == 2
        assert get("$.length()", data) == 3
        assert get("$.s.length()", data) is None
        assert get("$.l[*].length()", data) == 3


class TestNotFoundWording:
    def test_missing_leaf_recorded_on_aws(self):
        assert detail("$.NoSuchOutputPath", {"int-literal": 0}) == \
            "No results for path: $['NoSuchOutputPath']"

    def test_missing_intermediate_recorded_on_aws(self):
        assert detail("$.no.such.result.path", {}) == "Missing property in path $['no']"

    def test_missing_intermediate_deeper(self):
        assert detail("$.a.b.c", {"a": {}}) == "Missing property in path $['a']['b']"
        assert detail("$.a[0].b.c", {"a": [{}]}) == "Missing property in path $['a'][0]['b']"

    def test_missing_leaf_uses_whole_normalized_path(self):
        assert detail("$.a[1].b", {"a": [0, {}]}) == "No results for path: $['a'][1]['b']"
        assert detail('$["a"]["b"]', {"a": {}}) == 'No results for path: $["a"]["b"]'

    def test_index_out_of_range(self):
        assert detail("$.a[3]", {"a": [1, 2, 3]}) == "No results for path: $['a'][3]"
        assert detail("$.a[-4]", {"a": [1, 2, 3]}) == "No results for path: $['a'][-4]"
        # even in the middle, Jayway reports no result for the whole path
        assert detail("$.a[5].b", {"a": []}) == "No results for path: $['a'][5]['b']"

    def test_property_on_a_non_object(self):
        d = detail("$.a.b", {"a": "text"})
        assert d.startswith("Expected to find an object with property ['b'] in path $['a'] but found "
                            "'java.lang.String'.")
        assert "found 'null'" in detail("$.a.b", {"a": None})
        assert "found 'java.lang.Boolean'" in detail("$.a.b", {"a": True})
        assert "found 'java.lang.Integer'" in detail("$.a.b", {"a": 3})
        assert "in path $ but found" in detail("$.a", [1])

    def test_index_on_a_non_array(self):
        assert detail("$.s[0]", {"s": "abc"}) == \
            "Filter: [0] can only be applied to arrays. Current context is: abc"
        assert detail("$.o[0].x", {"o": {"k": 1}}) == \
            "Filter: [0]['x'] can only be applied to arrays. Current context is: {\"k\":1}"
        assert detail("$.n[0]", {"n": None}) == "The path $['n'] is null"

    def test_python_type_traps(self):
        for path, data in [
            ("$[0]", "abc"),            # a str is not indexable
            ("$.a[0]", {"a": "xyz"}),
            ("$[0]", {"0": 1}),         # an object is not an array
            ("$.a", ["a"]),             # an array is not an object
            ("$.a.b", {"a": True}),
            ("$[0]", True),
            ("$.a", None),
        ]:
            with pytest.raises(PathNotFound):
                get(path, data)

    def test_missing_under_length_is_intermediate(self):
        assert detail("$.missing.length()", {}) == "Missing property in path $['missing']"


class TestWildcard:
    def test_array_wildcard(self):
        assert get("$.store.book[*].author", BOOKS) == [
            "Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]

    def test_object_wildcard_in_key_order(self):
        assert get("$.store.bicycle.*", BOOKS) == ["red", 19.95]
        assert get("$.o[*]", {"o": {"b": 1, "a": 2}}) == [1, 2]

    def test_wildcard_skips_elements_missing_the_property(self):
        assert get("$.store.book[*].isbn", BOOKS) == ["0-553-21311-3", "0-395-19395-8"]

    def test_wildcard_on_scalar_is_empty(self):
        assert get("$.a[*]", {"a": 5}) == []
        assert get("$.a.*", {"a": "str"}) == []

    def test_missing_parent_yields_empty_list_recorded_on_aws(self):
        assert get("$.item.items[*]", {}) == []
        assert get("$.items[*].itemValue", {}) == []

    def test_nulls_are_matches(self):
        assert get("$[*].a", [{"a": None}, {}, {"a": 1}]) == [None, 1]

    def test_nested_wildcards(self):
        assert get("$[*][*]", [[1, 2], [3], 4]) == [1, 2, 3]


class TestDeepScan:
    def test_all_authors(self):
        assert get("$..author", BOOKS) == [
            "Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]

    def test_prices_in_document_order(self):
        assert get("$.store..price", BOOKS) == [8.95, 12.99, 8.99, 22.99, 19.95]

    def test_nested_same_key_pre_order(self):
        assert get("$..a", {"a": {"a": 1}}) == [{"a": 1}, 1]

    def test_scan_wildcard_pre_order(self):
        assert get("$..*", {"a": {"b": 1}, "c": [2]}) == [{"b": 1}, [2], 1, 2]

    def test_scan_index(self):
        assert get("$..[0]", {"x": [1, [2, 3]], "y": {"z": [4]}}) == [1, 2, 4]

    def test_scan_with_filter(self):
        assert get("$..book[?(@.price < 9)].title", BOOKS) == ["Sayings", "Moby Dick"]
        assert get("$..[?(@.price > 19)].price", BOOKS) == [22.99, 19.95]

    def test_scan_then_property_chain(self):
        assert get("$..bicycle.color", BOOKS) == ["red"]

    def test_scan_on_scalar_or_missing(self):
        assert get("$..a", 5) == []
        assert get("$.nope..a", {}) == []


class TestSlices:
    A = {"a": [0, 1, 2, 3, 4]}

    def test_between(self):
        assert get("$.a[1:3]", self.A) == [1, 2]
        assert get("$.a[1:50]", self.A) == [1, 2, 3, 4]
        assert get("$.a[3:1]", self.A) == []

    def test_from(self):
        assert get("$.a[2:]", self.A) == [2, 3, 4]
        assert get("$.a[-2:]", self.A) == [3, 4]
        assert get("$.a[-10:]", self.A) == [0, 1, 2, 3, 4]
        assert get("$.a[9:]", self.A) == []

    def test_to(self):
        assert get("$.a[:2]", self.A) == [0, 1]
        assert get("$.a[:-1]", self.A) == [0, 1, 2, 3]
        assert get("$.a[:-9]", self.A) == []

    def test_jayway_between_quirks(self):
        # a negative end is not counted from the end when a start is given
        assert get("$.a[1:-1]", self.A) == []
        # a negative start is visited index by index, counted from the end
        assert get("$.a[-2:2]", self.A) == [3, 4, 0, 1]

    def test_step_is_ignored_like_jayway(self):
        assert get("$.a[0:4:2]", self.A) == [0, 1, 2, 3]

    def test_slice_on_non_array_or_missing_recorded_on_aws(self):
        assert get("$.item.items[1:5]", {}) == []
        assert get("$.item.items[:1]", {}) == []
        assert get("$.items[1:].itemValue", {}) == []
        assert get("$.a[0:2]", {"a": "text"}) == []

    def test_slice_then_property(self):
        data = {"items": [{"v": 1}, {"v": 2}, {}, {"v": 4}]}
        assert get("$.items[1:].v", data) == [2, 4]


class TestUnions:
    def test_index_union(self):
        assert get("$[0,2]", ["a", "b", "c"]) == ["a", "c"]
        assert get("$[2, 0]", ["a", "b", "c"]) == ["c", "a"]
        assert get("$[0,9]", ["a"]) == ["a"]
        assert get("$[-1,0]", ["a", "b"]) == ["b", "a"]

    def test_property_union_in_the_middle_iterates(self):
        data = {"a": {"v": 1}, "b": {"v": 2}, "c": {"v": 3}}
        assert get("$['c','a'].v", data) == [3, 1]
        assert get("$['a','zz'].v", data) == [1]

    def test_property_union_at_the_end_inside_indefinite_path(self):
        data = [{"a": 1, "b": 2, "c": 3}, {"a": 4}]
        assert get("$[*]['a','b']", data) == [{"a": 1, "b": 2}, {"a": 4}]


class TestFilters:
    def test_recorded_on_aws(self):
        data = {"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]}
        assert get("$.users[?(@.status == 0)]", data) == [{"year": 1997, "status": 0}]

    def test_number_comparisons(self):
        titles = lambda p: [b["title"] for b in get(p, BOOKS)]  # noqa: E731
        assert titles("$.store.book[?(@.price < 10)]") == ["Sayings", "Moby Dick"]
        assert titles("$.store.book[?(@.price <= 8.99)]") == ["Sayings", "Moby Dick"]
        assert titles("$.store.book[?(@.price > 20)]") == ["The Lord"]
        assert titles("$.store.book[?(@.price >= 12.99)]") == ["Sword", "The Lord"]
        assert titles("$.store.book[?(@.price != 8.95)]") == ["Sword", "Moby Dick", "The Lord"]

    def test_root_reference(self):
        assert [b["price"] for b in get("$.store.book[?(@.price > $.expensive)]", BOOKS)] == \
            [12.99, 22.99]

    def test_strings_single_and_double_quoted(self):
        assert get("$[?(@.c == 'fiction')].n", [{"c": "fiction", "n": 1}, {"c": "ref", "n": 2}]) == [1]
        assert get('$[?(@.c == "ref")].n', [{"c": "fiction", "n": 1}, {"c": "ref", "n": 2}]) == [2]
        assert get("$[?(@.c == 'it\\'s')].n", [{"c": "it's", "n": 3}]) == [3]

    def test_string_ordering(self):
        assert get("$[?(@ < 'b')]", ["a", "b", "c", 1]) == ["a"]

    def test_booleans_and_null(self):
        data = [{"v": True}, {"v": False}, {"v": None}, {"v": 1}, {"v": 0}, {}]
        assert get("$[?(@.v == true)]", data) == [{"v": True}]
        assert get("$[?(@.v == false)]", data) == [{"v": False}]
        assert get("$[?(@.v == null)]", data) == [{"v": None}]
        assert get("$[?(@.v == 1)]", data) == [{"v": 1}]  # true is not 1
        assert get("$[?(@.v == 0)]", data) == [{"v": 0}]  # false is not 0

    def test_mismatched_types_are_false_for_ordering(self):
        data = [{"v": "10"}, {"v": 10}, {"v": True}, {"v": [1]}]
        assert get("$[?(@.v > 5)]", data) == [{"v": 10}]
        assert get("$[?(@.v < 'z')]", data) == [{"v": "10"}]

    def test_jayway_number_string_equality(self):
        data = [{"v": "1"}, {"v": 1}, {"v": "x"}]
        assert get("$[?(@.v == 1)]", data) == [{"v": "1"}, {"v": 1}]
        assert get("$[?(@.v == '1')]", data) == [{"v": "1"}, {"v": 1}]

    def test_not_equal_is_true_for_missing(self):
        data = [{"v": 1}, {"v": 2}, {}]
        assert get("$[?(@.v != 1)]", data) == [{"v": 2}, {}]

    def test_existence(self):
        assert [b["title"] for b in get("$..book[?(@.isbn)]", BOOKS)] == ["Moby Dick", "The Lord"]
        assert get("$[?(@.a)]", [{"a": None}, {"b": 1}, {"a": 0}]) == [{"a": None}, {"a": 0}]
        assert get("$[?(!@.a)]", [{"a": None}, {"b": 1}]) == [{"b": 1}]

    def test_and_or_not_parentheses(self):
        data = [{"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 2, "b": 2}, {"a": 3}]
        assert get("$[?(@.a == 1 && @.b == 2)]", data) == [{"a": 1, "b": 2}]
        assert get("$[?(@.a == 3 || @.b == 1)]", data) == [{"a": 1, "b": 1}, {"a": 3}]
        # && binds tighter than ||
        assert get("$[?(@.a == 3 || @.a == 1 && @.b == 2)]", data) == [{"a": 1, "b": 2}, {"a": 3}]
        assert get("$[?((@.a == 3 || @.a == 1) && @.b == 2)]", data) == [{"a": 1, "b": 2}]
        assert get("$[?(!(@.a == 1))]", data) == [{"a": 2, "b": 2}, {"a": 3}]

    def test_regex(self):
        data = [{"n": "Nigel Rees"}, {"n": "nigel"}, {"n": "Evelyn"}, {"n": 5}]
        assert get("$[?(@.n =~ /Nig.*/)]", data) == [{"n": "Nigel Rees"}]
        assert get("$[?(@.n =~ /nig.*/i)]", data) == [{"n": "Nigel Rees"}, {"n": "nigel"}]
        # Java matches(): the whole string must match
        assert get("$[?(@.n =~ /Rees/)]", data) == []
        assert get("$[?(@.n =~ /[0-9]+/)]", data) == [{"n": 5}]

    def test_in_and_nin(self):
        data = [{"c": "a"}, {"c": "b"}, {"c": "z"}, {}]
        assert get("$[?(@.c in ['a', 'b'])]", data) == [{"c": "a"}, {"c": "b"}]
        assert get('$[?(@.c in ["z"])]', data) == [{"c": "z"}]
        assert get("$[?(@.c nin ['a', 'b'])]", data) == [{"c": "z"}, {}]

    def test_size_empty_contains_subsetof(self):
        data = [{"t": ["x", "y"]}, {"t": []}, {"t": "ab"}, {"t": ["y"]}]
        assert get("$[?(@.t size 2)]", data) == [{"t": ["x", "y"]}, {"t": "ab"}]
        assert get("$[?(@.t empty true)]", data) == [{"t": []}]
        assert get("$[?(@.t empty false)]", data) == [{"t": ["x", "y"]}, {"t": "ab"}, {"t": ["y"]}]
        assert get("$[?(@.t contains 'y')]", data) == [{"t": ["x", "y"]}, {"t": ["y"]}]
        assert get("$[?(@.t subsetof ['y', 'z'])]", data) == [{"t": []}, {"t": ["y"]}]
        assert get("$[?(@.t anyof ['x'])]", data) == [{"t": ["x", "y"]}]
        assert get("$[?(@.t noneof ['x'])]", data) == [{"t": []}, {"t": ["y"]}]

    def test_current_item_and_length(self):
        assert get("$[?(@ > 2)]", [1, 2, 3, 4]) == [3, 4]
        assert get("$[?(@.length() > 1)]", [[1], [1, 2], "ab"]) == [[1, 2]]

    def test_json_literal_comparison(self):
        data = [{"v": [1, 2]}, {"v": [1, True]}]
        assert get("$[?(@.v == [1, 2])]", data) == [{"v": [1, 2]}]

    def test_filter_on_object_tests_the_object_itself(self):
        assert get("$.o[?(@.k == 1)]", {"o": {"k": 1}}) == [{"k": 1}]
        assert get("$.o[?(@.k == 2)]", {"o": {"k": 1}}) == []

    def test_filter_on_missing_or_scalar_is_empty(self):
        assert get("$.nope[?(@.a)]", {}) == []
        assert get("$.s[?(@.a)]", {"s": 3}) == []

    def test_filter_with_brackets_and_parens_in_strings(self):
        data = [{"k": "a)]b"}, {"k": "x"}]
        assert get("$[?(@.k == 'a)]b')]", data) == [{"k": "a)]b"}]
        assert get("$[?(@['k'] == 'x')]", data) == [{"k": "x"}]

    def test_bare_word_is_a_string_as_in_aws_samples(self):
        # published AWS samples (accepted by AWS) write `[?(@.Type.Text==VENDOR_NAME)]`
        data = {"Fields": [{"Type": {"Text": "VENDOR_NAME"}, "V": "ACME"},
                           {"Type": {"Text": "TOTAL"}, "V": 3}]}
        assert get("$.Fields[?(@.Type.Text==VENDOR_NAME)].V", data) == ["ACME"]
        assert get("$..Fields[?(@.Type.Text==NOPE)]", data) == []

    def test_then_continues(self):
        assert get("$.store.book[?(@.category == 'reference')].author", BOOKS) == ["Nigel Rees"]


class TestContextPaths:
    CO = {"Execution": {"Id": "arn:x", "Input": {"k": [1, 2]}}, "State": {"Name": "S", "RetryCount": 0},
          "Map": {"Item": {"Index": 3, "Value": {"v": 1}}}}

    def test_whole_context(self):
        ctx = FakeCtx(self.CO)
        assert get("$$", {"ignored": 1}, ctx) is self.CO

    def test_fields(self):
        ctx = FakeCtx(self.CO)
        assert get("$$.Execution.Id", {}, ctx) == "arn:x"
        assert get("$$.State.RetryCount", {}, ctx) == 0
        assert get("$$.Map.Item.Value.v", {}, ctx) == 1
        assert get("$$.Execution.Input.k[1]", {}, ctx) == 2
        assert get("$$['State']['Name']", {}, ctx) == "S"

    def test_reads_context_not_data(self):
        ctx = FakeCtx({"a": 1})
        assert get("$$.a", {"a": 2}, ctx) == 1
        assert ctx.calls == 1

    def test_missing_context_field(self):
        ctx = FakeCtx(self.CO)
        assert detail("$$.Task.Token", {}, ctx) == "Missing property in path $['Task']"
        assert detail("$$.State.Nope", {}, ctx) == "No results for path: $['State']['Nope']"

    def test_indefinite_context_path(self):
        assert get("$$.Execution.Input.k[*]", {}, FakeCtx(self.CO)) == [1, 2]

    def test_map_item_comes_from_the_frame_without_building_the_context(self):
        ctx = FakeCtx(self.CO)
        ctx.map_item = (7, {"v": 2})
        assert get("$$.Map.Item.Index", {}, ctx) == 7
        assert get("$$['Map']['Item']['Value']", {}, ctx) == {"v": 2}
        assert ctx.calls == 0
        ctx.map_item = None   # outside an ItemSelector: the context object decides
        assert get("$$.Map.Item.Index", {}, ctx) == 3
        assert detail("$$.Map.Item.Index", {}, FakeCtx({"State": {}})) == (
            "Missing property in path $['Map']")

    def test_plain_paths_ignore_ctx(self):
        assert get("$.a", {"a": 1}, None) == 1


class TestVariables:
    def test_variable_and_steps(self):
        ctx = FakeCtx(variables={"x": {"a": [5, 6]}, "n": 3, "under_score1": "u"})
        assert get("$x", {}, ctx) == {"a": [5, 6]}
        assert get("$x.a[1]", {}, ctx) == 6
        assert get("$x.a[*]", {}, ctx) == [5, 6]
        assert get("$n", {"n": "data"}, ctx) == 3
        assert get("$under_score1", {}, ctx) == "u"

    def test_missing_variable_raises_even_when_indefinite(self):
        ctx = FakeCtx(variables={})
        with pytest.raises(PathNotFound):
            get("$nope", {}, ctx)
        with pytest.raises(PathNotFound):
            get("$nope[*]", {}, ctx)

    def test_missing_step_in_variable(self):
        ctx = FakeCtx(variables={"x": {}})
        assert detail("$x.a", {}, ctx) == "No results for path: $['a']"

    def test_kinds(self):
        assert path_kind("$") == "input"
        assert path_kind("$.a") == "input"
        assert path_kind("$[0]") == "input"
        assert path_kind("$$") == "context"
        assert path_kind("$$.Execution.Id") == "context"
        assert path_kind("$x") == "variable"
        assert path_kind("$_y.z") == "variable"
        assert path_kind("$constant_str_path_root") == "variable"


class TestNormalizedAndDefinite:
    def test_normalized(self):
        assert normalized("$") == "$"
        assert normalized("$.a[0]") == "$['a'][0]"
        assert normalized("$.a.b['c d']") == "$['a']['b']['c d']"
        assert normalized('$["a"]') == '$["a"]'
        assert normalized("$..a[*][1:3][:2][-1:][0,1]['x','y']") == \
            "$..['a'][*][1:3][:2][-1:][0,1]['x','y']"
        assert normalized("$.a[?(@.b == 1)]") == "$['a'][?]"
        assert normalized("$.a.length()") == "$['a'].length()"
        assert normalized("$$.Execution.Id") == "$$['Execution']['Id']"
        assert normalized("$v.a") == "$v['a']"

    def test_is_definite(self):
        for p in ["$", "$.a", "$.a[0].b", "$['a']", "$[-1]", "$$.State.Name", "$x.y", "$['a','b']"]:
            assert is_definite(p), p
        for p in ["$[*]", "$.*", "$..a", "$[0:1]", "$[0,1]", "$[?(@.a)]", "$['a','b'].c",
                  "$x[*]"]:
            assert not is_definite(p), p


class TestReferencePaths:
    def test_getter(self):
        g, _ = compile_reference_path("$.a[1].b")
        assert g({"a": [0, {"b": "x"}]}, None) == "x"
        with pytest.raises(PathNotFound):
            g({"a": []}, None)

    def test_root_setter_replaces(self):
        _, s = compile_reference_path("$")
        assert s({"a": 1}, [9]) == [9]

    def test_set_new_key_shares_untouched_branches(self):
        _, s = compile_reference_path("$.result")
        data = {"keep": {"deep": [1]}, "n": 1}
        snapshot = copy.deepcopy(data)
        out = s(data, {"r": 1})
        assert out == {"keep": {"deep": [1]}, "n": 1, "result": {"r": 1}}
        assert data == snapshot
        assert out is not data
        assert out["keep"] is data["keep"]

    def test_set_replaces_existing_value(self):
        _, s = compile_reference_path("$.a")
        assert s({"a": {"old": 1}, "b": 2}, 5) == {"a": 5, "b": 2}

    def test_nested_copies_only_the_path(self):
        _, s = compile_reference_path("$.a.b.c")
        side = {"s": [1, 2]}
        a_other = [3]
        data = {"a": {"b": {"c": 0, "d": side}, "o": a_other}, "z": {"zz": 1}}
        snapshot = copy.deepcopy(data)
        out = s(data, "new")
        assert out == {"a": {"b": {"c": "new", "d": side}, "o": a_other}, "z": {"zz": 1}}
        assert data == snapshot
        assert out["z"] is data["z"]
        assert out["a"] is not data["a"]
        assert out["a"]["o"] is a_other
        assert out["a"]["b"] is not data["a"]["b"]
        assert out["a"]["b"]["d"] is side

    def test_missing_intermediates_are_created(self):
        _, s = compile_reference_path("$.x.y.z")
        data = {"k": 1}
        assert s(data, 7) == {"k": 1, "x": {"y": {"z": 7}}}
        assert data == {"k": 1}
        _, s2 = compile_reference_path("$.result_path.merged")
        assert s2({}, 1) == {"result_path": {"merged": 1}}

    def test_created_intermediates_are_fresh_each_time(self):
        _, s = compile_reference_path("$.x.y")
        first = s({}, 1)
        second = s({}, 2)
        assert first == {"x": {"y": 1}} and second == {"x": {"y": 2}}
        assert first["x"] is not second["x"]

    def test_index_step_replaces_element_of_a_copied_list(self):
        _, s = compile_reference_path("$.l[1].v")
        e0, e1 = {"v": 0}, {"v": 1, "w": 2}
        lst = [e0, e1]
        data = {"l": lst}
        out = s(data, 9)
        assert out == {"l": [{"v": 0}, {"v": 9, "w": 2}]}
        assert lst == [{"v": 0}, {"v": 1, "w": 2}] and data["l"] is lst
        assert out["l"] is not lst
        assert out["l"][0] is e0
        _, s2 = compile_reference_path("$[-1]")
        assert s2([1, 2], "x") == [1, "x"]

    def test_bracket_and_special_keys(self):
        _, s = compile_reference_path("$['my key'].x-y")
        assert s({}, 1) == {"my key": {"x-y": 1}}

    def test_indefinite_steps_are_rejected(self):
        for p in ["$[*]", "$.a.*", "$..a", "$.a[0:1]", "$[0,1]", "$['a','b']", "$.a[?(@.b)]",
                  "$.a.length()"]:
            with pytest.raises(PathSyntaxError):
                compile_reference_path(p)

    def test_context_and_variable_paths_are_read_only(self):
        g, s = compile_reference_path("$$.State.Name")
        assert s is None
        assert g({}, FakeCtx({"State": {"Name": "N"}})) == "N"
        g, s = compile_reference_path("$v.a")
        assert s is None
        assert g({}, FakeCtx(variables={"v": {"a": 2}})) == 2


class TestResultPathMatchFailure:
    @pytest.mark.parametrize("path,data", [
        ("$.a", [1, 2]),
        ("$.a", "text"),
        ("$.a", 5),
        ("$.a", None),
        ("$.a.b", {"a": "string"}),
        ("$.a.b", {"a": [1]}),
        ("$.a.b", {"a": None}),
        ("$.a[0]", {"a": {"0": 1}}),
        ("$.a[2]", {"a": [1, 2]}),
        ("$.a[0]", {}),
        ("$[0]", "ab"),
    ])
    def test_failure(self, path, data):
        _, s = compile_reference_path(path)
        snapshot = copy.deepcopy(data)
        with pytest.raises(StatesError) as ei:
            s(data, "v")
        assert ei.value.error == "States.ResultPathMatchFailure"
        assert path in ei.value.cause
        assert data == snapshot

    def test_cause_names_path_and_input(self):
        _, s = compile_reference_path("$.a.b")
        with pytest.raises(StatesError) as ei:
            s({"a": 1}, 2)
        assert ei.value.cause == "Unable to apply ResultPath '$.a.b' to input '{\"a\":1}'"


class TestSyntaxErrors:
    @pytest.mark.parametrize("text", [
        "", "a.b", "$.", "$..", "$.a.", "$...a", "$a-b", "$$$", "$[", "$['a'", "$['a]", "$[a]",
        "$.a[", "$.a[0", "$[0,]", "$[1-2]", "$[:]", "$[x]", "$.a b", "$.my key", "$[*",
        "$[?(@.a == 1]", "$[?(@.a ==)]", "$[?()]", "$[?(1)]", "$[?(@.a =~ /[/)]", "$.a.sum()",
        "$.a.length().b", "$.a.length(1)", "$['a',]", "$['a' 'b']", "$1", "$[?(@.a == 'x)]",
        "$.*x",
    ])
    def test_rejected(self, text):
        with pytest.raises(PathSyntaxError):
            compile_path(text)

    def test_non_string(self):
        with pytest.raises(PathSyntaxError):
            compile_path(None)  # type: ignore[arg-type]
        with pytest.raises(PathSyntaxError):
            compile_reference_path(5)  # type: ignore[arg-type]

    def test_message_names_the_path(self):
        with pytest.raises(PathSyntaxError) as ei:
            compile_path("$.a[")
        assert "$.a[" in str(ei.value)

    def test_inspection_functions_reject_bad_text(self):
        for fn in (path_kind, normalized, is_definite):
            with pytest.raises(PathSyntaxError):
                fn("$[")


class TestCompiledOnce:
    def test_same_text_gives_reusable_getter(self):
        g = compile_path("$.a.b")
        assert g({"a": {"b": 1}}, None) == 1
        assert g({"a": {"b": 2}}, None) == 2
        with pytest.raises(PathNotFound):
            g({"a": {}}, None)
        assert g({"a": {"b": 3}}, None) == 3

    def test_getter_does_not_mutate_input(self):
        data = {"a": [{"b": 1}, {"b": 2}]}
        snapshot = copy.deepcopy(data)
        get("$..b", data)
        get("$.a[?(@.b > 1)]", data)
        get("$.a[0:1]", data)
        assert data == snapshot
