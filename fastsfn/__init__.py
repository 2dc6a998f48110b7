"""fastsfn: run AWS Step Functions Express workflows locally, fast."""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["client", "aclient", "__version__"]


def __getattr__(name: str) -> Any:
    # The client needs the compiled core; importing it lazily keeps the pure-Python
    # stages (asl, paths, intrinsics, compiler) importable on their own.
    if name in ("client", "aclient"):
        from fastsfn import _client as _client_module

        return getattr(_client_module, name)
    raise AttributeError(f"module 'fastsfn' has no attribute {name!r}")
