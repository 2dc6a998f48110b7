"""Express execution logs shipped to a CloudWatch-Logs-compatible sink, with nothing lost.

Stage: logs. `open_sink(spec)` picks the destination; `LogShipper(sink).put(group, stream,
events)` queues already-formatted events and ships them in valid PutLogEvents batches from a
background thread; `LocalShipper`, for a directory or stdout, takes blocks of lines into a
queue in C, from which its writer thread writes a directory's files without the GIL.
"""
from __future__ import annotations

from fastsfn.logs.local import LocalShipper
from fastsfn.logs.shipper import LogShipper
from fastsfn.logs.sinks import (
    BatchRejected,
    CloudWatchSink,
    DirSink,
    ShipperClosed,
    Sink,
    StdoutSink,
    open_sink,
)

__all__ = [
    "BatchRejected",
    "CloudWatchSink",
    "DirSink",
    "LocalShipper",
    "LogShipper",
    "ShipperClosed",
    "Sink",
    "StdoutSink",
    "open_sink",
]
