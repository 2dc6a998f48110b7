"""Scaling across processes: the embedder fast path in 1 and N worker processes.

Run as `python3 -m bench.scaling [--workload iot] [--processes 2] [--duration 3]`. Each worker
compiles the workload and calls the machine in a loop for the same wall-clock window; the
executions/s of N workers is compared with one worker's, measured in the same run.
"""
from __future__ import annotations

import argparse
import multiprocessing
import time

import fastsfn
from bench.workloads import WORKLOADS


def _worker(args: tuple) -> int:
    name, duration, start_at = args
    w = WORKLOADS[name]
    machine = fastsfn.compile_machine(w.definition, w.handlers, sleep_scale=0.0)
    value = w.input
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + duration
    count = 0
    while time.time() < deadline:
        for _ in range(500):
            machine(value)
        count += 500
    return count


def measure(name: str, processes: int, duration: float) -> float:
    """Executions/s of `processes` workers running at once."""
    start_at = time.time() + 1.0
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        counts = pool.map(_worker, [(name, duration, start_at)] * processes)
    return sum(counts) / duration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="iot", choices=sorted(WORKLOADS))
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    one = measure(args.workload, 1, args.duration)
    many = measure(args.workload, args.processes, args.duration)
    print(f"{args.workload}: 1 process {one:,.0f}/s; {args.processes} processes {many:,.0f}/s "
          f"= {many / one:.2f}x")


if __name__ == "__main__":
    main()
