"""The local lane: log events to a directory or stdout, written with the GIL given up.

Stage: logs. Files and stdout have no PutLogEvents limits to batch for, so this shipper
skips `LogShipper`'s batching: it takes events as blocks of lines (`put_lines`, the form an
execution's records are made in; `put` joins events' messages into one), and a writer
thread hands each stream's blocks to the sink in one system call, holding the GIL only to
collect them. Past `max_queued_bytes` waiting, `put` waits for the writer (a local disk that
cannot keep up slows the executions down instead of losing events); a failed write is
retried with backoff and jitter until it succeeds or the shipper is closed.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from itertools import chain
from operator import itemgetter
from types import TracebackType
from typing import Protocol, Self

from fastsfn.logs.batching import Event, EventSizes

log = logging.getLogger("fastsfn.logs")

MAX_QUEUED_BYTES = 64 * 1024 * 1024
WAKE_BYTES = 1024 * 1024   # the writer is woken once this much waits
_message = itemgetter(1)


class BlockSink(Protocol):
    """A sink that takes whole blocks of lines (one line per event)."""

    def write_blocks(self, log_group_name: str, log_stream_name: str,
                     blocks: list[bytes]) -> None:
        """Append the blocks, in order; on a failure, leave in `blocks` only what was not
        written (the shipper retries with the same list)."""

    def close(self) -> None:
        """Release files."""


class _Marker:
    """Queued by `flush`: set once everything queued before it is written."""

    __slots__ = ("written",)

    def __init__(self) -> None:
        self.written = threading.Event()


class _Pending:
    """One stream's blocks waiting for the writer, and how many events they hold."""

    __slots__ = ("blocks", "count")

    def __init__(self) -> None:
        self.blocks: list[bytes] = []
        self.count = 0


class LocalShipper:
    """Writes the blocks put for each stream, in order, losing none.

    The same interface as `LogShipper` (`put`, `flush`, `close`, `counters`; `put` from any
    thread). Blocks wait per stream until the writer takes them all at once: every
    `flush_interval`, or as soon as `wake_bytes` are waiting, so that little data is waiting
    at any time (what waits falls out of the CPU's caches; a block written soon after it was
    made is still in them). Nothing is spooled: while the sink fails, blocks wait in memory
    and `put` waits for room; only `close`, after `close_timeout` of failures, drops what is
    left and counts it.
    """

    def __init__(self, sink: BlockSink, *, max_queued_bytes: int = MAX_QUEUED_BYTES,
                 wake_bytes: int = WAKE_BYTES, flush_interval: float = 0.02,
                 close_timeout: float = 10.0, backoff_base: float = 0.1,
                 backoff_cap: float = 5.0,
                 gather: Callable[[], list[tuple[str, str, bytes, int]]] | None = None,
                 ) -> None:
        self._sink = sink
        self._gather = gather   # what waits elsewhere: queued before each write
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._markers: list[_Marker] = []
        self._lock = threading.Lock()   # guards _pending, _markers, _put_bytes
        self._max_queued_bytes = max_queued_bytes
        self._wake_bytes = wake_bytes
        self._flush_interval = flush_interval
        self._close_timeout = close_timeout
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._written: list | None = None   # blocks written last, for `put` to free (_lock)
        self._put_bytes = 0        # by `put`, under _lock
        self._taken_bytes = 0      # by the writer, under _lock
        self._written_bytes = 0    # by the writer only
        self._shipped = self._batches = self._retried = self._dropped = 0
        self._room = threading.Condition(threading.Lock())   # `put` waits here when full
        self._wake = threading.Event()
        self._closed = False
        self._writer = threading.Thread(target=self._write_loop, name="fastsfn-logs-writer",
                                        daemon=True)
        self._writer.start()

    def put(self, log_group_name: str, log_stream_name: str, events: Sequence[Event],
            sizes: EventSizes | None = None) -> None:
        """Queue events for a log stream; waits only while `max_queued_bytes` are queued."""
        if events:
            self.put_lines(log_group_name, log_stream_name,
                           "\n".join(chain(map(_message, events), ("",))).encode("utf-8"),
                           len(events))

    def put_lines(self, log_group_name: str, log_stream_name: str, lines: bytes,
                  count: int) -> None:
        """Queue `count` events given as their messages' UTF-8 lines, each ended by a newline."""
        if self._closed:
            raise RuntimeError("LocalShipper.put() after close()")
        put, waiting = self._queue(log_group_name, log_stream_name, lines, count, True)
        if waiting >= self._wake_bytes and not self._wake.is_set():
            self._wake.set()   # (set once: the writer may wait for the GIL a while)
        if put - self._written_bytes > self._max_queued_bytes:
            self._wait_for_room()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is written; False if `timeout` passed first."""
        if self._closed:
            raise RuntimeError("LocalShipper.flush() after close()")
        marker = _Marker()
        with self._lock:
            self._markers.append(marker)
        self._wake.set()
        return marker.written.wait(timeout)

    def close(self) -> None:
        """Write everything (for up to `close_timeout` s while the sink fails), stop, close the
        sink. `put` must not be called concurrently with `close`."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        self._writer.join()
        self._written = None
        self._sink.close()

    @property
    def counters(self) -> dict[str, int]:
        """Event counts so far (the same keys as `LogShipper.counters`)."""
        return {"shipped": self._shipped, "batches": self._batches, "retried": self._retried,
                "rejected": 0, "dropped": self._dropped, "spooled": 0, "replayed": 0,
                "queued_bytes": self._put_bytes - self._written_bytes, "spool_bytes": 0}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _queue(self, log_group_name: str, log_stream_name: str, lines: bytes, count: int,
               free_written: bool) -> tuple[int, int]:
        """Queue a block (and free the blocks written last, when called by a putting thread:
        see `_write_queued`); the bytes put so far, and those waiting for the writer."""
        key = (log_group_name, log_stream_name)
        written = None
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = _Pending()
            pending.blocks.append(lines)
            pending.count += count
            self._put_bytes = put = self._put_bytes + len(lines)
            waiting = put - self._taken_bytes
            if free_written:
                written, self._written = self._written, None
        del written
        return put, waiting

    def _wait_for_room(self) -> None:
        self._wake.set()
        with self._room:
            self._room.wait_for(lambda: self._put_bytes - self._written_bytes
                                <= self._max_queued_bytes or self._closed)

    def _write_loop(self) -> None:
        while True:
            # Straight on while a block's worth waits: after each write the writer already
            # holds the GIL, and each wait for it may last the interpreter's switch interval.
            if self._put_bytes - self._taken_bytes < self._wake_bytes:
                self._wake.wait(self._flush_interval)
            self._wake.clear()
            closing = self._closed
            self._write_queued()
            if closing:
                return

    def _write_queued(self) -> None:
        if self._gather is not None:
            for group, stream, lines, count in self._gather():
                self._queue(group, stream, lines, count, False)
        with self._lock:   # all that was put before each marker is taken with it
            pending, self._pending = self._pending, {}
            markers, self._markers = self._markers, []
            size = self._put_bytes - self._taken_bytes
            self._taken_bytes = self._put_bytes
        if pending:
            streams = {key: p.blocks for key, p in pending.items()}
            self._write(streams, sum(p.count for p in pending.values()), size)
            # Freed by the next `put`, not here: glibc gives memory freed by another thread
            # back to the system, and the putting thread then faults it in again (measured:
            # 12x the page faults, a quarter of ALL's executions/s). What no `put` took
            # since the last write (little traffic) is freed here.
            with self._lock:
                older, self._written = self._written, list(streams.values())
            del older
        for marker in markers:
            marker.written.set()

    def _write(self, streams: dict[tuple[str, str], list[bytes]], count: int, size: int) -> None:
        failures = 0
        give_up_at = None   # set once close() is waiting
        pending = list(streams.items())
        while pending:
            (group, stream), blocks = pending[0]
            try:
                self._sink.write_blocks(group, stream, blocks)
            except Exception as e:  # noqa: BLE001 - any failure may pass: retry later
                failures += 1
                self._retried += 1
                log.log(logging.WARNING if failures == 1 else logging.DEBUG,
                        "cannot write logs (%s: %s); retrying with backoff", type(e).__name__, e)
                ceiling = min(self._backoff_cap, self._backoff_base * 2 ** min(failures, 30))
                if self._closed and give_up_at is None:
                    give_up_at = time.monotonic() + self._close_timeout
                if give_up_at is not None and time.monotonic() > give_up_at:
                    lost = sum(block.count(b"\n") for _, stream_blocks in pending
                               for block in stream_blocks)
                    self._dropped += lost
                    count -= lost
                    log.error("dropped %d log events at close: the sink kept failing", lost)
                    break
                time.sleep(random.uniform(0, ceiling))  # full jitter
                continue
            pending.pop(0)
            self._batches += 1
        if failures:
            log.info("log sink writable again after %d failed writes", failures)
        self._shipped += count
        self._written_bytes += size
        with self._room:
            self._room.notify_all()
