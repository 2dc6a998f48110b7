"""`python3 -m bench.log_levels` runs every level and form and ships what it logs."""
from __future__ import annotations

import json

from bench import log_levels


def test_every_level_and_form_is_measured_and_shipped(capsys):
    assert log_levels.main(["--duration", "0.05", "--rounds", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {(r["level"], r["form"]): r for r in report["rows"]}
    assert set(rows) == {(level, form) for level in log_levels.LEVELS
                         for form in ("text", "values")}
    assert all(r["rate"] > 0 for r in rows.values())
    assert rows[("OFF", "text")]["x_off"] == 1.0
    # Only the ALL rows log anything for these successful executions; all of it shipped.
    assert report["shipper"]["shipped"] > 0
    assert report["shipper"]["dropped"] == 0
