"""The Python handlers standing in for the workloads' Lambda functions (AWS's
`(event, context)` signature). They treat `event` as read-only, as fastsfn requires.

`bench/peers/handlers.mjs` holds the same functions in JavaScript for
aws-local-stepfunctions; keep the two in step.
"""
from __future__ import annotations


def enrich(event, context):
    """`iot`: grade the temperature and name the site."""
    level = "alert" if event["temperature"] > 80 else "normal"
    return {"level": level, "site": "plant-a", "device": event["deviceId"]}


async def enrich_async(event, context):
    """`task-async`: the same, as a coroutine (it never suspends)."""
    level = "alert" if event["temperature"] > 80 else "normal"
    return {"level": level, "site": "plant-a", "device": event["deviceId"]}


class SensorTimeout(Exception):
    """What `flaky` raises; the Task's error name is the class name, as for a Lambda."""


def flaky(event, context):
    """`retry-catch`: always fails."""
    raise SensorTimeout(f"sensor {event['device']['id']} did not answer")


IOT_HANDLERS = {"enrich": enrich}
ASYNC_HANDLERS = {"enrich_async": enrich_async}
RETRY_HANDLERS = {"flaky": flaky}
