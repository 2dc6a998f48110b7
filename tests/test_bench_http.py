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
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["target"], r["workers"]) for r in rows] == [("bare", 1), ("fastsfn", 1)]
    for row in rows:
        assert row["ok"] > 0 and row["bad"] == 0 and row["requests_per_second"] > 0
    assert rows[1]["x_bare"] > 0


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
