"""Back-pressure: past `max_inflight` executions, starting one answers ThrottlingException."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config

import fastsfn
from fastsfn.server import ServerThread

from .conftest import PASS, ROLE, Raw

GATED = json.dumps({"StartAt": "G", "States": {"G": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:gated",
    "End": True}}})
LIMIT = 2


@pytest.fixture
def gated_server():
    """A server with LIMIT in-flight executions; `gated` waits for `gate`, counting entries."""
    gate = threading.Event()
    entered = threading.Semaphore(0)

    async def gated(event, context):
        entered.release()
        while not gate.is_set():
            await asyncio.sleep(0.005)
        return event

    client = fastsfn.client(handlers={"gated": gated})
    server = ServerThread(client, max_inflight=LIMIT).start()
    sfn = boto3.client("stepfunctions", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="x",
                       config=Config(inject_host_prefix=False,
                                     retries={"max_attempts": 1, "mode": "standard"}))
    gated_arn = sfn.create_state_machine(name="gated", definition=GATED, roleArn=ROLE,
                                         type="EXPRESS")["stateMachineArn"]
    pass_arn = sfn.create_state_machine(name="pass", definition=PASS, roleArn=ROLE,
                                        type="EXPRESS")["stateMachineArn"]
    try:
        yield sfn, Raw(server.url), gated_arn, pass_arn, gate, entered
    finally:
        gate.set()
        server.stop()
        client.close()


def _wait_entered(entered, count):
    for _ in range(count):
        assert entered.acquire(timeout=10), "the gated executions did not start"


def test_sync_executions_past_the_limit_are_throttled(gated_server):
    sfn, raw, gated_arn, pass_arn, gate, entered = gated_server
    with ThreadPoolExecutor(LIMIT) as pool:
        running = [pool.submit(sfn.start_sync_execution, stateMachineArn=gated_arn,
                               input=json.dumps({"n": n})) for n in range(LIMIT)]
        _wait_entered(entered, LIMIT)

        status, _, body = raw.call("StartSyncExecution", {"stateMachineArn": pass_arn})
        assert status == 400
        assert body == {"__type": "ThrottlingException", "message": "Rate exceeded"}
        with pytest.raises(sfn.exceptions.ClientError) as caught:
            sfn.start_execution(stateMachineArn=pass_arn)
        assert caught.value.response["Error"]["Code"] == "ThrottlingException"
        # Only starting executions is limited.
        assert len(sfn.list_state_machines()["stateMachines"]) == 2

        gate.set()
        outputs = sorted(json.loads(f.result()["output"])["n"] for f in running)
    assert outputs == list(range(LIMIT))
    assert sfn.start_sync_execution(stateMachineArn=pass_arn)["status"] == "SUCCEEDED"


def test_running_start_executions_count_against_the_limit(gated_server):
    sfn, raw, gated_arn, pass_arn, gate, entered = gated_server
    for n in range(LIMIT):
        sfn.start_execution(stateMachineArn=gated_arn, input=json.dumps({"n": n}))
    _wait_entered(entered, LIMIT)

    status, _, body = raw.call("StartSyncExecution", {"stateMachineArn": pass_arn})
    assert (status, body["__type"]) == (400, "ThrottlingException")

    gate.set()
    for _ in range(500):  # the background executions finish on the server's loop
        status, _, body = raw.call("StartSyncExecution", {"stateMachineArn": pass_arn})
        if status == 200:
            break
        time.sleep(0.01)
    assert (status, body["status"]) == (200, "SUCCEEDED")
