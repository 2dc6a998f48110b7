"""fastsfn: run AWS Step Functions Express workflows locally, fast."""
from __future__ import annotations

from typing import Any

try:
    from fastsfn import _core  # noqa: F401  (the compiled executor)
except ImportError as e:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "fastsfn's compiled core (fastsfn._core, built from fastsfn/_core.pyx) is not "
        "available. Build it with `make build` (or `pip install .`, which needs a C compiler "
        f"and Cython). Cause: {e}"
    ) from e

__version__ = "0.1.0"
__all__ = ["client", "aclient", "compile_machine", "Machine", "ExecutionFailed", "__version__"]


def __getattr__(name: str) -> Any:
    # Shells are imported on first use, so `import fastsfn` stays cheap.
    if name in ("client", "aclient"):
        from fastsfn import _client as _client_module

        return getattr(_client_module, name)
    if name in ("compile_machine", "Machine", "ExecutionFailed"):
        from fastsfn import machine as _machine_module

        return getattr(_machine_module, name)
    raise AttributeError(f"module 'fastsfn' has no attribute {name!r}")
