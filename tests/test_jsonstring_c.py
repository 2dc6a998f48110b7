"""fastsfn/jsonstring.h on its own, compiled with and without SSE2: the word-at-a-time path
runs on machines without SSE2 (ARM, ...), so it is checked here too, against json.dumps."""
from __future__ import annotations

import json
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

HEADER_DIR = Path(__file__).resolve().parents[1] / "fastsfn"
# Reads (length, bytes) records on stdin; writes each escaped, one per line.
HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "jsonstring.h"
int main(void) {
    unsigned int n;
    while (fread(&n, 4, 1, stdin) == 1) {
        unsigned char *src = malloc(n + 1);
        char *out = malloc(6 * (size_t)n + 1);
        if (fread(src, 1, n, stdin) != n) return 1;
        char *end = fastsfn_escape(out, src, n);
        fwrite(out, 1, end - out, stdout);
        fputc('\n', stdout);
        free(src);
        free(out);
    }
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler on this machine")
@pytest.mark.parametrize("flags", [[], ["-U__SSE2__"]], ids=["default", "without-sse2"])
def test_escape_agrees_with_json_dumps(tmp_path, flags):
    source = tmp_path / "harness.c"
    source.write_text(HARNESS)
    program = tmp_path / "harness"
    subprocess.run(["cc", "-O2", *flags, "-I", str(HEADER_DIR), str(source), "-o",
                    str(program)], check=True)
    rng = random.Random(3)
    alphabet = 'abcdefgh"\\\n\x01\x1f\x7fé東😀 '
    texts = ["".join(rng.choice(alphabet if rng.random() < 0.3 else "xyz")
                     for _ in range(rng.randrange(90))) for _ in range(2_000)]
    texts += ["".join(map(chr, range(128))) * 3, "\\" * 70, '"' * 33, "x" * 100]
    records = b"".join(struct.pack("<I", len(t.encode())) + t.encode() for t in texts)
    out = subprocess.run([str(program)], input=records, capture_output=True, check=True)
    lines = out.stdout.decode().split("\n")[:-1]
    assert lines == [json.dumps(t, ensure_ascii=False)[1:-1] for t in texts]


# Reads (kind, length, bytes) records on stdin: kind 't' writes the bytes escaped twice, 'u'
# the bytes escaped once and then unescaped, 'f' (8 bytes, a double) the float as
# fastsfn_short_float writes it ("" when it leaves it to msgspec); one per line.
HARNESS_MORE = r"""
#include <stdio.h>
#include <stdlib.h>
#include "jsonstring.h"
int main(void) {
    unsigned int n;
    char kind;
    while (fread(&kind, 1, 1, stdin) == 1 && fread(&n, 4, 1, stdin) == 1) {
        unsigned char *src = malloc(n + 1);
        char *out = malloc(7 * (size_t)n + 64);
        char *once = malloc(6 * (size_t)n + 1);
        char *end = out;
        double x;
        if (fread(src, 1, n, stdin) != n) return 1;
        if (kind == 't') {
            end = fastsfn_escape_twice(out, src, n);
        } else if (kind == 'u') {
            end = out + fastsfn_unescape(out, once, fastsfn_escape(once, src, n) - once);
        } else {
            memcpy(&x, src, 8);
            end = out + fastsfn_short_float(out, x);
        }
        fwrite(out, 1, end - out, stdout);
        fputc('\n', stdout);
        free(src);
        free(out);
        free(once);
    }
    return 0;
}
"""


def _run_harness(tmp_path, flags: list[str], records: list[tuple[str, bytes]]) -> list[str]:
    source = tmp_path / "harness.c"
    source.write_text(HARNESS_MORE)
    program = tmp_path / "harness"
    subprocess.run(["cc", "-O2", *flags, "-I", str(HEADER_DIR), str(source), "-o",
                    str(program), "-lm"], check=True)
    data = b"".join(kind.encode() + struct.pack("<I", len(b)) + b for kind, b in records)
    out = subprocess.run([str(program)], input=data, capture_output=True, check=True)
    return out.stdout.decode().split("\n")[:-1]


def _texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = 'abcdefgh"\\\n\t\b\f\r\x01\x1f\x7fé東😀 '
    texts = ["".join(rng.choice(alphabet if rng.random() < 0.3 else "xyz")
                     for _ in range(rng.randrange(90))) for _ in range(2_000)]
    return texts + ["".join(map(chr, range(128))) * 3, "\\" * 70, '"' * 33, "x" * 100, ""]


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler on this machine")
@pytest.mark.parametrize("flags", [[], ["-U__SSE2__"]], ids=["default", "without-sse2"])
def test_escape_twice_is_a_json_string_of_a_json_string(tmp_path, flags):
    texts = _texts(5)
    lines = _run_harness(tmp_path, flags, [("t", t.encode()) for t in texts])
    # The text as a JSON string, and that JSON text as the inside of a JSON string.
    assert lines == [json.dumps(json.dumps(t, ensure_ascii=False)[1:-1],
                                ensure_ascii=False)[1:-1] for t in texts]


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler on this machine")
def test_unescape_undoes_escape(tmp_path):
    texts = [t for t in _texts(7) if "\n" not in t]   # one line each in the harness output
    assert _run_harness(tmp_path, [], [("u", t.encode()) for t in texts]) == texts


def _floats() -> tuple[list[float], list[float]]:
    """(floats the fast path must take, floats of every kind)."""
    rng = random.Random(11)
    short = [round(rng.uniform(-1e6, 1e6), rng.randrange(7)) for _ in range(3_000)]
    short += [float(rng.randrange(10**15)) for _ in range(500)]
    short += [rng.randrange(1, 10**rng.randrange(1, 16)) / 10**rng.randrange(1, 16)
              for _ in range(3_000)]
    short += [0.0, -0.0, 1e-4, 0.00012, 999999999999999.0, 22.0, 91.5, -3.25, 0.1, 0.3]
    short = [x for x in short if x == 0 or 1e-4 <= abs(x) < 1e15]
    edges = [struct.unpack("<d", rng.randbytes(8))[0] for _ in range(3_000)]
    edges += [rng.uniform(-10, 10) for _ in range(1_000)]
    edges += [1e15, 1e16, 9.999999999999999e-5, 1e-5, 0.1 + 0.2, 5e-324, 1e308,
              100000000000000.5, float("inf"), float("-inf"), float("nan"), 2.5e-7]
    return short, short + edges


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler on this machine")
def test_short_float_writes_what_msgspec_writes_or_leaves_it(tmp_path):
    msgspec = pytest.importorskip("msgspec")
    short, every = _floats()
    lines = _run_harness(tmp_path, [], [("f", struct.pack("<d", x)) for x in every])
    taken = {i for i, line in enumerate(lines) if line}
    assert all(lines[i] == msgspec.json.encode(every[i]).decode() for i in taken)
    assert set(range(len(short))) <= taken   # what it is for, it writes itself
    assert len(taken) < len(every)           # and the rest it leaves
