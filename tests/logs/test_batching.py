"""Every batch the shipper hands a sink is one valid PutLogEvents call (AWS's published limits)."""
from __future__ import annotations

import logging

import pytest

from fastsfn.logs import LogShipper

HOUR_MS = 3_600_000
T0 = 1_700_000_000_000


class CheckingSink:
    """Records batches and asserts each one meets every PutLogEvents limit."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, str, list[tuple[int, str]]]] = []

    def put_log_events(self, log_group_name, log_stream_name, events):
        assert 1 <= len(events) <= 10_000
        assert sum(len(m.encode("utf-8")) + 26 for _, m in events) <= 1_048_576
        timestamps = [ts for ts, _ in events]
        assert timestamps == sorted(timestamps), "events must be in chronological order"
        assert timestamps[-1] - timestamps[0] <= 24 * HOUR_MS
        assert all(1 <= len(m.encode("utf-8")) <= 262_144 - 26 for _, m in events)
        self.batches.append((log_group_name, log_stream_name, list(events)))
        return 0

    def close(self) -> None:
        pass

    def events(self, stream: str = "s") -> list[tuple[int, str]]:
        return [e for _, s, batch in self.batches if s == stream for e in batch]


def ship(*puts: list[tuple[int, str]], stream: str = "s") -> tuple[CheckingSink, dict]:
    """Queue every put before the intake thread runs, then flush and close."""
    sink = CheckingSink()
    shipper = LogShipper(sink, flush_interval=3600)  # the intake thread runs on flush() only
    for events in puts:
        shipper.put("g", stream, events)
    assert shipper.flush()
    counters = shipper.counters
    shipper.close()
    return sink, counters


def test_more_than_10000_events_split_into_full_batches():
    events = [(T0, f"{i}") for i in range(25_001)]
    sink, counters = ship(events)
    assert [len(b) for _, _, b in sink.batches] == [10_000, 10_000, 5_001]
    assert sink.events() == events
    assert counters["shipped"] == 25_001 and counters["batches"] == 3


@pytest.mark.parametrize("char", ["x", "\u00e9"], ids=["ascii", "two-byte-utf8"])
def test_byte_limit_counts_utf8_bytes_plus_26_per_event(char):
    # 1024 events of 998 message bytes are exactly 1 MiB with the 26-byte overhead.
    message = char * (998 // len(char.encode("utf-8")))
    sink, _ = ship([(T0, message)] * 1025)
    assert [len(b) for _, _, b in sink.batches] == [1024, 1]


def test_batches_span_at_most_24_hours():
    events = [(T0, "a"), (T0 + 12 * HOUR_MS, "b"), (T0 + 24 * HOUR_MS + 1, "c"),
              (T0 + 30 * HOUR_MS, "d"), (T0 + 49 * HOUR_MS, "e")]
    sink, counters = ship(events)
    assert len(sink.batches) >= 3  # a..c, b..e and c..e each span more than 24 hours
    assert sink.events() == events
    assert counters["shipped"] == 5


def test_out_of_order_puts_are_sorted_stably_within_a_batch():
    sink, _ = ship([(T0 + 5, "a"), (T0 + 6, "b")], [(T0 + 1, "c"), (T0 + 5, "d"), (T0 + 7, "e")])
    assert sink.batches == [("g", "s", [(T0 + 1, "c"), (T0 + 5, "a"), (T0 + 5, "d"),
                                        (T0 + 6, "b"), (T0 + 7, "e")])]


def test_streams_are_batched_separately_in_put_order():
    sink = CheckingSink()
    shipper = LogShipper(sink, flush_interval=3600)
    for i in range(30):
        shipper.put("g", f"s{i % 3}", [(T0, f"{i}-{j}") for j in range(500)])
    shipper.close()
    for k in range(3):
        expected = [(T0, f"{i}-{j}") for i in range(k, 30, 3) for j in range(500)]
        assert sink.events(f"s{k}") == expected


def test_event_at_256_kb_ships_and_one_byte_more_is_dropped_with_a_warning(caplog):
    largest = "x" * (262_144 - 26)
    with caplog.at_level(logging.WARNING, logger="fastsfn.logs"):
        sink, counters = ship([(T0, largest), (T0 + 1, largest + "y"), (T0 + 2, "")])
    assert sink.events() == [(T0, largest)]
    assert counters["shipped"] == 1 and counters["dropped"] == 2
    assert "dropped a log event for g / s" in caplog.text


def test_a_rejected_count_is_not_retried():
    class RejectingSink(CheckingSink):
        def put_log_events(self, log_group_name, log_stream_name, events):
            super().put_log_events(log_group_name, log_stream_name, events)
            return 3

    sink = RejectingSink()
    with LogShipper(sink, flush_interval=3600) as shipper:
        shipper.put("g", "s", [(T0 + i, "m") for i in range(10)])
        assert shipper.flush()
        counters = shipper.counters
    assert len(sink.batches) == 1
    assert (counters["shipped"], counters["rejected"], counters["retried"]) == (7, 3, 0)
