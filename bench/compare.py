"""Every workload through every engine, in one run: `python3 -m bench.compare`.

Rows per workload (see bench/README.md for the method):

  values  hand-written            the workload's data work in plain Python (the baseline)
  values  fastsfn fast path       fastsfn.compile_machine(definition, handlers)(value)
  text    hand-written            the same with orjson text in and out (the baseline)
  text    fastsfn sync            client.start_sync_execution(...) on an EXPRESS machine
  text    moto                    moto's ASL parser: start_execution + describe_execution polls
  text    aws-local-stepfunctions the npm engine under node, JSON text in and out

Every row's result is checked equal to the hand-written one before anything is timed; a
mismatch is reported and not timed. A row is timed as a plain loop for `--duration` seconds;
`ratio` is the row's time per execution over the hand-written function's of the same form
(1.0 = as fast as hand-written Python; 3.0 = three times its cost).
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from importlib import metadata
from dataclasses import asdict, dataclass
from itertools import repeat
from typing import Any, Callable

from bench.peers import moto_peer

MOTO_SOURCE = moto_peer.prepare()   # before anything imports moto (see bench/peers/moto_peer.py)

import fastsfn  # noqa: E402
from bench.peers import local_sfn  # noqa: E402
from bench.targets import targets, targets_table  # noqa: E402
from bench.workloads import WORKLOADS, Workload

ROLE = "arn:aws:iam::123456789012:role/bench"


@dataclass
class Row:
    workload: str
    form: str              # "values" or "text"
    engine: str
    status: str            # "ok", "mismatch", "error", "skipped"
    rate: float | None = None        # executions per second
    ratio: float | None = None       # time per execution / the hand-written one's, same form
    executions: int | None = None
    note: str = ""
    #: a peer's row timed in rounds paired with fastsfn's sync path: the median of the
    #: rounds' ratios fastsfn sync / this peer (the figure the targets read)
    sync_ratio: float | None = None


def measure(fn: Callable[[Any], Any], arg: Any, duration: float) -> tuple[float, int]:
    """Executions per second of `fn(arg)` in a loop of about `duration` seconds."""
    perf = time.perf_counter
    batch = 1
    while True:                       # calibrate: a batch of calls lasts ~5 ms (also warms up)
        t0 = perf()
        for _ in repeat(None, batch):
            fn(arg)
        if perf() - t0 >= 0.005 or batch >= 1 << 20:
            break
        batch *= 2
    count = 0
    start = now = perf()
    deadline = start + duration
    while now < deadline:
        for _ in repeat(None, batch):
            fn(arg)
        count += batch
        now = perf()
    return count / (now - start), count


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def _first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    if type(got) is dict and type(want) is dict:
        for k in sorted(set(got) | set(want)):
            if k not in got or k not in want:
                return f"{path}.{k}: got {_short(got.get(k, '<absent>'), 60)} " \
                       f"want {_short(want.get(k, '<absent>'), 60)}"
            d = _first_difference(got[k], want[k], f"{path}.{k}")
            if d:
                return d
        return None
    if type(got) is list and type(want) is list and len(got) == len(want):
        for i, (g, w) in enumerate(zip(got, want)):
            d = _first_difference(g, w, f"{path}[{i}]")
            if d:
                return d
        return None
    if got == want:
        return None
    return f"{path}: got {_short(got, 60)} want {_short(want, 60)}"


def _check(got: Any, expected: Any) -> str | None:
    """None when equal, else where the first difference is."""
    if got == expected:
        return None
    return _first_difference(got, expected) or "differs"


def _row(w: Workload, form: str, engine: str, run: Callable[[Any], Any], arg: Any,
         decode: Callable[[Any], Any], duration: float, note: str = "") -> Row:
    """Check the result, then (only if it is right) time it."""
    try:
        got = decode(run(arg))
    except Exception as e:
        return Row(w.name, form, engine, "error", note=f"{type(e).__name__}: {_short(str(e))}")
    diff = _check(got, w.expected)
    if diff:
        return Row(w.name, form, engine, "mismatch", note=diff)
    rate, n = measure(run, arg, duration)
    return Row(w.name, form, engine, "ok", rate=rate, executions=n, note=note)


def run_workload(w: Workload, duration: float, node: dict | None, node_reason: str | None,
                 use_moto: bool = True, rounds: int = 3) -> list[Row]:
    rows: list[Row] = []
    ident = lambda x: x  # noqa: E731
    text_in = w.input_text

    # values
    rows.append(_row(w, "values", "hand-written", w.by_hand, w.input, ident, duration))
    try:
        machine = fastsfn.compile_machine(w.definition, w.handlers, sleep_scale=w.sleep_scale)
        rows.append(_row(w, "values", "fastsfn fast path", machine, w.input, ident, duration))
    except Exception as e:
        rows.append(Row(w.name, "values", "fastsfn fast path", "error", note=f"compile: {e}"))

    # text
    rows.append(_row(w, "text", "hand-written", w.by_hand_text, text_in, json.loads, duration))
    sfn = fastsfn.client(handlers=w.handlers, sleep_scale=w.sleep_scale)
    try:
        arn = sfn.create_state_machine(name=w.name.replace("-", "_"), definition=w.definition,
                                       roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
        start_sync = sfn.start_sync_execution

        def sync(text: str) -> str:
            response = start_sync(stateMachineArn=arn, input=text)
            if response["status"] != "SUCCEEDED":
                raise RuntimeError(f"{response['status']}: {response.get('error')}: "
                                   f"{response.get('cause')}")
            return response["output"]

        row = _row(w, "text", "fastsfn start_sync_execution", sync, text_in, json.loads,
                   duration)
        rows.append(row)
        if node is not None and node.status == "pending" and row.status == "ok":
            node = pair_with_node(w, sync, text_in, duration, rounds)
    except Exception as e:
        rows.append(Row(w.name, "text", "fastsfn start_sync_execution", "error", note=str(e)))
    finally:
        sfn.close()

    if use_moto:
        reason = moto_peer.available()
        if reason:
            rows.append(Row(w.name, "text", "moto", "skipped", note=reason))
        else:
            note = "start_execution + describe_execution polling"
            if w.sleep_scale == 0.0:
                note = "moto sleeps the real Retry IntervalSeconds (1 s x 2)"
            try:
                session = moto_peer.MotoSession(w.name, w.definition, w.handlers)
            except Exception as e:
                rows.append(Row(w.name, "text", "moto", "error", note=f"setup: {e}"))
            else:
                try:
                    rows.append(_row(w, "text", "moto", session.run, text_in, json.loads,
                                     duration, note))
                finally:
                    session.close()

    engine = "aws-local-stepfunctions"
    if node_reason:
        rows.append(Row(w.name, "text", engine, "skipped", note=node_reason))
    elif node is not None:
        rows.append(node)
    return rows


def node_rows(workloads: list[Workload]) -> tuple[dict[str, Row], str | None]:
    """aws-local-stepfunctions: check every workload (timed later, beside fastsfn's rows);
    an agreeing workload gets a row with status "pending"."""
    engine = "aws-local-stepfunctions"
    reason = local_sfn.available(install=True)
    if reason:
        return {}, reason
    try:
        checked = local_sfn.run(workloads, 0.0)
    except Exception as e:
        return {}, str(e)
    rows: dict[str, Row] = {}
    for w in workloads:
        line = checked.get(w.name, {"error": "no answer from node"})
        if "error" in line:
            rows[w.name] = Row(w.name, "text", engine, "error", note=_short(line["error"]))
            continue
        diff = _check(json.loads(line["output_text"]), w.expected)
        rows[w.name] = (Row(w.name, "text", engine, "mismatch", note=diff) if diff
                        else Row(w.name, "text", engine, "pending"))
    return rows, None


def pair_with_node(w: Workload, sync: Callable[[str], str], text: str, duration: float,
                   rounds: int) -> Row:
    """aws-local-stepfunctions timed in `rounds` rounds, each right after a timing of
    fastsfn's sync path: node's median rate, and the median of the rounds' ratios. The
    machine drifts by tens of percent within a run; a ratio of two rates measured seconds
    apart, taken over several rounds, is the figure that holds from run to run."""
    rates, ratios = [], []
    for _ in range(rounds):
        ours, _ = measure(sync, text, duration)
        row = time_node(w, duration)
        if row.status != "ok":
            return row
        rates.append(row.rate)
        ratios.append(ours / row.rate)
    row.rate = statistics.median(rates)
    row.sync_ratio = statistics.median(ratios)
    row.note += f"; median of {rounds} rounds paired with fastsfn sync"
    return row


def time_node(w: Workload, duration: float) -> Row:
    """Time one agreeing workload under node (right after fastsfn's rows: the machine
    drifts, so rows that are compared are measured close together)."""
    engine = "aws-local-stepfunctions"
    line = local_sfn.run([w], duration).get(w.name, {"error": "no answer from node"})
    if "error" in line:
        return Row(w.name, "text", engine, "error", note=_short(line["error"]))
    return Row(w.name, "text", engine, "ok", rate=line["rate"], executions=line["executions"],
               note=f"node {platform_node()}, v{local_sfn.version()}, JS handlers")


def platform_node() -> str:
    import subprocess

    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def add_ratios(rows: list[Row]) -> None:
    base = {(r.workload, r.form): r.rate for r in rows if r.engine == "hand-written" and r.rate}
    for r in rows:
        b = base.get((r.workload, r.form))
        if r.rate and b:
            r.ratio = b / r.rate


def table(rows: list[Row]) -> str:
    head = ("workload", "form", "engine", "exec/s", "x hand", "note")
    lines = [head]
    for r in rows:
        rate = (f"{r.rate:,.0f}" if r.rate >= 100 else f"{r.rate:.2f}") if r.rate \
            else r.status.upper()
        ratio = (f"{r.ratio:,.2f}" if r.ratio < 1000 else f"{r.ratio:,.0f}") if r.ratio else "-"
        lines.append((r.workload, r.form, r.engine, rate, ratio, r.note))
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    out = []
    for i, line in enumerate(lines):
        cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1]), line[2].ljust(widths[2]),
                 line[3].rjust(widths[3]), line[4].rjust(widths[4]), line[5]]
        out.append("  ".join(cells).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths) + "  ----")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per row (2)")
    parser.add_argument("--only", action="append", choices=sorted(WORKLOADS), metavar="NAME",
                        help="run only this workload (repeatable): " + ", ".join(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of aws-local-stepfunctions paired with fastsfn's sync "
                             "path; its ratio is the rounds' median (3)")
    parser.add_argument("--no-moto", action="store_true", help="skip moto")
    parser.add_argument("--no-node", action="store_true", help="skip aws-local-stepfunctions")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    workloads = [WORKLOADS[n] for n in (args.only or WORKLOADS)]
    if args.no_node:
        node, node_reason = {}, "--no-node"
    else:
        node, node_reason = node_rows(workloads)
    rows: list[Row] = []
    for w in workloads:
        rows.extend(run_workload(w, args.duration, node.get(w.name), node_reason,
                                 use_moto=not args.no_moto, rounds=max(args.rounds, 1)))
        if not args.json:
            print(f"# {w.name} done", file=sys.stderr, flush=True)
    add_ratios(rows)

    meta = {"python": platform.python_version(), "fastsfn": fastsfn.__version__,
            # the JSON libraries set much of the text rows' speed (orjson 3.8 -> 3.13 alone
            # moved the HTTP benchmark by ~20%): the figures name the versions they ran with
            "orjson": metadata.version("orjson"), "msgspec": metadata.version("msgspec"),
            "moto": moto_peer.version(), "node": None if args.no_node else platform_node(),
            "aws-local-stepfunctions": local_sfn.version() if local_sfn.installed() else None,
            "duration": args.duration, "rounds": args.rounds}
    if args.json:
        print(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2))
    else:
        print(" ".join(f"{k}={v}" for k, v in meta.items()))
        print("x hand = time per execution / the hand-written function's of the same form")
        print(table(rows))
    found = targets(rows)
    if not args.json:
        print("\ntargets (issue 3)\n" + targets_table(found))
    broken = [t.name for t in found if t.floor and t.met is False]
    if broken:
        print("below a floor: " + "; ".join(broken), file=sys.stderr)
    return 1 if broken or any(r.status in ("mismatch", "error") and r.engine.startswith("fastsfn")
                              for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
