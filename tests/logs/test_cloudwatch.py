"""CloudWatchSink and LogShipper against a moto server, and botocore-stubbed edge cases."""
from __future__ import annotations

import logging
import threading
import time
import uuid

import pytest
from botocore.stub import Stubber

from fastsfn.logs import BatchRejected, CloudWatchSink, LogShipper, open_sink

from .conftest import read_stream

NOW_MS = int(time.time() * 1000)


def group_name() -> str:
    return f"/aws/vendedlogs/states/test-{uuid.uuid4().hex[:8]}-Logs"


def test_thousands_of_events_arrive_exactly_once_in_order(moto_server):
    group = group_name()
    streams = [f"states/machine/2024-01-01-10/{k:08x}" for k in range(3)]
    sent: dict[str, list[tuple[int, str]]] = {s: [] for s in streams}

    def produce(worker: int) -> None:
        for i in range(40):
            stream = streams[(worker + i) % 3]
            events = [(NOW_MS, f'{{"id":"{worker}-{i}-{j}"}}') for j in range(25)]
            with lock:
                sent[stream].extend(events)
                shipper.put(group, stream, events)

    lock = threading.Lock()  # keeps `sent` in the same order as the puts
    shipper = LogShipper(open_sink(f"cloudwatch:{moto_server.url}"), flush_interval=0.01)
    workers = [threading.Thread(target=produce, args=(w,)) for w in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert shipper.flush(timeout=30)
    counters = shipper.counters
    shipper.close()

    client = moto_server.logs_client()
    for stream in streams:
        # All timestamps are equal, so moto's (stable) timestamp order is the order of arrival.
        assert read_stream(client, group, stream) == sent[stream]
    assert counters["shipped"] == 3000
    assert (counters["dropped"], counters["retried"], counters["rejected"]) == (0, 0, 0)


def test_batches_at_every_limit_are_accepted(moto_server):
    group, stream = group_name(), "s"
    events = ([(NOW_MS - 3 * 86_400_000 + i, f"tiny {i}") for i in range(10_001)]
              + [(NOW_MS - 2 * 86_400_000 + i, "x" * 998) for i in range(1025)]
              + [(NOW_MS - 86_400_000, "y" * (262_144 - 26)), (NOW_MS, "last")])
    with LogShipper(open_sink(f"cloudwatch:{moto_server.url}")) as shipper:
        shipper.put(group, stream, events[5000:])
        shipper.put(group, stream, events[:5000])  # out of order across puts
        assert shipper.flush(timeout=30)
        counters = shipper.counters
    assert read_stream(moto_server.logs_client(), group, stream) == events
    assert counters["shipped"] == len(events)
    assert (counters["dropped"], counters["retried"], counters["rejected"]) == (0, 0, 0)


def test_deleted_log_group_is_created_again(moto_server):
    group = group_name()
    client = moto_server.logs_client()
    with LogShipper(open_sink(f"cloudwatch:{moto_server.url}")) as shipper:
        shipper.put(group, "old", [(NOW_MS, "before")])
        assert shipper.flush(timeout=30)
        client.delete_log_group(logGroupName=group)
        shipper.put(group, "new", [(NOW_MS, "new stream")])  # CreateLogStream fails first
        shipper.put(group, "old", [(NOW_MS, "after")])  # PutLogEvents fails first
        assert shipper.flush(timeout=30)
        assert shipper.counters["retried"] == 0
    assert read_stream(client, group, "old") == [(NOW_MS, "after")]
    assert read_stream(client, group, "new") == [(NOW_MS, "new stream")]


def stubbed_sink() -> tuple[CloudWatchSink, Stubber]:
    sink = CloudWatchSink(endpoint_url="http://127.0.0.1:1")
    stubber = Stubber(sink._client)
    stubber.add_response("create_log_group", {}, {"logGroupName": "g"})
    stubber.add_response("create_log_stream", {}, {"logGroupName": "g", "logStreamName": "s"})
    return sink, stubber


def test_rejected_log_events_info_is_counted_with_aws_index_semantics(caplog):
    # AWS: tooOldLogEventEndIndex is exclusive, tooNewLogEventStartIndex inclusive.
    sink, stubber = stubbed_sink()
    stubber.add_response("put_log_events", {"rejectedLogEventsInfo": {
        "tooOldLogEventEndIndex": 2, "tooNewLogEventStartIndex": 9}})
    with stubber, caplog.at_level(logging.WARNING, logger="fastsfn.logs"):
        assert sink.put_log_events("g", "s", [(i, "m") for i in range(10)]) == 3
    assert "rejected 3 of 10 events in g / s" in caplog.text


def test_invalid_parameter_is_a_rejected_batch_not_a_retry():
    sink, stubber = stubbed_sink()
    stubber.add_client_error("put_log_events", "InvalidParameterException", "bad batch")
    with stubber, pytest.raises(BatchRejected, match="bad batch"):
        sink.put_log_events("g", "s", [(1, "m")])


@pytest.mark.parametrize("code", ["AccessDeniedException", "LimitExceededException"])
def test_a_group_that_cannot_be_created_is_still_written_if_it_exists(code):
    # A role allowed only CreateLogStream and PutLogEvents (the group made beforehand).
    sink = CloudWatchSink(endpoint_url="http://127.0.0.1:1")
    stubber = Stubber(sink._client)
    stubber.add_client_error("create_log_group", code, "not allowed")
    stubber.add_response("create_log_stream", {}, {"logGroupName": "g", "logStreamName": "s"})
    stubber.add_response("put_log_events", {})
    with stubber:
        assert sink.put_log_events("g", "s", [(1, "m")]) == 0
    stubber.assert_no_pending_responses()


def test_data_already_accepted_is_a_delivered_batch():
    sink, stubber = stubbed_sink()
    stubber.add_client_error("put_log_events", "DataAlreadyAcceptedException", "seen it")
    with stubber:
        assert sink.put_log_events("g", "s", [(1, "m")]) == 0


def test_a_batch_botocore_refuses_to_send_is_rejected_not_retried():
    sink = CloudWatchSink(endpoint_url="http://127.0.0.1:1")   # never reached
    sink._groups.add("g")
    sink._streams.add(("g", "s"))
    with pytest.raises(BatchRejected, match="valid min"):   # checked before any request
        sink.put_log_events("g", "s", [(-5, "m")])


def test_missing_credentials_are_reported_when_opening(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ValueError, match="AWS credentials"):
        open_sink("cloudwatch:http://127.0.0.1:1")
