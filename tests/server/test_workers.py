"""`fastsfn serve --workers N`: N processes on one port, one ready line, signals forwarded."""
from __future__ import annotations

import json
import os
import signal

from .conftest import Raw
from .serve_process import Serve

PID = json.dumps({"StartAt": "P", "States": {"P": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:pid",
    "End": True}}})
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:pid"


def _pids(url, calls):
    """The worker pid that ran each execution (a new connection per call)."""
    raw = Raw(url)
    pids = set()
    for _ in range(calls):
        status, _, body = raw.call("StartSyncExecution", {"stateMachineArn": ARN})
        assert status == 200 and body["status"] == "SUCCEEDED", body
        pids.add(json.loads(body["output"])["pid"])
    return pids


def _serve_two(tmp_path):
    (tmp_path / "pid.asl.json").write_text(PID)
    return Serve("--workers", "2", "--definitions", str(tmp_path),
                 "--handlers", "tests.server.serve_handlers:handlers")


def test_two_workers_share_the_port_and_stop_on_sigterm(tmp_path):
    server = _serve_two(tmp_path)
    try:
        assert server.ready.rstrip().endswith("with 2 workers")
        pids = _pids(server.url, 40)
        assert len(pids) == 2 and server.proc.pid not in pids
        assert server.stop(signal.SIGTERM) == 0
    finally:
        server.stop()
    assert "fastsfn: serving on" not in server.out  # one ready line only
    for pid in pids:  # every worker is gone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"worker {pid} still runs")


def test_sigint_stops_the_workers_too(tmp_path):
    server = _serve_two(tmp_path)
    try:
        assert len(_pids(server.url, 1)) == 1
    finally:
        assert server.stop(signal.SIGINT) == 0


def test_a_worker_that_dies_fails_the_server(tmp_path):
    server = _serve_two(tmp_path)
    try:
        victim = next(iter(_pids(server.url, 1)))
        os.kill(victim, signal.SIGKILL)
        server.proc.wait(15)
    finally:
        status = server.stop()
    assert status == 1
    assert "exited with status -9" in server.err
