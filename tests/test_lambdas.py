"""fastsfn/lambdas.pyx: a handler's exception as Step Functions reports a Lambda error."""
from __future__ import annotations

import json

from fastsfn.errors import TaskFailure
from fastsfn.lambdas import LambdaError, lambda_error


def _raised(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as e:
        return e


def test_made_directly_or_on_the_hot_path_alike():
    exc = _raised(KeyError("reading"))
    for err in (LambdaError(exc), lambda_error(exc)):
        assert isinstance(err, TaskFailure) and err.task_failure
        assert err.error == "KeyError"
        cause = json.loads(err.cause)
        assert (cause["errorMessage"], cause["errorType"]) == ("'reading'", "KeyError")
        assert len(cause["requestId"]) == 36
        assert str(err) == f"KeyError: {err.cause}"


def test_cause_layout_pythons_or_compact():
    exc = _raised(ValueError('a "quoted"\nline\t\u00e9\x7f'))
    spaced, compact = lambda_error(exc).cause, lambda_error(exc, True).cause
    assert spaced.startswith('{"errorMessage": "a \\"quoted\\"\\nline\\t\\u00e9\\u007f", ')
    assert compact.startswith('{"errorMessage":"a \\"quoted\\"\\nline\\t\\u00e9\\u007f",')
    assert json.loads(spaced)["stackTrace"] == json.loads(compact)["stackTrace"]
    assert json.loads(spaced)["stackTrace"][0].endswith("    raise exc\n")


def test_a_cause_set_replaces_the_written_one():
    err = lambda_error(_raised(RuntimeError("x")))
    err.cause = "given"
    assert err.cause == "given"
