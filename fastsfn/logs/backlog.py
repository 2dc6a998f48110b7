"""The shipper's queue of batches: the spool (oldest) followed by memory (newest).

Stage: logs. Not thread-safe; the shipper holds its lock around every call. Order is kept per
log stream: spooled batches are older than any batch in memory, and when memory passes its
bound, all of it moves to the tail of the spool. So the front batch stays the front while it is
being sent, whichever tier holds it, and `pop` after a successful call removes exactly it.
"""
from __future__ import annotations

import logging
from bisect import bisect_right
from collections import deque
from itertools import accumulate, repeat
from operator import add, itemgetter

from fastsfn.logs.batching import (EVENT_OVERHEAD_BYTES, MAX_BATCH_SPAN_MS, MAX_EVENT_BYTES,
                                   PUT_LOG_EVENTS, Batch, BatchLimits, Event, EventSizes)
from fastsfn.logs.spool import Spool

log = logging.getLogger("fastsfn.logs")

_timestamp = itemgetter(0)
_message = itemgetter(1)


def _encoded(events: list[Event]) -> list:
    """The messages, or their UTF-8 bytes when some are not ASCII: what `len` counts right."""
    messages = list(map(_message, events))
    if all(map(str.isascii, messages)):   # O(1) per message
        return messages
    return [message.encode("utf-8") for message in messages]


class Backlog:
    """Batches waiting to be shipped, oldest first.

    Attributes:
        memory_bytes: size (as PutLogEvents counts it) of the events held in memory.
        spooled: events written to the spool.
        dropped: events lost: memory full without a spool, the spool full or not
            writable, or memory left at close without a spool.
    """

    def __init__(self, max_memory_bytes: int, spool: Spool | None,
                 limits: BatchLimits = PUT_LOG_EVENTS) -> None:
        self.limits = limits
        self.max_memory_bytes = max_memory_bytes
        self.spool = spool
        self.memory_bytes = 0
        self.spooled = 0
        self.dropped = 0
        self._open: dict[tuple[str, str], Batch] = {}  # one growing batch per stream
        self._sealed: deque[Batch] = deque()
        self._next_seq = spool.next_seq if spool is not None else 0
        self._dropping = False  # warn once per run of drops, not once per event

    def add(self, log_group_name: str, log_stream_name: str, event: Event, size: int) -> None:
        """Queue one event; past the memory bound, spill memory to the spool first."""
        if self.memory_bytes + size > self.max_memory_bytes:
            if self.spool is None:
                self._drop(1, "the in-memory log queue is full and no spool_dir is set")
                return
            self.spill()
        key = (log_group_name, log_stream_name)
        batch = self._open.get(key)
        if batch is None or not batch.fits(event[0], size):
            if batch is not None:
                self._seal(batch)
            batch = self._open[key] = Batch(log_group_name, log_stream_name, self.limits)
        batch.add(event, size)
        self.memory_bytes += size
        self._dropping = False

    def add_many(self, log_group_name: str, log_stream_name: str, events: list[Event],
                 sizes: EventSizes | None = None) -> bool:
        """Queue a stream's events in order, filling batches as far as the limits allow.

        `sizes`, when the caller knows them, spares reading every message again; otherwise
        the checks run over the whole list at C speed. False (nothing queued) when some event
        needs `add`'s one-by-one path: a size PutLogEvents refuses, a span of 24 hours or
        more, or no room left in memory.
        """
        if not events:
            return True
        lengths: list | None = None
        if sizes is None:
            lengths = _encoded(events)
            if min(map(len, lengths)) == 0:
                return False
            sizes = EventSizes(sum(map(len, lengths)) + len(events) * EVENT_OVERHEAD_BYTES,
                               max(map(len, lengths)) + EVENT_OVERHEAD_BYTES,
                               min(map(_timestamp, events)), max(map(_timestamp, events)))
        total, first, last = sizes.nbytes, sizes.first, sizes.last
        if (sizes.longest > min(MAX_EVENT_BYTES, self.limits.bytes)
                or last - first >= MAX_BATCH_SPAN_MS
                or self.memory_bytes + total > self.max_memory_bytes):
            return False
        self.memory_bytes += total
        self._dropping = False
        key = (log_group_name, log_stream_name)
        batch = self._open.get(key)
        if (batch is not None and batch.fits_span(first, last)
                and len(batch.events) + len(events) <= self.limits.events
                and batch.nbytes + total <= self.limits.bytes):
            batch.add_all(events, first, last, total)   # the usual case: one copy
            return True
        # ends[i]: bytes of events[:i + 1] as PutLogEvents counts them
        if lengths is None:
            lengths = _encoded(events)
        ends = list(accumulate(map(add, map(len, lengths), repeat(EVENT_OVERHEAD_BYTES))))
        limits, start, done = self.limits, 0, 0
        while start < len(events):
            batch = self._open.get(key)
            if batch is None:
                batch = self._open[key] = Batch(log_group_name, log_stream_name, limits)
            elif not batch.fits_span(first, last):
                self._seal(batch)
                continue
            room = min(limits.events - len(batch.events),
                       bisect_right(ends, done + limits.bytes - batch.nbytes, start) - start)
            if room <= 0:
                self._seal(batch)
                continue
            stop = start + room
            batch.add_all(events[start:stop], first, last, ends[stop - 1] - done)
            start, done = stop, ends[stop - 1]
        return True

    def seal_all(self) -> int:
        """Close every growing batch; return the last sequence number handed out."""
        for batch in self._open.values():
            self._seal(batch, remove=False)
        self._open.clear()
        return self._next_seq - 1

    def front(self) -> Batch | None:
        """The oldest batch (sealing the oldest growing one if nothing else waits)."""
        batch = self._spool_front()  # batches on disk are the oldest
        if batch is not None:
            return batch
        if not self._sealed and self._open:
            self._seal(next(iter(self._open.values())))
        return self._sealed[0] if self._sealed else None

    def pop(self, sent: Batch) -> None:
        """Remove `sent`, the front batch when it was taken to be sent. A spill meanwhile
        (the sender holds no lock while it sends) moved it to the head of the spool, so that
        copy goes; or the spool could not take it, and it was counted as dropped: it was
        shipped after all."""
        head = self._spool_front()
        if head is not None and head.seq == sent.seq:
            self.spool.pop()
        elif self._sealed and self._sealed[0] is sent:
            self.memory_bytes -= self._sealed.popleft().nbytes
        else:
            self.dropped -= len(sent.events)

    def pending_through(self, seq: int) -> bool:
        """Whether a batch numbered `seq` or lower is still queued."""
        front = self._spool_front() or (self._sealed[0] if self._sealed else None)
        return front is not None and front.seq <= seq

    def spill(self) -> None:
        """Move everything in memory to the tail of the spool (dropping what does not fit)."""
        self.seal_all()
        batches = list(self._sealed)
        self._sealed.clear()
        self.memory_bytes = 0
        assert self.spool is not None
        lost = self.spool.append(batches)
        lost_events = sum(len(b.events) for b in lost)
        self.spooled += sum(len(b.events) for b in batches) - lost_events
        if lost_events:
            self._drop(lost_events, f"the spool {self.spool.path!r} is {self.spool.refusal}")

    def drop_memory(self, reason: str) -> None:
        """Discard everything in memory (when it can be neither shipped nor spooled)."""
        count = sum(len(b.events) for b in (*self._sealed, *self._open.values()))
        self._open.clear()
        self._sealed.clear()
        self.memory_bytes = 0
        if count:
            self._drop(count, reason)

    def _spool_front(self) -> Batch | None:
        return self.spool.front() if self.spool is not None else None

    def _seal(self, batch: Batch, *, remove: bool = True) -> None:
        if remove:
            del self._open[(batch.log_group_name, batch.log_stream_name)]
        batch.seal(self._next_seq)
        self._next_seq += 1
        self._sealed.append(batch)

    def _drop(self, count: int, reason: str) -> None:
        self.dropped += count
        if not self._dropping:
            log.warning("dropping log events: %s (%d dropped so far)", reason, self.dropped)
            self._dropping = True
