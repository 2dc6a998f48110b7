"""`fastsfn serve` as a subprocess of a test: started, read up to its ready line, stopped."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"^fastsfn: serving on (http://\S+)")


class Serve:
    """`fastsfn serve ARGS` from the repository root; `.url` once its ready line is read."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fastsfn.cli", "serve", "--port", "0", *args], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.ready = self.proc.stdout.readline()
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
