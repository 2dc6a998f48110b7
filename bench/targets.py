"""Issue 3's throughput targets, read off the rows of one `bench.compare` run.

Ratio targets (to the hand-written function, to the peers) are floors once they hold:
`bench.compare` exits 1 below one. The absolute exec/s targets are printed only: this
machine's speed drifts 30-50% between runs, and the ratio floors are the same targets
measured against the same run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

FAST, SYNC = "fastsfn fast path", "fastsfn start_sync_execution"
#: (workload, fastsfn engine, exec/s) as issue 3 states them for this machine.
ABSOLUTE = (("iot", FAST, 150_000), ("choice-route", FAST, 150_000),
            ("iot", SYNC, 80_000), ("choice-route", SYNC, 80_000),
            ("map-10", FAST, 20_000), ("task-async", FAST, 50_000))
#: fastsfn's engine -> its least share of the hand-written function's speed (same form).
OF_HAND = ((FAST, 0.11), (SYNC, 0.15))
#: peer -> how many times faster fastsfn's sync path must be, where the workload runs there.
OVER_PEER = (("aws-local-stepfunctions", 10), ("moto", 1000))


@dataclass
class Target:
    """One target: what this run measured against its goal."""

    name: str
    measured: float | None    # None: the rows it needs did not run
    goal: float
    floor: bool               # a same-run ratio: asserted (the run fails below it)

    @property
    def met(self) -> bool | None:
        return None if self.measured is None else self.measured >= self.goal


def targets(rows: Iterable[Any]) -> list[Target]:
    """The targets measured by these rows (`bench.compare.Row`s); a floor whose rows did not
    run is left out, an absolute target is listed as not run."""
    rows = [r for r in rows if r.status == "ok" and r.rate]
    rate = {(r.workload, r.engine): r.rate for r in rows}
    ratio = {(r.workload, r.engine): r.ratio for r in rows if r.ratio}
    # a peer timed in rounds paired with fastsfn's sync path: the median of those ratios
    paired = {(r.workload, r.engine): r.sync_ratio for r in rows if r.sync_ratio}
    out = []
    for w in ("iot", "choice-route"):
        for engine, goal in OF_HAND:
            if (w, engine) in ratio:
                out.append(Target(f"{w}: {engine} x hand-written", 1 / ratio[w, engine], goal,
                                  True))
    for w in sorted({r.workload for r in rows}):
        for peer, goal in OVER_PEER:
            if (w, peer) in rate:
                ours = rate.get((w, SYNC), 0.0)   # fastsfn failed to run: below any floor
                measured = paired.get((w, peer)) if ours else None
                if measured is None:
                    measured = ours / rate[w, peer]
                out.append(Target(f"{w}: sync / {peer}", measured, goal, True))
    for w, engine, goal in ABSOLUTE:
        out.append(Target(f"{w}: {engine} exec/s", rate.get((w, engine)), goal, False))
    return out


def targets_table(found: list[Target]) -> str:
    """One line per target: measured, goal, verdict, floor or printed."""
    lines = []
    for t in found:
        got = "-" if t.measured is None else f"{t.measured:,.2f}"
        verdict = {True: "met", False: "NOT MET", None: "not run"}[t.met]
        kind = "floor" if t.floor else "printed"
        lines.append(f"{t.name:<58} {got:>12} >= {t.goal:<8,g} {verdict:<8} ({kind})")
    return "\n".join(lines)
