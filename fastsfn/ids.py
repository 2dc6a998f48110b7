"""Cheap unique ids in UUID form: a random per-process prefix and a counter.

`uuid.uuid4()` as text costs several microseconds; an execution needs two ids.
"""
from __future__ import annotations

import itertools
import os

_counter = itertools.count(int.from_bytes(os.urandom(4), "big"))
_prefix = ""


def _new_prefix() -> str:
    r = os.urandom(10).hex()
    return f"{r[:8]}-{r[8:12]}-4{r[12:15]}-a{r[15:18]}-"


def new_uuid() -> str:
    """A version-4-shaped UUID string, unique within this process and random across them."""
    # to_bytes().hex() writes the 12 hex digits without parsing a format spec: faster.
    return _prefix + (next(_counter) & 0xFFFFFFFFFFFF).to_bytes(6, "big").hex()


def reseed() -> None:
    """Pick a new random prefix (after a fork, so workers never share ids)."""
    global _prefix
    _prefix = _new_prefix()


reseed()
os.register_at_fork(after_in_child=reseed)
