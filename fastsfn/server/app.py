"""One handler for every request, answering as AWS does; `serve` runs it on aiohttp's
low-level server, `create_app` mounts it in an aiohttp application."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import HttpVersion11, web
from botocore.exceptions import ClientError, ParamValidationError
from multidict import istr

from fastsfn._client import AsyncClient, Client
from fastsfn.ids import new_uuid
from fastsfn.server.protocol import (
    CONTENT_TYPE,
    Operations,
    ProtocolError,
    client_failure,
    decode,
    decode_start,
    encode,
    throttled,
)

# A definition may hold 1,048,576 characters; SDKs send non-ASCII ones as `\uXXXX` (6 bytes
# each), so the largest valid request is a little over 6 MiB.
MAX_BODY = 7 * 1024 * 1024
# Executions in flight per server (StartSyncExecution requests being answered plus
# StartExecution executions still running) past which a start answers ThrottlingException.
MAX_INFLIGHT = 10_000

log = logging.getLogger("fastsfn.server")

REQUEST_ID = istr("x-amzn-RequestId")   # a header name made once (not case-folded per request)
EXPECT = istr("Expect")

CLIENT_KEY = web.AppKey("fastsfn_client", AsyncClient)

Handler = Callable[[web.BaseRequest], Awaitable[web.Response]]


def _response(status: int, body: bytes, request_id: str) -> web.Response:
    # content_type set by aiohttp, then one header added: cheaper than passing headers
    # (aiohttp copies them into a new multidict).
    response = web.Response(status=status, body=body, content_type=CONTENT_TYPE)
    response.headers[REQUEST_ID] = request_id
    return response


def create_handler(client: Client | AsyncClient, max_inflight: int = MAX_INFLIGHT,
                   ) -> tuple[Handler, AsyncClient]:
    """The handler of every request to the endpoint over `client` (a `fastsfn.client()` or
    `fastsfn.aclient()`), and the async client it calls.

    Executions that suspend finish on the server's event loop (the async client's path).
    Past `max_inflight` executions in flight, starting one answers `ThrottlingException`.
    """
    sync = client._sync if isinstance(client, AsyncClient) else client
    aclient = AsyncClient(sync)
    operations = Operations(aclient._sync)
    targets = operations.targets   # X-Amz-Target -> operation (resolve words the misses)
    calls = {name: getattr(aclient, op.method) for name, op in operations.served.items()
             if not op.starts_execution}
    # The starting operations answer their body at once unless the execution suspends.
    starts = {"StartSyncExecution": aclient.start_sync_body, "StartExecution": aclient.start_body}
    background = aclient.runtime.background   # executions started and still running
    answering = 0  # StartExecution / StartSyncExecution requests being answered

    async def handle(request: web.BaseRequest) -> web.Response:
        nonlocal answering
        request_id = new_uuid()
        try:
            if request.method != "POST":
                raise ProtocolError(400, "UnknownOperationException",
                                    f"fastsfn answers POST requests only, not {request.method}")
            if EXPECT in request.headers:   # (curl's, for bodies over 1 KiB)
                await _continue(request)
            target = request.headers.get("X-Amz-Target")
            op = targets.get(target) or operations.resolve(target)
            if not op.starts_execution:
                result = await calls[op.name](**decode(op, await request.read()))
            elif answering + len(background) >= max_inflight:
                raise throttled()
            else:
                answering += 1
                try:
                    doc = decode_start(op, await request.read())
                    result = starts[op.name](doc.stateMachineArn, doc.name, doc.input,
                                             doc.traceHeader)
                    if type(result) is not bytes:
                        result = await result
                finally:
                    answering -= 1
            return _response(200, result if type(result) is bytes else encode(result),
                             request_id)
        except ProtocolError as e:
            return _response(e.status, e.body(), request_id)
        except (ClientError, ParamValidationError) as e:
            error = client_failure(e)
            return _response(error.status, error.body(), request_id)
        except web.HTTPRequestEntityTooLarge:
            return _response(413, ProtocolError(
                413, "RequestEntityTooLargeException",
                f"The request body exceeds {request.client_max_size} bytes").body(), request_id)
        except Exception:
            log.exception("internal failure serving %s", request.headers.get("X-Amz-Target"))
            return _response(500, ProtocolError(500, "InternalFailure", (
                "The request processing has failed because of an unknown error, exception "
                "or failure.")).body(), request_id)

    return handle, aclient


def create_app(client: Client | AsyncClient, max_body: int = MAX_BODY,
               max_inflight: int = MAX_INFLIGHT) -> web.Application:
    """The endpoint as an aiohttp application (to mount in one's own); `serve` runs the same
    handler without the application's routing."""
    handle, aclient = create_handler(client, max_inflight)
    app = web.Application(client_max_size=max_body)
    app[CLIENT_KEY] = aclient
    # Every path and method (AWS's error but for POST); `handle` answers "Expect" itself.
    app.router.add_route("*", "/{tail:.*}", handle, expect_handler=_leave_expect)
    return app


async def _continue(request: web.BaseRequest) -> None:
    """Answer "Expect: 100-continue" (the client waits for it to send the body); other
    expectations are not met, and the body is read as it comes."""
    if request.version == HttpVersion11 and request.headers[EXPECT].lower() == "100-continue":
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0   # the response proper starts after it


async def _leave_expect(request: web.BaseRequest) -> None:
    """The application's "Expect" handling, left to `handle`."""
