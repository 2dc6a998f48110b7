"""RFC 3339 parsing (Choice Timestamp*, IsTimestamp, Wait Timestamp) and context-object times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fastsfn.timestamps import format_timestamp, parse_timestamp, timestamp_key

UTC = timezone.utc


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2016-03-14T01:59:00Z", datetime(2016, 3, 14, 1, 59, 0, tzinfo=UTC)),
        ("2012-10-09T19:00:55Z", datetime(2012, 10, 9, 19, 0, 55, tzinfo=UTC)),
        ("2016-03-14T01:59:00.5Z", datetime(2016, 3, 14, 1, 59, 0, 500000, tzinfo=UTC)),
        ("2016-03-14T01:59:00.123Z", datetime(2016, 3, 14, 1, 59, 0, 123000, tzinfo=UTC)),
        ("2016-03-14T01:59:00.123456789Z", datetime(2016, 3, 14, 1, 59, 0, 123456, tzinfo=UTC)),
        ("2016-03-14T01:59:00.1234567891234Z",
         datetime(2016, 3, 14, 1, 59, 0, 123456, tzinfo=UTC)),
        ("2012-10-09T19:00:55+01:00",
         datetime(2012, 10, 9, 19, 0, 55, tzinfo=timezone(timedelta(hours=1)))),
        ("2012-10-09T19:00:55-05:30",
         datetime(2012, 10, 9, 19, 0, 55, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
        ("2012-10-09T19:00:55+00:00", datetime(2012, 10, 9, 19, 0, 55, tzinfo=UTC)),
        ("2016-02-29T23:59:59Z", datetime(2016, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59Z", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_accepted(text, expected):
    got = parse_timestamp(text)
    assert got == expected
    assert got.tzinfo is not None
    assert got.utcoffset() == expected.utcoffset()


def test_offset_is_applied():
    assert parse_timestamp("2012-10-09T20:00:55+01:00") == parse_timestamp("2012-10-09T19:00:55Z")
    assert parse_timestamp("2012-10-09T20:00:55+01:00").timestamp() == 1349809255.0


@pytest.mark.parametrize(
    "text",
    [
        "2016-12-05 21:29:29Z",        # space instead of T
        "2016-12-05T21:29:29",         # no zone
        "05-12-2016T21:29:29Z",        # day first
        "2016-12-05T25:29:29Z",        # hour 25
        "2016-12-05T24:00:00Z",        # hour 24
        "2016-13-05T21:29:29Z",        # month 13
        "2016-00-05T21:29:29Z",        # month 0
        "2016-12-32T21:29:29Z",        # day 32
        "2015-02-29T00:00:00Z",        # not a leap year
        "2016-02-30T00:00:00Z",
        "2016-12-05T21:60:29Z",        # minute 60
        "2016-12-05T21:29:60Z",        # leap second
        "2016-12-05t21:29:29Z",        # lowercase t
        "2016-12-05T21:29:29z",        # lowercase z
        "2016-12-05T21:29Z",           # no seconds
        "2016-12-05T21:29:29.Z",       # empty fraction
        "2016-12-05T21:29:29,5Z",      # comma fraction
        "2016-12-05T21:29:29+0100",    # offset without colon
        "2016-12-05T21:29:29+01",      # offset without minutes
        "2016-12-05T21:29:29+01:60",   # offset minute 60
        "2016-12-05T21:29:29+19:00",   # beyond java.time's +-18:00
        "2016-12-05T21:29:29Z ",       # trailing space
        " 2016-12-05T21:29:29Z",
        "2016-12-05",                  # date only
        "2023-02-24 12:15:56.832957",
        "16-12-05T21:29:29Z",
        "2016-1-05T21:29:29Z",
        "2016-12-05T21:29:29ZZ",
        "2016-12-05T21:29:29+01:00Z",
        "２０１６-12-05T21:29:29Z",     # non-ASCII digits
        "",
        "HelloWorld",
    ],
)
def test_rejected(text):
    assert parse_timestamp(text) is None
    assert timestamp_key(text) is None


@pytest.mark.parametrize("value", [None, 0, 1.5, True, [], {}])
def test_non_strings_rejected(value):
    assert parse_timestamp(value) is None


def test_key_keeps_nanoseconds():
    assert timestamp_key("1970-01-01T00:00:00Z") == (0, 0)
    assert timestamp_key("2012-10-09T19:00:55Z") == (1349809255, 0)
    assert timestamp_key("2012-10-09T20:00:55.5+01:00") == (1349809255, 500000000)
    assert timestamp_key("2012-10-09T19:00:55.000000001Z") == (1349809255, 1)
    a = timestamp_key("2012-10-09T19:00:55.0000001Z")
    b = timestamp_key("2012-10-09T19:00:55.0000002Z")
    assert a < b  # equal once truncated to microseconds
    assert timestamp_key("1969-12-31T23:59:59.9Z") == (-1, 900000000)


@pytest.mark.parametrize(
    "epoch, text",
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1553631253.192, "2019-03-26T20:14:13.192Z"),
        (1553631253.1929, "2019-03-26T20:14:13.192Z"),   # truncated, not rounded
        (1553631253.001, "2019-03-26T20:14:13.001Z"),
        (1553631253.999, "2019-03-26T20:14:13.999Z"),
        (1553631254, "2019-03-26T20:14:14.000Z"),
        (951782400.5, "2000-02-29T00:00:00.500Z"),
        (1349809255.123, "2012-10-09T19:00:55.123Z"),
    ],
)
def test_format(epoch, text):
    assert format_timestamp(epoch) == text


def test_format_same_second_twice_and_back():
    # The per-second cache must not leak between seconds.
    assert format_timestamp(1553631253.100) == "2019-03-26T20:14:13.100Z"
    assert format_timestamp(1553631253.200) == "2019-03-26T20:14:13.200Z"
    assert format_timestamp(1349809255.0) == "2012-10-09T19:00:55.000Z"
    assert format_timestamp(1553631253.300) == "2019-03-26T20:14:13.300Z"


def test_format_round_trips_through_parse():
    text = format_timestamp(1553631253.192)
    assert parse_timestamp(text) == datetime(2019, 3, 26, 20, 14, 13, 192000, tzinfo=UTC)
