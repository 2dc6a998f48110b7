"""A log sink that is misspelt or cannot be opened is refused where the user set it, not at
the end of the first logged execution (whose events would be lost)."""
from __future__ import annotations

import json

import pytest

import fastsfn
from tests.client.test_execution_logs import PASS_ONLY, ROLE, logging_config


@pytest.mark.parametrize("spec, words", [
    ("foo", "unknown log sink 'foo'"), ("dir:", "unknown log sink 'dir:'"),
    ("stdout:x", "unknown log sink 'stdout:x'"),
    ("cloudwatch:localhost:4566", "is not an http:// or https:// URL"),
    ("cloudwatch:ftp://logs.example", "is not an http:// or https:// URL")])
def test_a_bad_spec_is_refused_by_client(spec, words):
    with pytest.raises(ValueError, match=words):
        fastsfn.client(log_sink=spec)


@pytest.mark.parametrize("spec", ["stdout", "cloudwatch", "cloudwatch:http://127.0.0.1:4566",
                                  "cloudwatch:https://logs.us-east-1.amazonaws.com"])
def test_good_specs_are_taken_without_opening_anything(spec):
    sfn = fastsfn.client(log_sink=spec)
    assert sfn.runtime.logs._shipper is None
    sfn.close()


def test_the_directory_is_made_when_a_machine_logs(tmp_path):
    sfn = fastsfn.client(log_sink=f"dir:{tmp_path / 'logs'}")
    sfn.create_state_machine(name="quiet", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                             type="EXPRESS")
    assert not (tmp_path / "logs").exists()
    sfn.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                             type="EXPRESS", loggingConfiguration=logging_config("ERROR"))
    assert (tmp_path / "logs").is_dir()
    sfn.close()


def _unopenable(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    return fastsfn.client(log_sink=f"dir:{tmp_path / 'file' / 'logs'}")


def test_create_with_logging_answers_invalid_logging_configuration(tmp_path):
    sfn = _unopenable(tmp_path)
    with pytest.raises(sfn.exceptions.InvalidLoggingConfiguration,
                       match="the log sink 'dir:.*' cannot be opened"):
        sfn.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                                 type="EXPRESS", loggingConfiguration=logging_config("ALL"))
    assert sfn.list_state_machines()["stateMachines"] == []
    # Without logging the sink is not needed: the machine is made and runs.
    arn = sfn.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                                   type="EXPRESS", loggingConfiguration=logging_config("OFF")
                                   )["stateMachineArn"]
    assert sfn.start_sync_execution(stateMachineArn=arn)["status"] == "SUCCEEDED"
    sfn.close()


def test_update_turning_logging_on_is_refused_and_changes_nothing(tmp_path):
    sfn = _unopenable(tmp_path)
    arn = sfn.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                                   type="EXPRESS")["stateMachineArn"]
    with pytest.raises(sfn.exceptions.InvalidLoggingConfiguration):
        sfn.update_state_machine(stateMachineArn=arn,
                                 loggingConfiguration=logging_config("ALL"))
    assert sfn.describe_state_machine(stateMachineArn=arn)["loggingConfiguration"]["level"] \
        == "OFF"
    sfn.close()


def test_cloudwatch_without_credentials_is_refused_at_create(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    sfn = fastsfn.client(log_sink="cloudwatch:http://127.0.0.1:9",
                         log_spool=str(tmp_path / "spool"))
    with pytest.raises(sfn.exceptions.InvalidLoggingConfiguration, match="needs AWS credentials"):
        sfn.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                                 type="EXPRESS", loggingConfiguration=logging_config("ALL"))
    sfn.close()


def test_a_stored_machine_whose_sink_cannot_open_is_taken_once_it_can(tmp_path, caplog):
    data_dir = tmp_path / "data"
    writer = fastsfn.client(data_dir=data_dir, log_sink=f"dir:{tmp_path / 'logs'}")
    arn = writer.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                                      type="EXPRESS", loggingConfiguration=logging_config("ALL")
                                      )["stateMachineArn"]
    writer.close()
    (tmp_path / "file").write_text("not a directory")
    reader = fastsfn.client(data_dir=data_dir, log_sink=f"dir:{tmp_path / 'file' / 'logs'}")
    assert arn not in reader.runtime.machines
    assert "is not taken yet: the log sink" in caplog.text
    (tmp_path / "file").unlink()   # the sink can be opened now: the next refresh takes it
    reader.runtime.refresh()
    assert arn in reader.runtime.machines
    reader.close()


def test_serve_refuses_a_bad_log_sink_before_listening():
    from tests.test_cli import fastsfn as command
    result = command("serve", "--port", "0", "--log-sink", "cloudwatch:nohost")
    assert result.returncode == 2
    assert "--log-sink: log sink 'cloudwatch:nohost'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sink_opened_for_a_shipper_that_cannot_start_is_closed(monkeypatch, tmp_path):
    from fastsfn import express_logs
    from fastsfn.logs.spool import Spool

    closed = []

    class Opened:
        def put_log_events(self, log_group_name, log_stream_name, events):
            return 0

        def close(self):
            closed.append(True)

    monkeypatch.setattr(express_logs, "open_sink", lambda spec, region_name=None: Opened())
    monkeypatch.setattr(express_logs, "SPOOL_SLOTS", 1)
    held = Spool(str(tmp_path / "0"), 1 << 20)   # another process's
    logs = express_logs.ExecutionLogs("cloudwatch", spool=str(tmp_path))
    with pytest.raises(express_logs.LogSinkUnavailable, match="spool slots .* are in use"):
        logs.open()
    assert closed == [True]
    held.close()


def test_a_bad_aws_profile_answers_invalid_logging_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    sfn = fastsfn.client(log_sink="cloudwatch", log_spool=str(tmp_path / "spool"))
    with pytest.raises(sfn.exceptions.InvalidLoggingConfiguration, match="no-such-profile"):
        sfn.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                                 type="EXPRESS", loggingConfiguration=logging_config("ALL"))
    sfn.close()

