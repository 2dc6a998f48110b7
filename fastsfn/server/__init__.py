"""The HTTP endpoint: AWS Step Functions' JSON 1.0 protocol over the in-process client.

Stage: shell. `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>` calls the client
method of the same name (`CreateStateMachine` -> `create_state_machine(**body)`), so boto3 and
the AWS CLI work against `--endpoint-url`. Nothing about the API is written here twice: the
operations and member types come from botocore's service model, the behaviour from the client.
"""
from __future__ import annotations

from fastsfn.server.app import create_app
from fastsfn.server.run import ServerThread, run_server, serve

__all__ = ["ServerThread", "create_app", "run_server", "serve"]
