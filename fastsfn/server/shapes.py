"""Request members read as AWS's JSON deserializer reads them, against botocore's model.

A member of the wrong JSON type is a `SerializationException`, as on AWS; `null` means
absent; nested members the model does not know are dropped.
"""
from __future__ import annotations

from typing import Any

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "blob": (str,), "boolean": (bool,), "integer": (int,), "long": (int,),
    "float": (int, float), "double": (int, float), "timestamp": (int, float, str),
    "list": (list,), "map": (dict,), "structure": (dict,),
}
_WORDS = {"string": "a string", "blob": "a string", "boolean": "a boolean",
          "integer": "an integer", "long": "an integer", "float": "a number",
          "double": "a number", "timestamp": "a timestamp", "list": "a list",
          "map": "an object", "structure": "an object"}


class ShapeError(Exception):
    """A member whose JSON type does not match the model."""


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def conform(shape: Any, value: Any, path: str) -> Any:
    """`value` checked against `shape`: nulls and unmodelled nested members removed."""
    kind = shape.type_name
    expected = _JSON_TYPES.get(kind)
    if expected is not None and (not isinstance(value, expected)
                                 or (isinstance(value, bool) and kind != "boolean")):
        raise ShapeError(f"Expected {_WORDS[kind]} at '{path}' but found {_found(value)}")
    if kind == "structure":
        members = shape.members
        return {k: conform(members[k], v, f"{path}.{k}") for k, v in value.items()
                if v is not None and k in members}
    if kind == "list":
        return [conform(shape.member, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if kind == "map":
        return {k: conform(shape.value, v, f"{path}.{k}") for k, v in value.items()
                if v is not None}
    return value
