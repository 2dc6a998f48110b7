"""Task resources: what a Task state's `Resource` calls.

Stage: runtime. The compiler asks `Resources.bind(resource, state)` once per Task state and
stores the returned `invoke(task_input, frame)`. A user handler `(event, context)` stands in
for a Lambda function (by name, by ARN, or by any Resource ARN, globs allowed).
"""
from __future__ import annotations

import base64
import fnmatch
import json
import os
from inspect import isawaitable
from typing import Any, Callable, Mapping

from fastsfn.lambdas import HandlerCall, LambdaError, lambda_error
from fastsfn.errors import StatesRuntime, TaskFailure
from fastsfn.ids import new_uuid
from fastsfn.jsontext import DecodeError, loads

Handler = Callable[[Any, Any], Any]

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_PLAIN = (dict, list, str, int, float, bool, type(None))


def _function_not_found(arn: str) -> TaskFailure:
    if arn.count(":") == 6:
        arn += ":$LATEST"
    return TaskFailure(
        "Lambda.ResourceNotFoundException",
        f"Function not found: {arn} (Service: AWSLambda; Status Code: 404; Error Code: "
        f"ResourceNotFoundException; Request ID: {new_uuid()}; Proxy: null)",
    )


def _invoker(handler: Handler, function_name: str, function_arn: str,
             compact: bool = False) -> Callable[[Any, Any], Any]:
    """`invoke(event, frame)`: the handler called with a fresh context, its exceptions as
    Lambda errors (see `lambdas.HandlerCall`)."""
    return HandlerCall(handler, function_name, function_arn, compact, _await_handler)


async def _await_handler(aw: Any, compact: bool) -> Any:
    try:
        return await aw
    except Exception as exc:
        traceback = exc.__traceback__   # from the handler's frames on, as HandlerCall has it
        if traceback is not None and traceback.tb_next is not None:
            exc.__traceback__ = traceback.tb_next
        raise lambda_error(exc, compact) from None


def _lambda_envelope(payload: Any, log_tail: bool) -> dict:
    """`lambda:invoke`'s response as Step Functions returns it."""
    request_id = new_uuid()
    length = str(len(json.dumps(payload)))
    date = _http_date()
    trace = f"Root=1-{new_uuid().replace('-', '')[:8]}-{new_uuid().replace('-', '')[:24]}"
    all_headers: dict[str, Any] = {}
    headers: dict[str, Any] = {}
    log_result = None
    if log_tail:
        log_result = base64.b64encode(
            f"START RequestId: {request_id} Version: $LATEST\nEND RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\n".encode()).decode()
        all_headers["X-Amz-Log-Result"] = [log_result]
    all_headers.update({
        "X-Amz-Executed-Version": ["$LATEST"],
        "x-amzn-Remapped-Content-Length": ["0"],
        "Connection": ["keep-alive"],
        "x-amzn-RequestId": [request_id],
        "Content-Length": [length],
        "Date": [date],
        "X-Amzn-Trace-Id": [trace],
        "Content-Type": ["application/json"],
    })
    headers.update({
        "Connection": "keep-alive",
        "Content-Length": length,
        "Content-Type": "application/json",
        "Date": date,
        "X-Amz-Executed-Version": "$LATEST",
    })
    if log_result is not None:
        headers["X-Amz-Log-Result"] = log_result
    headers.update({
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
        "X-Amzn-Trace-Id": trace,
    })
    out: dict[str, Any] = {"ExecutedVersion": "$LATEST"}
    if log_result is not None:
        out["LogResult"] = log_result
    out["Payload"] = payload
    out["SdkHttpMetadata"] = {"AllHttpHeaders": all_headers, "HttpHeaders": headers,
                              "HttpStatusCode": 200}
    out["SdkResponseMetadata"] = {"RequestId": request_id}
    out["StatusCode"] = 200
    return out


def _invoke_payload(task_input: dict) -> Any:
    """The event a `lambda:invoke` Payload delivers: JSON text is parsed (the service sends
    a string Payload as the raw request body); none or null is an empty object."""
    payload = task_input.get("Payload")
    if payload is None:
        return {}
    if type(payload) is str:
        try:
            return loads(payload)
        except DecodeError:
            raise TaskFailure(
                "Lambda.InvalidRequestContentException",
                "Could not parse request body into json: Could not parse payload into json "
                f"(Service: AWSLambda; Status Code: 400; Error Code: "
                f"InvalidRequestContentException; Request ID: {new_uuid()}; Proxy: null)",
            ) from None
    return payload


def _http_date() -> str:
    from email.utils import formatdate

    return formatdate(usegmt=True)


class Resources:
    """The handlers a runtime was given, and how each Task resource is bound to one."""

    def __init__(self, handlers: Mapping[str, Handler] | None, region: str, account_id: str):
        self.exact: dict[str, Handler] = {}
        self.globs: list[tuple[str, Handler]] = []
        for key, handler in (handlers or {}).items():
            if not callable(handler):
                raise TypeError(f"handler for {key!r} is not callable")
            if any(ch in key for ch in "*?["):
                self.globs.append((key, handler))
            else:
                self.exact[key] = handler
        self.region = region
        self.account_id = account_id

    def lookup(self, *keys: str) -> Handler | None:
        """The handler registered under the first matching key (exact names before globs)."""
        for key in keys:
            handler = self.exact.get(key)
            if handler is not None:
                return handler
        for pattern, handler in self.globs:
            for key in keys:
                if fnmatch.fnmatchcase(key, pattern):
                    return handler
        return None

    def function_arn(self, name_or_arn: str) -> str:
        """A Lambda function name or ARN as a full function ARN."""
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name_or_arn}"

    def lambda_handler(self, name_or_arn: str) -> Handler | None:
        """The handler standing in for a Lambda function, by ARN (with or without
        qualifier) or by name."""
        arn = self.function_arn(name_or_arn)
        parts = arn.split(":")
        name = parts[6] if len(parts) > 6 else name_or_arn
        unqualified = ":".join(parts[:7])
        return self.lookup(name_or_arn, arn, unqualified, name)

    def bind(self, resource: str, state: dict) -> tuple[Callable[[Any, Any], Any], str]:
        """-> (invoke(task_input, frame), the name DataLimitExceeded uses for this task)."""
        if resource == LAMBDA_INVOKE or resource.startswith(LAMBDA_INVOKE + "."):
            return self._bind_lambda_invoke(), "lambda"
        if resource.startswith("arn:aws:lambda:") and ":function:" in resource:
            return self._bind_function(resource), resource
        return self._bind_other(resource), resource

    def _bind_function(self, arn: str) -> Callable[[Any, Any], Any]:
        handler = self.lambda_handler(arn)
        name = arn.split(":")[6]

        if handler is None:
            def invoke(task_input: Any, frame: Any) -> Any:
                raise _function_not_found(arn)
            return invoke

        return _invoker(handler, name, arn)

    def _bind_lambda_invoke(self) -> Callable[[Any, Any], Any]:
        cache: dict[Any, Callable[[Any, Any], Any] | None] = {}   # FunctionName -> invoke

        def invoke(task_input: Any, frame: Any) -> Any:
            if type(task_input) is not dict or "FunctionName" not in task_input:
                raise StatesRuntime(
                    f"The field 'FunctionName' is required by {LAMBDA_INVOKE} but was missing")
            function = task_input["FunctionName"]
            if function not in cache:
                handler = self.lambda_handler(function) if type(function) is str else None
                arn = self.function_arn(str(function))
                cache[function] = (None if handler is None else
                                   _invoker(handler, arn.split(":")[6], arn, compact=True))
            call = cache[function]
            if call is None:
                raise _function_not_found(self.function_arn(str(function)))
            log_tail = task_input.get("LogType") == "Tail"
            result = call(_invoke_payload(task_input), frame)
            if type(result) is LambdaError:
                return result
            if type(result) in _PLAIN or not isawaitable(result):
                return _lambda_envelope(result, log_tail)
            return _envelope_later(result, log_tail)

        return invoke

    def _bind_other(self, resource: str) -> Callable[[Any, Any], Any]:
        handler = self.lookup(resource)
        if handler is None:
            message = (
                f"No handler is registered for the resource '{resource}'. Register one with "
                f"fastsfn.client(handlers={{'{resource}': fn}}) (globs such as '*' match "
                "any resource)."
            )

            def invoke(task_input: Any, frame: Any) -> Any:
                raise StatesRuntime(message)

            return invoke

        return _invoker(handler, resource, resource)


async def _envelope_later(aw: Any, log_tail: bool) -> dict:
    return _lambda_envelope(await aw, log_tail)


def handlers_from_spec(spec: str) -> Mapping[str, Handler]:
    """Load a handlers mapping from `module:attr` (the CLI's --handlers)."""
    import importlib
    import sys

    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"--handlers wants module:attr, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    value = getattr(importlib.import_module(module_name), attr)
    return value() if callable(value) and not isinstance(value, Mapping) else value
