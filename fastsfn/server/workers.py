"""`fastsfn serve --workers N`: N processes serving one port (SO_REUSEPORT) under one parent.

The parent fixes the port (a bound, never listening socket), forks the workers, each of which
builds its own client and uvloop loop and listens on that port; the kernel spreads
connections over them. The parent prints one ready line once every worker listens, forwards
SIGINT/SIGTERM to them, waits for them, and fails when one of them fails.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any, TextIO

from fastsfn.server.quickstart import how_to_call
from fastsfn.server.run import ready_line, run_server


def reserve_port(host: str, port: int) -> socket.socket:
    """A bound, not listening SO_REUSEPORT socket: holds the port (0 picks one) for workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def run_workers(host: str, port: int, make_client: Callable[[], Any], workers: int = 1,
                banner: TextIO | None = None, **options: Any) -> int:
    """Serve until SIGINT/SIGTERM with `workers` processes; the exit status (0 = all clean).

    `make_client()` runs in each worker; `options` go to `run_server`. One worker runs in
    this process. The ready line goes to `banner` (default stdout).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if workers == 1:
        client = make_client()
        try:
            run_server(host, port, client, banner=banner, **options)
        finally:
            client.close()
        return 0

    reserved = reserve_port(host, port)
    port = reserved.getsockname()[1]
    url = f"http://{host}:{port}"
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    procs = [context.Process(target=_worker, name=f"fastsfn-worker-{i}",
                             args=(host, port, make_client, writer, options))
             for i in range(workers)]
    sys.stdout.flush()  # else the workers would write out a copy of what is buffered
    for proc in procs:
        proc.start()
    writer.close()
    stopping = False

    def forward(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for proc in procs:
            if proc.exitcode is None:
                os.kill(proc.pid, signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        ready = _wait_ready(reader, procs)
        if ready is not None:
            print("\n".join(filter(None, [ready_line(url, workers), ready])),
                  file=banner or sys.stdout, flush=True)
        failed = _supervise(procs, lambda: stopping)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        reader.close()
        reserved.close()
    for proc in failed:
        print(f"fastsfn: {proc.name} exited with status {proc.exitcode}", file=sys.stderr)
    return 1 if failed else 0


def _worker(host: str, port: int, make_client: Callable[[], Any], writer: Connection,
            options: dict[str, Any]) -> None:
    client = make_client()

    def ready(bound: int) -> None:
        writer.send(how_to_call(f"http://{host}:{bound}", client))
        writer.close()

    try:
        run_server(host, port, client, reuse_port=True, ready=ready, **options)
    finally:
        client.close()


def _wait_ready(reader: Connection, procs: list[Any]) -> str | None:
    """The first worker's how-to-call text once all listen; None if one exits first."""
    texts: list[str] = []
    while len(texts) < len(procs):
        wait([reader, *(p.sentinel for p in procs)])
        if any(p.exitcode is not None for p in procs):
            return None
        texts.append(reader.recv())
    return texts[0]


def _supervise(procs: list[Any], stopping: Callable[[], bool]) -> list[Any]:
    """Wait for every worker; stop the others when one ends on its own. The failed ones."""
    running = list(procs)
    while running:
        wait([p.sentinel for p in running])
        for proc in [p for p in running if p.exitcode is not None]:
            running.remove(proc)
            if not stopping():
                for other in running:  # a worker died unasked: take the others down too
                    other.terminate()
    return [p for p in procs if p.exitcode != 0 and not (stopping() and p.exitcode < 0)]
