"""`fastsfn bench`: load-test one state machine and say what the same load would cost on AWS.

Stage: shell. Runs executions back to back (keeping `concurrency` in flight when they
suspend) for a fixed duration, in one or more processes, and reports executions/s, latency
percentiles, time per state, errors by name, and the AWS Express/Standard cost of the load.
"""
from __future__ import annotations

import asyncio
import math
import multiprocessing
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping

from fastsfn.resources import Handler
from fastsfn.runtime import Outcome, Runtime

PROFILE_EVERY = 64  # one execution in this many is timed state by state


@dataclass
class Prices:
    """us-east-1 list prices (express-runtime-reference.md §6); override for other regions."""

    express_request: float = 1.00 / 1_000_000
    # (cumulative GB-seconds per month up to which the price applies, USD per GB-second)
    express_gb_second_tiers: tuple = ((1_000 * 3600, 0.00001667), (5_000 * 3600, 0.00000833),
                                      (math.inf, 0.00000456))
    standard_transition: float = 0.025 / 1_000
    standard_free_transitions: int = 4_000


@dataclass
class Report:
    """What one bench run measured."""

    executions: int = 0
    seconds: float = 0.0
    processes: int = 1
    latencies_us: list = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    state_seconds: dict = field(default_factory=dict)
    state_visits: Counter = field(default_factory=Counter)
    transitions: int = 0
    billed_ms: int = 0

    @property
    def per_second(self) -> float:
        return self.executions / self.seconds if self.seconds else 0.0

    def merge(self, other: "Report") -> None:
        self.executions += other.executions
        self.seconds = max(self.seconds, other.seconds)
        self.latencies_us += other.latencies_us
        self.errors += other.errors
        for name, secs in other.state_seconds.items():
            self.state_seconds[name] = self.state_seconds.get(name, 0.0) + secs
        self.state_visits += other.state_visits
        self.transitions += other.transitions
        self.billed_ms += other.billed_ms


def percentile(sorted_values: list, q: float) -> float:
    """The q-th percentile (0-100) of an already sorted list (nearest rank)."""
    if not sorted_values:
        return 0.0
    rank = max(0, math.ceil(q / 100 * len(sorted_values)) - 1)
    return sorted_values[rank]


def express_cost(executions: int, billed_ms: int, memory_mb: int, prices: Prices) -> float:
    """Requests plus GB-seconds (100 ms and 64 MB rounding already in `billed_ms`/`memory_mb`)."""
    gb_seconds = billed_ms / 1000 * memory_mb / 1024
    cost = executions * prices.express_request
    left = gb_seconds
    floor = 0.0
    for ceiling, price in prices.express_gb_second_tiers:
        portion = min(left, ceiling - floor)
        cost += portion * price
        left -= portion
        floor = ceiling
        if left <= 0:
            break
    return cost


def standard_cost(transitions: int, prices: Prices) -> float:
    """Per state transition, after the monthly free tier."""
    return max(0, transitions - prices.standard_free_transitions) * prices.standard_transition


def billed_memory_mb(definition: str, payload_bytes: int, steps: int) -> int:
    """AWS's Express memory estimate, in 64 MB chunks: 50 MB + definition + payload x steps."""
    mb = 50 + (len(definition) + payload_bytes * max(1, steps)) / (1024 * 1024)
    return 64 * math.ceil(mb / 64)


async def _drive(runtime: Runtime, machine: Any, inputs: list, duration: float,
                 concurrency: int, report: Report, progress: Any) -> None:
    deadline = time.monotonic() + duration
    counter = [0]

    async def worker() -> None:
        while time.monotonic() < deadline:
            for _ in range(256):
                n = counter[0]
                counter[0] = n + 1
                execution = runtime.new_execution(machine, None, inputs[n % len(inputs)])
                if n % PROFILE_EVERY == 0:
                    execution.profile = {}
                start = time.perf_counter()
                outcome = runtime.run(machine, execution)
                if not isinstance(outcome, Outcome):
                    outcome = await outcome
                elapsed = time.perf_counter() - start
                report.executions += 1
                report.transitions += execution.transitions
                report.billed_ms += max(100, math.ceil(elapsed * 10) * 100)
                if n % PROFILE_EVERY == 1:  # latency samples skip the profiled executions
                    report.latencies_us.append(elapsed * 1e6)
                elif n % PROFILE_EVERY == 0:
                    for name, secs in execution.profile.items():
                        report.state_seconds[name] = report.state_seconds.get(name, 0.0) + secs
                        report.state_visits[name] += 1
                if outcome.status != "SUCCEEDED":
                    report.errors[outcome.error or outcome.status] += 1
            if progress is not None:
                progress(report)
            await asyncio.sleep(0)

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))


def run_bench(definition: str, inputs: list, handlers: Mapping[str, Handler] | None = None,
              duration: float = 5.0, concurrency: int = 1, type: str = "EXPRESS",
              progress: bool = False) -> Report:
    """Run executions for `duration` seconds in this process; return what was measured."""
    import uvloop

    runtime = Runtime(handlers)
    machine = runtime.register("bench", definition, "arn:aws:iam::123456789012:role/bench", type)
    report = Report()
    bar = _ProgressBar(duration) if progress else None
    started = time.monotonic()
    uvloop.run(_drive(runtime, machine, inputs, duration, concurrency, report, bar))
    report.seconds = time.monotonic() - started
    if bar is not None:
        bar.done()
    runtime.close()
    return report


def _bench_worker(args: tuple) -> Report:
    definition, inputs, handlers_spec, duration, concurrency, type = args
    from fastsfn.resources import handlers_from_spec

    handlers = handlers_from_spec(handlers_spec) if handlers_spec else None
    return run_bench(definition, inputs, handlers, duration, concurrency, type)


def run_processes(definition: str, inputs: list, handlers_spec: str | None, duration: float,
                  concurrency: int, processes: int, type: str = "EXPRESS") -> Report:
    """The same load in `processes` worker processes at once; their counts add up."""
    args = (definition, inputs, handlers_spec, duration, concurrency, type)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        reports = pool.map(_bench_worker, [args] * processes)
    total = Report(processes=processes)
    for r in reports:
        total.merge(r)
    return total


class _ProgressBar:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, duration: float) -> None:
        self.duration = duration
        self.started = time.monotonic()
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def __call__(self, report: Report) -> None:
        now = time.monotonic()
        if not self.tty or now - self.last < 0.1:
            return
        self.last = now
        done = min(1.0, (now - self.started) / self.duration)
        width = 30
        filled = int(done * width)
        rate = report.executions / max(now - self.started, 1e-9)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:4.0%} "
                         f"{report.executions:,} executions, {rate:,.0f}/s")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def summarize(report: Report, definition: str, payload_bytes: int, steps: int,
              prices: Prices | None = None) -> dict:
    """The report as plain data: rates, latency, time per state, errors, AWS cost."""
    prices = prices or Prices()
    lat = sorted(report.latencies_us)
    n = max(report.executions, 1)
    memory = billed_memory_mb(definition, payload_bytes, steps)
    per_million = 1_000_000 / n
    total_state = sum(report.state_seconds.values()) or 1.0
    return {
        "executions": report.executions,
        "seconds": round(report.seconds, 3),
        "processes": report.processes,
        "executions_per_second": round(report.per_second, 1),
        "latency_us": {"p50": round(percentile(lat, 50), 2), "p90": round(percentile(lat, 90), 2),
                       "p99": round(percentile(lat, 99), 2)},
        "time_per_state": {
            name: {"share": round(secs / total_state, 4),
                   "mean_us": round(secs / report.state_visits[name] * 1e6, 3)}
            for name, secs in sorted(report.state_seconds.items(), key=lambda kv: -kv[1])},
        "errors": dict(report.errors),
        "aws_cost_per_million_executions": {
            "express_usd": round(express_cost(1_000_000, int(report.billed_ms * per_million),
                                              memory, prices), 4),
            "express_billed_memory_mb": memory,
            "standard_usd": round(report.transitions * per_million * prices.standard_transition, 4),
            "standard_transitions_per_execution": round(report.transitions / n, 2),
        },
    }


def format_summary(s: dict) -> str:
    """A human-readable table of `summarize`'s output."""
    lines = [
        f"executions:      {s['executions']:,} in {s['seconds']} s "
        f"({s['processes']} process{'es' if s['processes'] > 1 else ''})",
        f"executions/s:    {s['executions_per_second']:,.0f}",
        "latency (us):    p50 {p50}  p90 {p90}  p99 {p99}".format(**s["latency_us"]),
        "time per state:",
    ]
    for name, t in s["time_per_state"].items():
        lines.append(f"  {name:30s} {t['share']:6.1%}  {t['mean_us']:9.3f} us/visit")
    lines.append("errors:          " + (", ".join(f"{k}: {v:,}" for k, v in s["errors"].items())
                                        or "none"))
    cost = s["aws_cost_per_million_executions"]
    lines.append(f"AWS cost per million executions: Express ${cost['express_usd']:.2f} "
                 f"({cost['express_billed_memory_mb']} MB billed), Standard "
                 f"${cost['standard_usd']:.2f} ({cost['standard_transitions_per_execution']} "
                 "transitions each)")
    return "\n".join(lines)


def definition_steps(definition: dict) -> int:
    """How many Map/Parallel states a definition has (AWS's memory estimate counts them)."""
    count = 0
    for state in definition.get("States", {}).values():
        if state.get("Type") in ("Map", "Parallel"):
            count += 1
        for branch in state.get("Branches", ()):
            count += definition_steps(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                count += definition_steps(state[key])
    return count
