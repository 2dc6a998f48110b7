"""`python3 -m bench.scaling` measures 1 and N processes on both paths."""
from __future__ import annotations

import json

from bench import scaling
from bench.workloads import WORKLOADS


def test_both_paths_are_measured_in_one_and_two_processes(capsys):
    status = scaling.main(["--workload", "iot", "--duration", "0.2", "--rounds", "1",
                           "--json"])
    report = json.loads(capsys.readouterr().out)
    rows = {r["path"]: r for r in report["rows"]}
    assert set(rows) == {"embedder", "runtime"}
    for row in rows.values():
        assert row["one"] > 0 and row["many"] > 0
        assert row["ratio"] == row["many"] / row["one"]
    # The exit status asserts the floor (a short run on a busy machine may be below it).
    assert status == (1 if min(r["ratio"] for r in rows.values()) < scaling.FLOOR_2 else 0)


def test_every_workload_with_handlers_has_a_spec_the_bench_command_loads():
    from fastsfn.resources import handlers_from_spec
    for name, w in WORKLOADS.items():
        spec = scaling.handlers_spec(name)
        assert (spec is None) == (not w.handlers)
        if spec is not None:
            assert handlers_from_spec(spec) == w.handlers
