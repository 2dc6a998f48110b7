"""A moto server speaking the CloudWatch Logs API, and helpers to read back what it holds."""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

DEADLINE = 30.0  # seconds a helper waits before failing (a hang guard, not a timing check)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """`python -m moto.server` on a fixed loopback port; stopping it loses all its state."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (connections are then refused)."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=DEADLINE)
            self._process = None

    def logs_client(self):
        """A boto3 CloudWatch Logs client for this server."""
        import boto3

        return boto3.client("logs", endpoint_url=self.url, region_name="us-east-1")


def read_stream(client, log_group_name: str, log_stream_name: str) -> list[tuple[int, str]]:
    """Every event of a log stream, oldest first, as (timestamp, message); [] if it is missing."""
    events: list[tuple[int, str]] = []
    kwargs = {"logGroupName": log_group_name, "logStreamName": log_stream_name,
              "startFromHead": True}
    token = None
    while True:
        try:
            page = client.get_log_events(**kwargs)
        except client.exceptions.ResourceNotFoundException:
            return events
        events.extend((e["timestamp"], e["message"]) for e in page["events"])
        if page["nextForwardToken"] == token:
            return events
        token = kwargs["nextToken"] = page["nextForwardToken"]


def wait_until(condition, what: str) -> None:
    """Poll `condition` until it holds; fail after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch):
    """Dummy credentials and region, and no user AWS config, for botocore and boto3."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


def _require_moto() -> None:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        pytest.skip("moto[server] is not installed (pip install 'moto[server]')")


@pytest.fixture(scope="session")
def moto_server():
    """A moto server shared by the whole session (use unique log group names per test)."""
    _require_moto()
    server = MotoServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_moto_server():
    """A moto server for one test, not started: the test starts, stops and restarts it."""
    _require_moto()
    server = MotoServer(free_port())
    yield server
    server.stop()
