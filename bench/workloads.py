"""Benchmark workloads: the definition, its handlers, an input, and the hand-written
Python function doing the same data work (the practical limit)."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IOT_DEFINITION = (ROOT / "examples" / "iot_ingest.asl.json").read_text()
IOT_INPUT = json.loads((ROOT / "examples" / "iot_reading.json").read_text())
IOT_INPUT_TEXT = json.dumps(IOT_INPUT)


def enrich(event, context):
    """The IoT example's Task handler."""
    level = "alert" if event["temperature"] > 80 else "normal"
    return {"level": level, "site": "plant-a", "device": event["deviceId"]}


IOT_HANDLERS = {"enrich": enrich}


class InvalidReading(Exception):
    """The hand-written version's Fail state."""


def iot_by_hand(reading: dict) -> dict:
    """The IoT workflow's data work written directly in Python."""
    normalized = {
        "deviceId": reading["device"]["id"],
        "temperature": reading["reading"]["temperature"],
        "timestamp": reading["reading"]["timestamp"],
        "tags": reading["tags"],
    }
    temperature = normalized["temperature"]
    if not (type(temperature) in (int, float) and type(temperature) is not bool
            and isinstance(normalized["deviceId"], str)
            and normalized["deviceId"].startswith("sensor-")):
        raise InvalidReading()
    result = enrich(normalized, None)
    return {**normalized, "enrichment": {"level": result["level"], "site": result["site"]}}


def iot_by_hand_text(text: str) -> str:
    """The same, with JSON text in and out (what start_sync_execution does)."""
    import orjson

    return orjson.dumps(iot_by_hand(orjson.loads(text))).decode()
