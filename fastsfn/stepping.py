"""Finishing a suspended execution from synchronous code without a thread hop.

Stage: runtime. An execution hands back an awaitable when a handler is `async`, but most
such handlers never really suspend. `step` runs the coroutine by hand once, with this
thread's own event loop set as the running loop; only if it yields a future does the loop
actually run (`resume`), in this thread.
"""
from __future__ import annotations

import asyncio
import threading
from asyncio import events
from typing import Any, Coroutine

_local = threading.local()


def thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's private event loop (uvloop), made on first use."""
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        import uvloop

        loop = _local.loop = uvloop.new_event_loop()
    return loop


def step(coro: Coroutine) -> tuple[bool, Any]:
    """Run a coroutine until it first suspends: (True, result) if it finished, else
    (False, what it yielded). Its exceptions propagate."""
    loop = thread_loop()
    events._set_running_loop(loop)
    try:
        yielded = coro.send(None)
    except StopIteration as stop:
        return True, stop.value
    finally:
        events._set_running_loop(None)
    return False, yielded


async def resume(coro: Coroutine, yielded: Any) -> Any:
    """Go on driving a coroutine that `step` left suspended on `yielded` (a future of this
    thread's loop, or None for a bare yield)."""
    try:
        while True:
            if yielded is None:
                await asyncio.sleep(0)
            else:
                yielded._asyncio_future_blocking = False  # as asyncio's Task does
                try:
                    await yielded
                except asyncio.CancelledError:
                    if not yielded.cancelled():
                        raise   # we were cancelled, not the future
                except Exception:
                    pass        # the coroutine reads the future's exception itself
            try:
                yielded = coro.send(None)
            except StopIteration as stop:
                return stop.value
    finally:
        coro.close()


def run_blocking(coro: Coroutine, timeout: float | None) -> Any:
    """Run a coroutine to the end from synchronous code: by hand while it does not suspend,
    then on this thread's loop (raising asyncio.TimeoutError past `timeout` seconds)."""
    finished, value = step(coro)
    if finished:
        return value
    loop = thread_loop()
    rest = resume(coro, value)
    if timeout is not None:
        rest = asyncio.wait_for(rest, max(timeout, 0))
    return loop.run_until_complete(rest)
