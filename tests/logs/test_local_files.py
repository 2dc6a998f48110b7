"""LocalShipper with a directory: stream files written by the C queue (`BlockQueue.write`),
rotated between lines, reopened after a failure, every line once and in order."""
from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from fastsfn.logs import DirSink, LocalShipper, local
from fastsfn.logs.blockqueue import BlockQueue

from .test_local import GROUP, RecordingSink, events, lines, put_from_threads

GROUP_DIR = "%2Faws%2Fvendedlogs%2Fstates%2Forders-Logs"


def _files_oldest_first(base) -> list:
    rotated = sorted(base.parent.glob(base.name + ".*"), key=lambda p: -int(p.suffix[1:]))
    return [*rotated, base]


def test_files_rotate_between_lines_as_the_writer_writes_them(tmp_path):
    with LocalShipper(DirSink(str(tmp_path), rotate_bytes=2000), wake_bytes=1) as shipper:
        for start in range(0, 600, 40):
            shipper.put(GROUP, "s", events(start, 40, ',"pad":"' + "x" * 30 + '"'))
    files = _files_oldest_first(tmp_path / GROUP_DIR / "s.log")
    assert len(files) > 5
    assert all(f.stat().st_size <= 2000 for f in files)
    assert [line for f in files for line in lines(f)] == [
        m for _, m in events(0, 600, ',"pad":"' + "x" * 30 + '"')]


def test_more_streams_than_open_files_each_get_their_own_lines(tmp_path):
    streams = [f"s{i}" for i in range(local.OPEN_FILES + 10)]
    with LocalShipper(DirSink(str(tmp_path)), wake_bytes=1) as shipper:
        for start in range(0, 30, 10):
            for stream in streams:   # interleaved: files closed and opened again
                shipper.put(GROUP, stream, events(start, 10))
            assert shipper.flush(10)
    for stream in streams:
        assert lines(tmp_path / GROUP_DIR / f"{stream}.log") == [m for _, m in events(0, 30)]


class OpensCounted(DirSink):
    """A directory whose stream files' openings are counted."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.opened: dict[str, int] = {}

    def open_stream(self, log_group_name: str, log_stream_name: str):
        self.opened[log_stream_name] = self.opened.get(log_stream_name, 0) + 1
        return super().open_stream(log_group_name, log_stream_name)


def test_past_the_open_files_the_one_written_longest_ago_is_closed(tmp_path):
    sink = OpensCounted(str(tmp_path))
    others = [f"s{i}" for i in range(2 * local.OPEN_FILES)]
    with LocalShipper(sink, wake_bytes=1) as shipper:
        for i, stream in enumerate(others):   # a busy stream written between each other one
            shipper.put(GROUP, "busy", events(i, 1))
            shipper.put(GROUP, stream, events(i, 1))
            assert shipper.flush(10)
    assert sink.opened["busy"] == 1   # first opened, but never the idlest
    assert all(sink.opened[stream] == 1 for stream in others)
    assert lines(tmp_path / GROUP_DIR / "busy.log") == [m for _, m in
                                                        events(0, len(others))]


def test_streams_are_numbered_again_once_many_were(tmp_path, monkeypatch):
    monkeypatch.setattr(local, "STREAM_IDS", 3)
    shipper = LocalShipper(DirSink(str(tmp_path)), flush_interval=0.01)
    for round_ in range(4):
        for i in range(5):
            shipper.put(GROUP, f"s{i}", events(round_ * 10, 10))
        assert shipper.flush(10)
        deadline = time.monotonic() + 5   # the writer renumbers at its next interval
        while len(shipper._keys) > 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(shipper._keys) <= 3
    shipper.close()
    for i in range(5):
        assert lines(tmp_path / GROUP_DIR / f"s{i}.log") == [m for _, m in events(0, 40)]


def test_a_block_under_the_wake_size_is_written_within_the_interval(tmp_path):
    shipper = LocalShipper(DirSink(str(tmp_path)), flush_interval=0.05, wake_bytes=1 << 30)
    shipper.put(GROUP, "s", events(0, 3))
    path = tmp_path / GROUP_DIR / "s.log"
    deadline = time.monotonic() + 5
    while not (path.exists() and len(lines(path)) == 3) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lines(path) == [m for _, m in events(0, 3)]
    shipper.close()


def test_a_write_that_fails_part_way_goes_on_where_it_stopped(tmp_path):
    # A file size limit makes the kernel take part of a write, then refuse the rest (EFBIG);
    # once the limit is raised the writer reopens the file and writes the rest: every line
    # exactly once.
    script = """
import os, resource, signal, sys, time
from fastsfn.logs import DirSink, LocalShipper
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (30_001, hard))
shipper = LocalShipper(DirSink(sys.argv[1]), wake_bytes=1, backoff_base=0.01, backoff_cap=0.02)
for n in range(50):
    shipper.put_lines("g", "s", b"".join(b'{"n":%d,"i":%d}\\n' % (n, i) for i in range(40)), 40)
deadline = time.monotonic() + 10
while shipper.counters["retried"] < 2 and time.monotonic() < deadline:
    time.sleep(0.01)
print("retried", shipper.counters["retried"] >= 2, "written", os.path.getsize(sys.argv[1] + "/g/s.log"))
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
print("flushed", shipper.flush(10))
shipper.close()
print(shipper.counters["shipped"], shipper.counters["dropped"])
"""
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout.split() == ["retried", "True", "written", "30001", "flushed", "True",
                                  "2000", "0"], out.stdout + out.stderr
    expected = [f'{{"n":{n},"i":{i}}}' for n in range(50) for i in range(40)]
    assert (tmp_path / "g" / "s.log").read_text().splitlines() == expected


def test_the_queue_refuses_puts_after_close_and_says_when_it_is_empty():
    queue = BlockQueue(1 << 20, 1)
    queue.put(0, b"a\n", 1)
    queue.close()
    with pytest.raises(RuntimeError, match="after close"):
        queue.put(0, b"b\n", 1)
    assert queue.take(0.0, False) == [(0, b"a\n", 1)]
    queue.taken(2)
    assert queue.take(0.0, False) is None
    assert (queue.shipped, queue.queued_bytes) == (1, 0)


def test_a_flush_gives_up_after_its_timeout_while_the_sink_is_down():
    sink = RecordingSink()
    sink.open.clear()
    shipper = LocalShipper(sink)
    shipper.put(GROUP, "s", events(0, 5))
    started = time.monotonic()
    assert shipper.flush(0.2) is False
    assert time.monotonic() - started < 5
    sink.open.set()
    assert shipper.flush(10) is True
    shipper.close()
    assert sink.written[(GROUP, "s")] == [m for _, m in events(0, 5)]


def test_the_writers_own_puts_never_wait_for_room(tmp_path):
    # Each interval the writer queues what `gather` holds; were it to wait for room like the
    # executing threads, a full queue would stop it, and them, for good.
    line = b'{"n":1}\n'

    def gather() -> list:
        return [(GROUP, "gathered", line * 200, 200)]

    shipper = LocalShipper(DirSink(str(tmp_path)), max_queued_bytes=1000, wake_bytes=1 << 30,
                           flush_interval=0.005, gather=gather)

    def produce() -> None:
        for _ in range(200):
            shipper.put_lines(GROUP, "put", line * 200, 200)   # each past the bound

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    producer.join(30)
    assert not producer.is_alive(), "the writer stopped with the queue full"
    shipper.close()
    assert lines(tmp_path / GROUP_DIR / "put.log") == ['{"n":1}'] * 40_000
    assert len(lines(tmp_path / GROUP_DIR / "gathered.log")) % 200 == 0


def test_puts_from_many_threads_reach_their_files_in_order(tmp_path):
    counters = put_from_threads(LocalShipper(DirSink(str(tmp_path), rotate_bytes=50_000),
                                             wake_bytes=4096), 3000)
    for i in range(4):
        files = _files_oldest_first(tmp_path / GROUP_DIR / f"s{i}.log")
        assert [line for f in files for line in lines(f)] == [m for _, m in events(0, 3000)]
    assert counters["shipped"] == 12_000 and counters["queued_bytes"] == 0
