"""`Expect: 100-continue` (curl sends it with bodies over 1 KiB): the client is told to go on
once, by `serve`'s low-level server and by `create_app`'s application alike."""
from __future__ import annotations

import asyncio
import json
import socket
from urllib.parse import urlparse

from aiohttp import web

import fastsfn
from fastsfn.server import create_app

from .conftest import PASS


def _exchange(host: str, port: int, body: bytes) -> tuple[bytes, bytes]:
    """Send the head, read the interim answer, send the body, read the final answer."""
    head = (f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.0\r\n"
            "X-Amz-Target: AWSStepFunctions.ValidateStateMachineDefinition\r\n"
            f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(head.encode())
        interim = sock.recv(65536)
        sock.sendall(body)
        final = b""
        while chunk := sock.recv(65536):
            final += chunk
    return interim, final


def _body() -> bytes:
    definition = json.loads(PASS) | {"Comment": "x" * 2000}   # over curl's 1 KiB threshold
    return json.dumps({"definition": json.dumps(definition)}).encode()


def _check(interim: bytes, final: bytes) -> None:
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert final.startswith(b"HTTP/1.1 200 "), final
    assert b"100 Continue" not in final   # said once
    assert json.loads(final.split(b"\r\n\r\n", 1)[1])["result"] == "OK"


def test_serve_answers_expect(server):
    url = urlparse(server.url)
    _check(*_exchange(url.hostname, url.port, _body()))


def test_create_app_answers_expect_once():
    client = fastsfn.client()

    async def main() -> tuple[bytes, bytes]:
        runner = web.AppRunner(create_app(client))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        try:
            return await asyncio.to_thread(_exchange, "127.0.0.1", port, _body())
        finally:
            await runner.cleanup()

    try:
        _check(*asyncio.run(main()))
    finally:
        client.close()
