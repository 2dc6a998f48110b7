"""The on-disk part of the shipper's queue: append-only batch files read back oldest first.

Stage: logs. Layout of a spool directory:

- `<first seq>-<last seq>.jsonl`: sealed batches, one JSON line each
  (`{"seq", "group", "stream", "events": [[timestamp, message], ...]}`), written once to a
  temporary name and renamed, so a file is complete or absent. Names sort in queue order.
- `<file>.ack`: one byte per batch of `<file>` already shipped; replay skips that many lines.
  A file and its `.ack` are deleted once every batch in it is shipped.
- `.lock`: held (flock) by the one shipper using the directory.

A crash between a successful PutLogEvents call and its ack byte replays that batch once more.
"""
from __future__ import annotations

import fcntl
import logging
import os
from collections import deque
from collections.abc import Sequence

import orjson

from fastsfn.logs.batching import Batch

log = logging.getLogger("fastsfn.logs")

SPOOL_SUFFIX = ".jsonl"
ACK_SUFFIX = ".ack"
# Batches are written in files of about this size; replay holds one file in memory at a time.
FILE_BYTES = 8 * 1024 * 1024


class Spool:
    """Batch files in a directory: append at the tail, read and acknowledge at the head.

    Attributes:
        nbytes: size of the spool files on disk.
        next_seq: the first batch number after every spooled batch.
        replayed: events read back from files a previous shipper left behind.
    """

    def __init__(self, path: str, max_bytes: int) -> None:
        os.makedirs(path, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self._lock_fd = os.open(os.path.join(path, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise RuntimeError(
                f"spool directory {path!r} is in use by another LogShipper") from None
        for name in os.listdir(path):
            if name.startswith(".tmp-"):  # an interrupted write; its batches were never acked
                os.unlink(os.path.join(path, name))
        self._files = deque(sorted(n for n in os.listdir(path) if n.endswith(SPOOL_SUFFIX)))
        self._inherited = set(self._files)
        self.nbytes = sum(os.path.getsize(os.path.join(path, n)) for n in self._files)
        last_name = self._files[-1] if self._files else None  # "<first>-<last>.jsonl"
        self.next_seq = int(last_name.split("-")[1].split(".")[0]) + 1 if last_name else 0
        self.replayed = 0
        self._head: deque[Batch] = deque()
        self._ack: int | None = None  # fd of the head file's .ack, once the head is loaded
        self._ack_failed = False
        self.refusal = ""   # why the last `append` left batches out

    def append(self, batches: Sequence[Batch]) -> list[Batch]:
        """Write sealed batches (in queue order) to new files; return those that did not fit."""
        lines = [orjson.dumps({"seq": b.seq, "group": b.log_group_name,
                               "stream": b.log_stream_name, "events": b.events}) + b"\n"
                 for b in batches]
        start = 0
        while start < len(lines):
            end, size = start, 0
            while (end < len(lines) and self.nbytes + size + len(lines[end]) <= self.max_bytes
                   and (end == start or size + len(lines[end]) <= FILE_BYTES)):
                size += len(lines[end])
                end += 1
            if end == start:
                self.refusal = f"full ({self.max_bytes} bytes)"
                break
            first, last = batches[start].seq, batches[end - 1].seq
            try:
                self._write(f"{first:016d}-{last:016d}{SPOOL_SUFFIX}", lines[start:end])
            except OSError as e:   # a full disk, an I/O error: as good as full
                self.refusal = f"not writable ({e})"
                break
            self.nbytes += size
            self.next_seq = last + 1
            start = end
        return list(batches[start:])

    def front(self) -> Batch | None:
        """The oldest batch not yet acknowledged, or None when the spool is empty."""
        while not self._head and self._files:
            try:
                self._load_head()
            except (OSError, ValueError, KeyError, TypeError) as e:   # not what was written
                self._set_aside(e)
        return self._head[0] if self._head else None

    def pop(self) -> None:
        """Acknowledge the front batch (it was shipped, or will never be)."""
        self.front()
        self._head.popleft()
        try:
            os.write(self._ack, b".")
        except OSError as e:   # the batch is shipped all the same; a restart sends it again
            if not self._ack_failed:
                log.warning("cannot acknowledge shipped batches in %r (%s): a restart will "
                            "send them again", self.path, e)
                self._ack_failed = True
        if not self._head:
            self._delete_head_file()

    def close(self) -> None:
        """Release the directory (files stay for the next shipper)."""
        if self._ack is not None:
            os.close(self._ack)
            self._ack = None
        os.close(self._lock_fd)

    def _write(self, name: str, lines: list[bytes]) -> None:
        temp = os.path.join(self.path, f".tmp-{name}")
        try:
            with open(temp, "wb") as f:
                f.writelines(lines)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, os.path.join(self.path, name))
        except OSError:
            if os.path.exists(temp):
                os.unlink(temp)
            raise
        self._files.append(name)

    def _load_head(self) -> None:
        name = self._files[0]
        file = os.path.join(self.path, name)
        self._ack = os.open(file + ACK_SUFFIX, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        acked = os.fstat(self._ack).st_size
        with open(file, "rb") as f:
            records = [orjson.loads(line) for line in f][acked:]
        self._head.extend([   # all read before any is queued
            Batch.sealed(r["group"], r["stream"], [(ts, m) for ts, m in r["events"]], r["seq"])
            for r in records])
        if name in self._inherited:
            self.replayed += sum(len(batch.events) for batch in self._head)
        if not self._head:  # every batch was acked before the file could be deleted
            self._delete_head_file()

    def _set_aside(self, error: Exception) -> None:
        """Rename the head file `.bad` (kept, never read again), so the rest can be shipped."""
        name = self._files.popleft()
        file = os.path.join(self.path, name)
        if self._ack is not None:
            os.close(self._ack)
            self._ack = None
        log.error("spool file %r cannot be read (%s): set aside as %r, its events not shipped",
                  file, error, file + ".bad")
        try:
            self.nbytes -= os.path.getsize(file)
            os.replace(file, file + ".bad")
        except OSError as e:   # gone, or the disk refuses even this: it is not read again
            log.error("cannot set aside %r: %s", file, e)

    def _delete_head_file(self) -> None:
        file = os.path.join(self.path, self._files.popleft())
        os.close(self._ack)
        self._ack = None
        try:
            self.nbytes -= os.path.getsize(file)
            os.unlink(file)
            os.unlink(file + ACK_SUFFIX)
        except OSError as e:   # (a read-only disk): its batches are shipped and acknowledged
            log.warning("cannot delete the shipped spool file %r: %s", file, e)
