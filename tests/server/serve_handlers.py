"""Handlers for tests that run `fastsfn serve` as a subprocess (`--handlers` points here)."""
import asyncio
import os
from pathlib import Path


async def slow(event, context):
    """Note the call in `event["mark"]` (a file), then take `event["seconds"]` to answer."""
    with Path(event["mark"]).open("a") as mark:  # noqa: ASYNC230 - one short line
        mark.write(f"{event['n']}\n")
    await asyncio.sleep(event["seconds"])
    return {"n": event["n"], "done": True}


def pid(event, context):
    """Which worker process ran the execution."""
    return {"pid": os.getpid()}


handlers = {"slow": slow, "pid": pid}
