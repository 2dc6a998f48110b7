"""JSONPath as AWS Step Functions evaluates it (Jayway JsonPath semantics).

Paths are parsed once into tuples of steps and turned into specialized closures:

- `compile_path(text)` -> `get(data, ctx)`; definite paths return the value or raise
  `PathNotFound(text, detail)` with Jayway's wording; indefinite paths (`[*]`, `..`, slices,
  index unions, filters) return a list of matches in document order (never raise on a miss).
- `compile_reference_path(text)` -> `(get, set)`; only `.name`, `['name']` and `[n]` steps.
  `set(data, value)` returns a new structure, copying only the containers on the path.
- `$$...` reads `ctx.context_object()`; `$name...` reads `ctx.variables[name]`.

Jayway details kept on purpose (AWS runs Jayway):
- a bracket key is the raw text between its quotes: a backslash only stops the next
  character from closing the key and is kept (as recorded on AWS);
- `['a','b']` as the last step is definite and returns an object of the keys present;
- a slice's third part (step) is ignored; `[a:b]` with a negative `a` visits a..b-1 with
  negative indexes counted from the end; `[a:-n]` (negative end with a start) is empty;
- in filters `==` compares a number with a numeric string by value, and `!=` is the
  negation of `==` (so it is true for a missing property).
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Callable

from fastsfn.errors import PathNotFound, PathSyntaxError, StatesError

Getter = Callable[[Any, Any], Any]
Setter = Callable[[Any, Any], Any]

__all__ = [
    "Getter", "Setter", "compile_path", "compile_reference_path", "is_definite",
    "normalized", "path_kind", "property_chain",
]

# Step kinds. A step is a tuple (kind, arg, fragment); fragment is Jayway's normalized text.
PROP, MPROP, INDEX, MINDEX, SLICE, WILD, SCAN, FILTER = range(8)

_JSON_PROVIDER = "com.jayway.jsonpath.spi.json.JsonSmartJsonProvider"
_UNDEF = object()  # a filter operand that matched nothing
_MISSING = object()
_EMPTY: dict = {}  # shared; never written to (setters copy before writing)


class _Parsed:
    __slots__ = ("text", "kind", "var", "steps", "func", "definite")

    def __init__(self, text, kind, var, steps, func):
        self.text = text
        self.kind = kind  # 'input' | 'context' | 'variable' | 'item' (filter '@')
        self.var = var
        self.steps = steps
        self.func = func  # None or 'length'
        self.definite = all(_step_definite(steps, i) for i in range(len(steps)))

    def norm(self) -> str:
        return "$" + "".join(s[2] for s in self.steps) + (f".{self.func}()" if self.func else "")


def _follow(pairs: tuple, node: Any) -> Any:
    """Follow definite `(key, is_index)` steps; `_MISSING` when one does not resolve."""
    for key, is_index in pairs:
        if is_index:
            if type(node) is not list:
                return _MISSING
            try:
                node = node[key]
            except IndexError:
                return _MISSING
        else:
            if type(node) is not dict:
                return _MISSING
            node = node.get(key, _MISSING)
            if node is _MISSING:
                return _MISSING
    return node


def _step_definite(steps, i) -> bool:
    kind = steps[i][0]
    if kind is PROP or kind is INDEX:
        return True
    if kind is MPROP:
        return i == len(steps) - 1  # merged into one object when last (Jayway)
    return False


# ======================================================================= parser


def _fail(text: str, msg: str) -> PathSyntaxError:
    return PathSyntaxError(f"Invalid JSONPath '{text}': {msg}")


class _PathParser:
    """Parses the steps after the root of a path: `s[pos:]`."""

    def __init__(self, s: str, pos: int, full: str) -> None:
        self.s = s
        self.pos = pos
        self.n = len(s)
        self.full = full

    def fail(self, msg: str) -> PathSyntaxError:
        return _fail(self.full, msg)

    def ws(self) -> None:
        s, n = self.s, self.n
        while self.pos < n and s[self.pos] in " \t\r\n":
            self.pos += 1

    def parse(self) -> tuple[tuple, str | None]:
        s, n = self.s, self.n
        steps: list = []
        func = None
        while self.pos < n:
            if func is not None:
                raise self.fail(f"nothing may follow the function {func}()")
            c = s[self.pos]
            if c == ".":
                if s.startswith("..", self.pos):
                    self.pos += 2
                    if self.pos >= n:
                        raise self.fail("a path must not end with '.' or '..'")
                    if s[self.pos] == ".":
                        raise self.fail(f"character '.' at position {self.pos} is not valid")
                    steps.append((SCAN, None, ".."))
                    step = self.after_dot(scan=True)
                else:
                    self.pos += 1
                    if self.pos >= n:
                        raise self.fail("a path must not end with '.' or '..'")
                    if s[self.pos] == ".":
                        raise self.fail(f"character '.' at position {self.pos} is not valid")
                    step = self.after_dot(scan=False)
                if type(step) is str:
                    func = step
                    continue
                steps.append(step)
            elif c == "[":
                steps.append(self.bracket())
            else:
                raise self.fail(f"unexpected character '{c}' at position {self.pos}; expected '.' or '['")
        return tuple(steps), func

    def after_dot(self, scan: bool):
        s, n = self.s, self.n
        c = s[self.pos]
        if c == "[":
            return self.bracket()
        if c == "*":
            self.pos += 1
            if self.pos < n and s[self.pos] not in ".[":
                raise self.fail(f"unexpected character '{s[self.pos]}' after '*' at position {self.pos}")
            return (WILD, None, "[*]")
        start = self.pos
        i = start
        while i < n:
            ch = s[i]
            if ch == "." or ch == "[" or ch == "(":
                break
            if ch in " \t\r\n":
                raise self.fail(
                    f"use bracket notation ['my prop'] if a property contains blank characters (position {i})")
            i += 1
        name = s[start:i]
        if not name:
            raise self.fail(f"a property name is expected at position {start}")
        if i < n and s[i] == "(":
            if scan:
                raise self.fail("a function cannot follow '..'")
            if not s.startswith("()", i):
                raise self.fail(f"function '{name}' with arguments is not supported")
            if name != "length":
                raise self.fail(f"function '{name}()' is not supported (only length())")
            self.pos = i + 2
            if self.pos != n:
                raise self.fail(f"nothing may follow the function {name}()")
            return name
        self.pos = i
        return (PROP, name, f"['{name}']")

    def bracket(self):
        s, n = self.s, self.n
        open_at = self.pos
        self.pos += 1
        self.ws()
        if self.pos >= n:
            raise self.fail(f"unclosed '[' at position {open_at}")
        c = s[self.pos]
        if c == "'" or c == '"':
            return self.quoted(c)
        if c == "*":
            self.pos += 1
            self.ws()
            if self.pos >= n or s[self.pos] != "]":
                raise self.fail(f"expected wildcard token to end with ']' at position {self.pos}")
            self.pos += 1
            return (WILD, None, "[*]")
        if c == "?":
            return self.filter(open_at)
        if c.isdigit() or c == "-" or c == ":":
            return self.array_op(open_at)
        raise self.fail(f"could not parse token starting at position {open_at}; expected ?, ', 0-9, *")

    def quoted(self, delim: str):
        s, n = self.s, self.n
        i = self.pos
        props: list[str] = []
        in_prop = False
        esc = False
        last_comma = False
        start = i
        while i < n:
            ch = s[i]
            if in_prop:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == delim:
                    props.append(s[start:i])
                    in_prop = False
                    j = i + 1
                    while j < n and s[j] in " \t\r\n":
                        j += 1
                    if j >= n or s[j] not in ",]":
                        raise self.fail(
                            f"properties must be separated by ',' or closed by ']' (position {i})")
            elif ch == delim:
                in_prop = True
                start = i + 1
                last_comma = False
            elif ch == "]":
                if last_comma:
                    raise self.fail(f"found an empty property at position {i}")
                break
            elif ch == ",":
                if last_comma or not props:
                    raise self.fail(f"found an empty property at position {i}")
                last_comma = True
            elif ch not in " \t\r\n":
                raise self.fail(f"unexpected character '{ch}' at position {i} in a bracket property")
            i += 1
        if in_prop:
            raise self.fail(f"property has not been closed - missing closing {delim}")
        if i >= n:
            raise self.fail("missing ']' after a bracket property")
        self.pos = i + 1
        if len(props) == 1:
            return (PROP, props[0], f"[{delim}{props[0]}{delim}]")
        frag = "[" + ",".join(f"{delim}{p}{delim}" for p in props) + "]"
        return (MPROP, tuple(props), frag)

    def array_op(self, open_at: int):
        s = self.s
        end = s.find("]", self.pos)
        if end < 0:
            raise self.fail(f"unclosed '[' at position {open_at}")
        expr = s[self.pos:end].strip()
        self.pos = end + 1
        if ":" in expr:
            if not re.fullmatch(r"[0-9:\-]+", expr):
                raise self.fail(f"failed to parse slice '{expr}'")
            parts = expr.split(":")
            try:
                lo = int(parts[0]) if parts[0] else None
                hi = int(parts[1]) if len(parts) > 1 and parts[1] else None
                for extra in parts[2:]:  # Jayway reads no step: checked, then ignored
                    if extra:
                        int(extra)
            except ValueError:
                raise self.fail(f"failed to parse slice '{expr}'") from None
            if lo is None and hi is None:
                raise self.fail(f"failed to parse slice '{expr}'")
            frag = f"[{'' if lo is None else lo}:{'' if hi is None else hi}]"
            return (SLICE, (lo, hi), frag)
        parts = [p.strip() for p in expr.split(",")]
        idx = []
        for p in parts:
            if not re.fullmatch(r"-?[0-9]+", p):
                raise self.fail(f"failed to parse array index '{expr}'")
            idx.append(int(p))
        if len(idx) == 1:
            return (INDEX, idx[0], f"[{idx[0]}]")
        return (MINDEX, tuple(idx), "[" + ",".join(map(str, idx)) + "]")

    def filter(self, open_at: int):
        s, n = self.s, self.n
        self.pos += 1  # '?'
        self.ws()
        if self.pos >= n or s[self.pos] != "(":
            raise self.fail(f"expected '(' after '[?' at position {self.pos}")
        close = _closing_paren(s, self.pos)
        if close < 0:
            raise self.fail(f"unbalanced parentheses in the filter at position {open_at}")
        body = s[self.pos + 1:close]
        self.pos = close + 1
        self.ws()
        if self.pos >= n or s[self.pos] != "]":
            raise self.fail(f"expected ']' to close the filter at position {self.pos}")
        self.pos += 1
        pred = _FilterParser(body, self.full).parse()
        return (FILTER, pred, "[?]")


def _skip_quoted(s: str, i: int) -> int:
    """s[i] is a quote (or '/' for a regex); returns the index of its closing twin or -1."""
    q = s[i]
    i += 1
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == q:
            return i
        i += 1
    return -1


def _closing_paren(s: str, i: int) -> int:
    depth = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "'" or c == '"' or c == "/":
            i = _skip_quoted(s, i)
            if i < 0:
                return -1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _closing_bracket(s: str, i: int) -> int:
    depth = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "'" or c == '"':
            i = _skip_quoted(s, i)
            if i < 0:
                return -1
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


_IDENT_START = re.compile(r"[^\W\d]", re.UNICODE)


def _parse_root(text: str) -> _Parsed:
    if type(text) is not str:
        raise PathSyntaxError(f"a JSONPath must be a string, not {type(text).__name__}")
    s = text.strip()
    if not s.startswith("$"):
        raise _fail(text, "a path must start with '$'")
    n = len(s)
    pos = 1
    kind, var = "input", None
    if n > 1 and s[1] == "$":
        kind, pos = "context", 2
    elif n > 1 and (s[1] == "_" or _IDENT_START.match(s[1])):
        j = 2
        while j < n and (s[j] == "_" or s[j].isalnum()):
            j += 1
        kind, var, pos = "variable", s[1:j], j
    if pos < n and s[pos] not in ".[":
        raise _fail(text, f"illegal character at position {pos}; expected '.' or '['")
    steps, func = _PathParser(s, pos, text).parse()
    return _Parsed(text, kind, var, steps, func)


@lru_cache(maxsize=8192)
def _parse(text: str) -> _Parsed:
    return _parse_root(text)


def _parse_any(text) -> _Parsed:
    if type(text) is not str:
        raise PathSyntaxError(f"a JSONPath must be a string, not {type(text).__name__}")
    return _parse(text)


# ======================================================================= filters

_REL_SYMBOLS = ("===", "!==", "==", "!=", "<=", ">=", "=~", "<", ">")
_REL_WORDS = ("nin", "in", "subsetof", "anyof", "noneof", "size", "empty", "contains", "exists")
_UNESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\",
              "'": "'", '"': '"'}
_NUMBER = re.compile(r"-?[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|-?[0-9]+\.")
_BARE_WORD = re.compile(r"[^\s()\[\]{}<>=~!&|,'\"/@$]+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class _Regex:
    __slots__ = ("rx", "src")

    def __init__(self, rx, src):
        self.rx = rx
        self.src = src


class _FilterParser:
    def __init__(self, s: str, full: str) -> None:
        self.s = s
        self.n = len(s)
        self.pos = 0
        self.full = full

    def fail(self, msg: str) -> PathSyntaxError:
        return _fail(self.full, f"in filter '[?({self.s})]': {msg}")

    def ws(self) -> None:
        while self.pos < self.n and self.s[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self, tok: str) -> bool:
        self.ws()
        return self.s.startswith(tok, self.pos)

    def parse(self):
        self.ws()
        if self.pos >= self.n:
            raise self.fail("empty filter")
        pred = self.or_expr()
        self.ws()
        if self.pos != self.n:
            raise self.fail(f"unexpected text '{self.s[self.pos:]}'")
        return pred

    def or_expr(self):
        parts = [self.and_expr()]
        while self.peek("||"):
            self.pos += 2
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        parts = tuple(parts)

        def any_(item, root):
            for p in parts:
                if p(item, root):
                    return True
            return False

        return any_

    def and_expr(self):
        parts = [self.unary()]
        while self.peek("&&"):
            self.pos += 2
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        parts = tuple(parts)

        def all_(item, root):
            for p in parts:
                if not p(item, root):
                    return False
            return True

        return all_

    def unary(self):
        self.ws()
        if self.pos >= self.n:
            raise self.fail("an expression is expected")
        c = self.s[self.pos]
        if c == "!" and not self.s.startswith("!=", self.pos):
            self.pos += 1
            inner = self.unary()
            return lambda item, root: not inner(item, root)
        if c == "(":
            self.pos += 1
            inner = self.or_expr()
            self.ws()
            if self.pos >= self.n or self.s[self.pos] != ")":
                raise self.fail("missing ')'")
            self.pos += 1
            return inner
        return self.relation()

    def relation(self):
        left, left_path = self.operand()
        self.ws()
        op = None
        for sym in _REL_SYMBOLS:
            if self.s.startswith(sym, self.pos):
                op = sym
                break
        if op is None:
            for word in _REL_WORDS:
                end = self.pos + len(word)
                if self.s.startswith(word, self.pos) and (end >= self.n or not (
                        self.s[end].isalnum() or self.s[end] == "_")):
                    op = word
                    break
        if op is None:
            if left_path is None:
                raise self.fail("a value alone is not a condition; compare it or test a path")
            return _exists_pred(left_path)
        self.pos += len(op)
        right, _ = self.operand()
        if op == "exists":
            if left_path is None:
                raise self.fail("'exists' needs a path on its left")
            ex = _exists_pred(left_path)
            return lambda item, root: (lambda r: type(r) is bool and ex(item, root) == r)(right(item, root))
        fn = _RELATIONS[op]
        return lambda item, root: fn(left(item, root), right(item, root))

    def operand(self):
        """-> (value fn (item, root) -> value, parsed path or None)."""
        self.ws()
        s, n = self.s, self.n
        if self.pos >= n:
            raise self.fail("a value is expected")
        c = s[self.pos]
        if c == "@" or c == "$":
            return self.path_operand()
        if c == "'" or c == '"':
            v = self.string()
        elif c == "/":
            v = self.regex()
        elif c == "[" or c == "{":
            v = self.json_literal()
        else:
            v = self.scalar()
        return (lambda item, root, _v=v: _v), None

    def scalar(self):
        s = self.s
        for word, v in (("true", True), ("false", False), ("null", None)):
            end = self.pos + len(word)
            if s.startswith(word, self.pos) and (end >= self.n or not s[end].isalnum()):
                self.pos = end
                return v
        m = _NUMBER.match(s, self.pos)
        if m and m.end() > self.pos:
            t = m.group()
            self.pos = m.end()
            if "." in t or "e" in t or "E" in t:
                return float(t)
            return int(t)
        # A bare word (`@.Name==Receipt`) is a string: AWS accepts such filters (published AWS
        # samples use them) and they select the elements whose value is that text.
        m = _BARE_WORD.match(s, self.pos)
        if m and m.end() > self.pos:
            self.pos = m.end()
            return m.group()
        raise self.fail(f"unexpected text at position {self.pos}: '{s[self.pos:]}'")

    def string(self):
        s = self.s
        end = _skip_quoted(s, self.pos)
        if end < 0:
            raise self.fail(f"unterminated string starting at position {self.pos}")
        raw = s[self.pos + 1:end]
        self.pos = end + 1
        if "\\" not in raw:
            return raw
        out = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\\" and i + 1 < len(raw):
                nx = raw[i + 1]
                if nx == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2:i + 6] or ""):
                    out.append(chr(int(raw[i + 2:i + 6], 16)))
                    i += 6
                    continue
                out.append(_UNESCAPES.get(nx, nx))
                i += 2
                continue
            out.append(ch)
            i += 1
        return "".join(out)

    def regex(self):
        s = self.s
        end = _skip_quoted(s, self.pos)
        if end < 0:
            raise self.fail("unterminated regular expression")
        src = s[self.pos + 1:end]
        i = end + 1
        flags = 0
        while i < self.n and s[i].isalpha():
            f = s[i]
            if f == "i":
                flags |= re.IGNORECASE
            elif f == "m":
                flags |= re.MULTILINE
            elif f == "s":
                flags |= re.DOTALL
            elif f == "x":
                flags |= re.VERBOSE
            elif f not in "duU":
                raise self.fail(f"unknown regular expression flag '{f}'")
            i += 1
        self.pos = i
        try:
            rx = re.compile(src, flags)
        except re.error as e:
            raise self.fail(f"invalid regular expression /{src}/: {e}") from None
        return _Regex(rx, src)

    def json_literal(self):
        s = self.s
        c = s[self.pos]
        if c == "[":
            self.pos += 1
            out = []
            self.ws()
            if self.pos < self.n and s[self.pos] == "]":
                self.pos += 1
                return out
            while True:
                out.append(self.literal_value())
                self.ws()
                if self.pos < self.n and s[self.pos] == ",":
                    self.pos += 1
                    continue
                if self.pos < self.n and s[self.pos] == "]":
                    self.pos += 1
                    return out
                raise self.fail(f"expected ',' or ']' in an array literal at position {self.pos}")
        self.pos += 1
        obj = {}
        self.ws()
        if self.pos < self.n and s[self.pos] == "}":
            self.pos += 1
            return obj
        while True:
            self.ws()
            if self.pos >= self.n or s[self.pos] not in "'\"":
                raise self.fail(f"expected a quoted key in an object literal at position {self.pos}")
            key = self.string()
            self.ws()
            if self.pos >= self.n or s[self.pos] != ":":
                raise self.fail(f"expected ':' in an object literal at position {self.pos}")
            self.pos += 1
            obj[key] = self.literal_value()
            self.ws()
            if self.pos < self.n and s[self.pos] == ",":
                self.pos += 1
                continue
            if self.pos < self.n and s[self.pos] == "}":
                self.pos += 1
                return obj
            raise self.fail(f"expected ',' or '}}' in an object literal at position {self.pos}")

    def literal_value(self):
        self.ws()
        if self.pos >= self.n:
            raise self.fail("a value is expected")
        c = self.s[self.pos]
        if c == "'" or c == '"':
            return self.string()
        if c == "[" or c == "{":
            return self.json_literal()
        return self.scalar()

    def path_operand(self):
        s, n = self.s, self.n
        begin = self.pos
        i = begin + 1
        depth = 0
        while i < n:
            c = s[i]
            if c == "[":
                j = _closing_bracket(s, i)
                if j < 0:
                    raise self.fail("square brackets do not match")
                i = j + 1
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            elif c in " \t\r\n<>=~!&|,":
                break
            i += 1
        text = s[begin:i]
        self.pos = i
        root_char = text[0]
        try:
            steps, func = _PathParser(text, 1, text).parse() if len(text) > 1 else ((), None)
            if len(text) > 1 and text[1] not in ".[":
                raise _fail(text, "expected '.' or '[' after the root")
        except PathSyntaxError as e:
            raise self.fail(str(e)) from None
        parsed = _Parsed(text, "input" if root_char == "$" else "item", None, steps, func)
        return _filter_operand(parsed), parsed


def _filter_operand(p: _Parsed):
    use_root = p.kind == "input"
    steps, func = p.steps, p.func
    if p.definite:
        def val(item, root):
            node = root if use_root else item
            node = _definite_or_undef(steps, node)
            if node is _UNDEF:
                return _UNDEF
            return _apply_func(func, node) if func else node
    else:
        def val(item, root):
            out: list = []
            _walk(steps, 0, root if use_root else item, out, root)
            return _apply_func(func, out) if func else out
    return val


def _exists_pred(p: _Parsed):
    use_root = p.kind == "input"
    steps = p.steps
    if p.definite:
        return lambda item, root: _definite_or_undef(steps, root if use_root else item) is not _UNDEF

    def exists(item, root):
        out: list = []
        _walk(steps, 0, root if use_root else item, out, root)
        return bool(out)

    return exists


def _definite_or_undef(steps, node):
    for kind, key, _ in steps:
        if kind is PROP:
            if type(node) is not dict:
                return _UNDEF
            node = node.get(key, _UNDEF)
            if node is _UNDEF:
                return _UNDEF
        elif kind is INDEX:
            if type(node) is not list:
                return _UNDEF
            n = len(node)
            if not -n <= key < n:
                return _UNDEF
            node = node[key]
        else:  # MPROP as the last step
            if type(node) is not dict:
                return _UNDEF
            node = {k: node[k] for k in key if k in node}
    return node


def _is_num(v) -> bool:
    t = type(v)
    return t is int or t is float


def _num_text(v) -> str:
    if type(v) is float and v.is_integer() and abs(v) < 1e7:
        return repr(v)  # Java: 1.0
    return repr(v) if type(v) is float else str(v)


def _json_eq(a, b) -> bool:
    ta, tb = type(a), type(b)
    if _is_num(a) and _is_num(b):
        return a == b
    if ta is not tb:
        return False
    if ta is list:
        return len(a) == len(b) and all(_json_eq(x, y) for x, y in zip(a, b))
    if ta is dict:
        return a.keys() == b.keys() and all(_json_eq(a[k], b[k]) for k in a)
    return a == b


def _eq(a, b) -> bool:
    if a is _UNDEF or b is _UNDEF:
        return False
    na, nb = _is_num(a), _is_num(b)
    if na and nb:
        return a == b
    ta, tb = type(a), type(b)
    if na and tb is str:  # Jayway NumberNode.equals(StringNode): the string read as a number
        if not _DECIMAL_TEXT.fullmatch(b):
            return False
        try:
            return Decimal(repr(a) if ta is float else a) == Decimal(b)
        except InvalidOperation:
            return False
    if ta is str and nb:  # StringNode.equals(NumberNode): the number's text
        return a == _num_text(b)
    if ta is str and tb is str:
        return a == b
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if a is None or b is None:
        return a is None and b is None
    if (ta is list or ta is dict) and (tb is list or tb is dict):
        return _json_eq(a, b)
    if ta is _Regex and tb is _Regex:
        return a.src == b.src
    return False


def _kind(v) -> int:
    t = type(v)
    if t is int or t is float:
        return 1
    if t is str:
        return 2
    if t is bool:
        return 3
    if v is None:
        return 4
    if t is list or t is dict:
        return 5
    return 6


def _tseq(a, b) -> bool:
    return a is not _UNDEF and b is not _UNDEF and _kind(a) == _kind(b) and _eq(a, b)


def _ordered(a, b) -> bool:
    return (_is_num(a) and _is_num(b)) or (type(a) is str and type(b) is str)


def _lt(a, b):
    return _ordered(a, b) and a < b


def _le(a, b):
    return _ordered(a, b) and a <= b


def _gt(a, b):
    return _ordered(a, b) and a > b


def _ge(a, b):
    return _ordered(a, b) and a >= b


def _regex_input(v) -> str:
    if type(v) is str:
        return v
    if type(v) is bool:
        return "true" if v else "false"
    if _is_num(v):
        return _num_text(v)
    return ""


def _match(a, b) -> bool:
    ra, rb = type(a) is _Regex, type(b) is _Regex
    if ra == rb:
        return False
    if ra:
        return a.rx.fullmatch(_regex_input(b)) is not None
    return b.rx.fullmatch(_regex_input(a)) is not None


def _in(a, b) -> bool:
    if type(b) is not list:
        return False
    return any(_eq(a, x) for x in b)


def _nin(a, b) -> bool:
    return type(b) is list and not _in(a, b)


def _subsetof(a, b) -> bool:
    return type(a) is list and type(b) is list and all(_in(x, b) for x in a)


def _anyof(a, b) -> bool:
    return type(a) is list and type(b) is list and any(_in(x, b) for x in a)


def _noneof(a, b) -> bool:
    return type(a) is list and type(b) is list and not any(_in(x, b) for x in a)


def _size(a, b) -> bool:
    if not _is_num(b) or not (type(a) is str or type(a) is list):
        return False
    return len(a) == int(b)


def _empty(a, b) -> bool:
    if type(b) is not bool or type(a) not in (str, list, dict):
        return False
    return (len(a) == 0) == b


def _contains(a, b) -> bool:
    if type(a) is str:
        return type(b) is str and b in a
    if type(a) is list:
        return any(_eq(b, x) for x in a)
    return False


_RELATIONS = {
    "==": _eq, "!=": lambda a, b: not _eq(a, b), "===": _tseq, "!==": lambda a, b: not _tseq(a, b),
    "<": _lt, "<=": _le, ">": _gt, ">=": _ge, "=~": _match, "in": _in, "nin": _nin,
    "subsetof": _subsetof, "anyof": _anyof, "noneof": _noneof, "size": _size, "empty": _empty,
    "contains": _contains,
}


# ======================================================================= evaluation


def _apply_func(func, value):
    # Jayway length(): size of an array or object; null for anything else.
    t = type(value)
    if t is list or t is dict:
        return len(value)
    return None


def _walk(steps, i, node, out, root) -> None:
    """Indefinite evaluation: append every match of steps[i:] applied to node to out."""
    n = len(steps)
    while i < n:
        kind, arg, _ = steps[i]
        if kind is PROP:
            if type(node) is not dict:
                return
            node = node.get(arg, _MISSING)
            if node is _MISSING:
                return
        elif kind is INDEX:
            if type(node) is not list:
                return
            ln = len(node)
            if not -ln <= arg < ln:
                return
            node = node[arg]
        elif kind is WILD:
            t = type(node)
            if t is dict:
                for v in node.values():
                    _walk(steps, i + 1, v, out, root)
            elif t is list:
                for v in node:
                    _walk(steps, i + 1, v, out, root)
            return
        elif kind is SLICE:
            if type(node) is not list:
                return
            for v in _slice(node, arg):
                _walk(steps, i + 1, v, out, root)
            return
        elif kind is MINDEX:
            if type(node) is not list:
                return
            ln = len(node)
            for k in arg:
                if -ln <= k < ln:
                    _walk(steps, i + 1, node[k], out, root)
            return
        elif kind is MPROP:
            if type(node) is not dict:
                return
            if i == n - 1:  # merged into one object (Jayway)
                out.append({k: node[k] for k in arg if k in node})
                return
            for k in arg:
                if k in node:
                    _walk(steps, i + 1, node[k], out, root)
            return
        elif kind is FILTER:
            t = type(node)
            if t is list:
                for v in node:
                    if arg(v, root):
                        _walk(steps, i + 1, v, out, root)
            elif t is dict and arg(node, root):
                _walk(steps, i + 1, node, out, root)
            return
        else:  # SCAN: the next step is its target
            _scan(steps, i + 1, node, out, root)
            return
        i += 1
    out.append(node)


def _slice(node: list, bounds) -> list:
    lo, hi = bounds
    ln = len(node)
    if hi is None:  # [lo:]
        start = lo + ln if lo < 0 else lo
        return node[max(0, start):]
    if lo is None:  # [:hi]
        end = hi + ln if hi < 0 else hi
        return node[:max(0, min(ln, end))]
    end = min(ln, hi)  # [lo:hi]; Jayway does not count a negative hi from the end here
    if lo >= end or ln == 0:
        return []
    res = []
    for k in range(lo, end):
        eff = k + ln if k < 0 else k
        if 0 <= eff < ln:
            res.append(node[eff])
    return res


def _scan_matches(step, is_last, node) -> bool:
    kind, arg, _ = step
    t = type(node)
    if kind is PROP:
        return t is dict and arg in node
    if kind is MPROP:
        return t is dict and (not is_last or all(k in node for k in arg))
    if kind is INDEX or kind is MINDEX or kind is SLICE:
        return t is list
    if kind is WILD:
        return True
    if kind is FILTER:
        return t is dict
    return False


def _scan(steps, i, node, out, root) -> None:
    target = steps[i]
    is_last = i == len(steps) - 1
    t = type(node)
    if t is dict:
        if _scan_matches(target, is_last, node):
            _walk(steps, i, node, out, root)
        for v in node.values():
            if type(v) is dict or type(v) is list:
                _scan(steps, i, v, out, root)
    elif t is list:
        if _scan_matches(target, is_last, node):
            _walk(steps, i, node, out, root)
        for v in node:
            if type(v) is dict or type(v) is list:
                _scan(steps, i, v, out, root)


# ----------------------------------------------------------------- error wording


def _java_class(v) -> str:
    t = type(v)
    if v is None:
        return "null"
    if t is str:
        return "java.lang.String"
    if t is bool:
        return "java.lang.Boolean"
    if t is int:
        if -(2 ** 31) <= v < 2 ** 31:
            return "java.lang.Integer"
        if -(2 ** 63) <= v < 2 ** 63:
            return "java.lang.Long"
        return "java.math.BigInteger"
    if t is float:
        return "java.lang.Double"
    if t is list:
        return "net.minidev.json.JSONArray"
    if t is dict:
        return "net.minidev.json.JSONObject"
    return t.__name__


def _java_str(v) -> str:
    if type(v) is str:
        return v
    if type(v) is bool:
        return "true" if v else "false"
    if _is_num(v):
        return _num_text(v)
    from fastsfn.jsontext import dumps

    return dumps(v)


def _definite_detail(steps, doc, full_norm: str, has_tail: bool, func_frag: str) -> str:
    """Jayway's PathNotFoundException message for a definite path that failed on doc."""
    node = doc
    eval_path = "$"
    last = len(steps) - 1
    for i, (kind, key, frag) in enumerate(steps):
        leaf = i == last and not has_tail
        if kind is PROP or kind is MPROP:
            if type(node) is not dict:
                return (f"Expected to find an object with property {frag} in path {eval_path} "
                        f"but found '{_java_class(node)}'. This is not a json object according to "
                        f"the JsonProvider: '{_JSON_PROVIDER}'.")
            if kind is MPROP:
                break
            step_path = f"{eval_path}['{key}']"
            if key not in node:
                if leaf:
                    return "No results for path: " + full_norm
                return "Missing property in path " + step_path
            node = node[key]
            eval_path = step_path
        else:
            if node is None:
                return f"The path {eval_path} is null"
            if type(node) is not list:
                rest = "".join(s[2] for s in steps[i:]) + func_frag
                return f"Filter: {rest} can only be applied to arrays. Current context is: {_java_str(node)}"
            ln = len(node)
            if not -ln <= key < ln:
                return "No results for path: " + full_norm
            node = node[key]
            eval_path = f"{eval_path}[{key}]"
    return "No results for path: " + full_norm


# ======================================================================= getters


def _identity(data, ctx):
    return data


def _doc_getter(p: _Parsed) -> Callable[[Any], Any]:
    """A function of the document the path's steps apply to."""
    steps, text, func = p.steps, p.text, p.func
    full_norm = p.norm()
    func_frag = f".{func}()" if func else ""
    if not p.definite:
        def indefinite(doc):
            out: list = []
            _walk(steps, 0, doc, out, doc)
            return out

        if func:
            return lambda doc: _apply_func(func, indefinite(doc))
        return indefinite

    has_tail = func is not None

    def fail(doc):
        return PathNotFound(text, _definite_detail(steps, doc, full_norm, has_tail, func_frag))

    if steps and steps[-1][0] is MPROP:
        def merged(doc):
            v = _definite_or_undef(steps, doc)
            if v is _UNDEF:
                raise fail(doc)
            return v

        base = merged
    elif not steps:
        base = lambda doc: doc  # noqa: E731
    else:
        pairs = tuple((key, kind is INDEX) for kind, key, _ in steps)

        def base(doc):
            node = _follow(pairs, doc)
            if node is _MISSING:
                raise fail(doc)
            return node

    if func:
        return lambda doc: _apply_func(func, base(doc))
    return base


def _input_getter(p: _Parsed) -> Getter:
    steps = p.steps
    if not steps and not p.func:
        return _identity
    if p.definite and not p.func and (
            (len(steps) == 1 and steps[0][0] in (PROP, INDEX))
            or (len(steps) == 2 and all(s[0] is PROP for s in steps))):
        text, full_norm = p.text, p.norm()

        def fail(data):
            return PathNotFound(text, _definite_detail(steps, data, full_norm, False, ""))

        if len(steps) == 1:   # `$.key` or `$[i]`
            k = steps[0][1]
            container, missing = (dict, KeyError) if steps[0][0] is PROP else (list, IndexError)

            def get1(data, ctx):
                if type(data) is container:
                    try:
                        return data[k]
                    except missing:
                        pass
                raise fail(data)

            return get1
        k1, k2 = steps[0][1], steps[1][1]

        def get2(data, ctx):
            if type(data) is dict:
                v = data.get(k1, _MISSING)
                if type(v) is dict:
                    try:
                        return v[k2]
                    except KeyError:
                        pass
            raise fail(data)

        return get2
    if p.definite and not p.func and steps[-1][0] is not MPROP:
        text, full_norm = p.text, p.norm()
        pairs = tuple((key, kind is INDEX) for kind, key, _ in steps)

        def failn(data):
            return PathNotFound(text, _definite_detail(steps, data, full_norm, False, ""))

        def getn(data, ctx):
            node = data
            for key, is_index in pairs:   # _follow written out: a call less per lookup
                if is_index:
                    if type(node) is not list:
                        raise failn(data)
                    try:
                        node = node[key]
                    except IndexError:
                        raise failn(data) from None
                else:
                    if type(node) is not dict:
                        raise failn(data)
                    node = node.get(key, _MISSING)
                    if node is _MISSING:
                        raise failn(data)
            return node

        return getn
    doc_get = _doc_getter(p)
    return lambda data, ctx: doc_get(data)


# `$$.Map.Item.Index` and `$$.Map.Item.Value`: which member of a frame's `map_item`.
_MAP_ITEM = {((PROP, "Map"), (PROP, "Item"), (PROP, "Index")): 0,
             ((PROP, "Map"), (PROP, "Item"), (PROP, "Value")): 1}


def _build_getter(p: _Parsed) -> Getter:
    if p.kind == "input":
        return _input_getter(p)
    doc_get = _doc_getter(p)
    if p.kind == "context":
        if not p.steps and not p.func:
            return lambda data, ctx: ctx.context_object()
        at = None if p.func else _MAP_ITEM.get(tuple((kind, key) for kind, key, _ in p.steps))
        if at is not None:
            def map_item(data: Any, ctx: Any) -> Any:
                # read from the frame, without building the context object for each item
                item = getattr(ctx, "map_item", None)
                return item[at] if item is not None else doc_get(ctx.context_object())
            return map_item
        return lambda data, ctx: doc_get(ctx.context_object())
    name, text = p.var, p.text
    detail = f"The variable '${name}' is not defined"

    def get_var(data, ctx):
        variables = ctx.variables
        try:
            value = variables[name]
        except (KeyError, TypeError):
            raise PathNotFound(text, detail) from None
        return doc_get(value)

    return get_var


@lru_cache(maxsize=8192)
def _compile_cached(text: str) -> Getter:
    return _build_getter(_parse(text))


def property_chain(text: str) -> tuple[str, ...] | None:
    """The keys of a `$.a.b`-style path (input root, object properties only), else None.

    Such a path reads exactly like `data["a"]["b"]` on dicts, so code generators may inline
    it (falling back to the compiled getter for the error wording when it misses).
    """
    try:
        parsed = _parse(text)
    except PathSyntaxError:
        return None
    if parsed.kind != "input" or parsed.func is not None:
        return None
    if not all(step[0] is PROP for step in parsed.steps):
        return None
    return tuple(step[1] for step in parsed.steps)


def compile_path(text: str) -> Getter:
    """Compile a JSONPath (`$...`, `$$...`, `$var...`) into `get(data, ctx) -> value`.

    Raises PathSyntaxError for malformed text. At run time a definite path raises
    PathNotFound(text, detail) when it matches nothing; an indefinite path returns a list.
    """
    if type(text) is not str:
        raise PathSyntaxError(f"a JSONPath must be a string, not {type(text).__name__}")
    return _compile_cached(text)


# ======================================================================= reference paths


def _replace(data, value):
    return value


def _rp_failure(text: str, data) -> StatesError:
    from fastsfn.jsontext import dumps

    try:
        shown = dumps(data)
    except Exception:  # pragma: no cover - payloads are JSON values
        shown = repr(data)
    return StatesError("States.ResultPathMatchFailure",
                       f"Unable to apply ResultPath '{text}' to input '{shown}'")


def _build_setter(p: _Parsed) -> Setter:
    steps, text = p.steps, p.text
    if not steps:
        return _replace
    if len(steps) == 1 and steps[0][0] is PROP:
        k = steps[0][1]

        def set1(data, value):
            if type(data) is not dict:
                raise _rp_failure(text, data)
            new = data.copy()
            new[k] = value
            return new

        return set1
    pairs = tuple((key, kind is INDEX) for kind, key, _ in steps)
    count = len(pairs)
    if all(kind is PROP for kind, _, _ in steps):
        return _property_setter(tuple(key for _, key, _ in steps), _general_setter(
            pairs, count, text))
    return _general_setter(pairs, count, text)


def _property_setter(keys: tuple, slow: Setter) -> Setter:
    """Generated `set(data, value)` for `$.a.b...`: copies each object on the path when
    every step is an object, else defers to `slow` (which also words the failure)."""
    lines = ["def set(data, value):", "    n0 = data",
             "    if type(n0) is not dict: return slow(data, value)"]
    for i in range(1, len(keys)):
        lines.append(f"    n{i} = n{i - 1}.get(k{i - 1}, _EMPTY)")
        lines.append(f"    if type(n{i}) is not dict: return slow(data, value)")
    last = len(keys) - 1
    lines.append(f"    c{last} = n{last}.copy(); c{last}[k{last}] = value")
    for i in range(last - 1, -1, -1):
        lines.append(f"    c{i} = n{i}.copy(); c{i}[k{i}] = c{i + 1}")
    lines.append("    return c0")
    names = {f"k{i}": key for i, key in enumerate(keys)}
    names.update(slow=slow, _EMPTY=_EMPTY)
    exec(compile("\n".join(lines) + "\n", "<fastsfn setter>", "exec"), names)
    return names["set"]


def _general_setter(pairs: tuple, count: int, text: str) -> Setter:
    """Copy-on-write along any definite path of object keys and list indexes."""

    def setn(data, value):
        parents = []
        node = data
        for key, is_index in pairs:
            if is_index:
                if type(node) is not list or not -len(node) <= key < len(node):
                    raise _rp_failure(text, data)
                parents.append(node)
                node = node[key]
            else:
                if type(node) is not dict:
                    raise _rp_failure(text, data)
                parents.append(node)
                node = node.get(key, _EMPTY)
        new = value
        for i in range(count - 1, -1, -1):
            c = parents[i].copy()
            c[pairs[i][0]] = new
            new = c
        return new

    return setn


@lru_cache(maxsize=4096)
def _reference_cached(text: str):
    p = _parse(text)
    for kind, _, frag in p.steps:
        if kind is not PROP and kind is not INDEX:
            what = {MPROP: "a multi-property step", MINDEX: "an index union", SLICE: "a slice",
                    WILD: "a wildcard", SCAN: "a deep scan '..'", FILTER: "a filter"}[kind]
            raise PathSyntaxError(
                f"Invalid reference path '{text}': {what} ({frag}) is not allowed; a reference "
                "path may only use '.name', ['name'] and [n]")
    if p.func:
        raise PathSyntaxError(f"Invalid reference path '{text}': functions are not allowed")
    getter = _build_getter(p)
    setter = _build_setter(p) if p.kind == "input" else None
    return getter, setter


def compile_reference_path(text: str) -> tuple[Getter, Setter | None]:
    """Compile a reference path into `(get, set)`.

    `set(data, value) -> new_data` never mutates data: it copies the dicts/lists along the
    path and shares everything else; missing intermediate objects are created; anything else
    in the way raises StatesError('States.ResultPathMatchFailure'). `set` is None for `$$...`
    and `$var...` paths (they can only be read).
    """
    if type(text) is not str:
        raise PathSyntaxError(f"a reference path must be a string, not {type(text).__name__}")
    return _reference_cached(text)


# ======================================================================= inspection


def path_kind(text: str) -> str:
    """'input' for `$...`, 'context' for `$$...`, 'variable' for `$name...`."""
    return _parse_any(text).kind


def normalized(text: str) -> str:
    """Jayway's normalized form, e.g. `$.a[0]` -> `$['a'][0]`; `$$`/`$var` keep their root."""
    p = _parse_any(text)
    root = {"input": "$", "context": "$$"}.get(p.kind) or f"${p.var}"
    return root + p.norm()[1:]


def is_definite(text: str) -> bool:
    """True when the path selects at most one node (no wildcard, scan, slice, union, filter)."""
    return _parse_any(text).definite
