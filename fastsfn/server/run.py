"""Running the endpoint: `serve` (a coroutine), `run_server` (blocking, for the CLI) and
`ServerThread` (a server on its own uvloop loop in a background thread, for tests/embedders).
"""
from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any, Self, TextIO

import uvloop
from aiohttp import web

from fastsfn.server.app import MAX_BODY, MAX_INFLIGHT, Handler, create_handler
from fastsfn.server.quickstart import how_to_call

SHUTDOWN_TIMEOUT = 10.0  # default grace period: seconds in-flight work gets after a stop

log = logging.getLogger("fastsfn.server")


def bind(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def ready_line(url: str, workers: int = 1) -> str:
    """What `fastsfn serve` prints once every worker listens."""
    return f"fastsfn: serving on {url}" + (f" with {workers} workers" if workers > 1 else "")


def _server(handle: Handler, max_body: int, access_log: bool) -> web.Server:
    """aiohttp's low-level server calling `handle` for every request (no application, no
    routing: `handle` answers every path and method)."""
    loop = asyncio.get_running_loop()

    def request(message: Any, payload: Any, protocol: Any, writer: Any,
                task: Any) -> web.BaseRequest:
        return web.BaseRequest(message, payload, protocol, writer, task, loop,
                               client_max_size=max_body)

    options: dict[str, Any] = {} if access_log else {"access_log": None}
    return web.Server(handle, request_factory=request, **options)


async def _drain(runtime: Any, timeout: float) -> None:
    """Wait up to `timeout` s for StartExecution executions on this loop; cancel the rest."""
    try:
        await asyncio.wait_for(runtime.drain(), max(timeout, 0.0))
    except TimeoutError:
        log.warning("grace period over: cancelled the executions still running")


async def serve(client: Any, host: str = "127.0.0.1", port: int = 0, *,
                stop: asyncio.Event | None = None,
                ready: Callable[[int], None] | None = None,
                reuse_port: bool = False, access_log: bool = False,
                max_inflight: int = MAX_INFLIGHT,
                grace_period: float = SHUTDOWN_TIMEOUT) -> None:
    """Serve until `stop` is set; then stop listening and give in-flight requests and
    background executions `grace_period` seconds to finish (what is left is cancelled)."""
    handle, aclient = create_handler(client, max_inflight)
    runner = web.ServerRunner(_server(handle, MAX_BODY, access_log),
                              shutdown_timeout=grace_period, handle_signals=False)
    await runner.setup()
    sock = bind(host, port, reuse_port)
    await web.SockSite(runner, sock).start()
    if ready is not None:
        ready(sock.getsockname()[1])
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_period
        await runner.cleanup()
        await _drain(aclient.runtime, deadline - loop.time())


def run_server(host: str, port: int, client: Any, *, reuse_port: bool = False,
               access_log: bool = False, max_inflight: int = MAX_INFLIGHT,
               grace_period: float = SHUTDOWN_TIMEOUT,
               ready: Callable[[int], None] | None = None,
               banner: TextIO | None = None) -> None:
    """Serve on `host:port` until SIGINT or SIGTERM (from the main thread), on uvloop.

    `ready(port)` is called once listening; by default it prints the ready line and how to
    call the server to `banner` (default stdout).
    """
    def announce(bound: int) -> None:
        url = f"http://{host}:{bound}"
        print("\n".join(filter(None, [ready_line(url), how_to_call(url, client)])),
              file=banner or sys.stdout, flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(client, host, port, stop=stop, reuse_port=reuse_port,
                    access_log=access_log, max_inflight=max_inflight,
                    grace_period=grace_period, ready=ready or announce)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


class ServerThread:
    """A server on its own uvloop loop in a daemon thread: `start()`, `.url`, `stop()`."""

    def __init__(self, client: Any, host: str = "127.0.0.1", port: int = 0, *,
                 max_inflight: int = MAX_INFLIGHT,
                 grace_period: float = SHUTDOWN_TIMEOUT) -> None:
        self.client = client
        self.host = host
        self.port = port
        self.max_inflight = max_inflight
        self.grace_period = grace_period
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        loop = uvloop.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)

        def ready(port: int) -> None:
            self.port = port
            self._ready.set()

        async def main() -> None:
            self._stop = asyncio.Event()
            await serve(self.client, self.host, self.port, stop=self._stop, ready=ready,
                        max_inflight=self.max_inflight, grace_period=self.grace_period)

        try:
            loop.run_until_complete(main())
        except BaseException as e:  # noqa: BLE001 - reported to the thread that called start()
            self._error = e
            self._ready.set()
        finally:
            loop.close()

    def start(self, timeout: float = 10.0) -> Self:
        self._thread = threading.Thread(target=self._run, name="fastsfn-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("fastsfn server did not start in time")
        if self._error is not None:
            raise RuntimeError(f"fastsfn server failed to start: {self._error}") from self._error
        return self

    def stop(self, timeout: float | None = None) -> None:
        if timeout is None:
            timeout = self.grace_period + 5
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
