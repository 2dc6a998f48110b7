"""awsJson1_0: X-Amz-Target -> client method, body -> keyword arguments, result -> JSON.

The operations come from botocore's `stepfunctions` model; an operation is served when the
in-process client has the method of the same snake_case name. Every failure becomes AWS's
error body `{"__type": code, "message": text}`.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
import orjson
from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError
from botocore.session import get_session

from fastsfn.server.shapes import ShapeError, conform

TARGET_PREFIX = "AWSStepFunctions."
CONTENT_TYPE = "application/x-amz-json-1.0"
_STATUS = {"ConflictException": 409, "ServiceQuotaExceededException": 402}
_STARTS_EXECUTION = frozenset({"StartExecution", "StartSyncExecution"})
_MISSING = re.compile(r'Missing required parameter in input: "([^"]+)"')


class ProtocolError(Exception):
    """An error response: HTTP status, AWS error code, message, modelled members."""

    def __init__(self, status: int, code: str, message: str,
                 members: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.members = members or {}  # e.g. ResourceNotFound.resourceName

    def body(self) -> bytes:
        return orjson.dumps({"__type": self.code, "message": self.message, **self.members})


class _StartExecution(msgspec.Struct, forbid_unknown_fields=True):
    """StartExecution's members: all strings (the hot requests, decoded by type in C)."""

    stateMachineArn: str | None = None
    name: str | None = None
    input: str | None = None
    traceHeader: str | None = None


class _StartSyncExecution(_StartExecution, forbid_unknown_fields=True):
    includedData: str | None = None


_TYPED = {"StartExecution": msgspec.json.Decoder(_StartExecution),
          "StartSyncExecution": msgspec.json.Decoder(_StartSyncExecution)}


@dataclass(frozen=True)
class Operation:
    """One served operation: its AWS name, the client method, the members it accepts."""

    name: str
    method: str
    members: frozenset[str]
    shape: Any  # botocore input StructureShape, or None
    starts_execution: bool = False  # counted against the server's in-flight limit
    typed: Any = None  # the starting operations' decoder of exactly these members


class Operations:
    """X-Amz-Target resolution over botocore's model and one client."""

    def __init__(self, client: Any) -> None:
        model = get_session().get_service_model("stepfunctions")
        self.served: dict[str, Operation] = {}
        self.unsupported: set[str] = set()
        self.targets: dict[str, Operation] = {}   # by the whole X-Amz-Target header
        for name in model.operation_names:
            method = xform_name(name)
            fn = getattr(client, method, None)
            if fn is None or not callable(fn):
                self.unsupported.add(name)
                continue
            params = inspect.signature(fn).parameters.values()
            members = frozenset(p.name for p in params
                                if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
            typed = _TYPED.get(name)
            if typed is not None and set(typed.type.__struct_fields__) != members:
                raise TypeError(f"{method} takes other members than {name}'s typed request")
            self.served[name] = self.targets[TARGET_PREFIX + name] = Operation(
                name, method, members, model.operation_model(name).input_shape,
                name in _STARTS_EXECUTION, typed)

    def resolve(self, target: str | None) -> Operation:
        op = self.targets.get(target)   # type: ignore[arg-type]
        if op is not None:
            return op
        if not target:
            raise ProtocolError(400, "UnknownOperationException",
                                "Missing X-Amz-Target header: expected "
                                f"'{TARGET_PREFIX}<Operation>'")
        name = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else None
        if name is not None:
            if name in self.unsupported:
                raise ProtocolError(400, "UnknownOperationException",
                                    f"fastsfn does not support {name} yet")
        raise ProtocolError(400, "UnknownOperationException", f"Unknown operation: '{target}'")


def throttled() -> ProtocolError:
    """AWS's answer when a request is over the rate or concurrency limit."""
    return ProtocolError(400, "ThrottlingException", "Rate exceeded")


def decode(op: Operation, body: bytes) -> dict[str, Any]:
    """The request's members as keyword arguments (JSON types checked; a null member is
    the same as an absent one)."""
    if not body.strip():
        return {}
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise ProtocolError(400, "SerializationException",
                            f"The request body is not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise ProtocolError(400, "SerializationException",
                            "The request body must be a JSON object")
    shape = op.shape
    known = shape.members if shape is not None else {}
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if value is None:
            continue
        if key not in op.members:
            if key in known:
                raise ProtocolError(400, "ValidationException",
                                    f"fastsfn does not support the member '{key}' of "
                                    f"{op.name} yet")
            raise ProtocolError(400, "ValidationException",
                                f"Unknown member '{key}' in {op.name}; valid members: "
                                f"{', '.join(sorted(op.members))}")
        if key in known:
            try:
                value = conform(known[key], value, key)
            except ShapeError as e:
                raise ProtocolError(400, "SerializationException", str(e)) from None
        out[key] = value
    return out


def decode_start(op: Operation, body: bytes) -> _StartExecution:
    """A StartExecution or StartSyncExecution request's members, decoded by type."""
    try:
        return op.typed.decode(body)
    except msgspec.DecodeError:
        return op.typed.type(**decode(op, body))   # the general path words the error as AWS does


def client_failure(e: ClientError | ParamValidationError) -> ProtocolError:
    """An error the client raised, as AWS's error response."""
    if isinstance(e, ParamValidationError):
        return ProtocolError(400, "ValidationException", _validation_message(e))
    error = e.response.get("Error", {})
    code = error.get("Code") or "InternalFailure"
    members = {k: v for k, v in e.response.items() if k not in ("Error", "ResponseMetadata")}
    return ProtocolError(_STATUS.get(code, 400), code, error.get("Message") or "", members)


def _validation_message(e: ParamValidationError) -> str:
    names = _MISSING.findall(e.kwargs.get("report", ""))
    if not names:
        return str(e)
    count = len(names)
    errors = "; ".join(f"Value null at '{n}' failed to satisfy constraint: "
                       "Member must not be null" for n in names)
    return f"{count} validation error{'s' if count > 1 else ''} detected: {errors}"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return round(value.timestamp(), 3)  # epoch seconds, millisecond precision as AWS
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def encode(result: dict) -> bytes:
    """The response body: the result without `ResponseMetadata`, dates as epoch seconds."""
    if "ResponseMetadata" in result:
        result = {k: v for k, v in result.items() if k != "ResponseMetadata"}
    return orjson.dumps(result, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
