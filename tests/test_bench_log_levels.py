"""`python3 -m bench.log_levels` runs every level and form and ships what it logs."""
from __future__ import annotations

import json

from bench import log_levels


def test_every_level_and_form_is_measured_and_shipped(capsys):
    status = log_levels.main(["--duration", "0.05", "--rounds", "1", "--json"])
    report = json.loads(capsys.readouterr().out)
    # The exit status asserts the floors (a 50 ms row on a busy machine may miss them).
    assert status == (1 if log_levels.below_floor(report["rows"]) else 0)
    rows = {(r["level"], r["form"]): r for r in report["rows"]}
    assert set(rows) == {(level, form) for level in log_levels.ORDER
                         for form in ("text", "values")}
    assert all(r["rate"] > 0 for r in rows.values())
    assert rows[("OFF", "text")]["x_off"] == 1.0
    # Only the ALL rows log anything for these successful executions; all of it shipped.
    assert report["shipper"]["shipped"] > 0
    assert rows[("ALL+data", "text")]["log_bytes_per_s"] > rows[("ALL", "text")][
        "log_bytes_per_s"] / 10 > 0
    assert rows[("OFF", "text")]["log_bytes_per_s"] == 0
    assert rows[(log_levels.NOT_WRITTEN, "text")]["log_bytes_per_s"] == 0
    assert report["shipper"]["dropped"] == 0


def test_the_floors_are_asserted_and_all_with_data_on_values_only_printed():
    rows = [{"level": "ERROR", "form": "text", "x_off": 0.94},
            {"level": "ERROR", "form": "values", "x_off": 0.99},
            {"level": "ALL+data", "form": "text", "x_off": 0.49},
            {"level": "ALL+data", "form": "values", "x_off": 0.3},
            {"level": "ALL", "form": "text", "x_off": 0.1}]
    assert log_levels.below_floor(rows) == ["ERROR text 0.94x OFF", "ALL+data text 0.49x OFF"]
    rows[0]["x_off"], rows[2]["x_off"] = 0.95, 0.5   # at the floors: held
    assert log_levels.below_floor(rows) == []
