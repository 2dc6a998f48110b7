"""bench/compare.py: aws-local-stepfunctions timed in rounds paired with fastsfn's sync path."""
from bench import compare
from bench.compare import Row, pair_with_node
from bench.workloads import WORKLOADS


def _fake_node(rates):
    rates = iter(rates)

    def time_node(w, duration):
        rate = next(rates)
        if rate is None:
            return Row(w.name, "text", "aws-local-stepfunctions", "error", note="node crashed")
        return Row(w.name, "text", "aws-local-stepfunctions", "ok", rate=rate, note="node")

    return time_node


def test_paired_rounds_give_node_median_rate_and_median_ratio(monkeypatch):
    ours = iter([1000.0, 3000.0, 1200.0])
    monkeypatch.setattr(compare, "measure", lambda fn, arg, duration: (next(ours), 1))
    monkeypatch.setattr(compare, "time_node", _fake_node([100.0, 200.0, 400.0]))
    row = pair_with_node(WORKLOADS["iot"], str, "{}", 0.01, 3)
    assert row.status == "ok" and row.rate == 200.0
    assert row.sync_ratio == 10.0        # rounds: 10x, 15x, 3x -> median 10x
    assert "median of 3 rounds" in row.note


def test_a_failing_node_round_is_reported_not_averaged(monkeypatch):
    monkeypatch.setattr(compare, "measure", lambda fn, arg, duration: (1000.0, 1))
    monkeypatch.setattr(compare, "time_node", _fake_node([100.0, None, 100.0]))
    row = pair_with_node(WORKLOADS["iot"], str, "{}", 0.01, 3)
    assert row.status == "error" and row.sync_ratio is None
