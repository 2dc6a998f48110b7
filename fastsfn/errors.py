"""Errors: the States.* errors raised inside executions, and definition diagnostics."""
from __future__ import annotations

from dataclasses import dataclass


class StatesError(Exception):
    """An error raised inside an execution; Retry and Catch match it by `error` name."""

    def __init__(self, error: str | None, cause: str | None = None) -> None:
        super().__init__(error, cause)
        self.error = error
        self.cause = cause

    def __str__(self) -> str:
        return f"{self.error}: {self.cause}"


class TaskFailure(StatesError):
    """An error raised by a Task's resource (a handler, a Lambda); `States.TaskFailed` matches it."""

    task_failure = True


def data_limit_exceeded(name: str) -> StatesError:
    """`States.DataLimitExceeded` for a state or task result over 256 KiB, worded as AWS does."""
    return StatesError(
        "States.DataLimitExceeded",
        f"The state/task '{name}' returned a result with a size exceeding the maximum number "
        "of bytes service limit.")


class StatesRuntime(StatesError):
    """`States.Runtime`: an interpreter failure; never retried, never caught (observed on AWS).

    `cause` holds the detail only; the executor prefixes it with the state name and the
    event id it was entered at, as AWS does.
    """

    def __init__(self, detail: str) -> None:
        super().__init__("States.Runtime", detail)


class IntrinsicFailure(StatesError):
    """`States.IntrinsicFailure`: an intrinsic function failed on its arguments."""

    def __init__(self, cause: str) -> None:
        super().__init__("States.IntrinsicFailure", cause)


class PathNotFound(Exception):
    """A definite JSONPath matched nothing; `detail` is Jayway's wording of why."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(path, detail)
        self.path = path
        self.detail = detail


class PathSyntaxError(ValueError):
    """A JSONPath, reference path or intrinsic call that does not parse."""


@dataclass(frozen=True)
class Diagnostic:
    """One finding of definition validation, shaped like AWS's ValidateStateMachineDefinition."""

    severity: str
    code: str
    message: str
    location: str | None = None

    def to_dict(self) -> dict:
        out = {"severity": self.severity, "code": self.code, "message": self.message}
        if self.location is not None:
            out["location"] = self.location
        return out

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location is not None else ""
        return f"{self.code}: {self.message}{where}"


class DefinitionError(Exception):
    """A state machine definition that does not validate; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0] if diagnostics else Diagnostic("ERROR", "INVALID", "invalid")
        super().__init__(f"Invalid State Machine Definition: '{first}'")


class NotSupportedYet(Exception):
    """A feature fastsfn does not implement yet; the message names it."""
