"""The embedders' fast path: a compiled state machine called like a function.

Stage: shell. Python values in, Python values out; no JSON text, no response dicts.
"""
from __future__ import annotations

from typing import Any, Mapping

from fastsfn.resources import Handler
from fastsfn.runtime import Outcome, Runtime


class ExecutionFailed(Exception):
    """An execution that ended FAILED or TIMED_OUT; carries AWS's error and cause."""

    def __init__(self, status: str, error: str | None, cause: str | None) -> None:
        super().__init__(f"{status}: {error}: {cause}")
        self.status = status
        self.error = error
        self.cause = cause


class Machine:
    """One compiled state machine; `machine(value)` runs an execution and returns its output."""

    def __init__(self, definition: str | dict, handlers: Mapping[str, Handler] | None = None,
                 name: str = "machine", type: str = "EXPRESS", region_name: str = "us-east-1",
                 account_id: str = "123456789012", sleep_scale: float = 1.0) -> None:
        import json

        self.runtime = Runtime(handlers, region_name, account_id, sleep_scale)
        text = definition if isinstance(definition, str) else json.dumps(definition)
        self.state_machine = self.runtime.register(
            name, text, f"arn:aws:iam::{account_id}:role/fastsfn", type)

    def run(self, value: Any, name: str | None = None) -> Outcome:
        """Run to the end; the Outcome says SUCCEEDED, FAILED or TIMED_OUT."""
        execution = self.runtime.new_execution(self.state_machine, name, value)
        return self.runtime.run_sync(self.state_machine, execution)

    def __call__(self, value: Any) -> Any:
        """Run to the end and return the output; raise ExecutionFailed otherwise."""
        runtime, machine = self.runtime, self.state_machine
        execution = runtime.new_execution(machine, None, value)
        outcome = runtime.start(machine, execution)
        if type(outcome) is not Outcome:
            outcome = runtime.finish_sync(outcome, execution)
        if outcome.status != "SUCCEEDED":
            raise ExecutionFailed(outcome.status, outcome.error, outcome.cause)
        return outcome.output

    async def arun(self, value: Any) -> Any:
        """`machine(value)` for asyncio code: a suspended execution finishes on this loop."""
        execution = self.runtime.new_execution(self.state_machine, None, value)
        outcome = self.runtime.run(self.state_machine, execution)
        if not isinstance(outcome, Outcome):
            outcome = await outcome
        if outcome.status != "SUCCEEDED":
            raise ExecutionFailed(outcome.status, outcome.error, outcome.cause)
        return outcome.output

    def close(self) -> None:
        """Stop the runtime's background loop, if one was started."""
        self.runtime.close()


def compile_machine(definition: str | dict, handlers: Mapping[str, Handler] | None = None,
                    **options: Any) -> Machine:
    """Validate and compile a definition into a callable Machine (raises DefinitionError)."""
    return Machine(definition, handlers, **options)
