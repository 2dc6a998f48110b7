"""100,000 executions parked in a Wait state at once stay under 1 GiB and all finish."""
from __future__ import annotations

import asyncio
import json
import time

import uvloop

from fastsfn.runtime import Outcome, Runtime

PARKED = 100_000


def _rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def test_hundred_thousand_parked_waits(report):
    runtime = Runtime()
    machine = runtime.register("parked", json.dumps({"StartAt": "Park", "States": {
        "Park": {"Type": "Wait", "Seconds": 10, "Next": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"id.$": "$.id"}, "End": True}}}),
        "arn:aws:iam::123456789012:role/r")

    async def main() -> tuple[int, list[Outcome], float]:
        before = _rss_bytes()
        started = time.monotonic()
        tasks = []
        for i in range(PARKED):
            pending = runtime.run(machine, runtime.new_execution(machine, None, {"id": i}))
            assert not isinstance(pending, Outcome), "a Wait of 10 s must suspend"
            tasks.append(asyncio.ensure_future(pending))
        await asyncio.sleep(0)
        parked_bytes = _rss_bytes() - before
        outcomes = await asyncio.gather(*tasks)
        return parked_bytes, outcomes, time.monotonic() - started

    parked_bytes, outcomes, elapsed = uvloop.run(main())
    report(f"parked waits: {PARKED:,} executions parked used {parked_bytes / 2**20:.0f} MiB "
           f"more resident memory; all finished after {elapsed:.1f} s")
    assert parked_bytes < 2**30
    assert [o.status for o in outcomes].count("SUCCEEDED") == PARKED
    assert [o.output["id"] for o in outcomes] == list(range(PARKED))
