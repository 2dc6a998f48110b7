"""The local lane: log events to a directory or stdout, written without the GIL.

Stage: logs. Files and stdout have no PutLogEvents limits to batch for, so this shipper
skips `LogShipper`'s batching: it takes events as blocks of lines (`put_lines`, the form an
execution's records are made in; `put` joins events' messages into one), queued in C
(`BlockQueue`). For a directory (`DirSink`), the writer thread writes them to the streams'
files in C without the GIL, taking it only to open or rotate a file, on a failure, and every
`flush_interval`; any other sink gets them through `write_blocks`. Past `max_queued_bytes`
waiting, `put` waits for the writer (a local disk that cannot keep up slows the executions
down instead of losing events); a failed write is retried with backoff and jitter until it
succeeds or the shipper is closed.
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
from typing import Any, Protocol, Self

from fastsfn.logs.batching import Event, EventSizes
from fastsfn.logs.blockqueue import CLOSED, FAILED, FULL, INTERVAL, NO_FILE, BlockQueue
from fastsfn.logs.filewrite import keep_freed_heap, writer_is_done
from fastsfn.logs.sinks import OPEN_FILES, ShipperClosed

log = logging.getLogger("fastsfn.logs")

MAX_QUEUED_BYTES = 64 * 1024 * 1024
WAKE_BYTES = 1024 * 1024   # the writer writes once this much waits
STREAM_IDS = 4096          # streams numbered before the numbering starts again (when idle)
_message = itemgetter(1)


class BlockSink(Protocol):
    """A sink that takes whole blocks of lines (one line per event)."""

    def write_blocks(self, log_group_name: str, log_stream_name: str,
                     blocks: list[bytes]) -> None:
        """Append the blocks, in order; on a failure, leave in `blocks` only what was not
        written (the shipper retries with the same list)."""

    def close(self) -> None:
        """Release files."""


class LocalShipper:
    """Writes the blocks put for each stream, in order, losing none.

    The same interface as `LogShipper` (`put`, `flush`, `close`, `counters`; `put` from any
    thread). The writer writes as soon as `wake_bytes` wait (blocks written soon after they
    are made are still in the CPU's caches), when a flush asks, and every `flush_interval`
    (after taking what `gather` holds: partial blocks). A sink that opens its streams' files
    itself (`open_stream`, `rotate_stream`, `rotate_bytes`: `DirSink`) has them written by
    the queue; any other gets `write_blocks`. Nothing is spooled: while the sink
    fails, blocks wait in memory and `put` waits for room (what a flush or close gathers is
    queued past it); only `close`, after `close_timeout` of failures, drops what is left and
    counts it.
    """

    def __init__(self, sink: BlockSink, *, max_queued_bytes: int = MAX_QUEUED_BYTES,
                 wake_bytes: int = WAKE_BYTES, flush_interval: float = 0.02,
                 close_timeout: float = 10.0, backoff_base: float = 0.1,
                 backoff_cap: float = 5.0,
                 gather: Callable[[], list[tuple[str, str, bytes, int]]] | None = None,
                 ) -> None:
        self._sink = sink
        self._gather = gather   # what waits elsewhere: queued before each interval's write
        self._queue = BlockQueue(max_queued_bytes, wake_bytes)
        self._ids: dict[tuple[str, str], int] = {}   # stream -> its number in the queue
        self._keys: list[tuple[str, str]] = []       # number -> stream
        self._ids_lock = threading.Lock()   # numbers and puts: see _renumber
        self._gathering = threading.Lock()  # taking what `gather` holds, and closing
        self._direct = hasattr(sink, "open_stream")   # files written by the queue, in C
        # Open ones (direct); past OPEN_FILES, the one written longest ago is closed.
        self._files: dict[int, Any] = {}
        self._flush_interval = flush_interval
        self._close_timeout = close_timeout
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._retried = 0
        self._failures = 0   # in a row
        self._batches_at_failure = 0
        self._give_up_at: float | None = None
        self._closed = False
        keep_freed_heap(max_queued_bytes)   # what waits is freed and made again all the time
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
                  count: int, wait: bool = True) -> None:
        """Queue `count` events given as their messages' UTF-8 lines, each ended by a newline;
        past `max_queued_bytes`, wait for room unless told not to."""
        if self._closed:
            raise ShipperClosed("LocalShipper.put() after close()")
        key = (log_group_name, log_stream_name)
        with self._ids_lock:
            number = self._ids.get(key)
            if number is None:
                number = self._ids[key] = len(self._keys)
                self._keys.append(key)
            full = self._queue.put(number, lines, count)   # ShipperClosed if closed since
        # Not holding the lock, and never the writer itself: it is the one making room.
        if full and wait and threading.get_ident() != self._writer.ident:
            self._queue.wait_for_room()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is written; False if `timeout` passed first."""
        if self._closed:
            raise ShipperClosed("LocalShipper.flush() after close()")
        with self._gathering:
            self._gather_queued()
        return self._queue.wait_done(self._queue.mark(), -1 if timeout is None else timeout)

    def close(self) -> None:
        """Write everything (for up to `close_timeout` s while the sink fails), stop, close the
        sink. `put` must not be called concurrently with `close`."""
        if self._closed:
            return
        with self._gathering:   # the writer gathers no more after this
            self._gather_queued()
            self._closed = True
            self._queue.close()
        self._writer.join()
        self._queue.release()
        while self._files:
            self._files.popitem()[1].close()
        self._sink.close()

    @property
    def counters(self) -> dict[str, int]:
        """Event counts so far (the same keys as `LogShipper.counters`)."""
        queue = self._queue
        return {"shipped": queue.shipped, "batches": queue.batches, "retried": self._retried,
                "rejected": 0, "dropped": queue.dropped, "spooled": 0, "replayed": 0,
                "queued_bytes": queue.queued_bytes, "spool_bytes": 0}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _gather_now(self) -> bool:
        """`_gather_queued` from the writer, unless closed, or another thread is at it (it
        may be waiting for the room this thread makes)."""
        if not self._gathering.acquire(blocking=False):
            return False
        try:
            return not self._closed and self._gather_queued()
        finally:
            self._gathering.release()

    def _gather_queued(self) -> bool:
        """Queue what `gather` holds, without waiting for room (it is in memory already, and
        a flush or close waiting on a failing sink would never end); whether there was any."""
        if self._gather is None:
            return False
        gathered = self._gather()
        for group, stream, lines, count in gathered:
            self.put_lines(group, stream, lines, count, wait=False)
        return bool(gathered)

    # -- the writer thread ------------------------------------------------------------------

    def _write_loop(self) -> None:
        try:
            self._write_until_closed()
        finally:
            writer_is_done()

    def _write_until_closed(self) -> None:
        drain = False
        while True:
            try:
                if self._direct:
                    what, number, error = self._queue.write(self._flush_interval, drain)
                    if what == CLOSED:
                        return
                    self._handle(what, number, error)
                else:
                    entries = self._queue.take(self._flush_interval, drain)
                    if entries is None:
                        return
                    self._write_blocks(entries)
                    what = INTERVAL   # (each round: these sinks are not the fast lane)
                drain = what == INTERVAL and self._gather_now()   # then written at once
                if what == INTERVAL:
                    self._renumber()
            except Exception as e:  # noqa: BLE001 - any failure may pass: retry later
                self._failed(e)
                continue
            if self._failures and self._queue.batches > self._batches_at_failure:
                log.info("log sink writable again after %d failed writes", self._failures)
                self._failures = 0
                self._give_up_at = None

    def _handle(self, what: int, number: int, error: int) -> None:
        """Do what the queue's `write` came back for."""
        if what == NO_FILE:
            self._open(number, self._sink.open_stream(*self._keys[number]))
        elif what == FULL:
            self._queue.set_file(number, -1, None, 0)
            self._open(number, self._sink.rotate_stream(*self._keys[number],
                                                        self._files.pop(number)))
        elif what == FAILED:
            f = self._files.pop(number)   # its size is unknown now: opened again next time
            self._queue.set_file(number, -1, None, 0)
            f.close()
            raise OSError(error, f"cannot write {f.name}")

    def _open(self, number: int, f: Any) -> None:
        """Have the queue write stream `number` to the open file `f`."""
        self._files[number] = f
        self._queue.set_file(number, f.fd, f.behind, self._sink.rotate_bytes)
        if len(self._files) > OPEN_FILES:
            idle = min((n for n in self._files if n != number), key=self._queue.written_at)
            self._queue.set_file(idle, -1, None, 0)
            self._files.pop(idle).close()

    def _write_blocks(self, entries: list[tuple[int, bytes, int]]) -> None:
        """Hand the blocks taken to the sink, one call per run of one stream's blocks."""
        start = 0
        while start < len(entries):
            number = entries[start][0]
            end = start
            while end < len(entries) and entries[end][0] == number:
                end += 1
            blocks = [block for _, block, _ in entries[start:end]]
            size = sum(map(len, blocks))
            try:
                self._sink.write_blocks(*self._keys[number], blocks)
            except Exception:
                self._queue.taken(size - sum(map(len, blocks)))   # what it left: not written
                raise
            self._queue.taken(size)
            start = end

    def _failed(self, e: Exception) -> None:
        """A failed write: wait with backoff and jitter; past `close_timeout` after close,
        drop what is left."""
        self._failures += 1
        self._retried += 1
        self._batches_at_failure = self._queue.batches
        log.log(logging.WARNING if self._failures == 1 else logging.DEBUG,
                "cannot write logs (%s: %s); retrying with backoff", type(e).__name__, e)
        if self._closed:
            if self._give_up_at is None:
                self._give_up_at = time.monotonic() + self._close_timeout
            elif time.monotonic() > self._give_up_at:
                lost = self._queue.drop_all()
                log.error("dropped %d log events at close: the sink kept failing", lost)
                return
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** min(self._failures, 30))
        writer_is_done()   # no priority for the GIL while it waits
        time.sleep(random.uniform(0, ceiling))  # full jitter

    def _renumber(self) -> None:
        """Number streams from 0 again once many were numbered and nothing is queued (a
        stream a minute per state machine: the numbers would grow without end)."""
        if len(self._keys) <= STREAM_IDS or not self._ids_lock.acquire(blocking=False):
            return
        try:   # puts hold the lock: nothing is queued under an old number meanwhile
            if self._queue.queued_bytes:
                return
            for number in self._files:
                self._queue.set_file(number, -1, None, 0)
            while self._files:
                self._files.popitem()[1].close()
            self._ids.clear()
            self._keys.clear()
        finally:
            self._ids_lock.release()
