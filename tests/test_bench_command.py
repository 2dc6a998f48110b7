"""`fastsfn bench`: the measurements it reports and the AWS cost arithmetic."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fastsfn import bench

ROOT = Path(__file__).resolve().parents[1]


class TestCost:
    def test_express_cost_first_tier(self):
        # 1M executions x 100 ms x 64 MB = 6,250 GB-s at $0.00001667, plus $1.00 of requests.
        assert bench.express_cost(1_000_000, 100 * 1_000_000, 64, bench.Prices()) == \
            pytest.approx(1.0 + 6_250 * 0.00001667)

    def test_express_cost_crosses_tiers(self):
        # The reference's example: 100M executions x 10 s x 64 MB = 62.5M GB-s.
        cost = bench.express_cost(100_000_000, 10_000 * 100_000_000, 64, bench.Prices())
        expected = (100.0 + 1_000 * 3600 * 0.00001667 + 4_000 * 3600 * 0.00000833
                    + (62_500_000 - 5_000 * 3600) * 0.00000456)
        assert cost == pytest.approx(expected)

    def test_standard_cost_after_free_tier(self):
        assert bench.standard_cost(4_000, bench.Prices()) == 0
        assert bench.standard_cost(1_004_000, bench.Prices()) == pytest.approx(25.0)

    def test_billed_memory_rounds_to_64_mb_chunks(self):
        assert bench.billed_memory_mb("{}", 100, 0) == 64
        # 50 KB definition, 400 map steps of 32 KB -> 62.5 MB -> 64 MB (the reference's example)
        assert bench.billed_memory_mb("x" * 50 * 1024, 32 * 1024, 400) == 64
        assert bench.billed_memory_mb("{}", 1024 * 1024, 20) == 128


def test_percentile_nearest_rank():
    values = list(range(1, 101))
    assert bench.percentile(values, 50) == 50 and bench.percentile(values, 99) == 99
    assert bench.percentile([], 50) == 0.0


def test_run_bench_counts_errors_and_states():
    definition = json.dumps({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True,
                                              "Next": "Yes"}], "Default": "No"},
        "Yes": {"Type": "Succeed"}, "No": {"Type": "Fail", "Error": "NotOk"}}})
    report = bench.run_bench(definition, [{"ok": True}, {"ok": False}], duration=0.3)
    assert report.executions > 100
    assert report.errors["NotOk"] == report.executions // 2
    assert set(report.state_seconds) <= {"C", "Yes", "No"} and "C" in report.state_seconds
    summary = bench.summarize(report, definition, 20, 0)
    assert summary["executions_per_second"] > 0
    assert summary["aws_cost_per_million_executions"]["standard_transitions_per_execution"] == 2.0


def test_bench_command_json():
    result = subprocess.run(
        [sys.executable, "-m", "fastsfn.cli", "bench", "examples/iot_ingest.asl.json",
         "--input-file", "examples/iot_reading.json", "--handlers",
         "examples.iot_handlers:handlers", "--duration", "0.3", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["errors"] == {} and summary["executions"] > 0
    assert set(summary["time_per_state"]) == {"Normalize", "Route", "Enrich", "Done"}
    assert summary["latency_us"]["p50"] <= summary["latency_us"]["p99"]
