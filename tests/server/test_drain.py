"""SIGTERM: `fastsfn serve` stops listening, answers every request in flight, exits 0."""
from __future__ import annotations

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from .conftest import ROLE, Raw
from .serve_process import Serve

SLOW = json.dumps({"StartAt": "S", "States": {"S": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow",
    "End": True}}})
IN_FLIGHT = 4


def _refuses_connections(url: str) -> bool:
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=5).close()
    except (ConnectionRefusedError, ConnectionResetError):  # reset: closed mid-handshake
        return True
    return False


def _wait_for_lines(path, count):
    for _ in range(1000):
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{count} executions did not start")


def test_sigterm_drains_in_flight_sync_executions(tmp_path):
    mark = tmp_path / "entered"
    server = Serve("--handlers", "tests.server.serve_handlers:handlers", "--grace-period", "10")
    try:
        raw = Raw(server.url)
        status, _, body = raw.call("CreateStateMachine", {
            "name": "slow", "definition": SLOW, "roleArn": ROLE, "type": "EXPRESS"})
        assert status == 200, body
        arn = body["stateMachineArn"]

        def start(n):
            event = {"n": n, "seconds": 1.5, "mark": str(mark)}
            return raw.call("StartSyncExecution",
                            {"stateMachineArn": arn, "input": json.dumps(event)})

        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            requests = [pool.submit(start, n) for n in range(IN_FLIGHT)]
            _wait_for_lines(mark, IN_FLIGHT)
            server.proc.terminate()
            refused = False
            while not refused and not all(r.done() for r in requests):
                refused = _refuses_connections(server.url)
            assert refused, "the server accepted connections after SIGTERM"
            responses = [r.result() for r in requests]
        assert server.proc.wait(10) == 0
    finally:
        server.stop()

    for n, (status, _, body) in enumerate(responses):
        assert status == 200
        assert body["status"] == "SUCCEEDED"
        assert json.loads(body["output"]) == {"n": n, "done": True}
