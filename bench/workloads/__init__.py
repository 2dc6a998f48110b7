"""The benchmark workloads: registry.

A workload is an ASL definition in this folder (`<name>.asl.json`), the Python handlers for its
Lambda functions (`handlers.py`), an input, and the hand-written Python function doing the same
data work in two forms: on values, and JSON text in/out with orjson (`by_hand.py`). The
hand-written function is the practical limit every engine is measured against.

The README's example (`examples/iot_ingest.asl.json`) stays available under the `IOT_*` names
for `bench/test_bench_iot.py`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from bench.workloads import by_hand
from bench.workloads.by_hand import as_text
from bench.workloads.handlers import ASYNC_HANDLERS, IOT_HANDLERS, RETRY_HANDLERS, enrich

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: The shared IoT-style input: a device reading with id, temperature, timestamp, tags, ten
#: readings (plus a sequence number and a JSON-text config for the intrinsics).
READING = json.loads((HERE / "reading.json").read_text())


@dataclass(frozen=True)
class Workload:
    name: str
    definition: str                       # ASL text
    input: Any
    by_hand: Callable[[Any], Any]         # values in, values out
    by_hand_text: Callable[[str], str]    # JSON text in, JSON text out
    handlers: Mapping[str, Callable] = field(default_factory=dict)
    #: 0.0 makes fastsfn skip real waits (Retry intervals); peers get their equivalent.
    sleep_scale: float = 1.0
    note: str = ""

    @property
    def input_text(self) -> str:
        return json.dumps(self.input)

    @property
    def expected(self) -> Any:
        return self.by_hand(self.input)


def _workload(name: str, fn: Callable[[Any], Any], handlers: Mapping[str, Callable] = {},
              **extra: Any) -> Workload:
    return Workload(name=name, definition=(HERE / f"{name}.asl.json").read_text(), input=READING,
                    by_hand=fn, by_hand_text=as_text(fn), handlers=dict(handlers), **extra)


WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    _workload("pass-chain", by_hand.pass_chain),
    _workload("choice-route", by_hand.choice_route),
    _workload("iot", by_hand.iot, IOT_HANDLERS),
    _workload("task-async", by_hand.task_async, ASYNC_HANDLERS),
    _workload("map-10", by_hand.map_10),
    _workload("parallel-3", by_hand.parallel_3),
    _workload("intrinsics", by_hand.intrinsics),
    _workload("retry-catch", by_hand.retry_catch, RETRY_HANDLERS, sleep_scale=0.0,
              note="Retry IntervalSeconds 1 run with waits scaled to 0"),
)}


# -- the README's example, as bench/test_bench_iot.py measures it ----------------------------

IOT_DEFINITION = (ROOT / "examples" / "iot_ingest.asl.json").read_text()
IOT_INPUT = json.loads((ROOT / "examples" / "iot_reading.json").read_text())
IOT_INPUT_TEXT = json.dumps(IOT_INPUT)
InvalidReading = by_hand.InvalidReading


def iot_by_hand(reading: dict) -> dict:
    """The example IoT workflow's data work written directly in Python."""
    normalized = {
        "deviceId": reading["device"]["id"],
        "temperature": reading["reading"]["temperature"],
        "timestamp": reading["reading"]["timestamp"],
        "tags": reading["tags"],
    }
    temperature = normalized["temperature"]
    if not (type(temperature) in (int, float) and isinstance(normalized["deviceId"], str)
            and normalized["deviceId"].startswith("sensor-")):
        raise InvalidReading()
    result = enrich(normalized, None)
    return {**normalized, "enrichment": {"level": result["level"], "site": result["site"]}}


iot_by_hand_text = as_text(iot_by_hand)

__all__ = ["WORKLOADS", "Workload", "READING", "IOT_DEFINITION", "IOT_HANDLERS", "IOT_INPUT",
           "IOT_INPUT_TEXT", "iot_by_hand", "iot_by_hand_text", "InvalidReading"]
