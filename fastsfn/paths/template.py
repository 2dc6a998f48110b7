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
from fastsfn.jsontext import dumpb, dumps
from fastsfn.paths.jsonpath import compile_path, property_chain

Getter = Callable[[Any, Any], Any]

#: An upper bound of a context object member's JSON size other than the execution input and
#: a Map item: names (80 characters), ARNs, ids, times, a task token.
CONTEXT_MEMBER = 4096


def _bad_field(key: str) -> PathSyntaxError:
    return PathSyntaxError(
        f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
    )


class _Dynamic:
    """One compiled `.$` value: the getter that words errors as AWS does, the raw getter
    (raises PathNotFound on a miss), and Python source reading it inline, if it can be."""

    __slots__ = ("get", "raw", "inline")

    def __init__(self, get: Getter, raw: Getter, inline: str | None) -> None:
        self.get = get
        self.raw = raw
        self.inline = inline


def _dynamic(key: str, value: Any) -> _Dynamic:
    if type(value) is not str:
        raise _bad_field(key)
    if is_intrinsic(value):
        try:
            g = compile_intrinsic(value)
        except PathSyntaxError:
            raise _bad_field(key) from None
        return _Dynamic(g, g, None)
    if not value.startswith("$"):
        raise _bad_field(key)
    try:
        raw = compile_path(value)
    except PathSyntaxError:
        raise _bad_field(key) from None

    def get(data, ctx):
        try:
            return raw(data, ctx)
        except PathNotFound:
            raise StatesRuntime(
                f"The JSONPath '{value}' specified for the field '{key}' could not be found "
                f"in the input '{dumps(data)}'"
            ) from None

    chain = property_chain(value)
    inline = None if chain is None else "data" + "".join(f"[{k!r}]" for k in chain)
    return _Dynamic(get, raw, inline)


def compile_dynamic(key: str, value: Any) -> Getter:
    """Compile the value of a `<name>.$` field: a path or an intrinsic call."""
    return _dynamic(key, value).get


def _compile(node: Any) -> tuple[bool, Any]:
    """-> (True, static value) or (False, getter)."""
    t = type(node)
    if t is dict:
        return _compile_dict(node)
    if t is list:
        return _compile_list(node)
    return True, node


def _compile_dict(node: dict) -> tuple[bool, Any]:
    fields: dict[str, Any] = {}   # output key -> static value, _Dynamic, or nested getter
    dynamic = False
    for key, value in node.items():
        if type(key) is str and key.endswith(".$"):
            name = key[:-2]
            fields.pop(name, None)  # the later of 'x' / 'x.$' wins
            fields[name] = _dynamic(key, value)
            dynamic = True
        else:
            fields.pop(key, None)
            is_static, v = _compile(value)
            fields[key] = v if is_static else _Dynamic(v, v, None)
            dynamic = dynamic or not is_static
    if not dynamic:
        return True, fields
    return False, _dict_builder(fields)


# A path that misses raises one of these on the inlined fast path; the slow path then
# finds which field missed and raises AWS's error for it.
_MISSES = (KeyError, TypeError, IndexError, PathNotFound)


def _dict_builder(fields: dict[str, Any]) -> Getter:
    """Generate `build(data, ctx)` returning the object as one dict display, in the
    template's key order, with `$.a.b` paths read inline."""
    names: dict[str, Any] = {"_MISSES": _MISSES}
    parts = []
    for i, (key, v) in enumerate(fields.items()):
        if isinstance(v, _Dynamic):
            if v.inline is not None:
                parts.append(f"{key!r}: {v.inline}")
            else:
                names[f"g{i}"] = v.raw
                parts.append(f"{key!r}: g{i}(data, ctx)")
        else:
            names[f"s{i}"] = v
            parts.append(f"{key!r}: s{i}")

    def slow(data, ctx):
        return {k: (v.get(data, ctx) if isinstance(v, _Dynamic) else v)
                for k, v in fields.items()}

    names["slow"] = slow
    source = ("def build(data, ctx):\n"
              "    try:\n"
              f"        return {{{', '.join(parts)}}}\n"
              "    except _MISSES:\n"
              "        return slow(data, ctx)\n")
    exec(compile(source, "<fastsfn template>", "exec"), names)
    return names["build"]


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


def template_growth(template: Any) -> tuple[int, int, int] | None:
    """How large the template's output can be, as (a size, references to the payload,
    references to the execution input): its own JSON text plus what each reference reads,
    at most a whole payload (a `$$` member other than the execution input is a Map item,
    part of the payload, or a name, id or time: CONTEXT_MEMBER bytes at most). None when it
    cannot be told: an intrinsic function, or a `..` path, which may gather parts of a
    payload many times."""
    size = len(dumpb(template))
    references = input_references = 0
    for text in template_paths(template):
        if is_intrinsic(text) or ".." in text:
            return None
        if not text.startswith("$$"):
            references += 1
        elif text in ("$$", "$$.Execution") or text.startswith(("$$.Execution.Input",
                                                                 "$$[", "$$.*", "$$.Execution[",
                                                                 "$$.Execution.*")):
            input_references += 1
        else:   # a Map item (part of the payload read), or a small member
            references += 1
            size += CONTEXT_MEMBER
    return size, references, input_references


__all__ = ["compile_dynamic", "compile_template", "template_growth", "template_paths"]
