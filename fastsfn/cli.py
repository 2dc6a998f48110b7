"""Command line: `fastsfn validate FILE` and `fastsfn execute FILE`.

Stage: shell. Each command is a thin call into the in-process client.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def _print(doc: dict) -> None:
    doc = {k: v for k, v in doc.items() if k != "ResponseMetadata"}
    print(json.dumps(doc, indent=2, default=_json_default))


def _machine_name(path: Path) -> str:
    name = path.name.split(".")[0]
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)[:80] or "machine"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_validate(args: argparse.Namespace) -> int:
    from fastsfn import client

    definition = Path(args.file).read_text()
    result = client().validate_state_machine_definition(
        definition=definition, type=args.type, severity="WARNING" if args.warnings else "ERROR")
    _print(result)
    return 0 if result["result"] == "OK" else 1


def cmd_execute(args: argparse.Namespace) -> int:
    from fastsfn import client
    from fastsfn.resources import handlers_from_spec

    if args.input is not None and args.input_file is not None:
        print("fastsfn execute: give --input or --input-file, not both", file=sys.stderr)
        return 2
    text = args.input if args.input is not None else (
        Path(args.input_file).read_text() if args.input_file else "{}")
    handlers = handlers_from_spec(args.handlers) if args.handlers else None
    sfn = client(handlers=handlers)
    path = Path(args.file)
    try:
        arn = sfn.create_state_machine(
            name=_machine_name(path), definition=path.read_text(), type="EXPRESS",
            roleArn="arn:aws:iam::123456789012:role/fastsfn")["stateMachineArn"]
        result = sfn.start_sync_execution(stateMachineArn=arn, input=text)
    except sfn.exceptions.ClientError as e:
        error = e.response["Error"]
        print(f"fastsfn execute: {error['Code']}: {error['Message']}", file=sys.stderr)
        return 1
    finally:
        sfn.close()
    _print(result)
    return 0 if result["status"] == "SUCCEEDED" else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from fastsfn import bench
    from fastsfn.jsontext import dumpb, loads
    from fastsfn.resources import handlers_from_spec

    definition = Path(args.file).read_text()
    if args.inputs:
        inputs = [loads(line) for line in Path(args.inputs).read_text().splitlines()
                  if line.strip()]
    elif args.input_file:
        inputs = [loads(Path(args.input_file).read_text())]
    else:
        inputs = [{}]
    if args.processes > 1:
        report = bench.run_processes(definition, inputs, args.handlers, args.duration,
                                     args.concurrency, args.processes, args.type)
    else:
        handlers = handlers_from_spec(args.handlers) if args.handlers else None
        report = bench.run_bench(definition, inputs, handlers, args.duration, args.concurrency,
                                 args.type, progress=not args.json)
    prices = bench.Prices()
    if args.price_request is not None:
        prices.express_request = args.price_request
    if args.price_gb_second is not None:
        prices.express_gb_second_tiers = ((float("inf"), args.price_gb_second),)
    if args.price_transition is not None:
        prices.standard_transition = args.price_transition
    payload = max(len(dumpb(value)) for value in inputs)
    summary = bench.summarize(report, definition, payload,
                              bench.definition_steps(loads(definition)), prices)
    print(json.dumps(summary, indent=2) if args.json else bench.format_summary(summary))
    return 0


def load_definitions(sfn: Any, directory: Path, role_arn: str) -> list[str]:
    """Create or update an EXPRESS machine per `<name>.asl.json` in `directory`; the errors."""
    errors = []
    for path in sorted(directory.glob("*.asl.json")):
        name = path.name[:-len(".asl.json")]
        try:
            definition = path.read_text()
            try:
                sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn,
                                         type="EXPRESS")
            except sfn.exceptions.StateMachineAlreadyExists:
                sfn.update_state_machine(stateMachineArn=sfn.runtime.state_machine_arn(name),
                                         definition=definition)
        except sfn.exceptions.ClientError as e:
            error = e.response["Error"]
            errors.append(f"{path}: {error['Code']}: {error['Message']}")
        except (OSError, UnicodeDecodeError) as e:
            errors.append(f"{path}: {e}")
    return errors


def cmd_serve(args: argparse.Namespace) -> int:
    from fastsfn import client
    from fastsfn.logs.sinks import parse_sink
    from fastsfn.resources import handlers_from_spec
    from fastsfn.server.workers import run_workers

    if args.log_sink is not None:
        try:
            parse_sink(args.log_sink)
        except ValueError as e:
            print(f"fastsfn serve: --log-sink: {e}", file=sys.stderr)
            return 2
    handlers = handlers_from_spec(args.handlers) if args.handlers else None
    definitions = Path(args.definitions) if args.definitions else None
    role_arn = f"arn:aws:iam::{args.account_id}:role/fastsfn"
    if definitions is not None:
        if not definitions.is_dir():
            print(f"fastsfn serve: --definitions {definitions}: not a directory", file=sys.stderr)
            return 2
        with client(region_name=args.region, account_id=args.account_id) as check:
            errors = load_definitions(check, definitions, role_arn)  # before any worker starts
        for error in errors:
            print(f"fastsfn serve: {error}", file=sys.stderr)
        if errors:
            return 1

    def make_client() -> Any:  # called in each worker
        sfn = client(handlers=handlers, region_name=args.region, account_id=args.account_id,
                     data_dir=args.data_dir, log_sink=args.log_sink, log_spool=args.log_spool)
        if definitions is not None:
            load_definitions(sfn, definitions, role_arn)
        return sfn

    # With logs on stdout, stdout holds nothing else: the ready line goes to stderr.
    banner = sys.stderr if args.log_sink == "stdout" else None
    return run_workers(args.host, args.port, make_client, args.workers, banner=banner,
                       access_log=args.access_log, max_inflight=args.max_inflight,
                       grace_period=args.grace_period)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fastsfn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="validate a state machine definition")
    p.add_argument("file")
    p.add_argument("--type", default="EXPRESS", choices=["EXPRESS", "STANDARD"])
    p.add_argument("--warnings", action="store_true", help="also list WARNING diagnostics")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("execute", help="run a definition once, like StartSyncExecution")
    p.add_argument("file")
    p.add_argument("--input", help="execution input as JSON text")
    p.add_argument("--input-file", help="file holding the execution input")
    p.add_argument("--handlers", help="module:attr of a mapping resource -> callable")
    p.set_defaults(func=cmd_execute)

    p = sub.add_parser("bench", help="load-test a definition; executions/s, latency, AWS cost")
    p.add_argument("file")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--input-file", help="one execution input (JSON)")
    group.add_argument("--inputs", help="NDJSON file of inputs, used in turn")
    p.add_argument("--duration", type=float, default=5.0, help="seconds (default 5)")
    p.add_argument("--concurrency", type=int, default=1,
                   help="executions in flight when they suspend (default 1)")
    p.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--handlers", help="module:attr of a mapping resource -> callable")
    p.add_argument("--type", default="EXPRESS", choices=["EXPRESS", "STANDARD"])
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--price-request", type=float, help="USD per Express request")
    p.add_argument("--price-gb-second", type=float, help="USD per Express GB-second (flat)")
    p.add_argument("--price-transition", type=float, help="USD per Standard state transition")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("serve", help="serve the Step Functions API (AWS JSON 1.0) over HTTP")
    p.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback only)")
    p.add_argument("--port", type=int, default=8083)
    p.add_argument("--handlers", help="module:attr of a mapping resource -> callable")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--account-id", default="123456789012")
    p.add_argument("--access-log", action="store_true")
    p.add_argument("--data-dir", help="keep state machines and tags in a SQLite file here "
                                      "(shared by workers, kept across restarts)")
    p.add_argument("--definitions", help="create an EXPRESS state machine from each "
                                         "<name>.asl.json in this directory at startup")
    p.add_argument("--workers", type=_positive_int, default=1,
                   help="processes serving the port (SO_REUSEPORT; default 1)")
    p.add_argument("--max-inflight", type=_positive_int, default=10_000,
                   help="executions in flight per worker before StartExecution and "
                        "StartSyncExecution answer ThrottlingException (default 10000)")
    p.add_argument("--grace-period", type=float, default=10.0,
                   help="seconds in-flight requests and executions get after SIGTERM "
                        "(default 10)")
    p.add_argument("--log-sink", default="dir:./fastsfn-logs",
                   help="where executions of machines with a loggingConfiguration log: "
                        "dir:PATH (default dir:./fastsfn-logs), stdout, cloudwatch, "
                        "cloudwatch:URL")
    p.add_argument("--log-spool", help="where log records wait while a CloudWatch endpoint is "
                                       "down (default ./fastsfn-logs-spool)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `fastsfn` command."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
