"""The aiohttp application: one handler for every request, answering as AWS does."""
from __future__ import annotations

import logging

from aiohttp import web

from fastsfn._client import AsyncClient, Client
from fastsfn.ids import new_uuid
from fastsfn.server.protocol import CONTENT_TYPE, Operations, ProtocolError, decode, encode, invoke

# A definition may hold 1,048,576 characters; SDKs send non-ASCII ones as `\uXXXX` (6 bytes
# each), so the largest valid request is a little over 6 MiB.
MAX_BODY = 7 * 1024 * 1024

log = logging.getLogger("fastsfn.server")

CLIENT_KEY = web.AppKey("fastsfn_client", AsyncClient)


def _response(status: int, body: bytes, request_id: str) -> web.Response:
    return web.Response(status=status, body=body, headers={
        "Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id})


def create_app(client: Client | AsyncClient, max_body: int = MAX_BODY) -> web.Application:
    """The JSON 1.0 endpoint over `client` (a `fastsfn.client()` or `fastsfn.aclient()`).

    Executions that suspend finish on the server's event loop (the async client's path).
    """
    aclient = client if isinstance(client, AsyncClient) else AsyncClient(client)
    operations = Operations(aclient._sync)

    async def handle(request: web.Request) -> web.Response:
        request_id = new_uuid()
        try:
            if request.method != "POST":
                raise ProtocolError(400, "UnknownOperationException",
                                    f"fastsfn answers POST requests only, not {request.method}")
            op = operations.resolve(request.headers.get("X-Amz-Target"))
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                raise ProtocolError(413, "RequestEntityTooLargeException",
                                    f"The request body exceeds {max_body} bytes") from None
            result = await invoke(op, aclient, decode(op, body))
            return _response(200, encode(result), request_id)
        except ProtocolError as e:
            return _response(e.status, e.body(), request_id)
        except Exception:
            log.exception("internal failure serving %s", request.headers.get("X-Amz-Target"))
            return _response(500, ProtocolError(500, "InternalFailure", (
                "The request processing has failed because of an unknown error, exception "
                "or failure.")).body(), request_id)

    app = web.Application(client_max_size=max_body)
    app[CLIENT_KEY] = aclient
    app.router.add_route("*", "/{tail:.*}", handle)
    return app
