"""Every workload in bench/workloads/: equality checks, then pytest-benchmark groups.

Groups: `<workload>-values` (fastsfn's fast path vs the hand-written function on values) and
`<workload>-text` (start_sync_execution vs the hand-written function with orjson text in/out).
The ratio of each row to `hand-written` in its group is the figure that matters; this machine
is shared and noisy, absolute numbers are not. `python3 -m pytest bench -q --benchmark-disable`
runs only the checks (fastsfn, moto, aws-local-stepfunctions against the hand-written result).
"""
from __future__ import annotations

import json

import pytest

from bench.peers import moto_peer

moto_peer.prepare(install=False)  # prefer bench/.moto (see moto_peer) before moto is imported

import fastsfn  # noqa: E402
from bench.peers import local_sfn  # noqa: E402
from bench.workloads import WORKLOADS  # noqa: E402

NAMES = list(WORKLOADS)
ROLE = "arn:aws:iam::123456789012:role/bench"

#: Where a peer is known to differ from AWS (and fastsfn); the test fails if it starts to agree.
MOTO_DIFFERS = {
    "parallel-3": "moto's parser returns [\"alert\"] for the ResultSelector path $[1].level "
                  "(a definite path: AWS returns \"alert\")",
}


@pytest.fixture(scope="module")
def machines():
    return {name: fastsfn.compile_machine(w.definition, w.handlers, sleep_scale=w.sleep_scale)
            for name, w in WORKLOADS.items()}


@pytest.fixture(scope="module")
def clients():
    made = {}
    for name, w in WORKLOADS.items():
        client = fastsfn.client(handlers=w.handlers, sleep_scale=w.sleep_scale)
        arn = client.create_state_machine(name=name, definition=w.definition, roleArn=ROLE,
                                          type="EXPRESS")["stateMachineArn"]
        made[name] = (client, arn)
    yield made
    for client, _ in made.values():
        client.close()


# -- equality checks (also correctness tests) ----------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_hand_written_forms_agree(name):
    w = WORKLOADS[name]
    assert json.loads(w.by_hand_text(w.input_text)) == w.expected


@pytest.mark.parametrize("name", NAMES)
def test_fast_path_agrees(name, machines):
    w = WORKLOADS[name]
    assert machines[name](w.input) == w.expected


@pytest.mark.parametrize("name", NAMES)
def test_start_sync_execution_agrees(name, clients):
    w = WORKLOADS[name]
    client, arn = clients[name]
    response = client.start_sync_execution(stateMachineArn=arn, input=w.input_text)
    assert response["status"] == "SUCCEEDED", response
    assert json.loads(response["output"]) == w.expected


@pytest.mark.parametrize("name", NAMES)
def test_moto_agrees(name):
    reason = moto_peer.available()
    if reason and "one execution" not in reason:   # one execution per session is all we need
        pytest.skip(reason)
    if name in MOTO_DIFFERS:
        pytest.xfail(MOTO_DIFFERS[name])
    w = WORKLOADS[name]
    session = moto_peer.MotoSession(name, w.definition, w.handlers)
    try:
        assert json.loads(session.run(w.input_text)) == w.expected
    finally:
        session.close()


@pytest.fixture(scope="module")
def local_sfn_results():
    reason = local_sfn.available(install=False)
    if reason:
        pytest.skip(reason)
    return local_sfn.run(WORKLOADS.values())


@pytest.mark.parametrize("name", NAMES)
def test_aws_local_stepfunctions_agrees(name, local_sfn_results):
    line = local_sfn_results[name]
    assert "error" not in line, line["error"]
    assert json.loads(line["output_text"]) == WORKLOADS[name].expected


# -- benchmarks ----------------------------------------------------------------------------

def _group(name: str, form: str):
    return pytest.mark.benchmark(group=f"{name}-{form}")


@pytest.mark.parametrize("name", [pytest.param(n, marks=_group(n, "values")) for n in NAMES])
def test_values_hand_written(benchmark, name):
    w = WORKLOADS[name]
    benchmark(w.by_hand, w.input)


@pytest.mark.parametrize("name", [pytest.param(n, marks=_group(n, "values")) for n in NAMES])
def test_values_fastsfn_fast_path(benchmark, name, machines):
    benchmark(machines[name], WORKLOADS[name].input)


@pytest.mark.parametrize("name", [pytest.param(n, marks=_group(n, "text")) for n in NAMES])
def test_text_hand_written(benchmark, name):
    w = WORKLOADS[name]
    benchmark(w.by_hand_text, w.input_text)


@pytest.mark.parametrize("name", [pytest.param(n, marks=_group(n, "text")) for n in NAMES])
def test_text_fastsfn_start_sync_execution(benchmark, name, clients):
    client, arn = clients[name]
    benchmark(client.start_sync_execution, stateMachineArn=arn, input=WORKLOADS[name].input_text)
