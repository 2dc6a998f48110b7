"""`--data-dir` and `--definitions`: state machines kept across restarts and shared by processes."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

import fastsfn
from fastsfn import runtime, store
from fastsfn.cli import main
from fastsfn.server import ServerThread

from .conftest import PASS, ROLE

ROOT = Path(__file__).resolve().parents[2]
SM = "arn:aws:states:us-east-1:123456789012:stateMachine:"
RESULT_7 = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 7,
                                                        "End": True}}})
LOGGING = {"level": "ERROR", "includeExecutionData": True, "destinations": [
    {"cloudWatchLogsLogGroup": {"logGroupArn":
                                "arn:aws:logs:us-east-1:123456789012:log-group:sfn:*"}}]}


def boto(url: str):
    return boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(inject_host_prefix=False,
                                      retries={"total_max_attempts": 1}))


@contextmanager
def served(data_dir: Path):
    """A boto3 client on a fresh server over a fresh fastsfn client using `data_dir`."""
    client = fastsfn.client(data_dir=data_dir, sleep_scale=0.0)
    server = ServerThread(client).start()
    try:
        yield boto(server.url)
    finally:
        server.stop()
        client.close()


def described(sfn, arn: str) -> dict:
    out = sfn.describe_state_machine(stateMachineArn=arn)
    out.pop("ResponseMetadata")
    return out


def test_restart_finds_every_machine(tmp_path):
    tags = [{"key": "team", "value": "iot"}]
    with served(tmp_path) as sfn:
        express = sfn.create_state_machine(
            name="kept-express", definition=PASS, roleArn=ROLE, type="EXPRESS",
            loggingConfiguration=LOGGING, tracingConfiguration={"enabled": True},
            tags=tags)["stateMachineArn"]
        standard = sfn.create_state_machine(name="kept-standard", definition=PASS,
                                            roleArn=ROLE)["stateMachineArn"]
        updated = sfn.create_state_machine(name="kept-updated", definition=PASS,
                                           roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
        sfn.update_state_machine(stateMachineArn=updated, definition=RESULT_7)
        gone = sfn.create_state_machine(name="kept-deleted", definition=PASS,
                                        roleArn=ROLE)["stateMachineArn"]
        sfn.delete_state_machine(stateMachineArn=gone)
        before = {arn: described(sfn, arn) for arn in (express, standard, updated)}

    with served(tmp_path) as sfn:
        listed = sfn.list_state_machines()["stateMachines"]
        assert sorted(m["name"] for m in listed) == [
            "kept-express", "kept-standard", "kept-updated"]
        for arn, description in before.items():
            assert described(sfn, arn) == description
        got = before[express]
        assert (got["type"], got["definition"], got["roleArn"]) == ("EXPRESS", PASS, ROLE)
        assert got["loggingConfiguration"] == LOGGING
        assert got["tracingConfiguration"] == {"enabled": True}
        assert "revisionId" in before[updated]
        assert sfn.list_tags_for_resource(resourceArn=express)["tags"] == tags
        assert sfn.list_tags_for_resource(resourceArn=standard)["tags"] == []
        result = sfn.start_sync_execution(stateMachineArn=updated, input="{}")
        assert (result["status"], result["output"]) == ("SUCCEEDED", "7")
        with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
            sfn.describe_state_machine(stateMachineArn=gone)


def test_two_servers_over_one_data_dir_see_each_others_writes(tmp_path, monkeypatch):
    # AWS lets executions use the old definition for a few seconds after an update; with no
    # such window here, the test needs no waiting.
    monkeypatch.setattr(runtime, "REFRESH_SECONDS", 0.0)
    with served(tmp_path) as a, served(tmp_path) as b:
        arn = a.create_state_machine(name="shared", definition=PASS, roleArn=ROLE,
                                     type="EXPRESS")["stateMachineArn"]
        assert described(b, arn) == described(a, arn)
        assert b.start_sync_execution(stateMachineArn=arn, input='{"n":1}')["output"] == \
            '{"n":1}'

        b.tag_resource(resourceArn=arn, tags=[{"key": "from", "value": "b"}])
        assert a.list_tags_for_resource(resourceArn=arn)["tags"] == [
            {"key": "from", "value": "b"}]

        a.update_state_machine(stateMachineArn=arn, definition=RESULT_7)
        assert b.start_sync_execution(stateMachineArn=arn)["output"] == "7"
        assert described(b, arn)["definition"] == RESULT_7

        b.delete_state_machine(stateMachineArn=arn)
        with pytest.raises(a.exceptions.StateMachineDoesNotExist):
            a.start_sync_execution(stateMachineArn=arn)
        assert a.list_state_machines()["stateMachines"] == []


def test_a_known_machine_runs_without_touching_sqlite(tmp_path, monkeypatch):
    monkeypatch.setattr(runtime, "REFRESH_SECONDS", 3600.0)
    with fastsfn.client(data_dir=tmp_path) as sfn:
        arn = sfn.create_state_machine(name="hot", definition=PASS, roleArn=ROLE,
                                       type="EXPRESS")["stateMachineArn"]
        statements: list[str] = []
        sfn.runtime.store._db.set_trace_callback(statements.append)
        for n in range(3):
            assert sfn.start_sync_execution(stateMachineArn=arn, input=str(n))["output"] == str(n)
        assert statements == []


WRITER = """
import sys, fastsfn
prefix, data_dir, definition = sys.argv[1:4]
with fastsfn.client(data_dir=data_dir) as sfn:
    for i in range(25):
        arn = sfn.create_state_machine(
            name=f"{prefix}-{i}", definition=definition,
            roleArn="arn:aws:iam::123456789012:role/r", type="EXPRESS")["stateMachineArn"]
        sfn.tag_resource(resourceArn=arn, tags=[{"key": "by", "value": prefix}])
"""


def test_processes_writing_at_once_all_succeed(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, prefix, str(tmp_path), PASS],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
             for prefix in ("p", "q")]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    with fastsfn.client(data_dir=tmp_path) as sfn:
        machines = sfn.list_state_machines()["stateMachines"]
        assert len(machines) == 50
        assert sfn.list_tags_for_resource(resourceArn=SM + "q-24")["tags"] == [
            {"key": "by", "value": "q"}]


@contextmanager
def fastsfn_serve(*args: str):
    """`fastsfn serve --port 0 ARGS...` as a subprocess: a boto3 client on it."""
    proc = subprocess.Popen([sys.executable, "-m", "fastsfn.cli", "serve", "--port", "0", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("fastsfn: serving on http://"), line + proc.stderr.read()
        yield boto(line.split()[3])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_serve_definitions_and_data_dir_across_restarts(tmp_path):
    definitions, data = tmp_path / "definitions", tmp_path / "data"
    definitions.mkdir()
    iot = (ROOT / "examples" / "iot_ingest.asl.json").read_text()
    (definitions / "iot_ingest.asl.json").write_text(iot)
    (definitions / "passthrough.asl.json").write_text(PASS)
    (definitions / "notes.json").write_text("not a definition: ignored")

    with fastsfn_serve("--data-dir", str(data), "--definitions", str(definitions)) as sfn:
        machines = sfn.list_state_machines()["stateMachines"]
        assert sorted(m["name"] for m in machines) == ["iot_ingest", "passthrough"]
        assert {m["type"] for m in machines} == {"EXPRESS"}
        first = described(sfn, SM + "passthrough")
        assert first["roleArn"] == "arn:aws:iam::123456789012:role/fastsfn"
        assert described(sfn, SM + "iot_ingest")["definition"] == iot
        sfn.create_state_machine(name="by-api", definition=PASS, roleArn=ROLE, type="EXPRESS")

    (definitions / "passthrough.asl.json").write_text(RESULT_7)
    with fastsfn_serve("--data-dir", str(data), "--definitions", str(definitions)) as sfn:
        assert sorted(m["name"] for m in sfn.list_state_machines()["stateMachines"]) == [
            "by-api", "iot_ingest", "passthrough"]
        now = described(sfn, SM + "passthrough")
        assert now["definition"] == RESULT_7
        assert now["creationDate"] == first["creationDate"]
        assert sfn.start_sync_execution(stateMachineArn=SM + "passthrough")["output"] == "7"


def test_an_invalid_definition_file_stops_startup(tmp_path, capsys):
    (tmp_path / "good.asl.json").write_text(PASS)
    bad = tmp_path / "broken.asl.json"
    bad.write_text(json.dumps({"StartAt": "Missing", "States": {
        "P": {"Type": "Pass", "End": True}}}))
    (tmp_path / "not json.asl.json").write_text("{")

    assert main(["serve", "--port", "0", "--definitions", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: InvalidDefinition: Invalid State Machine Definition:" in err
    assert f"{tmp_path / 'not json.asl.json'}: Invalid" in err  # InvalidName or InvalidDefinition
    assert "good.asl.json" not in err and "Traceback" not in err


def test_definitions_must_be_a_directory(tmp_path, capsys):
    assert main(["serve", "--definitions", str(tmp_path / "missing")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_in_memory_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with fastsfn.client() as sfn:
        sfn.create_state_machine(name="mem", definition=PASS, roleArn=ROLE)
        assert sfn.runtime.store is None
    assert list(tmp_path.iterdir()) == []


class LockedAtFirst:
    """A connection on which the first `locked` statements find the file locked, as when
    server workers open a new data directory at once and switch it to WAL together (SQLite
    then answers 'database is locked' without waiting)."""

    def __init__(self, locked: int, message: str = "database is locked") -> None:
        self.locked = locked
        self.message = message
        self.executed: list[str] = []

    def execute(self, statement: str) -> None:
        if self.locked:
            self.locked -= 1
            raise sqlite3.OperationalError(self.message)
        self.executed.append(statement.split()[0])


def test_opening_a_store_others_are_opening_tries_again():
    db = LockedAtFirst(locked=3)
    store._set_up(db)
    assert db.executed == ["PRAGMA", "PRAGMA", "CREATE"]


def test_other_database_errors_are_not_retried():
    db = LockedAtFirst(locked=1, message="disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        store._set_up(db)
    assert db.executed == []
