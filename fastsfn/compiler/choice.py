"""Choice rules (JSONPath mode) compiled once into predicates `pred(data, ctx) -> bool`.

Every leaf becomes one closure whose body has the comparison inlined: the operator, the
literal (or the compiled `...Path` getter), the literal's parsed form (timestamp key,
UTF-16 form, StringMatches matcher) are all fixed at compile time. The closure bodies are
generated from small source templates (one cached factory per distinct test), so there is
no operator-name lookup or generic dispatch at run time.

Semantics (observed on AWS; see tests/spec/test_choice.py):
- a value of the wrong type makes the rule false, never an error; JSON booleans are not
  numbers; numbers compare by value (1 == 1.0);
- strings order by Java `String.compareTo` (UTF-16 code units);
- a `Variable` (or a `...Path` operand) that does not exist raises `States.Runtime`
  ("Invalid path '<path>': The choice state's condition path references an invalid value.")
  except for `IsPresent`, which tests exactly that;
- `And`/`Or` short-circuit left to right (`And: [IsPresent, BooleanEquals]` is the usual guard).
"""
from __future__ import annotations

import re
from typing import Any, Callable

from fastsfn.errors import PathNotFound, StatesRuntime
from fastsfn.paths.jsonpath import compile_reference_path, property_chain
from fastsfn.timestamps import timestamp_key

__all__ = ["compile_condition", "OPERATORS"]

Predicate = Callable[[Any, Any], bool]

_COMPARATORS = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
}
_FAMILIES = ("String", "Numeric", "Timestamp")
_TYPE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")

#: operator name -> (family, comparison symbol or None, is a `...Path` form)
OPERATORS: dict[str, tuple[str, str | None, bool]] = {}
for _family in _FAMILIES:
    for _suffix, _symbol in _COMPARATORS.items():
        OPERATORS[_family + _suffix] = (_family, _symbol, False)
        OPERATORS[_family + _suffix + "Path"] = (_family, _symbol, True)
del _family, _suffix, _symbol
OPERATORS["BooleanEquals"] = ("Boolean", "==", False)
OPERATORS["BooleanEqualsPath"] = ("Boolean", "==", True)
OPERATORS["StringMatches"] = ("Matches", None, False)
for _name in _TYPE_TESTS:
    OPERATORS[_name] = (_name, None, False)
del _name

_TOP_LEVEL_ONLY = frozenset(("Next", "Assign"))
_IGNORED = frozenset(("Comment",))
_COMBINATORS = ("And", "Or", "Not")


def _invalid_path(path: str) -> str:
    return f"Invalid path '{path}': The choice state's condition path references an invalid value."


def _utf16(s: str) -> bytes:
    """Bytes that order like Java strings: big-endian UTF-16 code units."""
    return s.encode("utf-16-be", "surrogatepass")


def _java_safe(s: str) -> bool:
    """True when Python's code-point order equals UTF-16 order against *any* other string.

    The orders differ only where an astral character (a surrogate pair in UTF-16) meets a
    character in U+E000..U+FFFF; a string without characters >= U+D800 never hits that.
    """
    return s.isascii() or max(s) < "\ud800"


# -- leaf code generation --------------------------------------------------------------------

_GLOBALS = {
    "NotFound": PathNotFound,
    "StatesRuntime": StatesRuntime,
    "NUM": (int, float),
    "u16": _utf16,
    "tskey": timestamp_key,
}

_FETCH_VAR = """
        try:
            v = get(data, ctx)
        except NotFound:
            raise StatesRuntime(msg) from None"""

_FETCH_OPERAND = """
        try:
            w = oget(data, ctx)
        except NotFound:
            raise StatesRuntime(omsg) from None"""

_FACTORIES: dict[tuple[str, bool], Callable[..., Predicate]] = {}


def _factory(test: str, operand_path: bool) -> Callable[..., Predicate]:
    """A cached `make(get, oget, lit, aux, msg, omsg) -> pred` whose body returns `test`."""
    key = (test, operand_path)
    make = _FACTORIES.get(key)
    if make is None:
        body = _FETCH_VAR + (_FETCH_OPERAND if operand_path else "")
        src = (
            "def make(get, oget, lit, aux, msg, omsg):\n"
            "    def pred(data, ctx):" + body + "\n"
            f"        return {test}\n"
            "    return pred\n"
        )
        namespace: dict = {}
        exec(compile(src, f"<choice leaf: {test}>", "exec"), _GLOBALS, namespace)
        make = _FACTORIES[key] = namespace["make"]
    return make


def _is_present(get: Callable, want: bool) -> Predicate:
    if want:
        def pred(data: Any, ctx: Any) -> bool:
            try:
                get(data, ctx)
            except PathNotFound:
                return False
            return True
    else:
        def pred(data: Any, ctx: Any) -> bool:
            try:
                get(data, ctx)
            except PathNotFound:
                return True
            return False
    return pred


# -- StringMatches ---------------------------------------------------------------------------

def _pattern_parts(pattern: str) -> list[str]:
    """Split a StringMatches pattern at its unescaped `*`s into literal parts.

    `\\*` is a literal asterisk and `\\\\` a literal backslash; a backslash before any other
    character (or at the end) stands for itself. Nothing else is special.
    """
    parts: list[str] = []
    buf: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n and pattern[i + 1] in "*\\":
            buf.append(pattern[i + 1])
            i += 2
            continue
        if c == "*":
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(c)
        i += 1
    parts.append("".join(buf))
    return parts


def _matches_test(pattern: str) -> tuple[str, Any, Any]:
    """(test source, lit, aux) for a StringMatches pattern, cheapest form first."""
    parts = _pattern_parts(pattern)
    if len(parts) == 1:
        return "type(v) is str and v == lit", parts[0], None
    if all(p == "" for p in parts):
        return "type(v) is str", None, None
    if len(parts) == 2:
        head, tail = parts
        if not tail:
            return "type(v) is str and v.startswith(lit)", head, None
        if not head:
            return "type(v) is str and v.endswith(lit)", tail, None
        return (
            "type(v) is str and len(v) >= aux[0] and v.startswith(lit) and v.endswith(aux[1])",
            head, (len(head) + len(tail), tail),
        )
    if len(parts) == 3 and parts[0] == "" and parts[2] == "":
        return "type(v) is str and lit in v", parts[1], None
    regex = re.compile(".*".join(re.escape(p) for p in parts), re.DOTALL)
    return "type(v) is str and lit(v) is not None", regex.fullmatch, None


# -- rules -----------------------------------------------------------------------------------

def compile_condition(rule: dict) -> Predicate:
    """Compile one top-level JSONPath Choice rule into `pred(data, ctx) -> bool`.

    `Next`, `Comment` and `Assign` of the top-level rule are ignored. Raises ValueError
    for a rule that is not a valid JSONPath Choice rule.

    The whole rule becomes one generated function: `$.a.b` variables are read inline and
    each leaf's test is written into a single boolean expression. When an inline read
    misses, the rule is evaluated again by the per-leaf closures, which word AWS's error.
    """
    slow = _compile(rule, "Choices[]", top=True)
    names: dict[str, Any] = {**_GLOBALS, "_MISSES": (KeyError, TypeError, IndexError),
                             "_S": _SENTINEL, "slow": slow}
    expr = _source(rule, names)
    src = ("def pred(data, ctx):\n"
           "    try:\n"
           f"        return {expr}\n"
           "    except _MISSES:\n"
           "        return slow(data, ctx)\n")
    exec(compile(src, "<choice rule>", "exec"), names)
    return names["pred"]


_SENTINEL = object()
_LOCALS = re.compile(r"\b(v|w|k|j|lit|aux)\b")


def _source(rule: dict, names: dict[str, Any]) -> str:
    """One boolean expression for a (validated) rule; leaves that cannot be inlined are
    called as their compiled closures."""
    for op in ("And", "Or"):
        if op in rule:
            joiner = f" {op.lower()} "
            return "(" + joiner.join(_source(r, names) for r in rule[op]) + ")"
    if "Not" in rule:
        return f"(not {_source(rule['Not'], names)})"
    op = next(k for k in rule if k in OPERATORS)
    pred = _leaf(rule["Variable"], op, rule[op], "Choices[]")
    i = len(names)
    inline = getattr(pred, "inline", None)
    chain = property_chain(rule["Variable"]) if inline is not None else None
    if chain is None:
        names[f"p{i}"] = pred
        return f"p{i}(data, ctx)"
    test, lit, aux = inline
    names[f"lit{i}"], names[f"aux{i}"] = lit, aux
    test = _LOCALS.sub(lambda m: f"{m.group(1)}{i}", test)
    access = "data" + "".join(f"[{key!r}]" for key in chain)
    return f"(({test}) if (v{i} := {access}) is not _S else False)"


def _compile(rule: Any, where: str, top: bool) -> Predicate:
    if not isinstance(rule, dict):
        raise ValueError(f"{where}: a choice rule must be an object, got {type(rule).__name__}")
    if "Condition" in rule:
        raise ValueError(f"{where}: 'Condition' is a JSONata choice rule, not a JSONPath one")
    ops = []
    for key in rule:
        if key in _IGNORED or key == "Variable":
            continue
        if key in _TOP_LEVEL_ONLY:
            if not top:
                raise ValueError(f"{where}: field '{key}' is not allowed in a nested choice rule")
            continue
        if key in OPERATORS or key in _COMBINATORS:
            ops.append(key)
        else:
            raise ValueError(f"{where}: unknown field '{key}' in a choice rule")
    if len(ops) != 1:
        if not ops:
            raise ValueError(f"{where}: a choice rule needs exactly one comparison operator "
                             "or And/Or/Not; found none")
        raise ValueError(f"{where}: a choice rule needs exactly one comparison operator or "
                         f"And/Or/Not; found {', '.join(ops)}")
    op = ops[0]
    if op in _COMBINATORS:
        if "Variable" in rule:
            raise ValueError(f"{where}: '{op}' cannot be combined with 'Variable'")
        return _combinator(op, rule[op], where)
    if "Variable" not in rule:
        raise ValueError(f"{where}: the comparison '{op}' needs a 'Variable'")
    return _leaf(rule["Variable"], op, rule[op], where)


def _combinator(op: str, value: Any, where: str) -> Predicate:
    if op == "Not":
        inner = _compile(value, f"{where}.Not", top=False)

        def not_(data: Any, ctx: Any) -> bool:
            return not inner(data, ctx)
        return not_
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: '{op}' must be a non-empty array of choice rules")
    preds = tuple(_compile(r, f"{where}.{op}[{i}]", top=False) for i, r in enumerate(value))
    if len(preds) == 1:
        return preds[0]
    if op == "And":
        if len(preds) == 2:
            a, b = preds

            def and2(data: Any, ctx: Any) -> bool:
                return a(data, ctx) and b(data, ctx)
            return and2

        def and_(data: Any, ctx: Any) -> bool:
            for p in preds:
                if not p(data, ctx):
                    return False
            return True
        return and_
    if len(preds) == 2:
        a, b = preds

        def or2(data: Any, ctx: Any) -> bool:
            return a(data, ctx) or b(data, ctx)
        return or2

    def or_(data: Any, ctx: Any) -> bool:
        for p in preds:
            if p(data, ctx):
                return True
        return False
    return or_


def _reference(text: Any, field: str, where: str) -> Callable:
    if not isinstance(text, str):
        raise ValueError(f"{where}: '{field}' must be a reference path string")
    try:
        return compile_reference_path(text)[0]
    except ValueError as e:  # PathSyntaxError is a ValueError
        raise ValueError(f"{where}: '{field}' is not a valid reference path: {text!r} ({e})") from e


def _is_number(x: Any) -> bool:
    return type(x) in (int, float)


def _leaf(variable: Any, op: str, operand: Any, where: str) -> Predicate:
    get = _reference(variable, "Variable", where)
    msg = _invalid_path(variable)
    family, symbol, path_form = OPERATORS[op]

    if family in _TYPE_TESTS:
        if type(operand) is not bool:
            raise ValueError(f"{where}: '{op}' must be true or false, got {operand!r}")
        if family == "IsPresent":
            return _is_present(get, operand)
        test = {
            "IsNull": "v is None",
            "IsNumeric": "type(v) in NUM",
            "IsString": "type(v) is str",
            "IsBoolean": "type(v) is bool",
            "IsTimestamp": "(type(v) is str and tskey(v) is not None)",
        }[family]
        if not operand:
            test = f"not {test}"
        return _inlinable(_factory(test, False)(get, None, None, None, msg, None),
                          test, None, None)

    if path_form:
        oget = _reference(operand, op, where)
        omsg = _invalid_path(operand)
        if family == "Numeric":
            test = f"type(v) in NUM and type(w) in NUM and v {symbol} w"
        elif family == "Boolean":
            test = "type(w) is bool and v is w"
        elif family == "Timestamp":
            test = ("type(v) is str and type(w) is str and (k := tskey(v)) is not None "
                    f"and (j := tskey(w)) is not None and k {symbol} j")
        elif symbol == "==":  # String
            test = "type(v) is str and type(w) is str and v == w"
        else:
            test = (f"type(v) is str and type(w) is str and (v {symbol} w "
                    f"if v.isascii() or w.isascii() else u16(v) {symbol} u16(w))")
        return _factory(test, True)(get, oget, None, None, msg, omsg)

    lit: Any = operand
    aux: Any = None
    if family == "Numeric":
        if not _is_number(operand):
            raise ValueError(f"{where}: '{op}' needs a number, got {operand!r}")
        test = f"type(v) in NUM and v {symbol} lit"
    elif family == "Boolean":
        if type(operand) is not bool:
            raise ValueError(f"{where}: '{op}' needs true or false, got {operand!r}")
        test = "v is lit"
    elif family == "Timestamp":
        lit = timestamp_key(operand) if type(operand) is str else None
        if lit is None:
            raise ValueError(f"{where}: '{op}' needs an RFC 3339 timestamp string, "
                             f"got {operand!r}")
        test = f"type(v) is str and (k := tskey(v)) is not None and k {symbol} lit"
    elif family == "Matches":
        if type(operand) is not str:
            raise ValueError(f"{where}: 'StringMatches' needs a string pattern, got {operand!r}")
        test, lit, aux = _matches_test(operand)
    else:  # String
        if type(operand) is not str:
            raise ValueError(f"{where}: '{op}' needs a string, got {operand!r}")
        if symbol == "==" or _java_safe(operand):
            test = f"type(v) is str and v {symbol} lit"
        else:
            aux = _utf16(operand)
            test = f"type(v) is str and (v {symbol} lit if v.isascii() else u16(v) {symbol} aux)"
    return _inlinable(_factory(test, False)(get, None, lit, aux, msg, None), test, lit, aux)


def _inlinable(pred: Predicate, test: str, lit: Any, aux: Any) -> Predicate:
    """Remember a leaf's test source, so `_source` can write it into the rule's function."""
    pred.inline = (test, lit, aux)  # type: ignore[attr-defined]
    return pred
