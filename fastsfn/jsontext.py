"""JSON text in and out, as AWS writes it: compact, UTF-8, integers and floats kept apart."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

encoder = msgspec.json.Encoder()


def dumps(value: Any) -> str:
    """Compact JSON text of a payload value."""
    return encoder.encode(value).decode()


def dumpb(value: Any) -> bytes:
    """Compact JSON bytes of a payload value."""
    return encoder.encode(value)


#: Decode JSON text into payload values (dict, list, str, int, float, bool, None): the
#: decoder's own method, so that the hot paths make one call, not two.
loads: Callable[[str | bytes], Any] = msgspec.json.Decoder().decode


DecodeError = msgspec.DecodeError

#: AWS's payload limit: bytes of UTF-8 JSON in an execution input, a state's input or output,
#: a task result.
MAX_PAYLOAD = 262_144


#: Texts of at most this many characters are within the limit whatever they hold (a
#: character is at most 4 UTF-8 bytes): hot paths test this before calling the function below.
SURELY_WITHIN_LIMIT = MAX_PAYLOAD // 4


def exceeds_payload_limit(text: str) -> bool:
    """Is this JSON text over AWS's 256 KiB payload limit (counted in UTF-8 bytes)?"""
    return len(text) > SURELY_WITHIN_LIMIT and len(text.encode()) > MAX_PAYLOAD
