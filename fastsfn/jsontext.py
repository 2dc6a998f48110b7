"""JSON text in and out, as AWS writes it: compact, UTF-8, integers and floats kept apart."""
from __future__ import annotations

from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def dumps(value: Any) -> str:
    """Compact JSON text of a payload value."""
    return _encoder.encode(value).decode()


def dumpb(value: Any) -> bytes:
    """Compact JSON bytes of a payload value."""
    return _encoder.encode(value)


def loads(text: str | bytes) -> Any:
    """Decode JSON text into payload values (dict, list, str, int, float, bool, None)."""
    return _decoder.decode(text)


DecodeError = msgspec.DecodeError
