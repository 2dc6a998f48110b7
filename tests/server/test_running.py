"""Starting and stopping: `run_server` under SIGTERM, draining StartExecution; the access
log."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys

import boto3

import fastsfn
from fastsfn.server import ServerThread, serve

from .conftest import ROLE, Raw

SLEEPY = json.dumps({"StartAt": "S", "States": {"S": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:sleepy",
    "End": True}}})


def test_stop_waits_for_background_executions():
    finished = []

    async def sleepy(event, context):
        await asyncio.sleep(0.2)
        finished.append(event)
        return event

    client = fastsfn.client(handlers={"sleepy": sleepy})
    server = ServerThread(client).start()
    try:
        sfn = boto3.client("stepfunctions", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id="x", aws_secret_access_key="x")
        arn = sfn.create_state_machine(name="bg", definition=SLEEPY, roleArn=ROLE,
                                       type="EXPRESS")["stateMachineArn"]
        sfn.start_execution(stateMachineArn=arn, input='{"n": 1}')
        assert finished == []
    finally:
        server.stop()
        client.close()
    assert finished == [{"n": 1}]


def test_run_server_serves_until_sigterm():
    code = ("import fastsfn; from fastsfn.server import run_server; "
            "run_server('127.0.0.1', 0, fastsfn.client())")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    try:
        line = proc.stdout.readline()
        assert line.startswith("fastsfn: serving on http://127.0.0.1:"), line
        raw = Raw(line.split()[-1])
        status, _, body = raw.call("ListStateMachines", {})
        assert status == 200 and body == {"stateMachines": []}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()



def test_access_log_only_when_asked(caplog):
    async def one_request(access_log: bool) -> None:
        client, stop = fastsfn.client(), asyncio.Event()
        ready = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(serve(client, stop=stop, access_log=access_log,
                                         ready=ready.set_result))
        try:
            port = await ready
            status, _, _ = await asyncio.to_thread(
                Raw(f"http://127.0.0.1:{port}").call, "ListStateMachines", {})
            assert status == 200
        finally:
            stop.set()
            await task
            client.close()

    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        asyncio.run(one_request(access_log=False))
        assert not [r for r in caplog.records if r.name == "aiohttp.access"]
        asyncio.run(one_request(access_log=True))
    logged = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(logged) == 1 and '"POST / HTTP/1.1" 200' in logged[0], logged
