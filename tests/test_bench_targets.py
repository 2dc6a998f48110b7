"""bench/targets.py: issue 3's targets read off `bench.compare` rows."""
from types import SimpleNamespace

from bench.targets import targets, targets_table


def _row(workload, form, engine, rate, ratio=None, status="ok", sync_ratio=None):
    return SimpleNamespace(workload=workload, form=form, engine=engine, rate=rate, ratio=ratio,
                           status=status, sync_ratio=sync_ratio)


def _by_name(found):
    return {t.name: t for t in found}


def test_ratio_floors_and_printed_absolutes():
    rows = [
        _row("iot", "values", "fastsfn fast path", 200_000, ratio=4.0),        # 0.25x hand
        _row("iot", "text", "fastsfn start_sync_execution", 60_000, ratio=8.0),  # 0.125x hand
        _row("iot", "text", "aws-local-stepfunctions", 5_000),
        _row("iot", "text", "moto", 2.0),
    ]
    found = _by_name(targets(rows))
    assert found["iot: fastsfn fast path x hand-written"].met is True
    below = found["iot: fastsfn start_sync_execution x hand-written"]
    assert below.floor and below.met is False and abs(below.measured - 0.125) < 1e-9
    assert found["iot: sync / aws-local-stepfunctions"].measured == 12.0
    assert found["iot: sync / moto"].met is True
    absolute = found["iot: fastsfn start_sync_execution exec/s"]
    assert not absolute.floor and absolute.met is False       # 60k < 80k: printed, not a floor
    assert found["map-10: fastsfn fast path exec/s"].met is None   # not run
    assert "NOT MET" in targets_table(list(found.values()))


def test_floors_need_their_rows():
    rows = [_row("iot", "text", "aws-local-stepfunctions", 5_000),
            _row("iot", "text", "fastsfn start_sync_execution", 0, status="error")]
    found = _by_name(targets(rows))
    assert found["iot: sync / aws-local-stepfunctions"].met is False   # fastsfn failed
    assert not any(name.startswith("choice-route: fastsfn") and t.floor
                   for name, t in found.items())


def test_every_peer_ratio_is_a_floor():
    rows = [_row("retry-catch", "text", "aws-local-stepfunctions", 6_000),
            _row("retry-catch", "text", "fastsfn start_sync_execution", 50_000)]
    target = _by_name(targets(rows))["retry-catch: sync / aws-local-stepfunctions"]
    assert target.met is False and target.floor


def test_a_peer_timed_in_paired_rounds_is_judged_by_the_rounds_median_ratio():
    # The rows' rates (taken at different moments) say 12x; the paired rounds say 9.5x.
    rows = [_row("iot", "text", "fastsfn start_sync_execution", 60_000),
            _row("iot", "text", "aws-local-stepfunctions", 5_000, sync_ratio=9.5)]
    target = _by_name(targets(rows))["iot: sync / aws-local-stepfunctions"]
    assert target.measured == 9.5 and target.met is False and target.floor
