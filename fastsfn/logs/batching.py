"""PutLogEvents limits as named constants, and the batch that respects them.

Stage: logs. A `Batch` collects one log stream's events until the next one would break a
PutLogEvents limit; sealing it sorts the events by timestamp (stably), so every sealed batch
is one valid call.
"""
from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple

# CloudWatch Logs PutLogEvents quotas (express-runtime-reference.md, section 5).
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576  # counted as the sum of (UTF-8 message bytes + EVENT_OVERHEAD_BYTES)
EVENT_OVERHEAD_BYTES = 26
# AWS now takes 1 MB events; moto and LocalStack keep the historical 256 KB (with overhead).
MAX_EVENT_BYTES = 262_144
# "A batch of log events in a single request cannot span more than 24 hours." Batches here
# stay strictly below it.
MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000

Event = tuple[int, str]  # (timestamp in epoch milliseconds, message)


class EventSizes(NamedTuple):
    """What the shipper checks of a list of events, handed over by a maker that knows it."""

    nbytes: int   # the sum of their event_size()
    longest: int  # the largest event_size()
    first: int    # the smallest timestamp
    last: int     # the largest timestamp


class BatchLimits(NamedTuple):
    """How many events and bytes one call to a sink may carry."""

    events: int
    bytes: int


PUT_LOG_EVENTS = BatchLimits(MAX_BATCH_EVENTS, MAX_BATCH_BYTES)
# Sinks with no API limit (files, stdout) take bigger batches: fewer hand-offs between the
# shipper's threads and the executing thread.
LOCAL = BatchLimits(100_000, 16 * 1024 * 1024)

_timestamp = itemgetter(0)


def event_size(message: str) -> int:
    """Bytes one event counts for in a PutLogEvents batch."""
    if message.isascii():
        return len(message) + EVENT_OVERHEAD_BYTES
    return len(message.encode("utf-8")) + EVENT_OVERHEAD_BYTES


class Batch:
    """Events of one log stream that fit in one PutLogEvents call.

    Attributes:
        seq: position in the shipper's queue, set when the batch is sealed (-1 before).
        nbytes: the events' size as PutLogEvents counts it.
    """

    __slots__ = ("events", "first_ts", "last_ts", "limits", "log_group_name",
                 "log_stream_name", "nbytes", "seq")

    def __init__(self, log_group_name: str, log_stream_name: str,
                 limits: BatchLimits = PUT_LOG_EVENTS) -> None:
        self.limits = limits
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.events: list[Event] = []
        self.nbytes = 0
        self.first_ts = 0  # smallest timestamp so far
        self.last_ts = 0  # largest timestamp so far
        self.seq = -1

    def fits(self, timestamp: int, size: int) -> bool:
        """Whether one more event keeps the batch within every PutLogEvents limit."""
        if not self.events:
            return True
        return (len(self.events) < self.limits.events
                and self.nbytes + size <= self.limits.bytes
                and max(self.last_ts, timestamp) - min(self.first_ts, timestamp)
                < MAX_BATCH_SPAN_MS)

    def fits_span(self, first: int, last: int) -> bool:
        """Whether events with timestamps from `first` to `last` keep the batch under 24 hours."""
        return (not self.events
                or max(self.last_ts, last) - min(self.first_ts, first) < MAX_BATCH_SPAN_MS)

    def add_all(self, events: list[Event], first: int, last: int, size: int) -> None:
        """Append events that fit every limit (timestamps from `first` to `last`)."""
        if not self.events:
            self.first_ts, self.last_ts = first, last
        else:
            self.first_ts = min(self.first_ts, first)
            self.last_ts = max(self.last_ts, last)
        self.events.extend(events)
        self.nbytes += size

    def add(self, event: Event, size: int) -> None:
        """Append an event that `fits`."""
        timestamp = event[0]
        if not self.events:
            self.first_ts = self.last_ts = timestamp
        elif timestamp < self.first_ts:
            self.first_ts = timestamp
        elif timestamp > self.last_ts:
            self.last_ts = timestamp
        self.events.append(event)
        self.nbytes += size

    def seal(self, seq: int) -> None:
        """Number the batch and put its events in chronological order (stable)."""
        self.seq = seq
        self.events.sort(key=_timestamp)

    @classmethod
    def sealed(cls, log_group_name: str, log_stream_name: str, events: list[Event],
               seq: int) -> Batch:
        """Rebuild a sealed batch (read back from the spool)."""
        batch = cls(log_group_name, log_stream_name)
        batch.events = events
        batch.nbytes = sum(event_size(message) for _, message in events)
        batch.seq = seq
        return batch
