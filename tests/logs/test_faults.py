"""Nothing is lost when the endpoint fails: retries, the spool, and replay by the next shipper."""
from __future__ import annotations

import logging
import threading
import time

from fastsfn.logs import LogShipper, open_sink

from .conftest import read_stream, wait_until

GROUP = "/aws/vendedlogs/states/faults-Logs"
STREAMS = ["states/m/2024-01-01-10/00000000", "states/m/2024-01-01-10/00000001"]
NOW_MS = int(time.time() * 1000)
FAST_RETRIES = {"backoff_base": 0.02, "backoff_cap": 0.2, "flush_interval": 0.01}


def events(stream: int, start: int, count: int) -> list[tuple[int, str]]:
    # One timestamp for all: moto's stable sort by timestamp then keeps the order of arrival.
    return [(NOW_MS, f'{{"stream":{stream},"id":{i}}}') for i in range(start, start + count)]


def expected(count_per_stream: int) -> dict[str, list[tuple[int, str]]]:
    return {s: events(k, 0, count_per_stream) for k, s in enumerate(STREAMS)}


def put_all(shipper: LogShipper, start: int, count: int, per_put: int = 50) -> None:
    for i in range(start, start + count, per_put):
        for k, stream in enumerate(STREAMS):
            shipper.put(GROUP, stream, events(k, i, per_put))


def spool_files(path) -> list[str]:
    return sorted(p.name for p in path.glob("*.jsonl"))


def test_restart_mid_run_delivers_every_unconfirmed_event_once(own_moto_server):
    server = own_moto_server
    server.start()
    shipper = LogShipper(open_sink(f"cloudwatch:{server.url}"), **FAST_RETRIES)
    server_down = threading.Event()

    def produce() -> None:
        put_all(shipper, 0, 1500)
        server_down.wait()
        put_all(shipper, 1500, 1500)  # while the endpoint refuses connections

    producer = threading.Thread(target=produce)
    producer.start()
    wait_until(lambda: shipper.counters["shipped"] > 0, "a first successful call")
    server.stop()
    retried = shipper.counters["retried"]
    server_down.set()
    wait_until(lambda: shipper.counters["retried"] > retried, "a failed call after the stop")
    confirmed_before_stop = shipper.counters["shipped"]  # the sender has seen the outage
    server.start()  # a new moto process: no log groups, no streams
    producer.join()
    assert shipper.flush(timeout=30)
    counters = shipper.counters
    shipper.close()

    assert counters["shipped"] == 6000
    assert counters["dropped"] == 0 and counters["retried"] > 0
    client = server.logs_client()
    held = 0
    for stream, sent in expected(3000).items():
        got = read_stream(client, GROUP, stream)
        # Per stream, what was confirmed before the stop is a prefix; the rest arrives once.
        assert got == sent[len(sent) - len(got):]
        held += len(got)
    assert held == 6000 - confirmed_before_stop


def test_spool_past_the_memory_bound_then_replay_in_order(own_moto_server, tmp_path):
    server = own_moto_server  # not started: connections are refused
    shipper = LogShipper(open_sink(f"cloudwatch:{server.url}"), max_queued_bytes=4096,
                         spool_dir=str(tmp_path), **FAST_RETRIES)
    put_all(shipper, 0, 1000)
    wait_until(lambda: shipper.counters["spooled"] > 0, "events spilled to the spool")
    assert spool_files(tmp_path)
    server.start()
    put_all(shipper, 1000, 500)
    assert shipper.flush(timeout=30)
    counters = shipper.counters
    shipper.close()

    assert counters["shipped"] == 3000 and counters["dropped"] == 0
    assert counters["spooled"] > 0 and counters["spool_bytes"] == 0
    assert spool_files(tmp_path) == []
    client = server.logs_client()
    for stream, sent in expected(1500).items():
        assert read_stream(client, GROUP, stream) == sent


def test_close_with_endpoint_down_leaves_a_spool_the_next_shipper_replays(own_moto_server,
                                                                          tmp_path):
    server = own_moto_server
    sink_spec = f"cloudwatch:{server.url}"
    first = LogShipper(open_sink(sink_spec), spool_dir=str(tmp_path), close_timeout=0.3,
                       **FAST_RETRIES)
    put_all(first, 0, 1000)
    first.close()
    assert first.counters["spooled"] == 2000 and first.counters["shipped"] == 0
    assert spool_files(tmp_path)

    server.start()
    with LogShipper(open_sink(sink_spec), spool_dir=str(tmp_path), **FAST_RETRIES) as second:
        put_all(second, 1000, 200)  # newer than the spool: must arrive after it
        assert second.flush(timeout=30)
        counters = second.counters
    assert counters["replayed"] == 2000 and counters["shipped"] == 2400
    assert spool_files(tmp_path) == []
    client = server.logs_client()
    for stream, sent in expected(1200).items():
        assert read_stream(client, GROUP, stream) == sent


class DownSink:
    """An endpoint that never answers."""

    def put_log_events(self, log_group_name, log_stream_name, events):
        raise ConnectionRefusedError("endpoint down")

    def close(self) -> None:
        pass


def test_spool_limit_drops_with_a_warning(tmp_path, caplog):
    shipper = LogShipper(DownSink(), max_queued_bytes=2048, spool_dir=str(tmp_path),
                         max_spool_bytes=20_000, close_timeout=0.1, **FAST_RETRIES)
    with caplog.at_level(logging.WARNING, logger="fastsfn.logs"):
        put_all(shipper, 0, 500)
        shipper.close()
    counters = shipper.counters
    assert counters["dropped"] > 0 and counters["spooled"] > 0
    assert counters["dropped"] + counters["spooled"] == 1000
    assert sum(p.stat().st_size for p in tmp_path.glob("*.jsonl")) <= 20_000
    assert "spool" in caplog.text and "is full" in caplog.text


def test_without_a_spool_close_counts_what_it_could_not_ship(caplog):
    shipper = LogShipper(DownSink(), close_timeout=0.1, **FAST_RETRIES)
    with caplog.at_level(logging.WARNING, logger="fastsfn.logs"):
        put_all(shipper, 0, 100)
        shipper.close()
    assert shipper.counters["dropped"] == 200
    assert "no spool_dir is set" in caplog.text


def test_a_spool_disk_error_drops_with_a_warning_and_flush_and_close_end(tmp_path, caplog,
                                                                        monkeypatch):
    from fastsfn.logs import spool

    def disk_full(self, name, lines):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spool.Spool, "_write", disk_full)
    shipper = LogShipper(DownSink(), max_queued_bytes=2048, spool_dir=str(tmp_path),
                         close_timeout=0.1, **FAST_RETRIES)
    with caplog.at_level(logging.WARNING, logger="fastsfn.logs"):
        put_all(shipper, 0, 500)
        assert shipper.flush(0.5) is False   # down: not shipped, and not spooled either
        shipper.close()
    counters = shipper.counters
    assert counters["dropped"] == 1000 and counters["spooled"] == 0
    assert "not writable" in caplog.text and "No space left" in caplog.text

