"""Local sinks (directory, stdout), sink specs, and the spool's file format."""
from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from fastsfn.logs import DirSink, LogShipper, StdoutSink, open_sink, sinks
from fastsfn.logs.backlog import Backlog
from fastsfn.logs.batching import Batch
from fastsfn.logs.spool import Spool

GROUP = "/aws/vendedlogs/states/orders-Logs"
STREAM = "states/orders/2024-01-01-10/7851b2d9"
RECORD = ('{"id":"1","type":"ExecutionStarted","details":{"input":"{\\"a\\": \\"\u00e9\\"}"},'
          '"previous_event_id":"0","event_timestamp":"1668095539607"}')


def test_dir_sink_layout_and_exact_lines(tmp_path):
    with LogShipper(open_sink(f"dir:{tmp_path}")) as shipper:
        shipper.put(GROUP, STREAM, [(1668095539607, RECORD), (1668095539608, "{}")])
        shipper.put(GROUP, "states/other/x", [(1, "{}")])
    group_dir = tmp_path / "%2Faws%2Fvendedlogs%2Fstates%2Forders-Logs"
    assert sorted(p.name for p in group_dir.iterdir()) == [
        "states%2Forders%2F2024-01-01-10%2F7851b2d9.log", "states%2Fother%2Fx.log"]
    text = (group_dir / "states%2Forders%2F2024-01-01-10%2F7851b2d9.log").read_text("utf-8")
    assert text == RECORD + "\n{}\n"


def test_dir_sink_names_cannot_escape_the_directory(tmp_path):
    sink = DirSink(str(tmp_path))
    assert sink.stream_path("..", "../x") == str(tmp_path / "%2E." / "%2E.%2Fx.log")


def test_dir_sink_rotates_at_its_size_limit(tmp_path):
    sink = DirSink(str(tmp_path), rotate_bytes=100)
    lines = [f'{{"n":{i:02d},"pad":"{"x" * 14}"}}' for i in range(10)]  # 32 bytes with "\n"
    for i in range(0, 10, 2):
        sink.put_log_events("g", "s", [(i, lines[i]), (i + 1, lines[i + 1])])
    sink.close()
    base = tmp_path / "g" / "s.log"
    files = [base.with_name(f"s.log.{n}") for n in (3, 2, 1)] + [base]
    # Oldest first: .log.3, .log.2, .log.1, then .log; each at most 100 bytes (3 lines).
    assert [f.read_text().splitlines() for f in files] == [
        lines[0:3], lines[3:6], lines[6:9], lines[9:10]]


def test_dir_sink_writes_a_batch_in_one_call_per_file_even_across_a_rotation(tmp_path,
                                                                             monkeypatch):
    # Each call gives up the GIL; one call per line let a busy executing thread starve the
    # shipper until everything went to the spool.
    calls = []
    real = sinks.write_lines
    monkeypatch.setattr(sinks, "write_lines", lambda fd, blocks, behind, limit: calls.append(
        len(blocks)) or real(fd, blocks, behind, limit))
    sink = DirSink(str(tmp_path), rotate_bytes=300_000)
    lines = [f'{{"n":{i:05d}}}' for i in range(50_000)]   # 12 bytes with "\n": two files
    sink.put_log_events("g", "s", list(enumerate(lines)))
    sink.close()
    assert len(calls) == 2   # one per file, not per line or per piece
    base = tmp_path / "g" / "s.log"
    assert (base.with_name("s.log.1").read_text().splitlines()
            + base.read_text().splitlines()) == lines


def test_dir_sink_leaves_what_a_failed_write_did_not_write_for_the_retry(tmp_path):
    # A file size limit makes a write fail part-way (EFBIG); once the limit is raised, the
    # retry with the same list must add the rest: every line exactly once, none cut.
    script = """
import os, resource, signal, sys
from fastsfn.logs import DirSink
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
sink = DirSink(sys.argv[1])
blocks = [b"".join(b'{"n":%d,"i":%d}\\n' % (n, i) for i in range(40)) for n in range(50)]
sink.write_blocks("g", "s", [])   # the file made before the limit
resource.setrlimit(resource.RLIMIT_FSIZE, (30_001, hard))
try:
    sink.write_blocks("g", "s", blocks)
except OSError as e:
    print("failed after", e.written, "left", len(blocks))
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
sink.write_blocks("g", "s", blocks)
sink.close()
"""
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith("failed after 30001 left "), out.stdout + out.stderr
    expected = [f'{{"n":{n},"i":{i}}}' for n in range(50) for i in range(40)]
    assert (tmp_path / "g" / "s.log").read_text().splitlines() == expected


def test_stdout_sink_prints_one_line_per_event(capsys):
    with LogShipper(open_sink("stdout")) as shipper:
        shipper.put(GROUP, STREAM, [(2, '{"b":2}'), (1, '{"a":1}')])
    assert capsys.readouterr().out == '{"a":1}\n{"b":2}\n'
    assert isinstance(open_sink("stdout"), StdoutSink)


@pytest.mark.parametrize("spec", ["", "dir:", "file:/tmp/x", "stdout:x", "cloud"])
def test_bad_sink_spec_is_a_value_error_naming_it(spec):
    with pytest.raises(ValueError, match=f"unknown log sink {spec!r}"):
        open_sink(spec)


def batch(seq: int, stream: str = "s") -> Batch:
    return Batch.sealed("g", stream, [(seq, f"m{seq}")], seq)


def test_spool_resumes_after_the_last_acknowledged_batch(tmp_path):
    spool = Spool(str(tmp_path), max_bytes=1 << 20)
    assert spool.append([batch(0), batch(1), batch(2)]) == []
    assert spool.front().events == [(0, "m0")]
    spool.pop()
    spool.close()

    reopened = Spool(str(tmp_path), max_bytes=1 << 20)
    assert reopened.next_seq == 3
    assert [reopened.front().events, reopened.replayed] == [[(1, "m1")], 2]
    reopened.pop()
    reopened.pop()
    assert reopened.front() is None and reopened.nbytes == 0
    assert [p.name for p in tmp_path.iterdir()] == [".lock"]
    reopened.close()


def test_spool_directory_is_used_by_one_shipper_at_a_time(tmp_path):
    spool = Spool(str(tmp_path), max_bytes=1 << 20)
    with pytest.raises(RuntimeError, match="in use by another LogShipper"):
        Spool(str(tmp_path), max_bytes=1 << 20)
    spool.close()


def test_a_spool_that_cannot_be_written_drops_what_it_refused_and_says_why(tmp_path,
                                                                           monkeypatch):
    spool = Spool(str(tmp_path), max_bytes=1 << 20)
    assert spool.append([batch(0)]) == []

    def disk_full(name, lines):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spool, "_write", disk_full)
    assert [b.seq for b in spool.append([batch(1), batch(2)])] == [1, 2]
    assert "not writable" in spool.refusal and "No space left" in spool.refusal
    assert spool.front().events == [(0, "m0")]   # what was spooled before is still there
    spool.close()


@pytest.mark.parametrize("text", [b"not json\n", b'{"seq": 0}\n', b'{"group": "g"}\n[]\n'])
def test_an_unreadable_spool_file_is_set_aside_and_the_next_one_shipped(tmp_path, caplog,
                                                                        text):
    spool = Spool(str(tmp_path), max_bytes=1 << 20)
    spool.append([batch(0)])
    spool.append([batch(1)])
    spool.close()
    first = sorted(tmp_path.glob("*.jsonl"))[0]
    first.write_bytes(text)
    reopened = Spool(str(tmp_path), max_bytes=1 << 20)
    assert reopened.front().events == [(1, "m1")]
    assert (tmp_path / (first.name + ".bad")).exists()
    assert "cannot be read" in caplog.text
    reopened.close()


class Jammed:
    """A stdout buffer that takes only part of the first write, like a full non-blocking
    pipe."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.jammed = True

    def write(self, data: bytes) -> int:
        if self.jammed:
            self.jammed = False
            self.data += data[:5]
            raise BlockingIOError(11, "Resource temporarily unavailable", 5)
        self.data += data
        return len(data)

    def flush(self) -> None:
        """Nothing buffered."""


def test_stdout_sink_retried_writes_only_what_stdout_did_not_take(monkeypatch):
    buffer = Jammed()
    monkeypatch.setattr(sys, "stdout", SimpleNamespace(buffer=buffer, flush=lambda: None))
    sink = StdoutSink()
    blocks = [b"first line\n", b"second\n"]
    with pytest.raises(BlockingIOError):
        sink.write_blocks("g", "s", blocks)
    sink.write_blocks("g", "s", blocks)   # the shipper retries with the same list
    assert bytes(buffer.data) == b"first line\nsecond\n" and blocks == []


def _sent_then_spilled(tmp_path, max_spool_bytes: int):
    """A backlog whose front batch was taken to be sent, then spilled (the intake's memory
    bound passed while the call was out), then a newer batch queued."""
    backlog = Backlog(1 << 20, Spool(str(tmp_path), max_spool_bytes))
    backlog.add_many("g", "s", [(1, "a"), (2, "b")])
    sent = backlog.front()
    backlog.spill()
    backlog.add_many("g", "s", [(3, "c")])
    backlog.seal_all()
    return backlog, sent


def test_a_batch_spilled_while_it_was_sent_is_popped_from_the_spool(tmp_path):
    backlog, sent = _sent_then_spilled(tmp_path, 1 << 20)
    assert backlog.front().seq == sent.seq   # its copy, at the head of the spool
    backlog.pop(sent)
    assert backlog.front().events == [(3, "c")] and backlog.dropped == 0


def test_a_batch_the_spool_refused_while_it_was_sent_counts_as_shipped(tmp_path):
    backlog, sent = _sent_then_spilled(tmp_path, 10)   # the spool takes nothing
    assert backlog.dropped == 2
    backlog.pop(sent)
    assert backlog.dropped == 0   # it was shipped after all
    assert backlog.front().events == [(3, "c")]   # the newer batch is not popped instead

