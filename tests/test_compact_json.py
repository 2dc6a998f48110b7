"""`compact_json`: the execution input's text without whitespace, only where that is provably
what msgspec encodes for its value (the first state's logged input is then not encoded again)."""
from __future__ import annotations

import json
import random

import msgspec
import pytest

from fastsfn.compactjson import compact_json


def _encoded(text: str) -> bytes:
    return msgspec.json.encode(msgspec.json.decode(text))


def _value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return rng.choice([True, False, None])
    if kind == 1:
        return rng.choice([0, -1, 7, 2**31, -(2**53), 10**17, 10**18, 10**19, -(10**20)])
    if kind == 2:   # decimals near every edge the proof keeps to
        return rng.choice([0.0, -0.0, 0.5, 20.1, 22.0, -3.25, 1e-4, 1.5e-4, 1e-5, 0.00012,
                           123456789012345.0, 12345678901234.5, 1e15, 1e16, 1e21, 0.1 + 0.2,
                           1 / 3, 2.5e-7, rng.uniform(-1e6, 1e6),
                           round(rng.uniform(-1e4, 1e4), rng.randrange(7))])
    if kind in (3, 4, 5):
        return "".join(rng.choice(["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\b", "\f",
                                   "\r", "\x00", "\x1f", "\x7f", "é", "東", "\u2028", "😀"])
                       for _ in range(rng.randrange(6)))
    if kind in (6, 7):
        return {rng.choice(["a", "b", "c", "é", "k\n", "\"q\""]): _value(rng, depth + 1)
                for _ in range(rng.randrange(5))}
    return [_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def _texts(value) -> list[str]:
    """The same value written the ways callers write it."""
    return [json.dumps(value), json.dumps(value, ensure_ascii=False),
            json.dumps(value, separators=(",", ":"), ensure_ascii=False),
            json.dumps(value, indent=2), json.dumps(value, indent="\t", ensure_ascii=False),
            msgspec.json.encode(value).decode()]


def test_never_a_text_msgspec_would_not_write():
    rng = random.Random(20261129)
    proven = total = 0
    for _ in range(3000):
        for text in _texts(_value(rng)):
            got = compact_json(text)
            total += 1
            if got is not None:
                proven += 1
                assert got == _encoded(text), text
                # escaped: the inside of the JSON string that holds it, as a log record does
                assert compact_json(text, escaped=True) == json.dumps(
                    got.decode(), ensure_ascii=False)[1:-1].encode(), text
    assert proven > total // 3   # and it proves many: else it would be of no use


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}',              # decoding keeps the last
    '{"x": {"a": 1, "b": {"a": 3}, "a": 2}}',
    '"a\\/b"', '"\\u00e9"', '"\\u001F"', '"\\u000a"', '"\\u0041"',
    '1e5', '1E5', '2.5e-3', '-0', '20.10', '0.00001', '1234567890123456.5',
    '12345678901234567890', '[1.0000000000000002]',
])
def test_what_it_cannot_prove_is_left_to_the_encoder(text):
    assert compact_json(text) is None
    assert compact_json(text, escaped=True) is None


@pytest.mark.parametrize("text", ['"unterminated', '{"a": "b', '"ends in an escape \\'])
def test_a_text_that_ends_inside_a_string_is_not_proven(text):
    assert compact_json(text) is None   # (msgspec would not have decoded it)


@pytest.mark.parametrize("text, compact", [
    ('{ "device": {"id": "sensor-17"},\n  "values": [20.1, 22.0, -0.0, 0.0001] }',
     b'{"device":{"id":"sensor-17"},"values":[20.1,22.0,-0.0,0.0001]}'),
    ('"tab\\there \\u001f \\" \\\\ \\b\\f\\n\\r é"',
     b'"tab\\there \\u001f \\" \\\\ \\b\\f\\n\\r \xc3\xa9"'),
    ('[true, false, null, -7, 123456789012345678]',
     b'[true,false,null,-7,123456789012345678]'),
    ('{"a": {"k": 1}, "b": {"k": 2}}', b'{"a":{"k":1},"b":{"k":2}}'),   # one key per object
    ('{"long": "' + "x" * 40 + '\\"' + "y" * 17 + '"}',   # runs past sixteen bytes
     b'{"long":"' + b"x" * 40 + b'\\"' + b"y" * 17 + b'"}'),
])
def test_compact_forms(text, compact):
    assert compact_json(text) == compact == _encoded(text)
