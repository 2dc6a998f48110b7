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
