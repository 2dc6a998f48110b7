"""The AWS CLI against a real server (`--endpoint-url`), checking the JSON it prints."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import FAIL, PASS, ROLE

# The AWS CLI installed by the test extra sits beside this interpreter (the venv's bin/).
AWS = shutil.which("aws", path=os.path.dirname(sys.executable)) or shutil.which("aws")

pytestmark = pytest.mark.skipif(AWS is None, reason="the AWS CLI is not installed")


@pytest.fixture(scope="module")
def aws(server):
    """Run `aws stepfunctions ARGS...` against the server: (exit status, stdout, stderr)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
               AWS_DEFAULT_REGION="us-east-1", AWS_DISABLE_HOST_PREFIX_INJECTION="true",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)

    def run(*args: str) -> tuple[int, str, str]:
        out = subprocess.run([AWS, "--endpoint-url", server.url, "--output", "json",
                              "stepfunctions", *args],
                             check=False, env=env, capture_output=True, text=True, timeout=30)
        return out.returncode, out.stdout, out.stderr

    return run


def test_create_then_start_sync_execution(aws):
    rc, out, err = aws("create-state-machine", "--name", "cli", "--definition", PASS,
                       "--role-arn", ROLE, "--type", "EXPRESS")
    assert rc == 0, err
    created = json.loads(out)
    arn = created["stateMachineArn"]
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:cli"
    assert set(created) == {"stateMachineArn", "creationDate"}

    rc, out, err = aws("start-sync-execution", "--state-machine-arn", arn, "--input", '{"a":1}')
    assert rc == 0, err
    result = json.loads(out)
    assert result["status"] == "SUCCEEDED" and result["output"] == '{"a":1}'
    assert result["stateMachineArn"] == arn
    assert result["executionArn"].startswith(
        "arn:aws:states:us-east-1:123456789012:express:cli:")
    assert result["billingDetails"] == {"billedMemoryUsedInMB": 64,
                                        "billedDurationInMilliseconds": 100}


def test_failed_execution_is_printed_not_an_error(aws):
    rc, out, err = aws("create-state-machine", "--name", "cli-fail", "--definition", FAIL,
                       "--role-arn", ROLE, "--type", "EXPRESS")
    assert rc == 0, err
    arn = json.loads(out)["stateMachineArn"]
    rc, out, err = aws("start-sync-execution", "--state-machine-arn", arn)
    assert rc == 0, err
    result = json.loads(out)
    assert (result["status"], result["error"], result["cause"]) == ("FAILED", "Boom", "it broke")
    assert "output" not in result


def test_missing_state_machine_is_an_error(aws):
    rc, _, err = aws("describe-state-machine", "--state-machine-arn",
                       "arn:aws:states:us-east-1:123456789012:stateMachine:cli-missing")
    assert rc != 0 and "StateMachineDoesNotExist" in err


def test_validate_state_machine_definition(aws):
    rc, out, err = aws("validate-state-machine-definition", "--definition", PASS)
    assert rc == 0, err
    result = json.loads(out)
    assert result["result"] == "OK" and result["diagnostics"] == []

    rc, out, err = aws("validate-state-machine-definition", "--definition",
                       json.dumps({"StartAt": "Missing", "States": {
                           "P": {"Type": "Pass", "End": True}}}))
    assert rc == 0, err  # an invalid definition is a result, not an error
    result = json.loads(out)
    assert result["result"] == "FAIL" and result["diagnostics"]
    assert {d["severity"] for d in result["diagnostics"]} == {"ERROR"}
