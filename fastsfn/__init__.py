"""fastsfn: run AWS Step Functions Express workflows locally, fast."""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["client", "aclient", "compile_machine", "Machine", "ExecutionFailed", "__version__"]


def __getattr__(name: str) -> Any:
    # The client needs the compiled core; importing it lazily keeps the pure-Python
    # stages (asl, paths, intrinsics, compiler) importable on their own.
    if name in ("client", "aclient"):
        from fastsfn import _client as _client_module

        return getattr(_client_module, name)
    if name in ("compile_machine", "Machine", "ExecutionFailed"):
        from fastsfn import machine as _machine_module

        return getattr(_machine_module, name)
    raise AttributeError(f"module 'fastsfn' has no attribute {name!r}")
