"""The runtime: the registry of state machines, the Task resources, and running executions.

Stage: runtime. Shells (client, CLI, server) call this; this calls the validator, the
compiler and the executor. An execution that never suspends runs as a plain call; one that
suspends finishes on an event loop (the caller's, or the runtime's own background loop).
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from asyncio import events
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from fastsfn import _core, stepping
from fastsfn._core import Outcome, internal_failure, timed_out  # how an execution ended
from fastsfn.asl.validate import validate_definition
from fastsfn.compiler.compile import compile_definition
from fastsfn.errors import DefinitionError, StatesError
from fastsfn.express_logs import (ExecutionLogs, LogSettings, LogSink, LogSinkUnavailable,
                                  log_settings)
from fastsfn.jsontext import SURELY_WITHIN_LIMIT, dumps, exceeds_payload_limit, loads
from fastsfn.resources import Handler, Resources
from fastsfn.store import Store

EXPRESS_MAX_SECONDS = 300.0
LOG_ALL = int(_core.LogLevel.LOG_ALL)
# AWS: executions started within a few seconds of UpdateStateMachine may use the previous
# definition. With a store, a known machine is checked against it at most this often.
REFRESH_SECONDS = 1.0
# STANDARD execution ARNs remembered for DescribeStateMachineForExecution (oldest dropped).
EXECUTIONS_KEPT = 10_000

log = logging.getLogger("fastsfn.runtime")


@dataclass
class StateMachine:
    """A registered state machine and its compiled program."""

    name: str
    arn: str
    definition: str
    role_arn: str
    type: str
    creation_date: float
    program: _core.Program
    timeout_seconds: float
    logging_configuration: dict = field(default_factory=dict)
    tracing_configuration: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    update_date: float | None = None
    revision_id: str | None = None
    log: LogSettings = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.log = log_settings(self.logging_configuration)


class Runtime:
    """State machines, their resources, and the loop that finishes suspended executions."""

    def __init__(
        self,
        handlers: Mapping[str, Handler] | None = None,
        region_name: str = "us-east-1",
        account_id: str = "123456789012",
        sleep_scale: float = 1.0,
        max_seconds: float | None = None,
        data_dir: str | Path | None = None,
        log_sink: LogSink | None = None,
        log_spool: str | None = None,
    ) -> None:
        self.max_seconds = max_seconds
        self.logs = ExecutionLogs(log_sink, region_name, log_spool)
        self.region = region_name
        self.account_id = account_id
        self.resources = Resources(handlers, region_name, account_id)
        self.sleep_scale = sleep_scale
        self.machines: dict[str, StateMachine] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()
        self.background: set[Any] = set()   # tasks of executions still running (see `track`)
        self.executions: dict[str, StateMachine] = {}  # STANDARD execution ARN -> its machine
        self.store = Store(data_dir) if data_dir is not None else None
        self._fresh_until = 0.0
        self.refresh()

    # -- definitions ----------------------------------------------------------------------

    def compile(self, definition: str | dict, type: str = "EXPRESS") -> tuple[dict, _core.Program]:
        """Validate and compile; raises DefinitionError with every diagnostic."""
        diagnostics = [d for d in validate_definition(definition, type) if d.severity == "ERROR"]
        if diagnostics:
            raise DefinitionError(diagnostics)
        parsed = loads(definition) if isinstance(definition, (str, bytes)) else definition
        return parsed, compile_definition(parsed, self.resources.bind)

    def state_machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account_id}:stateMachine:{name}"

    def register(self, name: str, definition: str, role_arn: str, type: str = "EXPRESS",
                 **extra: Any) -> StateMachine:
        """Compile and register (or replace) a state machine, in the store too if there is one;
        the log sink is opened first if it logs (LogSinkUnavailable if it cannot be)."""
        machine = self._build(name, definition, role_arn, type, **extra)
        if machine.log.level:
            self.logs.open()
        if self.store is not None:
            self.store.put(machine)
        self.machines[machine.arn] = machine
        return machine

    def _build(self, name: str, definition: str, role_arn: str, type: str,
               creation_date: float | None = None, **extra: Any) -> StateMachine:
        parsed, program = self.compile(definition, type)
        timeout = float(parsed.get("TimeoutSeconds", 0) or 0)
        if type == "EXPRESS":
            timeout = min(timeout, EXPRESS_MAX_SECONDS) if timeout else EXPRESS_MAX_SECONDS
        if self.max_seconds is not None:
            timeout = min(timeout, self.max_seconds) if timeout else self.max_seconds
        return StateMachine(
            name=name, arn=self.state_machine_arn(name), definition=definition,
            role_arn=role_arn, type=type, program=program, timeout_seconds=timeout,
            creation_date=_core.now() if creation_date is None else creation_date, **extra,
        )

    def save(self, machine: StateMachine) -> None:
        """Write a registered machine changed in place (its tags) to the store."""
        if self.store is not None:
            self.store.put(machine)

    def unregister(self, arn: str) -> None:
        """Forget a state machine, in the store too."""
        self.machines.pop(arn, None)
        if self.store is not None:
            self.store.delete(arn)

    def lookup(self, arn: str) -> StateMachine | None:
        """The machine `arn`; with a store, re-read on a miss and at most every REFRESH_SECONDS."""
        machine = self.machines.get(arn)
        if self.store is not None and (machine is None or time.monotonic() >= self._fresh_until):
            self.refresh()
            machine = self.machines.get(arn)
        return machine

    def refresh(self) -> None:
        """Take in the machines other processes (or an earlier run) wrote to the store."""
        if self.store is None:
            return
        self._fresh_until = time.monotonic() + REFRESH_SECONDS
        rows, deleted = self.store.changes()
        for arn in deleted:
            self.machines.pop(arn, None)
        for row in rows:
            arn = row.pop("arn")
            if arn != self.state_machine_arn(row["name"]):
                continue  # written by a server of another region or account
            try:
                machine = self._build(**row)
                if machine.log.level:
                    self.logs.open()
                self.machines[arn] = machine
            except DefinitionError as e:
                log.warning("stored state machine %s no longer compiles: %s", arn, e)
            except LogSinkUnavailable as e:
                log.warning("stored state machine %s is not taken yet: %s", arn, e)
                self.store.forget(arn)   # tried again at the next refresh

    # -- executions -----------------------------------------------------------------------

    def new_execution(self, machine: StateMachine, name: str | None, input_value: Any,
                      input_text: str | None = None) -> _core.Execution:
        """Identity and clock of a new execution (ARNs in AWS's Express/Standard forms);
        `input_text` is the input as sent, when it came as text (logged as it is, and its
        length bounds the input's size)."""
        log = machine.log
        return _core.Execution(name, machine.arn, machine.name, machine.role_arn, input_value,
                               _core.now(), machine.timeout_seconds, self.sleep_scale,
                               machine.type == "STANDARD", log.level,
                               log.include_execution_data, input_text, log.log_group_name,
                               self.logs.lane)

    def remember(self, machine: StateMachine, execution: _core.Execution) -> None:
        """Keep a STANDARD execution's machine, for DescribeStateMachineForExecution."""
        if machine.type != "STANDARD":
            return
        self.executions[execution.execution_arn] = machine
        if len(self.executions) > EXECUTIONS_KEPT:
            del self.executions[next(iter(self.executions))]

    def run(self, machine: StateMachine, execution: _core.Execution) -> Outcome | Any:
        """Run as a plain call; returns an Outcome, or a coroutine finishing it if it suspended."""
        started = _core.begin(execution, machine.program, self._ended)   # (`start`, inlined)
        if type(started) is Outcome:
            return started
        return self._with_deadline(self._drive(*started), execution)

    def run_sync(self, machine: StateMachine, execution: _core.Execution) -> Outcome:
        """Run to the end from synchronous code; enters an event loop only if it suspends."""
        started = _core.begin(execution, machine.program, self._ended)   # (`start`, inlined)
        if type(started) is Outcome:
            return started
        return self.finish_sync(started, execution)

    def finish_sync(self, started: tuple, execution: _core.Execution) -> Outcome:
        """Finish from synchronous code an execution that `start` left suspended."""
        if events._get_running_loop() is not None:
            # Called from async code: this thread's loop is busy, finish on the runtime's.
            coro = self._with_deadline(self._drive(*started), execution)
            return asyncio.run_coroutine_threadsafe(coro, self.loop()).result()
        try:
            return stepping.run_blocking(self._drive(*started), execution.remaining())
        except asyncio.TimeoutError:
            return self._ended(execution, timed_out())

    def start(self, machine: StateMachine, execution: _core.Execution) -> Outcome | tuple:
        """The synchronous part: an Outcome, or (frame, awaitable) when it must suspend."""
        return _core.begin(execution, machine.program, self._ended)

    async def _drive(self, frame: Any, aw: Any) -> Outcome:
        try:
            output = await _core.drive(frame, aw)
        except StatesError as e:
            outcome = Outcome("FAILED", error=e.error, cause=e.cause)
        except _core.ExecutionTimedOut:
            outcome = timed_out()
        except Exception as e:
            outcome = internal_failure(e)
        else:
            outcome = _succeeded(output)
        return self._ended(frame.execution, outcome)

    async def _with_deadline(self, coro: Any, execution: _core.Execution) -> Outcome:
        remaining = execution.remaining()
        if remaining is None:
            return await coro
        try:
            return await asyncio.wait_for(coro, max(remaining, 0))
        except asyncio.TimeoutError:
            return self._ended(execution, timed_out())

    def _ended(self, execution: _core.Execution, outcome: Outcome) -> Outcome:
        """An execution's last step: when it logs, its end event and shipping its records."""
        if execution.log_level == LOG_ALL or (execution.log_level and outcome.status != "SUCCEEDED"):
            group = execution.log_group_name   # the machine's when the execution started
            if group is not None:
                text = None
                if outcome.status == "SUCCEEDED" and execution.log_data:
                    if outcome.text is None and execution.log is not None:
                        # logged last, whole: its text is not made again (within the limit)
                        outcome.text = execution.log.json_text(outcome.output)
                    text = output_text(outcome)
                    if type(text) is Outcome:   # an output AWS would refuse: the execution fails
                        outcome.status, outcome.error, outcome.cause = (
                            text.status, text.error, text.cause)
                        outcome.output = text = None
                    outcome.text = text
                self.logs.ended(execution, execution.state_machine_name, group,
                                outcome.status, outcome.output, text, outcome.error,
                                outcome.cause)
        return outcome

    def run_in_background(self, machine: StateMachine, execution: _core.Execution) -> None:
        """Start an execution that the caller does not wait for (StartExecution)."""
        loop = self.loop()

        def start() -> None:
            result = self.run(machine, execution)
            if not isinstance(result, Outcome):
                self.track(loop.create_task(result))

        loop.call_soon_threadsafe(start)

    def track(self, task: asyncio.Task) -> None:
        """Keep a background execution's task until it is done (see `drain`)."""
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def drain(self) -> None:
        """Wait for the background executions running on the current loop."""
        loop = asyncio.get_running_loop()
        while mine := [t for t in self.background if t.get_loop() is loop]:
            await asyncio.gather(*mine, return_exceptions=True)

    def loop(self) -> asyncio.AbstractEventLoop:
        """The runtime's own event loop (uvloop), in a daemon thread, started on first use."""
        with self._loop_lock:
            if self._loop is None:
                import uvloop

                loop = uvloop.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="fastsfn-loop",
                                          daemon=True)
                thread.start()
                self._loop = loop
            return self._loop

    def close(self) -> None:
        """Close the store; wait for background executions, stop the loop, ship the logs."""
        if self.store is not None:
            self.store.close()
        loop = self._loop
        if loop is not None:
            asyncio.run_coroutine_threadsafe(self.drain(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            self._loop = None
        self.logs.close()


def _succeeded(output: Any) -> Outcome:
    return Outcome("SUCCEEDED", output=output)


def output_text(outcome: Outcome) -> Outcome | str:
    """The output as JSON text, or a DataLimitExceeded failure when it is too large."""
    if outcome.text is not None:
        return outcome.text
    try:
        text = dumps(outcome.output)
    except (TypeError, ValueError, RecursionError) as e:
        return Outcome("FAILED", error="States.Runtime",
                       cause=f"The execution output cannot be written as JSON: {e}")
    if len(text) > SURELY_WITHIN_LIMIT and exceeds_payload_limit(text):
        return Outcome("FAILED", error="States.DataLimitExceeded",
                       cause="The execution output exceeds the maximum number of bytes "
                             "service limit.")
    return text
