"""`fastsfn serve` as a subprocess of a test: started, read up to its ready line, stopped."""
from __future__ import annotations

import re
import select
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"^fastsfn: serving on (http://\S+)")
READY_SECONDS = 60


class Serve:
    """`fastsfn serve ARGS` from the repository root; `.url` once its ready line is read
    (from stderr with `ready_on_stderr`)."""

    def __init__(self, *args: str, ready_on_stderr: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fastsfn.cli", "serve", "--port", "0", *args], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stream = self.proc.stderr if ready_on_stderr else self.proc.stdout
        if not select.select([stream], [], [], READY_SECONDS)[0]:
            self.stop()
            raise RuntimeError(f"no ready line in {READY_SECONDS} s: {self.out!r} {self.err!r}")
        self.ready = stream.readline()
        match = READY.match(self.ready)
        if match is None:
            self.stop()
            raise RuntimeError(f"no ready line: {self.ready!r} {self.err}")
        self.url = match.group(1)
        self.out = self.err = ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Signal the server, wait for its exit status; `.out`/`.err` get the rest it wrote."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.out, self.err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.out, self.err = self.proc.communicate()
        return self.proc.returncode
