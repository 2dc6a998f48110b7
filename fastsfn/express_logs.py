"""Express execution logs: `loggingConfiguration`, log streams, and handing records to a sink.

Stage: runtime. The executor (`_core.Execution`) has each record written in AWS's Express
log format as its event happens (`fastsfn.logrecords`: one buffer of lines per execution);
this module says which executions log and at what level, names the log group and stream,
and hands an ended execution's records to the shipper (`fastsfn.logs`), which ships them
off the execution path: gathered with other executions' lines into blocks for a `dir:` or
`stdout` sink (`LineBatches`), as events to CloudWatch.
"""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastsfn.logrecords import LineBatches
from fastsfn.logs.batching import EventSizes
from fastsfn.logs.local import BlockSink, LocalShipper
from fastsfn.logs.shipper import LogShipper
from fastsfn.logs.sinks import Sink, open_sink

#: Where logs go: a spec ("dir:PATH", "stdout", "cloudwatch", "cloudwatch:URL") or a sink
#: object (`put_log_events` batches, or `write_blocks` of lines).
LogSink = str | Sink | BlockSink

LEVELS = {"OFF": 0, "FATAL": 1, "ERROR": 2, "ALL": 3}
DEFAULT_SINK = "dir:./fastsfn-logs"
DEFAULT_SPOOL = "fastsfn-logs-spool"   # where a CloudWatch sink's undelivered records wait
SPOOL_SLOTS = 64   # processes (server workers) that can spool under one directory at once

_GROUP_ARN = re.compile(
    r"^arn:aws[\w-]*:logs:[a-z0-9-]+:\d{12}:log-group:(?P<name>[A-Za-z0-9_\-/.#]{1,512})"
    r"(?P<qualifier>:\*)?$")


def _invalid(detail: str) -> str:
    return f"Invalid Logging Configuration: {detail}"


def check_logging_configuration(config: Any) -> str | None:
    """The InvalidLoggingConfiguration message for a bad `loggingConfiguration`, else None."""
    if config is None:
        return None
    if not isinstance(config, dict):
        return _invalid("loggingConfiguration must be an object.")
    level = config.get("level", "OFF")
    if level not in LEVELS:
        return _invalid(f"Unknown level '{level}'.")
    if not isinstance(config.get("includeExecutionData", False), bool):
        return _invalid("includeExecutionData must be a boolean.")
    destinations = config.get("destinations") or []
    if not isinstance(destinations, list) or len(destinations) > 1:
        return _invalid("Must specify exactly one Log Destination.")
    if not destinations:
        return None if level == "OFF" else _invalid("Must specify exactly one Log Destination.")
    arn = (destinations[0] or {}).get("cloudWatchLogsLogGroup", {}).get("logGroupArn")
    match = _GROUP_ARN.match(arn) if isinstance(arn, str) else None
    if match is None:
        return _invalid(f"Invalid Log Group ARN: '{arn}'.")
    if match["qualifier"] is None:
        return _invalid("Log Group ARN must be provided with '*' qualifier.")
    return None


@dataclass(frozen=True, slots=True)
class LogSettings:
    """What a state machine's executions log: level (0 OFF .. 3 ALL), data, log group."""

    level: int = 0
    include_execution_data: bool = False
    log_group_name: str | None = None


OFF = LogSettings()


def log_settings(config: dict | None) -> LogSettings:
    """LogSettings of a valid `loggingConfiguration` (see `check_logging_configuration`)."""
    if not config or LEVELS.get(config.get("level", "OFF"), 0) == 0:
        return OFF
    arn = config["destinations"][0]["cloudWatchLogsLogGroup"]["logGroupArn"]
    return LogSettings(LEVELS[config["level"]], bool(config.get("includeExecutionData")),
                       _GROUP_ARN.match(arn)["name"])


class _StreamNames:
    """AWS's Express log streams: `states/<machine>/<YYYY-MM-DD-HH-MM>/<8 hex>`, the hex
    fixed per process (many executions share one stream; filter by `execution_arn`)."""

    def __init__(self) -> None:
        self._pid = -1
        self._suffix = ""
        self._cache: dict[str, tuple[int, str]] = {}   # machine -> (minute, its stream)

    def name(self, machine_name: str, epoch: float) -> str:
        """The stream of an execution of this state machine started at `epoch`."""
        minute = int(epoch // 60)
        cached = self._cache.get(machine_name)
        if cached is not None and cached[0] == minute:
            return cached[1]
        if os.getpid() != self._pid:   # first use, or a forked worker: its own streams
            self._pid, self._suffix = os.getpid(), os.urandom(4).hex()
            self._cache.clear()
        if len(self._cache) > 1024:
            self._cache.clear()
        stamp = time.strftime("%Y-%m-%d-%H-%M", time.gmtime(minute * 60))
        name = f"states/{machine_name}/{stamp}/{self._suffix}"
        self._cache[machine_name] = (minute, name)
        return name


def _open_shipper(sink: LogSink, spool: str, region_name: str, batches: LineBatches) -> Any:
    """A LocalShipper for a sink that takes blocks of lines (a directory, stdout), taking
    what waits in `batches` before each write; else a LogShipper spooling to the first free
    slot `spool/<n>` (one per process; a restarted process takes a slot back and replays
    what was left there). `sink` is a spec (see `open_sink`) or a sink object."""
    if isinstance(sink, str):
        sink = open_sink(sink, region_name=region_name)
    if hasattr(sink, "write_blocks"):
        return LocalShipper(sink, gather=batches.take_all)
    for slot in range(SPOOL_SLOTS):
        try:
            return LogShipper(sink, spool_dir=os.path.join(spool, str(slot)))
        except RuntimeError:   # that slot's lock is held by another process
            continue
    raise RuntimeError(f"all {SPOOL_SLOTS} log spool slots under {spool!r} are in use")


class ExecutionLogs:
    """Ships each ended execution's log records to the sink (opened on first use)."""

    def __init__(self, sink: LogSink | None = None, region_name: str = "us-east-1",
                 spool: str | None = None) -> None:
        self.sink = sink or DEFAULT_SINK
        self.spool = spool or DEFAULT_SPOOL
        self.region_name = region_name
        self._shipper: Any = None
        self._counters: dict = {}
        self._lock = threading.Lock()
        self.stream_name = _StreamNames().name
        self._batches = LineBatches()   # records for a LocalShipper, a block per stream

    @property
    def shipper(self) -> Any:
        """The LogShipper, started on first use."""
        if self._shipper is None:
            with self._lock:
                if self._shipper is None:
                    self._shipper = _open_shipper(self.sink, self.spool, self.region_name,
                                                  self._batches)
        return self._shipper

    def ended(self, execution: Any, machine_name: str, log_group_name: str, status: str,
              output: Any, output_text: str | None, error: str | None,
              cause: str | None) -> None:
        """Write the execution's end event, then hand its records to the shipper."""
        execution.log_ended(status, output, output_text, error, cause)
        records = execution.log
        if records is None:
            return
        shipper = self._shipper or self.shipper
        stream = self.stream_name(machine_name, execution.start_time)
        if type(shipper) is LocalShipper:   # the lines as they are written, a block at a time
            block = self._batches.add(log_group_name, stream, records)
            if block is not None:
                shipper.put_lines(log_group_name, stream, *block)
            return
        shipper.put(log_group_name, stream, records.events(), EventSizes(
            records.nbytes, records.longest, records.first, records.last))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record handed over so far is shipped (or spooled)."""
        return True if self._shipper is None else self._shipper.flush(timeout)

    def close(self) -> None:
        """Ship everything, then stop the shipper."""
        with self._lock:
            shipper, self._shipper = self._shipper, None
        if shipper is not None:
            shipper.close()
            self._counters = dict(shipper.counters)

    @property
    def counters(self) -> dict:
        """The shipper's counters (shipped, retried, spooled, dropped, ...), kept after close."""
        shipper = self._shipper
        return self._counters if shipper is None else dict(shipper.counters)
