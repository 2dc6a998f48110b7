"""Payload templates: `Parameters`, `ResultSelector`, `ItemSelector`, Map `Parameters`,
`Credentials` (and `Assign` in JSONPath mode).

`compile_template(template)` returns `f(data, ctx) -> value`. Static sub-trees are built once
and shared between calls (immutable by convention: never mutate a template's output in place);
dynamic parts are built fresh on each call.
"""
from __future__ import annotations

from typing import Any, Callable

from fastsfn.errors import PathNotFound, PathSyntaxError, StatesRuntime
from fastsfn.intrinsics.parser import compile_intrinsic, is_intrinsic
from fastsfn.jsontext import dumps
from fastsfn.paths.jsonpath import compile_path

Getter = Callable[[Any, Any], Any]


def _bad_field(key: str) -> PathSyntaxError:
    return PathSyntaxError(
        f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
    )


def compile_dynamic(key: str, value: Any) -> Getter:
    """Compile the value of a `<name>.$` field: a path or an intrinsic call."""
    if type(value) is not str:
        raise _bad_field(key)
    if is_intrinsic(value):
        try:
            return compile_intrinsic(value)
        except PathSyntaxError:
            raise _bad_field(key) from None
    if not value.startswith("$"):
        raise _bad_field(key)
    try:
        g = compile_path(value)
    except PathSyntaxError:
        raise _bad_field(key) from None

    def get(data, ctx):
        try:
            return g(data, ctx)
        except PathNotFound:
            raise StatesRuntime(
                f"The JSONPath '{value}' specified for the field '{key}' could not be found "
                f"in the input '{dumps(data)}'"
            ) from None

    return get


def _compile(node: Any) -> tuple[bool, Any]:
    """-> (True, static value) or (False, getter)."""
    t = type(node)
    if t is dict:
        return _compile_dict(node)
    if t is list:
        return _compile_list(node)
    return True, node


def _compile_dict(node: dict) -> tuple[bool, Any]:
    fields: dict[str, tuple[bool, Any]] = {}
    for key, value in node.items():
        if type(key) is str and key.endswith(".$"):
            name = key[:-2]
            fields.pop(name, None)  # the later of 'x' / 'x.$' wins
            fields[name] = (False, compile_dynamic(key, value))
        else:
            fields.pop(key, None)
            fields[key] = _compile(value)
    static = {k: v for k, (is_static, v) in fields.items() if is_static}
    dynamic = [(k, v) for k, (is_static, v) in fields.items() if not is_static]
    if not dynamic:
        return True, static
    return False, _dict_builder(static, dynamic)


def _dict_builder(static: dict, dynamic: list[tuple[str, Getter]]) -> Getter:
    n = len(dynamic)
    if not static:
        if n == 1:
            (k0, g0), = dynamic

            def build1(data, ctx):
                return {k0: g0(data, ctx)}

            return build1
        if n == 2:
            (k0, g0), (k1, g1) = dynamic

            def build2(data, ctx):
                return {k0: g0(data, ctx), k1: g1(data, ctx)}

            return build2
        if n == 3:
            (k0, g0), (k1, g1), (k2, g2) = dynamic

            def build3(data, ctx):
                return {k0: g0(data, ctx), k1: g1(data, ctx), k2: g2(data, ctx)}

            return build3

        def build_dyn(data, ctx):
            return {k: g(data, ctx) for k, g in dynamic}

        return build_dyn

    copy = static.copy
    if n == 1:
        (k0, g0), = dynamic

        def build_mixed1(data, ctx):
            out = copy()
            out[k0] = g0(data, ctx)
            return out

        return build_mixed1

    def build_mixed(data, ctx):
        out = copy()
        for k, g in dynamic:
            out[k] = g(data, ctx)
        return out

    return build_mixed


def _compile_list(node: list) -> tuple[bool, Any]:
    items = [_compile(x) for x in node]
    if all(s for s, _ in items):
        return True, [v for _, v in items]
    getters: list[Getter] = []
    for is_static, v in items:
        if is_static:
            getters.append(lambda data, ctx, _v=v: _v)
        else:
            getters.append(v)

    def build_list(data, ctx):
        return [g(data, ctx) for g in getters]

    return False, build_list


def compile_template(template: Any) -> Getter:
    """Compile a payload template to `f(data, ctx) -> value`.

    Raises PathSyntaxError at compile time for a `.$` value that is not a string holding a
    valid path or intrinsic call. At run time a dynamic path that matches nothing raises
    StatesRuntime with AWS's wording (the executor adds the state prefix).
    """
    is_static, v = _compile(template)
    if is_static:
        def static(data, ctx, _v=v):
            return _v

        return static
    return v


def template_paths(template: Any) -> list[str]:
    """Every path / intrinsic string in a template's `.$` fields, in document order."""
    out: list[str] = []

    def walk(node: Any) -> None:
        t = type(node)
        if t is dict:
            for k, v in node.items():
                if type(k) is str and k.endswith(".$"):
                    if type(v) is str:
                        out.append(v)
                else:
                    walk(v)
        elif t is list:
            for x in node:
                walk(x)

    walk(template)
    return out


__all__ = ["compile_dynamic", "compile_template", "template_paths"]
