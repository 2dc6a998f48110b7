"""Where shipped log events go: a local directory, stdout, or a CloudWatch Logs endpoint.

Stage: logs. A sink receives one valid PutLogEvents batch per call, from the shipper's thread
only. It raises `BatchRejected` when the batch can never be accepted; any other exception means
"try again later".
"""
from __future__ import annotations

import logging
import os
import sys
from collections import OrderedDict
from itertools import chain
from operator import itemgetter
from typing import Protocol
from urllib.parse import quote, urlsplit

from fastsfn.logs.batching import LOCAL, Event
from fastsfn.logs.filewrite import WriteBehind, write_lines

log = logging.getLogger("fastsfn.logs")

_message = itemgetter(1)

ROTATE_BYTES = 64 * 1024 * 1024
PIECE_EVENTS = 1000  # lines joined at a time (a piece stays in the CPU's cache)
OPEN_FILES = 64  # stream files open at once (DirSink, LocalShipper's writer), the oldest closed
WRITE_BEHIND_BYTES = 8 * 1024 * 1024  # a stream file goes to the disk in steps this big


class BatchRejected(Exception):
    """The endpoint refused this batch for good (e.g. InvalidParameterException)."""


class ShipperClosed(RuntimeError):
    """A shipper was asked to take events after its `close()`."""


class Sink(Protocol):
    """A destination for batches of log events."""

    def put_log_events(self, log_group_name: str, log_stream_name: str,
                       events: list[Event]) -> int:
        """Deliver one valid batch; return how many of its events the endpoint rejected."""

    def close(self) -> None:
        """Release files and connections."""


def parse_sink(spec: str) -> tuple[str, str]:
    """A sink spec's kind ("dir", "stdout", "cloudwatch") and argument (the path, the URL,
    or ""); ValueError saying what is wrong with a bad one."""
    kind, _, arg = spec.partition(":")
    if (kind == "dir" and arg) or spec == "stdout":
        return kind, arg
    if kind == "cloudwatch":
        url = urlsplit(arg)
        if arg and not (url.scheme in ("http", "https") and url.netloc):
            raise ValueError(f"log sink {spec!r}: {arg!r} is not an http:// or https:// URL")
        return kind, arg
    raise ValueError(f"unknown log sink {spec!r}: expected 'dir:PATH', 'stdout', "
                     f"'cloudwatch' or 'cloudwatch:URL'")


def open_sink(spec: str, *, region_name: str | None = None) -> Sink:
    """Open a sink from its spec: "dir:PATH", "stdout", "cloudwatch" or "cloudwatch:URL"."""
    kind, arg = parse_sink(spec)
    if kind == "dir":
        return DirSink(arg)
    if kind == "stdout":
        return StdoutSink()
    return CloudWatchSink(region_name=region_name, endpoint_url=arg or None)


def _lines(events: list[Event]) -> str:
    """The events' messages, one line each."""
    return "\n".join(chain(map(_message, events), ("",)))


def _drop_written(blocks: list[bytes], n: int) -> None:
    """Take the first `n` bytes off `blocks` (what a failed write had written)."""
    whole = 0
    while whole < len(blocks) and n >= len(blocks[whole]):
        n -= len(blocks[whole])
        whole += 1
    del blocks[:whole]
    if n:
        blocks[0] = blocks[0][n:]


def _file_name(name: str) -> str:
    # Percent-encode everything but [A-Za-z0-9_.-~], so "/" never nests directories and no
    # name can become "." or "..".
    encoded = quote(name, safe="")
    return "%2E" + encoded[1:] if encoded.startswith(".") else encoded


class DirSink:
    """One directory per log group, one file per log stream, one line per event.

    Layout: `PATH/<group>/<stream>.log`, where each name is percent-encoded (`quote(name,
    safe="")`, plus a leading "." as `%2E`): `/aws/vendedlogs/states/m-Logs` becomes the
    directory `%2Faws%2Fvendedlogs%2Fstates%2Fm-Logs`. Each line is the message exactly as it
    would be sent to CloudWatch. A file that would pass `rotate_bytes` is renamed `.log.1`
    (older ones shift to `.log.2`, ...; none are deleted). A file's data goes to the disk
    in steps of `write_behind_bytes` as it is written, and leaves the page cache once there.
    """

    batch_limits = LOCAL  # no API limit: bigger batches, fewer thread hand-offs

    def __init__(self, path: str, *, rotate_bytes: int = ROTATE_BYTES,
                 write_behind_bytes: int = WRITE_BEHIND_BYTES) -> None:
        os.makedirs(path, exist_ok=True)   # OSError now if it cannot be: not at the first write
        self.path = path
        self.rotate_bytes = rotate_bytes
        self.write_behind_bytes = write_behind_bytes
        self._files: OrderedDict[tuple[str, str], _StreamFile] = OrderedDict()

    def stream_path(self, log_group_name: str, log_stream_name: str) -> str:
        """The file holding a log stream's newest events."""
        return os.path.join(self.path, _file_name(log_group_name),
                            _file_name(log_stream_name) + ".log")

    def put_log_events(self, log_group_name: str, log_stream_name: str,
                       events: list[Event]) -> int:
        """Append the batch's messages, one line each."""
        # Joined in pieces that stay in the CPU's cache.
        self.write_blocks(log_group_name, log_stream_name,
                          [_lines(events[start:start + PIECE_EVENTS]).encode("utf-8")
                           for start in range(0, len(events), PIECE_EVENTS)])
        return 0

    def write_blocks(self, log_group_name: str, log_stream_name: str,
                     blocks: list[bytes]) -> None:
        """Append blocks of whole lines, rotating between lines, the GIL given up once per
        file. If a write fails, `blocks` is left holding only what was not written, for
        the retry."""
        key = (log_group_name, log_stream_name)
        f = None
        try:
            f = self._file(key)
            while True:
                written, full = write_lines(f.fd, blocks, f.behind, self.rotate_bytes)
                _drop_written(blocks, written)
                if not full:
                    return
                self._files.pop(key)
                f = self._files[key] = self.rotate_stream(*key, f)
        except OSError as e:
            _drop_written(blocks, getattr(e, "written", 0))
            stale = self._files.pop(key, None)   # its size is unknown now: reopened next time
            if stale is not None:
                stale.close()
            raise

    def open_stream(self, log_group_name: str, log_stream_name: str) -> _StreamFile:
        """A stream's file, opened to append (for a writer that keeps it: see LocalShipper)."""
        path = self.stream_path(log_group_name, log_stream_name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return _StreamFile(path, self.write_behind_bytes)

    def rotate_stream(self, log_group_name: str, log_stream_name: str,
                      full: _StreamFile) -> _StreamFile:
        """Close a stream's full file, rename it `.log.1` (older ones shift), open a new one."""
        full.close()
        path = self.stream_path(log_group_name, log_stream_name)
        n = 1
        while os.path.exists(f"{path}.{n}"):
            n += 1
        for i in range(n, 1, -1):
            os.replace(f"{path}.{i - 1}", f"{path}.{i}")
        os.replace(path, f"{path}.1")
        return self.open_stream(log_group_name, log_stream_name)

    def close(self) -> None:
        """Close every open file."""
        while self._files:
            self._files.popitem()[1].close()

    def _file(self, key: tuple[str, str]) -> _StreamFile:
        f = self._files.get(key)
        if f is not None:
            self._files.move_to_end(key)
            return f
        if len(self._files) >= OPEN_FILES:
            self._files.popitem(last=False)[1].close()
        f = self._files[key] = self.open_stream(*key)
        return f


class _StreamFile:
    """One open log stream file, its data sent to the disk behind the writes (`WriteBehind`):
    a busy stream keeps about two steps in the page cache instead of filling it with lines
    nobody rereads, and its writes land in recycled pages (see `fastsfn/logs/filewrite.pyx`).
    """

    __slots__ = ("file", "fd", "behind", "name")

    def __init__(self, path: str, step: int) -> None:
        self.file = open(path, "ab", buffering=0)  # noqa: SIM115 - closed by close()
        self.fd = self.file.fileno()
        self.name = path
        self.behind = WriteBehind(self.file.tell(), step)

    def close(self) -> None:
        """Close the file (what was not sent yet goes to the disk when the kernel chooses)."""
        if self.behind.error:
            log.info("log file %s stayed in the page cache: %s", self.name,
                     os.strerror(self.behind.error))
        self.file.close()


class StdoutSink:
    """One line per event (the message) on stdout, flushed after each batch."""

    batch_limits = LOCAL  # no API limit: bigger batches, fewer thread hand-offs

    def put_log_events(self, log_group_name: str, log_stream_name: str,
                       events: list[Event]) -> int:
        """Print the batch's messages."""
        self.write_blocks(log_group_name, log_stream_name, [_lines(events).encode("utf-8")])
        return 0

    def write_blocks(self, log_group_name: str, log_stream_name: str,
                     blocks: list[bytes]) -> None:
        """Print blocks of whole lines (`LocalShipper`'s unit); on a failure, `blocks` keeps
        only what stdout did not take."""
        out = sys.stdout  # looked up per call, so redirection (and pytest's capsys) applies
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            out.write(b"".join(blocks).decode("utf-8"))
            out.flush()
            blocks.clear()
            return
        out.flush()   # what was printed as text goes first
        try:
            while blocks:
                buffer.write(blocks[0])   # taken: the buffer writes it, now or at a flush
                del blocks[0]
        except BlockingIOError as e:   # a non-blocking stdout took part of it
            _drop_written(blocks, e.characters_written)
            raise
        buffer.flush()

    def close(self) -> None:
        """Nothing to release."""


class CloudWatchSink:
    """The CloudWatch Logs API through botocore (AWS, LocalStack, moto server, ...).

    Signing, credentials and region come from botocore's usual chain. botocore's own retries
    are off: the shipper retries with its own backoff. The log group and each log stream are
    created on first use, and again if PutLogEvents reports them missing.
    """

    def __init__(self, *, region_name: str | None = None, endpoint_url: str | None = None,
                 connect_timeout: float = 5.0, read_timeout: float = 15.0) -> None:
        import botocore.session  # imported here: only this sink needs botocore
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError

        session = botocore.session.get_session()
        config = Config(retries={"total_max_attempts": 1}, connect_timeout=connect_timeout,
                        read_timeout=read_timeout)
        try:
            if session.get_credentials() is None:
                raise ValueError("log sink 'cloudwatch' needs AWS credentials and found none "
                                 "in botocore's chain (e.g. set AWS_ACCESS_KEY_ID and "
                                 "AWS_SECRET_ACCESS_KEY; any values do for LocalStack or moto)")
            self._client = session.create_client(
                "logs", region_name=region_name or session.get_config_variable("region")
                or "us-east-1", endpoint_url=endpoint_url, config=config)
        except BotoCoreError as e:   # a profile that does not exist, a config file unread, ...
            raise ValueError(f"log sink 'cloudwatch': {e}") from e
        self._groups: set[str] = set()
        self._streams: set[tuple[str, str]] = set()

    def put_log_events(self, log_group_name: str, log_stream_name: str,
                       events: list[Event]) -> int:
        """Send one PutLogEvents call; return the number of events CloudWatch rejected.

        A call that fails after reaching the endpoint (a read timeout, a dropped connection)
        may have been stored; the shipper then sends it again, so such a batch can appear twice.
        """
        from botocore.exceptions import ParamValidationError

        errors = self._client.exceptions
        request = {"logGroupName": log_group_name, "logStreamName": log_stream_name,
                   "logEvents": [{"timestamp": ts, "message": m} for ts, m in events]}
        for attempt in (1, 2):
            try:
                self._ensure_stream(log_group_name, log_stream_name)
                response = self._client.put_log_events(**request)
                break
            except errors.DataAlreadyAcceptedException:   # (an endpoint with sequence tokens)
                return 0
            except ParamValidationError as e:   # botocore's own check: never sendable
                raise BatchRejected(str(e)) from e
            except errors.ResourceNotFoundException:
                # Deleted meanwhile, or a local endpoint restarted without its state: forget
                # what was created and create it again (once; after that the shipper retries).
                self._groups.discard(log_group_name)
                self._streams.discard((log_group_name, log_stream_name))
                if attempt == 2:
                    raise
            except errors.InvalidParameterException as e:
                raise BatchRejected(str(e)) from e
        return _rejected(log_group_name, log_stream_name, response.get("rejectedLogEventsInfo"),
                         len(events))

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def _ensure_stream(self, log_group_name: str, log_stream_name: str) -> None:
        errors = self._client.exceptions
        if (log_group_name, log_stream_name) in self._streams:
            return
        if log_group_name not in self._groups:
            try:
                self._client.create_log_group(logGroupName=log_group_name)
            except errors.ResourceAlreadyExistsException:
                pass
            except errors.ClientError as e:
                # A role allowed only CreateLogStream and PutLogEvents, or the groups' quota
                # reached: the group may well exist; CreateLogStream says if it does not.
                if e.response["Error"]["Code"] not in ("AccessDeniedException",
                                                       "LimitExceededException"):
                    raise
            self._groups.add(log_group_name)
        try:
            self._client.create_log_stream(logGroupName=log_group_name,
                                           logStreamName=log_stream_name)
        except errors.ResourceAlreadyExistsException:
            pass
        self._streams.add((log_group_name, log_stream_name))


def _rejected(log_group_name: str, log_stream_name: str, info: dict | None, count: int) -> int:
    # AWS: tooOldLogEventEndIndex and expiredLogEventEndIndex are exclusive ends of a prefix,
    # tooNewLogEventStartIndex the inclusive start of a suffix (the batch is chronological).
    if not info:
        return 0
    old = max(info.get("tooOldLogEventEndIndex", 0), info.get("expiredLogEventEndIndex", 0))
    new = count - info.get("tooNewLogEventStartIndex", count)
    rejected = min(count, old + new)
    log.warning("CloudWatch Logs rejected %d of %d events in %s / %s (too old: %d, too new: %d)",
                rejected, count, log_group_name, log_stream_name, old, new)
    return rejected
