"""Intrinsic function calls (`States.Name(arg, ...)`): parse once, compile to a closure.

A compiled call is a closure over prebuilt argument getters; constant sub-calls of pure
functions are folded at compile time. Nothing is parsed at run time except a Format template
that arrives through a path (cached).

Failures at run time surface as `States.Runtime` with AWS's wording (*observed*; AWS does not
raise `States.IntrinsicFailure` here):
``The function '<whole expression as written>' had the following error: <detail>`` — the
executor prefixes it with the state name and event id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Union

from fastsfn.errors import PathNotFound, PathSyntaxError, StatesRuntime
from fastsfn.intrinsics.functions import ArgError, MissingArg, build_call
from fastsfn.paths.jsonpath import compile_path

MAX_NESTING = 10

# ------------------------------------------------------------------ AST


@dataclass(frozen=True)
class Literal:
    """A constant argument. `raw` keeps a string literal's text with `\\{ \\} \\\\` still escaped
    (what Format needs to tell an escaped brace from a placeholder); None for non-strings."""

    value: Any
    raw: str | None = None


@dataclass(frozen=True)
class PathArg:
    """A `$...`, `$$...` or `$var...` argument, as written."""

    text: str


@dataclass(frozen=True)
class Call:
    name: str  # full name, e.g. "States.Format"
    args: tuple = field(default_factory=tuple)
    text: str = ""  # the call as written (source slice)


Arg = Union[Literal, PathArg, Call]

# name -> (min args, max args or None)
ARITY: dict[str, tuple[int, int | None]] = {
    "States.Format": (1, None),
    "States.StringToJson": (1, 1),
    "States.JsonToString": (1, 1),
    "States.Array": (0, None),
    "States.ArrayPartition": (2, 2),
    "States.ArrayContains": (2, 2),
    "States.ArrayRange": (3, 3),
    "States.ArrayGetItem": (2, 2),
    "States.ArrayLength": (1, 1),
    "States.ArrayUnique": (1, 1),
    "States.Base64Encode": (1, 1),
    "States.Base64Decode": (1, 1),
    "States.Hash": (2, 2),
    "States.JsonMerge": (3, 3),
    "States.MathRandom": (2, 3),
    "States.MathAdd": (2, 2),
    "States.StringSplit": (2, 2),
    "States.UUID": (0, 0),
}


def is_intrinsic(text: Any) -> bool:
    """True when `text` is a string that starts with 'States.' (after optional whitespace)."""
    return isinstance(text, str) and text.lstrip().startswith("States.")


# ------------------------------------------------------------------ parser


class _Parser:
    __slots__ = ("s", "pos", "n", "source")

    def __init__(self, s: str) -> None:
        self.s = s
        self.pos = 0
        self.n = len(s)
        self.source = s

    def fail(self, why: str) -> PathSyntaxError:
        return PathSyntaxError(f"Invalid intrinsic function call '{self.source}': {why}")

    def ws(self) -> None:
        s, n, p = self.s, self.n, self.pos
        while p < n and s[p] in " \t\r\n":
            p += 1
        self.pos = p

    def call(self, depth: int) -> Call:
        if depth > MAX_NESTING:
            raise self.fail(f"more than {MAX_NESTING} nested intrinsic functions")
        s, start = self.s, self.pos
        p = start
        while p < self.n and (s[p].isalnum() or s[p] in "._"):
            p += 1
        name = s[start:p]
        if not name.startswith("States.") or name not in ARITY:
            raise self.fail(f"unknown function '{name}'" if name else "expected a function name")
        self.pos = p
        self.ws()
        if self.pos >= self.n or s[self.pos] != "(":
            raise self.fail(f"expected '(' after {name}")
        self.pos += 1
        args: list = []
        self.ws()
        if self.pos < self.n and s[self.pos] == ")":
            self.pos += 1
        else:
            while True:
                self.ws()
                args.append(self.arg(depth))
                self.ws()
                if self.pos >= self.n:
                    raise self.fail("missing ')'")
                c = s[self.pos]
                self.pos += 1
                if c == ")":
                    break
                if c != ",":
                    raise self.fail(f"unexpected '{c}' at position {self.pos - 1}")
        lo, hi = ARITY[name]
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            raise self.fail(f"{name} takes {want} argument(s), got {len(args)}")
        node = Call(name, tuple(args), s[start:self.pos])
        _static_check(node, self)
        return node

    def arg(self, depth: int) -> Arg:
        s, n = self.s, self.n
        if self.pos >= n:
            raise self.fail("missing argument")
        c = s[self.pos]
        if c == "'":
            return self.string()
        if c == "$":
            return self.path()
        if c == "-" or c.isdigit():
            return self.number()
        if s.startswith("States.", self.pos):
            return self.call(depth + 1)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if s.startswith(word, self.pos):
                end = self.pos + len(word)
                if end == n or not (s[end].isalnum() or s[end] in "_."):
                    self.pos = end
                    return Literal(value)
        raise self.fail(f"unexpected '{c}' at position {self.pos}")

    def string(self) -> Literal:
        s, n = self.s, self.n
        p = self.pos + 1
        out: list[str] = []
        raw: list[str] = []
        while True:
            if p >= n:
                raise self.fail("unterminated string literal")
            c = s[p]
            if c == "'":
                p += 1
                break
            if c == "\\":
                if p + 1 >= n:
                    raise self.fail("unterminated string literal")
                e = s[p + 1]
                if e == "'":
                    out.append("'")
                    raw.append("'")
                elif e in "{}\\":
                    out.append(e)
                    raw.append("\\" + e)
                else:  # unknown escape: keep both characters
                    out.append("\\" + e)
                    raw.append("\\\\" + e)
                p += 2
                continue
            out.append(c)
            raw.append(c)
            p += 1
        self.pos = p
        return Literal("".join(out), "".join(raw))

    def number(self) -> Literal:
        s, n = self.s, self.n
        start = p = self.pos
        if s[p] == "-":
            p += 1
        d0 = p
        while p < n and s[p].isdigit():
            p += 1
        if p == d0:
            raise self.fail(f"bad number at position {start}")
        is_float = False
        if p < n and s[p] == "." and p + 1 < n and s[p + 1].isdigit():
            is_float = True
            p += 1
            while p < n and s[p].isdigit():
                p += 1
        if p < n and s[p] in "eE":
            q = p + 1
            if q < n and s[q] in "+-":
                q += 1
            if q < n and s[q].isdigit():
                is_float = True
                p = q
                while p < n and s[p].isdigit():
                    p += 1
        text = s[start:p]
        self.pos = p
        return Literal(float(text) if is_float else int(text))

    def path(self) -> PathArg:
        # A path runs to the next ',' or ')' outside brackets, parentheses and quotes.
        s, n = self.s, self.n
        start = p = self.pos
        depth = 0
        quote = None
        while p < n:
            c = s[p]
            if quote:
                if c == "\\":
                    p += 2
                    continue
                if c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c in "[(":
                depth += 1
            elif c in "])":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                break
            p += 1
        text = s[start:p].rstrip()
        self.pos = p
        if not text:
            raise self.fail("empty path")
        return PathArg(text)


def _static_check(node: Call, parser: _Parser) -> None:
    """Definition-time checks on literal arguments (type errors the definition already shows)."""
    name, args = node.name, node.args
    if name == "States.JsonToString" and isinstance(args[0], Literal):
        raise parser.fail("States.JsonToString takes a path argument")
    if name == "States.Format" and isinstance(args[0], Literal) and not isinstance(args[0].value, str):
        raise parser.fail("the first argument of States.Format must be a string")
    if name == "States.JsonMerge" and isinstance(args[2], Literal) and args[2].value is not False:
        raise parser.fail("the third argument of States.JsonMerge must be false")


def parse_intrinsic(text: str) -> Call:
    """Parse `States.Name(arg, ...)`; raise PathSyntaxError with a clear message when it does not."""
    if not isinstance(text, str):
        raise PathSyntaxError(f"Invalid intrinsic function call: {text!r} is not a string")
    p = _Parser(text)
    p.ws()
    if not text.startswith("States.", p.pos):
        raise p.fail("an intrinsic function call starts with 'States.'")
    node = p.call(1)
    p.ws()
    if p.pos != p.n:
        raise p.fail(f"unexpected text after the call: '{text[p.pos:]}'")
    return node


# ------------------------------------------------------------------ compiler


def compile_intrinsic(text: str) -> Callable[[Any, Any], Any]:
    """Compile an intrinsic call to `f(data, ctx) -> value`.

    Raises PathSyntaxError at compile time; at run time raises StatesRuntime with AWS's cause.
    """
    node = parse_intrinsic(text)
    is_const, value, getter = _compile_node(node)
    prefix = f"The function '{text}' had the following error: "

    if is_const:
        def const(data, ctx, _v=value):
            return _v

        return const

    def run(data, ctx):
        try:
            return getter(data, ctx)
        except ArgError as e:
            raise StatesRuntime(prefix + e.detail(data)) from None
        except PathNotFound as e:   # a path argument matched nothing
            raise StatesRuntime(prefix + MissingArg(e.path).detail(data)) from None

    return run


def _compile_node(node: Arg) -> tuple[bool, Any, Any]:
    """-> (is_const, value, getter)."""
    if isinstance(node, Literal):
        return True, node.value, None
    if isinstance(node, PathArg):
        return False, None, _compile_path_arg(node.text)
    parts = [_compile_node(a) for a in node.args]
    return build_call(node, parts)


def _compile_path_arg(text: str):
    try:
        return compile_path(text)   # its PathNotFound is worded by the call's `run`
    except PathSyntaxError as e:
        raise PathSyntaxError(f"Invalid path '{text}' in intrinsic function call: {e}") from None


__all__ = [
    "ARITY", "Call", "Literal", "PathArg", "compile_intrinsic", "is_intrinsic", "parse_intrinsic",
]
