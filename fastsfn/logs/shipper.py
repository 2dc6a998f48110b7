"""The log shipper: a queue on the execution path, batching and shipping off it.

Stage: logs. `put` only appends to a deque. An intake thread moves queued events into batches
(spilling to the spool past the memory bound); a sender thread ships the oldest batch, retrying
failures with exponential backoff and full jitter until the sink takes it.
"""
from __future__ import annotations

import logging
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from fastsfn.logs.backlog import Backlog
from fastsfn.logs.batching import (EVENT_OVERHEAD_BYTES, MAX_EVENT_BYTES, PUT_LOG_EVENTS, Event,
                                   EventSizes, event_size)
from fastsfn.logs.sinks import BatchRejected, ShipperClosed, Sink
from fastsfn.logs.spool import Spool

log = logging.getLogger("fastsfn.logs")

MAX_QUEUED_BYTES = 64 * 1024 * 1024
MAX_SPOOL_BYTES = 1024 * 1024 * 1024


class _FlushMarker:
    """Queued by `flush`; the intake thread numbers it after everything queued before it."""

    __slots__ = ("sealed", "seq")

    def __init__(self) -> None:
        self.sealed = threading.Event()
        self.seq = -1


class _Chunk:
    """One stream's events gathered from the inbox, with their sizes while every put told them."""

    __slots__ = ("events", "nbytes", "longest", "first", "last", "measured")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.nbytes = self.longest = self.last = 0
        self.first = sys.maxsize
        self.measured = True

    def add(self, events: Sequence[Event], sizes: EventSizes | None) -> None:
        self.events.extend(events)
        if sizes is None:
            self.measured = False
        elif self.measured:
            self.nbytes += sizes.nbytes
            self.longest = max(self.longest, sizes.longest)
            self.first = min(self.first, sizes.first)
            self.last = max(self.last, sizes.last)

    def sizes(self) -> EventSizes | None:
        return (EventSizes(self.nbytes, self.longest, self.first, self.last)
                if self.measured and self.events else None)


class LogShipper:
    """Ships log events to a sink in valid PutLogEvents batches, losing none.

    Each event ends up in exactly one successful call, or is still queued (in memory or in
    `spool_dir`), or is counted in `counters` as `dropped` (no room, over the event size limit,
    refused for good) or `rejected` (CloudWatch refused its timestamp). A call whose outcome is
    unknown (a timeout after the request went out) is sent again, so it may be stored twice.
    A new shipper on the same `spool_dir` first replays what an earlier one left there.
    """

    def __init__(self, sink: Sink, *, max_queued_bytes: int = MAX_QUEUED_BYTES,
                 spool_dir: str | None = None, max_spool_bytes: int = MAX_SPOOL_BYTES,
                 flush_interval: float = 0.02, close_timeout: float = 10.0,
                 backoff_base: float = 0.1, backoff_cap: float = 5.0) -> None:
        self._sink = sink
        self._inbox: deque[tuple[str, str, Sequence[Event], EventSizes | None]
                           | _FlushMarker] = deque()
        self._cond = threading.Condition()  # guards the backlog and the counters
        self._spool = Spool(spool_dir, max_spool_bytes) if spool_dir is not None else None
        self._backlog = Backlog(max_queued_bytes, self._spool,
                                getattr(sink, "batch_limits", PUT_LOG_EVENTS))
        self._flush_interval = flush_interval
        self._close_timeout = close_timeout
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._shipped = self._batches = self._retried = self._rejected = self._dropped = 0
        self._closed = False
        self._wake_intake = threading.Event()
        self._stop_intake = threading.Event()
        self._stop_sender = threading.Event()
        self._intake = threading.Thread(target=self._intake_loop, name="fastsfn-logs-intake",
                                        daemon=True)
        self._sender = threading.Thread(target=self._sender_loop, name="fastsfn-logs-sender",
                                        daemon=True)
        self._intake.start()
        self._sender.start()

    def put(self, log_group_name: str, log_stream_name: str, events: Sequence[Event],
            sizes: EventSizes | None = None) -> None:
        """Queue events for a log stream; never blocks. The sequence is kept: do not change it.

        `sizes`, when the caller measured the events as it made them, must be exact.
        """
        if self._closed:
            raise ShipperClosed("LogShipper.put() after close()")
        self._inbox.append((log_group_name, log_stream_name, events, sizes))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is shipped; past `timeout`, spool it instead.

        Returns True when every such event was shipped (or counted as dropped or rejected) or,
        after the timeout, now sits in the spool; False otherwise.
        """
        if self._closed:
            raise ShipperClosed("LogShipper.flush() after close()")
        deadline = None if timeout is None else time.monotonic() + timeout
        marker = _FlushMarker()
        self._inbox.append(marker)
        self._wake_intake.set()
        # The intake thread takes it within one pass.
        if not marker.sealed.wait(None if deadline is None else deadline - time.monotonic()):
            return False
        with self._cond:
            if self._wait_shipped(marker.seq, deadline):
                return True
            if self._spool is None:
                return False
            dropped = self._backlog.dropped
            self._backlog.spill()
            return self._backlog.dropped == dropped

    def close(self) -> None:
        """Ship everything (for up to `close_timeout` s), spool what is left, stop, close the sink.

        `put` must not be called concurrently with `close`.
        """
        if self._closed:
            return
        self._closed = True
        self._stop_intake.set()
        self._wake_intake.set()
        self._intake.join()
        with self._cond:
            self._drain_inbox()
            last = self._backlog.seal_all()
            self._cond.notify_all()
            self._wait_shipped(last, time.monotonic() + self._close_timeout)
            self._stop_sender.set()
            self._cond.notify_all()
        self._sender.join()
        with self._cond:
            if self._spool is not None:
                self._backlog.spill()
                self._spool.close()
            else:
                self._backlog.drop_memory("close() could not ship them and no spool_dir is set")
        self._sink.close()

    @property
    def counters(self) -> dict[str, int]:
        """Event counts so far, plus the bytes queued in memory and on disk."""
        with self._cond:
            return {
                "shipped": self._shipped,  # in a successful call and not rejected
                "batches": self._batches,  # successful calls
                "retried": self._retried,  # failed calls, to be tried again
                "rejected": self._rejected,  # refused by CloudWatch (timestamp out of range)
                "dropped": self._dropped + self._backlog.dropped,
                "spooled": self._backlog.spooled,  # written to the spool (then shipped, too)
                "replayed": self._spool.replayed if self._spool is not None else 0,
                "queued_bytes": self._backlog.memory_bytes,
                "spool_bytes": self._spool.nbytes if self._spool is not None else 0,
            }

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _wait_shipped(self, seq: int, deadline: float | None) -> bool:
        # Caller holds self._cond.
        def shipped() -> bool:
            return not self._backlog.pending_through(seq)
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        return self._cond.wait_for(shipped, timeout)

    def _intake_loop(self) -> None:
        while not self._stop_intake.is_set():
            self._wake_intake.wait(self._flush_interval)
            self._wake_intake.clear()
            if self._inbox:
                with self._cond:
                    self._drain_inbox()
                    self._cond.notify_all()

    def _drain_inbox(self) -> None:
        # Caller holds self._cond. Events are gathered per stream and queued a chunk at a time;
        # a flush marker first queues what came before it, then seals it.
        inbox = self._inbox
        chunks: dict[tuple[str, str], _Chunk] = {}
        while inbox:
            item = inbox.popleft()
            if type(item) is _FlushMarker:
                self._queue(chunks)
                chunks = {}
                item.seq = self._backlog.seal_all()
                item.sealed.set()
                continue
            key = (item[0], item[1])
            chunk = chunks.get(key)
            if chunk is None:
                chunks[key] = chunk = _Chunk()
            chunk.add(item[2], item[3])
        self._queue(chunks)

    def _queue(self, chunks: dict[tuple[str, str], _Chunk]) -> None:
        backlog = self._backlog
        for (log_group_name, log_stream_name), chunk in chunks.items():
            events = chunk.events
            if backlog.add_many(log_group_name, log_stream_name, events, chunk.sizes()):
                continue
            for event in events:   # one by one: drop what PutLogEvents refuses, spill as needed
                size = event_size(event[1])
                if size > MAX_EVENT_BYTES or size == EVENT_OVERHEAD_BYTES:
                    self._dropped += 1
                    log.warning("dropped a log event for %s / %s (timestamp %d): its message is "
                                "%d bytes, PutLogEvents takes 1 to %d", log_group_name,
                                log_stream_name, event[0], size - EVENT_OVERHEAD_BYTES,
                                MAX_EVENT_BYTES - EVENT_OVERHEAD_BYTES)
                    continue
                backlog.add(log_group_name, log_stream_name, event, size)

    def _sender_loop(self) -> None:
        failures = 0
        while True:
            with self._cond:
                batch = self._backlog.front()
                while batch is None:
                    if self._stop_sender.is_set():
                        return
                    self._cond.wait()
                    batch = self._backlog.front()
            if self._stop_sender.is_set():
                return
            count = len(batch.events)
            try:
                rejected = self._sink.put_log_events(batch.log_group_name, batch.log_stream_name,
                                                     batch.events)
            except BatchRejected as e:
                log.error("log sink refused %d events for %s / %s; dropped: %s", count,
                          batch.log_group_name, batch.log_stream_name, e)
                with self._cond:
                    self._dropped += count
                    self._backlog.pop(batch)
                    self._cond.notify_all()
                continue
            except Exception as e:  # noqa: BLE001 - any other failure may pass: retry later
                failures += 1
                with self._cond:
                    self._retried += 1
                log.log(logging.WARNING if failures & (failures - 1) == 0 else logging.DEBUG,
                        "cannot ship logs (%s: %s; %d failed calls in a row); retrying with "
                        "backoff", type(e).__name__, e, failures)   # said at 1, 2, 4, 8, ...
                ceiling = min(self._backoff_cap, self._backoff_base * 2 ** min(failures, 30))
                self._stop_sender.wait(random.uniform(0, ceiling))  # full jitter
                continue
            if failures:
                log.info("log sink reachable again after %d failed calls", failures)
                failures = 0
            with self._cond:
                self._backlog.pop(batch)
                self._batches += 1
                self._shipped += count - rejected
                self._rejected += rejected
                self._cond.notify_all()
