"""Intrinsic functions (`States.Format(...)` and friends), JSONPath mode only."""
from fastsfn.intrinsics.functions import FUNCTIONS, format_value, java_double, java_round
from fastsfn.intrinsics.parser import (
    ARITY,
    Call,
    Literal,
    PathArg,
    compile_intrinsic,
    is_intrinsic,
    parse_intrinsic,
)

__all__ = [
    "ARITY",
    "Call",
    "FUNCTIONS",
    "Literal",
    "PathArg",
    "compile_intrinsic",
    "format_value",
    "is_intrinsic",
    "java_double",
    "java_round",
    "parse_intrinsic",
]
