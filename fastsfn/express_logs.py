"""Express execution logs: `loggingConfiguration`, log streams, and handing records to a sink.

Stage: runtime. The executor (`_core.Execution`) has each record written in AWS's Express
log format as its event happens (`fastsfn.logrecords`: one buffer of lines per execution);
this module says which executions log and at what level, names the log group and stream,
and hands an ended execution's records to the shipper (`fastsfn.logs`), which ships them
off the execution path: gathered with other executions' lines into blocks for a `dir:` or
`stdout` sink (`LineBatches`), as events to CloudWatch.
"""
from __future__ import annotations

import atexit
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from fastsfn.logrecords import LineBatches, LocalLane, StreamNames
from fastsfn.logs.batching import EventSizes
from fastsfn.logs.local import BlockSink, LocalShipper
from fastsfn.logs.shipper import LogShipper
from fastsfn.logs.sinks import ShipperClosed, Sink, open_sink, parse_sink

#: Where logs go: a spec ("dir:PATH", "stdout", "cloudwatch", "cloudwatch:URL") or a sink
#: object (`put_log_events` batches, or `write_blocks` of lines).
LogSink = str | Sink | BlockSink

LEVELS = {"OFF": 0, "FATAL": 1, "ERROR": 2, "ALL": 3}
DEFAULT_SINK = "dir:./fastsfn-logs"
DEFAULT_SPOOL = "fastsfn-logs-spool"   # where a CloudWatch sink's undelivered records wait
SPOOL_SLOTS = 64   # processes (server workers) that can spool under one directory at once
#: Shippers open in this process -> the process that opened them (see `_close_open_shippers`).
_OPEN_SHIPPERS: dict[Any, int] = {}

_GROUP_ARN = re.compile(
    r"^arn:aws[\w-]*:logs:[a-z0-9-]+:\d{12}:log-group:(?P<name>[A-Za-z0-9_\-/.#]{1,512})"
    r"(?P<qualifier>:\*)?$")


class LogSinkUnavailable(Exception):
    """The log sink cannot be opened (no credentials, a directory that cannot be made, ...)."""


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


def _open_shipper(sink: LogSink, spool: str, region_name: str, batches: LineBatches) -> Any:
    """A LocalShipper for a sink that takes blocks of lines (a directory, stdout), taking
    what waits in `batches` before each write; else a LogShipper spooling to the first free
    slot `spool/<n>` (one per process; a restarted process takes a slot back and replays
    what was left there). `sink` is a spec (see `open_sink`) or a sink object."""
    opened = isinstance(sink, str)
    if opened:
        sink = open_sink(sink, region_name=region_name)
    if hasattr(sink, "write_blocks"):
        return LocalShipper(sink, gather=batches.take_all)
    for slot in range(SPOOL_SLOTS):
        try:
            return LogShipper(sink, spool_dir=os.path.join(spool, str(slot)))
        except RuntimeError:   # that slot's lock is held by another process
            continue
    if opened:   # (a sink object given stays its giver's)
        sink.close()
    raise RuntimeError(f"all {SPOOL_SLOTS} log spool slots under {spool!r} are in use")


class ExecutionLogs:
    """Ships each ended execution's log records to the sink (opened on first use)."""

    def __init__(self, sink: LogSink | None = None, region_name: str = "us-east-1",
                 spool: str | None = None) -> None:
        self.sink = sink or DEFAULT_SINK
        if isinstance(self.sink, str):
            parse_sink(self.sink)   # a bad spec is refused now, not at the first logged end
        self.spool = spool or DEFAULT_SPOOL
        self.region_name = region_name
        self._shipper: Any = None
        self._counters: dict = {}
        self._lock = threading.Lock()
        self._names = StreamNames()
        self.stream_name = self._names.name
        self._batches = LineBatches()   # records for a LocalShipper, a block per stream
        #: Set while a LocalShipper is open: executions hand their records to it in C.
        self.lane: LocalLane | None = None

    @property
    def shipper(self) -> Any:
        """The LogShipper, started on first use (and again after a close)."""
        return self._current()[0]

    def open(self) -> None:
        """Start the shipper now, for a machine that logs; LogSinkUnavailable if the sink
        cannot be opened (its first logged execution would otherwise find out)."""
        if self._shipper is None:
            try:
                self._current()
            except (ValueError, OSError, RuntimeError) as e:
                raise LogSinkUnavailable(f"the log sink {self.sink!r} cannot be opened: {e}") \
                    from e

    def _current(self) -> tuple[Any, LocalLane | None]:
        """The open shipper (opening the sink if none is) and its lane, read together."""
        with self._lock:
            if self._shipper is None:
                shipper = _open_shipper(self.sink, self.spool, self.region_name, self._batches)
                _OPEN_SHIPPERS[shipper] = os.getpid()
                if type(shipper) is LocalShipper:
                    self.lane = LocalLane(self._batches, self._names, shipper.put_lines,
                                          self._put_late, self.ship)
                self._shipper = shipper
            return self._shipper, self.lane

    def ended(self, execution: Any, machine_name: str, log_group_name: str, status: str,
              output: Any, output_text: str | None, error: str | None,
              cause: str | None) -> None:
        """Write the execution's end event, then hand its records to the shipper."""
        execution.log_ended(status, output, output_text, error, cause)
        records = execution.log
        if records is not None:
            self.ship(log_group_name, machine_name, execution.start_time, records)

    def ship(self, log_group_name: str, machine_name: str, start_time: float,
             records: Any) -> None:
        """Hand an ended execution's records to the shipper; if it is closed meanwhile (a
        `close` in another thread), to the one opened after it."""
        while True:
            shipper, lane = self._current()
            try:
                if lane is not None:   # the lines as they are written, a block at a time
                    if lane.ship(log_group_name, machine_name, start_time, records):
                        return
                    continue
                shipper.put(log_group_name, self.stream_name(machine_name, start_time),
                            records.events(), EventSizes(records.nbytes, records.longest,
                                                         records.first, records.last))
                return
            except ShipperClosed:
                self._closed_behind(shipper)

    def _put_late(self, log_group_name: str, log_stream_name: str, lines: bytes,
                  count: int) -> None:
        """A block of lines its shipper refused as closed: to the one opened after it."""
        while True:
            shipper = self._current()[0]
            try:
                shipper.put_lines(log_group_name, log_stream_name, lines, count)
                return
            except ShipperClosed:
                self._closed_behind(shipper)

    def _closed_behind(self, shipper: Any) -> None:
        """`shipper` refused events as closed (by another thread): the next `_current` opens
        another."""
        self._release(shipper)
        _OPEN_SHIPPERS.pop(shipper, None)

    def _release(self, shipper: Any = None) -> Any:
        """Stop handing records to the open shipper (only if it is `shipper`, when given):
        the next `_current` opens another. The one released, or None."""
        with self._lock:
            current = self._shipper
            if current is None or (shipper is not None and current is not shipper):
                return None
            self._shipper = None
            if self.lane is not None:   # executions still running end through `ended`
                self.lane.open = False
                self.lane = None
            return current

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record handed over so far is shipped (or spooled)."""
        return True if self._shipper is None else self._shipper.flush(timeout)

    def close(self) -> None:
        """Ship everything, then stop the shipper."""
        shipper = self._release()
        if shipper is not None:
            shipper.close()
            _OPEN_SHIPPERS.pop(shipper, None)
            self._counters = dict(shipper.counters)

    @property
    def counters(self) -> dict:
        """The shipper's counters (shipped, retried, spooled, dropped, ...), kept after close."""
        shipper = self._shipper
        return self._counters if shipper is None else dict(shipper.counters)


@atexit.register
def _close_open_shippers() -> None:
    """Ship what shippers nobody closed hold (a client never closed, or collected unclosed;
    an execution that ended after `close`) before the process ends; not in a forked child,
    whose copies are its parent's to close."""
    for shipper, pid in list(_OPEN_SHIPPERS.items()):
        if pid == os.getpid():
            shipper.close()
    _OPEN_SHIPPERS.clear()
