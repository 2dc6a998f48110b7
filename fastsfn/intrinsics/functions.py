"""The 18 intrinsic functions, and the builder that turns a parsed call into a closure.

Every function takes already-evaluated argument values and raises `ArgError` on bad
arguments; `compile_intrinsic` turns that into AWS's `States.Runtime` cause.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import math
import random
import uuid
from typing import Any, Callable

from fastsfn.jsontext import DecodeError, dumps, loads

MAX_RANGE_ITEMS = 1000
MAX_STRING_CHARS = 10_000


# ------------------------------------------------------------------ errors


class ArgError(Exception):
    """An intrinsic function failed on its arguments."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def detail(self, data: Any) -> str:
        return self.message


class MissingArg(ArgError):
    """A path argument matched nothing (AWS: States.Runtime, not a null argument)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    def detail(self, data: Any) -> str:
        return (f"The JsonPath argument for the field '{self.path}' could not be found "
                f"in the input '{dumps(data)}'")


def _invalid(name: str) -> ArgError:
    return ArgError(f"Invalid arguments in {name}")


# ------------------------------------------------------------------ value helpers


def _is_num(v: Any) -> bool:
    t = type(v)
    return t is int or (t is float and math.isfinite(v))


def _trunc(v: Any, name: str) -> int:
    """An integer argument; a float is cut toward zero (Java `(int)`), as AWS does."""
    t = type(v)
    if t is int:
        return v
    if t is float and math.isfinite(v):
        return int(v)
    raise _invalid(name)


def java_round(v: Any, name: str = "States.MathAdd") -> int:
    """Java `Math.round`: half up toward +infinity (-3.5 -> -3, 3.5 -> 4)."""
    t = type(v)
    if t is int:
        return v
    if t is float and math.isfinite(v):
        return math.floor(v + 0.5)
    raise _invalid(name)


def java_double(d: float) -> str:
    """Java `Double.toString`: 1.0, 1.5, 1.0E7, 1.0E-4, NaN, Infinity."""
    if d != d:
        return "NaN"
    if d in (math.inf, -math.inf):
        return "Infinity" if d > 0 else "-Infinity"
    if d == 0.0:
        return "-0.0" if math.copysign(1.0, d) < 0 else "0.0"
    a = abs(d)
    r = repr(d)
    if 1e-3 <= a < 1e7:
        # repr never uses an exponent in this range
        return r if "." in r else r + ".0"
    mant, _, exp = r.partition("e")
    sign = ""
    if mant.startswith("-"):
        sign, mant = "-", mant[1:]
    e = int(exp) if exp else 0
    int_part, _, frac = mant.partition(".")
    digits = (int_part + frac).lstrip("0")
    # exponent of the first significant digit
    if int_part.strip("0"):
        e += len(int_part.lstrip("0")) - 1
    else:
        e -= len(frac) - len(frac.lstrip("0")) + 1
    digits = digits.rstrip("0") or "0"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{e}"


def format_value(v: Any) -> str:
    """How States.Format renders an argument (Java toString of the JSON value)."""
    t = type(v)
    if t is str:
        return v
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return str(v)
    if t is float:
        return java_double(v)
    if t is list:
        return "[" + ", ".join([format_value(x) for x in v]) + "]"
    if t is dict:
        return "{" + ", ".join([f"{k}={format_value(x)}" for k, x in v.items()]) + "}"
    return str(v)


def _key(v: Any) -> Any:
    """A hashable key for JSON deep equality (bool apart from numbers; 1 == 1.0)."""
    t = type(v)
    if t is list:
        return ("l", tuple([_key(x) for x in v]))
    if t is dict:
        return ("d", frozenset([(k, _key(x)) for k, x in v.items()]))
    if t is bool:
        return ("b", v)
    if v is None:
        return ("z", None)
    if t is str:
        return ("s", v)
    return ("n", v)


# ------------------------------------------------------------------ Format templates

_TEMPLATE_CACHE: dict[str, list[str]] = {}


def split_template(tpl: str) -> list[str]:
    """Split a Format template into the literal pieces around each `{}`.

    `\\{`, `\\}` and `\\\\` are literal characters; an unescaped brace that is not part of
    `{}` is an error (AWS rejects 'Hello {', '}' and '{{}}').
    """
    pieces: list[str] = []
    cur: list[str] = []
    i, n = 0, len(tpl)
    while i < n:
        c = tpl[i]
        if c == "\\" and i + 1 < n and tpl[i + 1] in "{}\\":
            cur.append(tpl[i + 1])
            i += 2
            continue
        if c == "{":
            if i + 1 < n and tpl[i + 1] == "}":
                pieces.append("".join(cur))
                cur = []
                i += 2
                continue
            raise _invalid("States.Format")
        if c == "}":
            raise _invalid("States.Format")
        cur.append(c)
        i += 1
    pieces.append("".join(cur))
    return pieces


def _split_cached(tpl: str) -> list[str]:
    pieces = _TEMPLATE_CACHE.get(tpl)
    if pieces is None:
        pieces = split_template(tpl)
        if len(_TEMPLATE_CACHE) > 256:
            _TEMPLATE_CACHE.clear()
        _TEMPLATE_CACHE[tpl] = pieces
    return pieces


def _render(pieces: list[str], args: tuple | list) -> str:
    if len(pieces) != len(args) + 1:
        raise _invalid("States.Format")
    out = [pieces[0]]
    for piece, a in zip(pieces[1:], args):
        out.append(a if type(a) is str else format_value(a))
        out.append(piece)
    return "".join(out)


# ------------------------------------------------------------------ the functions


def fn_format(tpl: Any, *args: Any) -> str:
    if type(tpl) is not str:
        raise _invalid("States.Format")
    return _render(_split_cached(tpl), args)


def fn_string_to_json(s: Any) -> Any:
    if type(s) is not str:
        raise _invalid("States.StringToJson")
    if not s.strip():
        return None  # observed: '' -> null
    try:
        return loads(s)
    except (DecodeError, ValueError):
        raise _invalid("States.StringToJson") from None


def fn_json_to_string(v: Any) -> str:
    return dumps(v)


def fn_array(*args: Any) -> list:
    return list(args)


def fn_array_partition(arr: Any, size: Any) -> list:
    if type(arr) is not list:
        raise _invalid("States.ArrayPartition")
    n = _trunc(size, "States.ArrayPartition")
    if n < 1:
        raise _invalid("States.ArrayPartition")
    return [arr[i:i + n] for i in range(0, len(arr), n)]


def fn_array_contains(arr: Any, value: Any) -> bool:
    if type(arr) is not list:
        raise _invalid("States.ArrayContains")
    k = _key(value)
    for x in arr:
        if _key(x) == k:
            return True
    return False


def fn_array_range(start: Any, end: Any, step: Any) -> list:
    name = "States.ArrayRange"
    a, b, s = _trunc(start, name), _trunc(end, name), _trunc(step, name)
    if s == 0:
        raise _invalid(name)
    if (s > 0 and b < a) or (s < 0 and b > a):
        return []
    count = (b - a) // s + 1
    if count > MAX_RANGE_ITEMS:
        raise _invalid(name)
    return list(range(a, b + (1 if s > 0 else -1), s))


def fn_array_get_item(arr: Any, index: Any) -> Any:
    if type(arr) is not list:
        raise _invalid("States.ArrayGetItem")
    i = _trunc(index, "States.ArrayGetItem")
    if i < 0 or i >= len(arr):
        raise _invalid("States.ArrayGetItem")
    return arr[i]


def fn_array_length(arr: Any) -> int:
    if type(arr) is not list:
        raise _invalid("States.ArrayLength")
    return len(arr)


def fn_array_unique(arr: Any) -> list:
    if type(arr) is not list:
        raise _invalid("States.ArrayUnique")
    seen: set = set()
    out = []
    for x in arr:
        k = _key(x)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


def fn_base64_encode(s: Any) -> str:
    if type(s) is not str or len(s) > MAX_STRING_CHARS:
        raise _invalid("States.Base64Encode")
    try:
        return base64.b64encode(s.encode("utf-8")).decode("ascii")
    except UnicodeEncodeError:
        raise _invalid("States.Base64Encode") from None


def fn_base64_decode(s: Any) -> str:
    if type(s) is not str or len(s) > MAX_STRING_CHARS:
        raise _invalid("States.Base64Decode")
    try:
        return base64.b64decode(s.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise _invalid("States.Base64Decode") from None


_HASHES = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def fn_hash(data: Any, alg: Any) -> str:
    if type(data) is not str or len(data) > MAX_STRING_CHARS or alg not in _HASHES:
        raise _invalid("States.Hash")
    try:
        raw = data.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid("States.Hash") from None
    return hashlib.new(_HASHES[alg], raw).hexdigest()


def fn_json_merge(a: Any, b: Any, deep: Any) -> dict:
    if type(a) is not dict or type(b) is not dict or deep is not False:
        raise _invalid("States.JsonMerge")
    out = dict(a)
    out.update(b)
    return out


class JavaRandom:
    """java.util.Random, so a seeded MathRandom is deterministic the way Java's is."""

    _MULT = 0x5DEECE66D
    _MASK = (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self.seed = (seed ^ self._MULT) & self._MASK

    def _next(self, bits: int) -> int:
        self.seed = (self.seed * self._MULT + 0xB) & self._MASK
        r = self.seed >> (48 - bits)
        return r - (1 << 32) if r >= 1 << 31 else r  # Java (int) cast

    def next_int(self, bound: int) -> int:
        r = self._next(31)
        m = bound - 1
        if bound & m == 0:
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if -(1 << 31) <= u - r + m < (1 << 31):
                return r
            u = self._next(31)


def fn_math_random(start: Any, end: Any, *seed: Any) -> int:
    name = "States.MathRandom"
    a, b = _trunc(start, name), _trunc(end, name)
    if a >= b:
        raise _invalid(name)
    if seed:
        s = _trunc(seed[0], name)
        span = b - a
        if span < (1 << 31):
            return a + JavaRandom(s).next_int(span)
        return random.Random(s).randrange(a, b)
    return random.randrange(a, b)


def fn_math_add(x: Any, y: Any) -> int:
    return java_round(x) + java_round(y)


def fn_string_split(s: Any, delims: Any) -> list:
    if type(s) is not str or type(delims) is not str:
        raise _invalid("States.StringSplit")
    return _split(s, delims)


def _split(s: str, delims: str) -> list:
    if not delims:
        return [s] if s else []
    d0 = delims[0]
    if len(delims) > 1:
        s = s.translate({ord(c): d0 for c in delims[1:]})
    return [p for p in s.split(d0) if p]


def fn_uuid() -> str:
    return str(uuid.uuid4())


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "States.Format": fn_format,
    "States.StringToJson": fn_string_to_json,
    "States.JsonToString": fn_json_to_string,
    "States.Array": fn_array,
    "States.ArrayPartition": fn_array_partition,
    "States.ArrayContains": fn_array_contains,
    "States.ArrayRange": fn_array_range,
    "States.ArrayGetItem": fn_array_get_item,
    "States.ArrayLength": fn_array_length,
    "States.ArrayUnique": fn_array_unique,
    "States.Base64Encode": fn_base64_encode,
    "States.Base64Decode": fn_base64_decode,
    "States.Hash": fn_hash,
    "States.JsonMerge": fn_json_merge,
    "States.MathRandom": fn_math_random,
    "States.MathAdd": fn_math_add,
    "States.StringSplit": fn_string_split,
    "States.UUID": fn_uuid,
}

# never folded at compile time (a fresh value each call)
IMPURE = {"States.UUID", "States.MathRandom"}


# ------------------------------------------------------------------ closure builder


def _const_getter(v: Any):
    def get(data, ctx):
        return v

    return get


def build_call(node, parts: list) -> tuple[bool, Any, Any]:
    """Build `(is_const, value, getter)` for a parsed call whose args compiled to `parts`."""
    name = node.name
    fn = FUNCTIONS[name]
    all_const = all(p[0] for p in parts)

    # Specialisations ------------------------------------------------------
    if name == "States.Format" and parts[0][0]:
        lit = node.args[0]
        try:
            pieces = split_template(lit.raw if lit.raw is not None else lit.value)
        except ArgError:
            pieces = None
        if pieces is not None:
            getter = _format_fixed(pieces, parts[1:])
            if all_const:
                try:
                    return True, getter(None, None), None
                except ArgError:
                    pass
            return False, None, getter

    if all_const and name not in IMPURE:
        try:
            return True, fn(*[p[1] for p in parts]), None
        except ArgError:
            pass  # fails every time: leave it to run time, where AWS reports it

    if name == "States.StringSplit" and parts[1][0] and type(parts[1][1]) is str:
        delims = parts[1][1]
        g = parts[0][2] if not parts[0][0] else _const_getter(parts[0][1])

        def split_get(data, ctx):
            s = g(data, ctx)
            if type(s) is not str:
                raise _invalid("States.StringSplit")
            return _split(s, delims)

        return False, None, split_get

    getters = [p[2] if not p[0] else _const_getter(p[1]) for p in parts]
    n = len(getters)
    if n == 0:
        def get0(data, ctx):
            return fn()

        return False, None, get0
    if n == 1:
        g0 = getters[0]

        def get1(data, ctx):
            return fn(g0(data, ctx))

        return False, None, get1
    if n == 2:
        g0, g1 = getters

        def get2(data, ctx):
            return fn(g0(data, ctx), g1(data, ctx))

        return False, None, get2
    if n == 3:
        g0, g1, g2 = getters

        def get3(data, ctx):
            return fn(g0(data, ctx), g1(data, ctx), g2(data, ctx))

        return False, None, get3

    def getn(data, ctx):
        return fn(*[g(data, ctx) for g in getters])

    return False, None, getn


def _format_fixed(pieces: list[str], parts: list):
    """States.Format with a literal template: pieces split once at compile time."""
    if len(pieces) != len(parts) + 1:
        def bad(data, ctx):
            for p in parts:  # AWS reads the arguments first (a missing path wins)
                if not p[0]:
                    p[2](data, ctx)
            raise _invalid("States.Format")

        return bad
    if len(parts) == 0:
        text = pieces[0]
        return lambda data, ctx: text
    getters = [p[2] if not p[0] else _const_getter(p[1]) for p in parts]
    head = pieces[0]
    tail = list(zip(getters, pieces[1:]))
    fv = format_value
    if len(tail) == 1:
        (g0, p0), = tail

        def fmt1(data, ctx):
            a = g0(data, ctx)
            return head + (a if type(a) is str else fv(a)) + p0

        return fmt1

    def fmt(data, ctx):
        out = [head]
        for g, piece in tail:
            a = g(data, ctx)
            out.append(a if type(a) is str else fv(a))
            out.append(piece)
        return "".join(out)

    return fmt
