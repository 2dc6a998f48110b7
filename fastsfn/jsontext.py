"""JSON text in and out, as AWS writes it: compact, UTF-8, integers and floats kept apart."""
from __future__ import annotations

from typing import Any

import msgspec

encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def dumps(value: Any) -> str:
    """Compact JSON text of a payload value."""
    return encoder.encode(value).decode()


def dumpb(value: Any) -> bytes:
    """Compact JSON bytes of a payload value."""
    return encoder.encode(value)


def loads(text: str | bytes) -> Any:
    """Decode JSON text into payload values (dict, list, str, int, float, bool, None)."""
    return _decoder.decode(text)


DecodeError = msgspec.DecodeError

#: AWS's payload limit: bytes of UTF-8 JSON in an execution input, a state's input or output,
#: a task result.
MAX_PAYLOAD = 262_144


def exceeds_payload_limit(text: str) -> bool:
    """Is this JSON text over AWS's 256 KiB payload limit (counted in UTF-8 bytes)?"""
    return len(text) > MAX_PAYLOAD // 4 and len(text.encode()) > MAX_PAYLOAD
