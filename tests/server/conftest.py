"""A real fastsfn server on a free loopback port, its own uvloop loop in a background thread."""
from __future__ import annotations

import asyncio
import http.client
import json
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config

import fastsfn
from fastsfn.server import ServerThread

ROLE = "arn:aws:iam::123456789012:role/test"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
FAIL = json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom",
                                                      "Cause": "it broke"}}})


def enrich(event, context):
    return {"level": "alert" if event["temperature"] > 80 else "normal"}


async def slow_enrich(event, context):
    await asyncio.sleep(0.01)
    return {"slow": True, **event}


def broken(event, context):
    raise KeyError("sensor")


HANDLERS = {"enrich": enrich, "slow": slow_enrich, "broken": broken}


@pytest.fixture(scope="package")
def server():
    client = fastsfn.client(handlers=HANDLERS, sleep_scale=0.0)
    thread = ServerThread(client).start()
    yield thread
    thread.stop()
    client.close()


@pytest.fixture(scope="package")
def sfn(server):
    return boto3.client(
        "stepfunctions", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(inject_host_prefix=False, retries={"total_max_attempts": 1}))


class Raw:
    """A plain HTTP client: (status, headers, decoded JSON body) for any request."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port

    def request(self, body: bytes | str | None = b"{}", target: str | None = None,
                method: str = "POST", headers: dict | None = None):
        if isinstance(body, str):
            body = body.encode()
        all_headers = {"Content-Type": "application/x-amz-json-1.0"}
        if target is not None:
            all_headers["X-Amz-Target"] = target
        all_headers.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, "/", body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, dict(response.headers), json.loads(data) if data else None
        finally:
            conn.close()

    def call(self, operation: str, body, **kw):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        return self.request(body, f"AWSStepFunctions.{operation}", **kw)


@pytest.fixture(scope="package")
def raw(server):
    return Raw(server.url)
