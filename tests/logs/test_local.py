"""LocalShipper: blocks of lines to a directory or stdout, in order, none lost."""
from __future__ import annotations

import threading
import time

import pytest

from fastsfn.logs import DirSink, LocalShipper, ShipperClosed, StdoutSink
from fastsfn.logs.batching import EventSizes

GROUP = "/aws/vendedlogs/states/orders-Logs"


def events(first: int, count: int, pad: str = "") -> list[tuple[int, str]]:
    return [(1_700_000_000_000 + i, f'{{"n":{i}{pad}}}') for i in range(first, first + count)]


def lines(path) -> list[str]:
    return path.read_text("utf-8").splitlines()


class RecordingSink:
    """Keeps what it is given; fails its first `failures` writes; can be held shut."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.written: dict[tuple[str, str], list[str]] = {}
        self.calls = 0
        self.open = threading.Event()
        self.open.set()
        self.closed = False

    def write_blocks(self, group: str, stream: str, blocks: list[bytes]) -> None:
        self.open.wait()
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise OSError("disk unavailable")
        self.written.setdefault((group, stream), []).extend(
            b"".join(blocks).decode().splitlines())

    def close(self) -> None:
        self.closed = True


def test_each_stream_gets_its_lines_in_order_and_counters_add_up(tmp_path):
    shipper = LocalShipper(DirSink(str(tmp_path)))
    for start in range(0, 300, 30):
        shipper.put(GROUP, "s1", events(start, 30))
        shipper.put(GROUP, "s2", events(start, 10, ',"é":"ü"'))
    assert shipper.flush(10)
    counters = shipper.counters
    shipper.close()
    group_dir = tmp_path / "%2Faws%2Fvendedlogs%2Fstates%2Forders-Logs"
    assert lines(group_dir / "s1.log") == [m for _, m in events(0, 300)]
    assert lines(group_dir / "s2.log") == [
        m for start in range(0, 300, 30) for _, m in events(start, 10, ',"é":"ü"')]
    assert counters["shipped"] == 400 and counters["queued_bytes"] == 0
    assert counters["dropped"] == counters["spooled"] == 0


def test_sizes_from_the_caller_are_accepted(tmp_path):
    with LocalShipper(DirSink(str(tmp_path))) as shipper:
        batch = events(0, 3)
        shipper.put(GROUP, "s", batch, EventSizes(sum(len(m) + 26 for _, m in batch),
                                                  max(len(m) + 26 for _, m in batch),
                                                  batch[0][0], batch[-1][0]))
    assert shipper.counters["shipped"] == 3


def test_dir_sink_rotates_blocks_between_whole_lines(tmp_path):
    sink = DirSink(str(tmp_path), rotate_bytes=100)
    all_lines = [f'{{"n":{i:02d},"pad":"{"x" * 14}"}}' for i in range(10)]   # 32 bytes + "\n"
    blocks = [("\n".join(all_lines[i:i + 4]) + "\n").encode() for i in (0, 4, 8)]
    sink.write_blocks("g", "s", blocks[:2])
    sink.write_blocks("g", "s", blocks[2:])
    sink.close()
    base = tmp_path / "g" / "s.log"
    files = [base.with_name(f"s.log.{n}") for n in (3, 2, 1)] + [base]
    assert [lines(f) for f in files] == [all_lines[0:3], all_lines[3:6], all_lines[6:9],
                                         all_lines[9:10]]


def test_a_line_longer_than_a_file_gets_a_file_of_its_own(tmp_path):
    sink = DirSink(str(tmp_path), rotate_bytes=10)
    sink.write_blocks("g", "s", [b"short\n" + b"x" * 30 + b"\nend\n"])
    sink.close()
    base = tmp_path / "g" / "s.log"
    assert [lines(base.with_name("s.log.2")), lines(base.with_name("s.log.1")), lines(base)] \
        == [["short"], ["x" * 30], ["end"]]


def test_failed_writes_are_retried_and_nothing_is_lost_or_doubled():
    sink = RecordingSink(failures=3)
    shipper = LocalShipper(sink, backoff_base=0.001, backoff_cap=0.005)
    for start in range(0, 100, 10):
        shipper.put(GROUP, "s", events(start, 10))
    assert shipper.flush(10)
    shipper.close()
    assert sink.written[(GROUP, "s")] == [m for _, m in events(0, 100)]
    assert shipper.counters["retried"] == 3
    assert sink.closed


def test_put_waits_for_room_past_the_memory_bound_and_loses_nothing():
    sink = RecordingSink()
    sink.open.clear()   # the sink holds the writer up
    block_bytes = len("\n".join(m for _, m in events(0, 10)).encode()) + 1
    shipper = LocalShipper(sink, max_queued_bytes=3 * block_bytes)
    done = threading.Event()

    def produce() -> None:
        for start in range(0, 100, 10):
            shipper.put(GROUP, "s", events(start, 10))
        done.set()

    producer = threading.Thread(target=produce)
    producer.start()
    assert not done.wait(0.3)   # stuck: the queue is full and the sink is shut
    assert shipper.counters["queued_bytes"] <= 4 * block_bytes
    sink.open.set()
    assert done.wait(10)
    producer.join()
    shipper.close()
    assert sink.written[(GROUP, "s")] == [m for _, m in events(0, 100)]


def test_close_gives_up_on_a_dead_sink_and_says_how_many_were_dropped(caplog):
    sink = RecordingSink(failures=10**9)
    shipper = LocalShipper(sink, close_timeout=0.2, backoff_base=0.01, backoff_cap=0.05)
    shipper.put(GROUP, "s", events(0, 7))
    shipper.close()
    assert shipper.counters["dropped"] == 7 and shipper.counters["shipped"] == 0
    assert "dropped 7 log events" in caplog.text
    with pytest.raises(RuntimeError, match="after close"):
        shipper.put(GROUP, "s", events(0, 1))


@pytest.mark.parametrize("end", ["close", "flush"])
def test_gathered_lines_past_the_bound_do_not_hold_up_close_or_flush(end):
    # Lines gathered from executions (partial blocks) are queued without waiting for room:
    # with a dead sink, a close or a flush waiting for room would never end.
    sink = RecordingSink(failures=10**9)
    waiting: list[tuple[str, str, bytes, int]] = []
    shipper = LocalShipper(sink, max_queued_bytes=1000, flush_interval=60.0,
                           close_timeout=0.2, backoff_base=0.01, backoff_cap=0.05,
                           gather=lambda: [waiting.pop() for _ in range(len(waiting))])
    shipper.put(GROUP, "s", events(0, 7))
    waiting.extend((GROUP, f"g{i}", b"x" * 599 + b"\n", 1) for i in range(5))
    results: list = []
    ending = threading.Thread(target=lambda: results.append(
        shipper.close() if end == "close" else shipper.flush(0.3)), daemon=True)
    ending.start()
    ending.join(10)
    assert not ending.is_alive(), f"{end} held up"
    if end == "flush":
        assert results == [False]
        assert shipper.counters["queued_bytes"] > 1000
        shipper.close()
    assert shipper.counters["dropped"] == 12 and shipper.counters["shipped"] == 0


def test_stdout_sink_prints_blocks(capsys):
    with LocalShipper(StdoutSink()) as shipper:
        shipper.put(GROUP, "s", events(0, 2))
    assert capsys.readouterr().out.splitlines() == [m for _, m in events(0, 2)]


def put_from_threads(shipper: LocalShipper, count: int) -> dict:
    """Four threads each put `count` events to their own stream (s0..s3), 10 at a time;
    the shipper's counters once all are flushed (then it is closed)."""
    def produce(stream: str) -> None:
        for start in range(0, count, 10):
            shipper.put(GROUP, stream, events(start, 10))

    threads = [threading.Thread(target=produce, args=(f"s{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert shipper.flush(10)
    counters = shipper.counters
    shipper.close()
    return counters


def test_puts_from_many_threads_all_arrive_and_counters_balance():
    sink = RecordingSink()
    counters = put_from_threads(LocalShipper(sink), 2000)
    for i in range(4):
        assert sink.written[(GROUP, f"s{i}")] == [m for _, m in events(0, 2000)]
    assert counters["shipped"] == 8000 and counters["queued_bytes"] == 0


def test_the_writer_wakes_once_enough_waits_not_only_on_its_timer():
    # Blocks written soon after they are made are still in the CPU's caches.
    sink = RecordingSink()
    shipper = LocalShipper(sink, flush_interval=60.0, wake_bytes=1000)
    shipper.put(GROUP, "s", events(0, 5))        # under wake_bytes: waits for the timer
    time.sleep(0.2)
    assert sink.calls == 0
    shipper.put(GROUP, "s", events(5, 200))      # past it: written at once, in order
    deadline = time.monotonic() + 5
    while sink.calls == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sink.written[(GROUP, "s")] == [m for _, m in events(0, 205)]
    shipper.close()


def test_a_put_racing_a_close_is_told_the_shipper_is_closed():
    # The queue closed by another thread's close() between put's check and its put.
    shipper = LocalShipper(RecordingSink())
    shipper._queue.close()
    with pytest.raises(ShipperClosed):
        shipper.put(GROUP, "s", events(0, 1))
    shipper.close()

