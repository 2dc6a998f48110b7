"""moto's Step Functions engine (its ASL parser, ported from LocalStack), in-process.

moto runs a definition only when `execute_state_machine` is switched on in `mock_aws`'s
config; otherwise executions are static fakes. moto has no `start_sync_execution`, so one
execution here is `start_execution` followed by `describe_execution` polled until the status
is no longer RUNNING (the parser runs each execution in its own thread).

Lambda tasks: the parser calls the Lambda API through boto3, which `mock_aws` routes to
moto's Lambda backend. With `"lambda": {"use_docker": False}` that backend is
`LambdaSimpleBackend`, whose `invoke` echoes its payload. We replace that one method, for the
duration of a session, with a shim that calls the workload's Python handler (an `async`
handler's coroutine is finished in the shim) and, when the handler raises, answers as Lambda
does: the `x-amz-function-error: Unhandled` header and `{"errorType", "errorMessage"}`.
The functions themselves are registered with moto's `create_function` so the calls look like
real ones. Nothing else in moto is changed: in particular Retry intervals are really slept.

moto before 5.2.5 can run only ONE parser execution per `mock_aws` session: every later
`start_execution` fails with `TypeError: cannot pickle '_thread.RLock' object`, because it
deep-copies the state machine together with its earlier executions' live worker threads
(getmoto/moto#10077, fixed by #10093 in 5.2.5). When the importable moto is older, `prepare()`
installs moto 5.2.5 (no dependencies) into `bench/.moto/` with pip and puts it first on
`sys.path`; that must happen before anything imports moto.
"""
from __future__ import annotations

import io
import json
import time
import zipfile
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Mapping

ROLE = "arn:aws:iam::123456789012:role/bench"
CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
POLL_SECONDS = 0.001    # between describe_execution calls (lets the worker thread run)


FIXED = (5, 2, 5)
TARGET = Path(__file__).resolve().parents[1] / ".moto"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3] if p.isdigit())


def prepare(install: bool = True) -> str:
    """Put a moto without getmoto/moto#10077 on sys.path; returns a note on what is used."""
    if "moto" in sys.modules:
        return f"moto {sys.modules['moto'].__version__} (already imported)"
    if (TARGET / "moto").exists():
        sys.path.insert(0, str(TARGET))
        return "moto from bench/.moto"
    try:
        system = metadata.version("moto")
    except metadata.PackageNotFoundError:
        system = "0"
    if _version_tuple(system) >= FIXED or not install:
        return f"moto {system}"
    try:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                        str(TARGET), "moto==%d.%d.%d" % FIXED], check=True,
                       capture_output=True, text=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as e:
        return f"moto {system} (pip install of a fixed moto failed: {e})"
    sys.path.insert(0, str(TARGET))
    return "moto from bench/.moto"


def version() -> str:
    import moto

    return moto.__version__


def available() -> str | None:
    """None when moto can run here, else why not."""
    import moto

    if _version_tuple(moto.__version__) < FIXED:
        return (f"moto {moto.__version__} runs only one execution per session "
                "(getmoto/moto#10077); python3 -m bench.compare installs 5.2.5 in bench/.moto")
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
        from moto.awslambda_simple.models import LambdaSimpleBackend  # noqa: F401
    except ImportError as e:
        return f"moto not importable: {e}"
    return None


def _finish(value: Any) -> Any:
    if hasattr(value, "__await__"):
        import asyncio

        return asyncio.run(_wrap(value))
    return value


async def _wrap(aw: Any) -> Any:
    return await aw


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


class MotoSession:
    """One state machine on moto's parser; `run(text)` is one execution, output text back."""

    def __init__(self, name: str, definition: str, handlers: Mapping[str, Callable]) -> None:
        import boto3
        from moto import mock_aws
        from moto.awslambda_simple.models import LambdaSimpleBackend

        self._handlers = dict(handlers)
        self._mock = mock_aws(config=CONFIG)
        self._mock.start()
        self._original_invoke = LambdaSimpleBackend.invoke
        session = self

        def invoke(backend, function_name, qualifier, body, headers, response_headers):
            return session._invoke(function_name, body, response_headers)

        LambdaSimpleBackend.invoke = invoke
        self._backend_cls = LambdaSimpleBackend
        try:
            kw = dict(region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing")
            if self._handlers:
                iam = boto3.client("iam", **kw)
                iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")
                lam = boto3.client("lambda", **kw)
                for fn in self._handlers:
                    lam.create_function(FunctionName=fn, Runtime="python3.11", Role=ROLE,
                                        Handler="handler.handler", Code={"ZipFile": _zip()})
            self.sfn = boto3.client("stepfunctions", **kw)
            self.arn = self.sfn.create_state_machine(
                name=name, definition=definition, roleArn=ROLE,
                type="EXPRESS")["stateMachineArn"]
        except BaseException:
            self.close()
            raise
        self._n = 0

    def _invoke(self, function_name: str, body: Any, response_headers: dict) -> bytes:
        name = function_name.rsplit(":", 1)[-1]
        event = json.loads(body or "null")
        try:
            result = _finish(self._handlers[name](event, None))
        except Exception as e:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(e).__name__, "errorMessage": str(e),
                               "stackTrace": []}).encode()
        return json.dumps(result).encode()

    def execute(self, text: str) -> dict:
        """start_execution, then describe_execution until done; the final description."""
        self._n += 1
        arn = self.sfn.start_execution(stateMachineArn=self.arn, name=f"e{self._n}",
                                       input=text)["executionArn"]
        describe = self.sfn.describe_execution
        while True:
            d = describe(executionArn=arn)
            if d["status"] != "RUNNING":
                return d
            time.sleep(POLL_SECONDS)

    def run(self, text: str) -> str:
        d = self.execute(text)
        if d["status"] != "SUCCEEDED":
            raise RuntimeError(f"moto execution {d['status']}: {d.get('error')}: {d.get('cause')}")
        return d["output"]

    def close(self) -> None:
        self._backend_cls.invoke = self._original_invoke
        self._mock.stop()
