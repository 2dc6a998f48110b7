"""HTTP throughput: `fastsfn serve` running the IoT example vs a bare aiohttp echo server.

    python3 -m bench.http [--duration 5] [--connections 32] [--workers 1 --workers 2] [--json]

Each row starts N server processes on one port (SO_REUSEPORT, as `fastsfn serve --workers N`
does) and one load-generator process: keep-alive connections sending a pre-built
StartSyncExecution request back to back, counting only 200 responses whose body is right.
The bare servers only decode the JSON body and echo it, on the same aiohttp/uvloop as
fastsfn: `bare` as an aiohttp handler is usually written (in an application, behind its
router), `bare-lowlevel` on aiohttp's low-level server, the layer `fastsfn serve` runs on (the
practical limit of an aiohttp endpoint). Target (issue 4): fastsfn >= 0.7x bare with 1 and 2
workers, a floor (the run exits 1 below it); x lowlevel is printed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:iot_ingest"
IOT_DEFINITION = (ROOT / "examples" / "iot_ingest.asl.json").read_text()
IOT_INPUT_TEXT = (ROOT / "examples" / "iot_reading.json").read_text()
REQUEST = {"stateMachineArn": ARN, "input": IOT_INPUT_TEXT}
# What the IoT example answers for examples/iot_reading.json (see its definition).
EXPECTED_OUTPUT = {"deviceId": "sensor-17", "temperature": 91.5,
                   "timestamp": "2026-11-28T10:15:00Z", "tags": ["line-3", "boiler"],
                   "enrichment": {"level": "alert", "site": "plant-a"}}
TARGETS = ("fastsfn", "bare", "bare-lowlevel")
FLOOR = 0.7   # fastsfn's requests/s x bare's, with every worker count


# -- correctness of one response body ---------------------------------------------------------
# Checked as bytes (the load generator shares the machine with the servers: its cost per
# response must be small, and the same whichever server answers).

#: The output member as a StartSyncExecution answer holds it: compact JSON in a JSON string.
OUTPUT_MEMBER = b'"output":' + orjson.dumps(orjson.dumps(EXPECTED_OUTPUT).decode())
REQUEST_BODY = orjson.dumps(REQUEST)


def fastsfn_body_ok(body: bytes) -> bool:
    """A StartSyncExecution answer: SUCCEEDED with the example's output, byte for byte."""
    return b'"status":"SUCCEEDED"' in body and OUTPUT_MEMBER in body


def bare_body_ok(body: bytes) -> bool:
    """The echo server's answer: the request body itself."""
    return body == REQUEST_BODY


CHECKS: dict[str, Callable[[bytes], bool]] = {
    "fastsfn": fastsfn_body_ok, "bare": bare_body_ok, "bare-lowlevel": bare_body_ok}


# -- the servers (one worker each; run N of them on one port) ---------------------------------

def serve_fastsfn(port: int) -> None:
    """One `fastsfn serve` worker with the IoT example loaded."""
    import fastsfn
    from examples.iot_handlers import handlers
    from fastsfn.server import run_server

    client = fastsfn.client(handlers=handlers)
    client.create_state_machine(name="iot_ingest", definition=IOT_DEFINITION, type="EXPRESS",
                                roleArn="arn:aws:iam::123456789012:role/bench")
    try:
        run_server(HOST, port, client, reuse_port=True,
                   ready=lambda bound: print("ready", flush=True))
    finally:
        client.close()


def serve_bare(port: int, low_level: bool = False) -> None:
    """One bare aiohttp worker: decode the JSON body, answer it back; in an aiohttp
    application (the usual handler), or on aiohttp's low-level server (`low_level`: the layer
    `fastsfn serve` runs on)."""
    import uvloop
    from aiohttp import web

    from fastsfn.server.run import bind

    async def echo(request: web.Request) -> web.Response:
        doc = orjson.loads(await request.read())
        return web.Response(body=orjson.dumps(doc), content_type="application/x-amz-json-1.0")

    async def main() -> None:
        runner: web.BaseRunner
        if low_level:
            runner = web.ServerRunner(web.Server(echo, access_log=None), handle_signals=False)
        else:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", echo)
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, bind(HOST, port, reuse_port=True)).start()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        print("ready", flush=True)
        await stop.wait()
        await runner.cleanup()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


# -- the load generator -----------------------------------------------------------------------

def http_request(port: int) -> bytes:
    """The StartSyncExecution request as bytes on the wire, built once."""
    body = REQUEST_BODY
    head = (f"POST / HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            "X-Amz-Target: AWSStepFunctions.StartSyncExecution\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class Connection(asyncio.Protocol):
    """One keep-alive connection: send, read the whole response, check it, send again."""

    def __init__(self, request: bytes, check: Callable[[bytes], bool], tally: dict) -> None:
        self.request = request
        self.check = check
        self.tally = tally
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        length = _content_length(head)
        if len(self.buffer) < end + 4 + length:
            return
        body = self.buffer[end + 4:end + 4 + length]
        self.buffer = self.buffer[end + 4 + length:]
        ok = head.startswith(b"http/1.1 200") and self.check(body)
        tally = self.tally
        if tally["counting"]:
            tally["ok" if ok else "bad"] += 1
        if tally["running"]:
            self.transport.write(self.request)
        else:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


def _content_length(head: bytes) -> int:
    at = head.find(b"content-length:")
    if at < 0:
        return 0
    eol = head.find(b"\r\n", at)
    return int(head[at + len(b"content-length:"):eol if eol >= 0 else len(head)])


async def generate_load(port: int, target: str, duration: float, connections: int,
                        warmup: float) -> dict:
    """Requests for `warmup` + `duration` s over `connections`; counts over `duration`."""
    loop = asyncio.get_running_loop()
    tally = {"ok": 0, "bad": 0, "counting": False, "running": True}
    request = http_request(port)
    opened = [await loop.create_connection(
        lambda: Connection(request, CHECKS[target], tally), HOST, port)
        for _ in range(connections)]
    await asyncio.sleep(warmup)
    tally["counting"] = True
    started = time.perf_counter()
    await asyncio.sleep(duration)
    tally["counting"] = False
    seconds = time.perf_counter() - started
    tally["running"] = False
    await asyncio.wait([protocol.closed for _, protocol in opened], timeout=10)
    return {"ok": tally["ok"], "bad": tally["bad"], "seconds": seconds,
            "requests_per_second": tally["ok"] / seconds}


# -- one run: every row -----------------------------------------------------------------------

def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", "bench.http", *args]


def measure(target: str, workers: int, duration: float, connections: int,
            check: str | None = None) -> dict:
    """One row: `workers` servers of `target`, one load generator (checking as `check`)."""
    from fastsfn.server.workers import reserve_port

    reserved = reserve_port(HOST, 0)
    port = reserved.getsockname()[1]
    servers = [subprocess.Popen(_python("--serve", target, "--port", str(port)), cwd=ROOT,
                                stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    try:
        for server in servers:
            if server.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the {target} server did not start")
        load = subprocess.run(
            _python("--load", str(port), "--target", check or target, "--duration",
                    str(duration), "--connections", str(connections)),
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=duration + 60)
        return {"target": target, "workers": workers, **json.loads(load.stdout)}
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(30)
            server.stdout.close()
        reserved.close()


def _median_row(runs: list[dict]) -> dict:
    """One row from several rounds: the median requests/s, the counts summed."""
    row = dict(runs[0])
    row["requests_per_second"] = statistics.median(r["requests_per_second"] for r in runs)
    for key in ("ok", "bad", "seconds"):
        row[key] = sum(r[key] for r in runs)
    row["rounds"] = len(runs)
    return row


def run(workers: list[int], duration: float, connections: int, rounds: int = 1) -> list[dict]:
    """Every row (bare, bare-lowlevel, fastsfn) for each worker count, alternated over
    `rounds` rounds (the machine's load drifts); each row is the median of its rounds, and
    the ratios on fastsfn's row (`x_bare`, `x_lowlevel`) the medians of the rounds' ratios."""
    rows = []
    for n in workers:
        runs: dict[str, list[dict]] = {target: [] for target in ("bare", "bare-lowlevel",
                                                                 "fastsfn")}
        for _ in range(rounds):
            for target, results in runs.items():
                results.append(measure(target, n, duration, connections))
        ours = _median_row(runs["fastsfn"])
        for key, base in (("x_bare", "bare"), ("x_lowlevel", "bare-lowlevel")):
            ratios = [mine["requests_per_second"] / theirs["requests_per_second"]
                      for mine, theirs in zip(runs["fastsfn"], runs[base])
                      if theirs["requests_per_second"]]
            ours[key] = statistics.median(ratios) if ratios else None
        rows += [_median_row(runs["bare"]), _median_row(runs["bare-lowlevel"]), ours]
    return rows


def below_floor(rows: list[dict]) -> list[str]:
    """The fastsfn rows under FLOOR x bare."""
    return [f"{row['workers']} worker(s): {row['x_bare']:.2f}x bare" for row in rows
            if row.get("x_bare") is not None and row["x_bare"] < FLOOR]


def format_rows(rows: list[dict]) -> str:
    lines = [f"{'server':<13} {'workers':>7} {'requests/s':>11} {'bad':>5} {'x bare':>7} "
             f"{'x lowlevel':>10}"]
    for row in rows:
        ratios = [f"{row[key]:.2f}" if row.get(key) is not None else ""
                  for key in ("x_bare", "x_lowlevel")]
        lines.append(f"{row['target']:<13} {row['workers']:>7} "
                     f"{row['requests_per_second']:>11.0f} {row['bad']:>5} {ratios[0]:>7} "
                     f"{ratios[1]:>10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python3 -m bench.http`."""
    parser = argparse.ArgumentParser(prog="python3 -m bench.http",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per row")
    parser.add_argument("--connections", type=int, default=32,
                        help="keep-alive connections (default 32)")
    parser.add_argument("--workers", type=int, action="append",
                        help="server processes (repeatable; default 1 and 2)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of alternated rows; medians are reported (default 3)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--serve", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--load", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--target", choices=TARGETS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        if args.serve == "fastsfn":
            serve_fastsfn(args.port)
        else:
            serve_bare(args.port, low_level=args.serve == "bare-lowlevel")
        return 0
    if args.load:
        import uvloop

        warmup = min(0.5, args.duration / 4)
        result = uvloop.run(generate_load(args.load, args.target, args.duration,
                                          args.connections, warmup))
        print(json.dumps(result))
        return 0

    rows = run(args.workers or [1, 2], args.duration, args.connections, args.rounds)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:   # the figures move with these libraries' versions: name them
        print(" ".join(f"{name}={metadata.version(name)}"
                       for name in ("aiohttp", "uvloop", "orjson", "msgspec")))
        print(format_rows(rows))
    below = below_floor(rows)
    if below:
        print(f"below the floor of {FLOOR}x bare: " + "; ".join(below), file=sys.stderr)
    return 0 if all(row["ok"] and not row["bad"] for row in rows) and not below else 1


if __name__ == "__main__":
    sys.exit(main())
