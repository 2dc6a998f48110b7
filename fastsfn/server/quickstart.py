"""What `fastsfn serve` prints after its ready line: a boto3 snippet and an AWS CLI command
that start one of the loaded state machines, ready to copy and paste.
"""
from __future__ import annotations

import json
import shlex
from typing import Any

# The bundled IoT example (examples/iot_ingest.asl.json) gets a reading it accepts; any other
# machine is shown with an empty input.
EXAMPLE = "iot_ingest"
EXAMPLE_INPUT = {"device": {"id": "sensor-17"},
                 "reading": {"temperature": 91.5, "timestamp": "2026-11-28T10:15:00Z"},
                 "tags": ["line-3"]}


def how_to_call(url: str, client: Any) -> str:
    """The snippet and command for `iot_ingest`, else the first machine; "" when none."""
    machines = client.list_state_machines()["stateMachines"]
    if not machines:
        return ""
    machine = next((m for m in machines if m["name"] == EXAMPLE), machines[0])
    arn = machine["stateMachineArn"]
    region = arn.split(":")[3]
    text = json.dumps(EXAMPLE_INPUT if machine["name"] == EXAMPLE else {})
    return f"""
Start {machine["name"]} from Python (boto3):

    import boto3
    from botocore.config import Config

    sfn = boto3.client("stepfunctions", endpoint_url="{url}",
                       region_name="{region}", aws_access_key_id="x",
                       aws_secret_access_key="x", config=Config(inject_host_prefix=False))
    result = sfn.start_sync_execution(
        stateMachineArn="{arn}",
        input={text!r})
    print(result["status"], result.get("output"))

or with the AWS CLI (AWS_DISABLE_HOST_PREFIX_INJECTION=true keeps it off sync-<host>):

    AWS_DISABLE_HOST_PREFIX_INJECTION=true AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \\
    aws stepfunctions start-sync-execution --region {region} --endpoint-url {url} \\
        --state-machine-arn {arn} \\
        --input {shlex.quote(text)}
"""
