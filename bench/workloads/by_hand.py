"""Each workload's data work written directly in Python: the practical limit.

Every function takes and returns Python values; `as_text` wraps one into the JSON-text form
(orjson in and out), which is what `start_sync_execution` does around an execution.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable

import orjson

from bench.workloads.handlers import SensorTimeout, enrich, enrich_async, flaky


class InvalidReading(Exception):
    """The hand-written version's Fail state."""


def as_text(by_hand: Callable[[Any], Any]) -> Callable[[str], str]:
    """The JSON-text form of a hand-written function."""
    loads, dumps = orjson.loads, orjson.dumps

    def by_hand_text(text: str) -> str:
        return dumps(by_hand(loads(text))).decode()

    by_hand_text.__name__ = by_hand.__name__ + "_text"
    by_hand_text.__qualname__ = by_hand_text.__name__
    return by_hand_text


def pass_chain(doc: dict) -> dict:
    reading = doc["reading"]
    selected = {"temperature": reading["temperature"], "timestamp": reading["timestamp"],
                "values": reading["values"]}
    device = doc["device"]
    label = {"id": device["id"], "site": device["site"], "tags": doc["tags"],
             "first": selected["values"][0]}
    return {"device": label, "reading": selected, "source": "bench"}


def _is_number(x: Any) -> bool:
    return type(x) in (int, float)


def choice_route(doc: dict) -> dict:
    t = doc["reading"]["temperature"]
    site = doc["device"]["site"]
    if t < -10 or (site == "plant-z" and t <= 0):
        route = "freezing"
    elif 40 <= t < 80 and doc["device"]["id"].startswith("sensor-"):
        route = "warm"
    elif t > 80 and (site == "plant-b" or doc["tags"][0].startswith("line-")) \
            and not doc["reading"]["timestamp"] < "2020-01-01T00:00:00Z":
        route = "hot"
    else:
        route = "normal"
    return {**doc, "route": route}


def _normalize(doc: dict) -> dict:
    reading = doc["reading"]
    record = {"deviceId": doc["device"]["id"], "temperature": reading["temperature"],
              "timestamp": reading["timestamp"], "tags": doc["tags"]}
    if not (_is_number(record["temperature"]) and isinstance(record["deviceId"], str)
            and record["deviceId"].startswith("sensor-")):
        raise InvalidReading()
    return record


def iot(doc: dict) -> dict:
    record = _normalize(doc)
    result = enrich(record, None)
    return {**record, "enrichment": {"level": result["level"], "site": result["site"]}}


def _await(coroutine: Any) -> Any:
    """Finish a coroutine that does not suspend, without an event loop (the cheapest way)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("the handler suspended")


def task_async(doc: dict) -> dict:
    record = _normalize(doc)
    result = _await(enrich_async(record, None))
    return {**record, "enrichment": {"level": result["level"], "site": result["site"]}}


def map_10(doc: dict) -> dict:
    classified = []
    for i, v in enumerate(doc["reading"]["values"]):
        level = "high" if v >= 24 else "low" if v < 21 else "normal"
        classified.append({"i": i, "v": v, "level": level})
    return {**doc, "classified": classified}


def parallel_3(doc: dict) -> dict:
    device = {"id": doc["device"]["id"], "site": doc["device"]["site"]}
    level = "alert" if doc["reading"]["temperature"] > 80 else "normal"
    values = doc["reading"]["values"]
    return {**doc, "summary": {"device": device, "level": level,
                               "range": {"first": values[0], "last": values[9]}}}


def _format_number(x: Any) -> str:
    return orjson.dumps(x).decode()


def intrinsics(doc: dict) -> dict:
    device_id = doc["device"]["id"]
    reading = doc["reading"]
    return {
        "label": f"{device_id} at {reading['timestamp']} read {_format_number(reading['temperature'])}",
        "config": orjson.loads(doc["config"]),
        "pair": [device_id, reading["temperature"], doc["tags"]],
        "next": reading["sequence"] + 1,
        "digest": hashlib.sha256(device_id.encode()).hexdigest(),
    }


def retry_catch(doc: dict) -> dict:
    for attempt in range(3):  # the first call and two retries
        try:
            return flaky(doc, None)
        except SensorTimeout:
            error = "SensorTimeout"
    return {"deviceId": doc["device"]["id"], "status": "degraded", "error": error}
