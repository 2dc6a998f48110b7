"""`python3 -m bench.http`: it reports figures, and counts only correct responses."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson

from bench import http

ROOT = Path(__file__).resolve().parents[1]


def test_reports_both_servers_and_the_ratio():
    out = subprocess.run([sys.executable, "-m", "bench.http", "--duration", "0.5",
                          "--connections", "4", "--workers", "1", "--rounds", "1", "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    rows = json.loads(out.stdout)
    assert [(r["target"], r["workers"]) for r in rows] == [
        ("bare", 1), ("bare-lowlevel", 1), ("fastsfn", 1)]
    for row in rows:
        assert row["ok"] > 0 and row["bad"] == 0 and row["requests_per_second"] > 0
    ours = rows[2]
    assert ours["x_bare"] == ours["requests_per_second"] / rows[0]["requests_per_second"]
    assert ours["x_lowlevel"] == ours["requests_per_second"] / rows[1]["requests_per_second"]
    # The exit status asserts the floor (a half-second row on a busy machine may miss it).
    assert out.returncode == (1 if http.below_floor(rows) else 0), out.stderr


def test_the_floor_is_on_x_bare_with_every_worker_count():
    rows = [{"target": "fastsfn", "workers": 1, "x_bare": 0.71, "x_lowlevel": 0.6},
            {"target": "fastsfn", "workers": 2, "x_bare": 0.69, "x_lowlevel": 0.9}]
    assert http.below_floor(rows) == ["2 worker(s): 0.69x bare"]


def test_a_wrong_body_is_not_counted():
    # The echo server's answers are not StartSyncExecution results.
    row = http.measure("bare", 1, 0.5, 2, check="fastsfn")
    assert row["ok"] == 0 and row["bad"] > 0


def test_body_checks():
    def compact(value):
        return json.dumps(value, separators=(",", ":"))

    result = {"status": "SUCCEEDED", "output": compact(http.EXPECTED_OUTPUT)}
    assert http.fastsfn_body_ok(orjson.dumps(result))
    assert not http.fastsfn_body_ok(orjson.dumps({**result, "status": "FAILED"}))
    wrong = {**http.EXPECTED_OUTPUT, "enrichment": {"level": "normal", "site": "plant-a"}}
    assert not http.fastsfn_body_ok(orjson.dumps({**result, "output": compact(wrong)}))
    assert not http.fastsfn_body_ok(b"not json")
    assert http.bare_body_ok(orjson.dumps(http.REQUEST))
    assert not http.bare_body_ok(orjson.dumps({**http.REQUEST, "input": "{}"}))
