"""RFC 3339 timestamps as Step Functions accepts them, and the context object's time format.

Accepted (Choice `Timestamp*` operators, `IsTimestamp`, Wait `Timestamp`/`TimestampPath`):
``YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)`` with an uppercase ``T`` and ``Z``,
seconds required, a fraction of any length (compared to nanosecond precision, digits past
the ninth are ignored) and a real calendar date/time (no hour 24, no second 60, no Feb 30).
Rejected: a space instead of ``T``, no zone, ``DD-MM-YYYY``, hour 25, month 13, ...
"""
from __future__ import annotations

import re
import time
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from typing import Optional

__all__ = ["parse_timestamp", "timestamp_key", "format_timestamp"]

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:(Z)|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_UTC = timezone.utc
_ZONES: dict[int, timezone] = {0: _UTC}


def _fields(text: str):
    """The regex match's fields, validated; None when the text is not an RFC 3339 timestamp."""
    m = _RFC3339.fullmatch(text)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, z, sign, oh, om = m.groups()
    hour, minute, second = int(h), int(mi), int(s)
    if hour > 23 or minute > 59 or second > 59:
        return None
    try:
        ordinal = date(int(y), int(mo), int(d)).toordinal()
    except ValueError:  # month 13, day 32, Feb 29 of a common year, year 0000
        return None
    if z is not None:
        offset = 0
    else:
        ohour, omin = int(oh), int(om)
        # java.time.ZoneOffset allows at most +-18:00.
        if omin > 59 or ohour > 18 or (ohour == 18 and omin):
            return None
        offset = (ohour * 3600 + omin * 60) * (-1 if sign == "-" else 1)
    nanos = int(frac[:9].ljust(9, "0")) if frac else 0
    return ordinal, hour, minute, second, nanos, offset


def timestamp_key(text: str) -> Optional[tuple[int, int]]:
    """(epoch seconds, nanoseconds) of an RFC 3339 timestamp, or None if it is not one.

    The pair orders timestamps exactly (a datetime would lose sub-microsecond digits).
    Short strings are memoised: Choice rules tend to see the same few values again and again.
    """
    if len(text) <= 64:
        return _cached_key(text)
    return _key(text)


def _key(text: str) -> Optional[tuple[int, int]]:
    f = _fields(text)
    if f is None:
        return None
    ordinal, hour, minute, second, nanos, offset = f
    epoch = (ordinal - _EPOCH_ORDINAL) * 86400 + hour * 3600 + minute * 60 + second - offset
    return epoch, nanos


_cached_key = lru_cache(maxsize=4096)(_key)


def parse_timestamp(text: str) -> Optional[datetime]:
    """An aware datetime for an RFC 3339 timestamp, or None if `text` is not one.

    The result keeps the text's offset and is truncated to microseconds; use
    `timestamp_key` to compare with full (nanosecond) precision.
    """
    if type(text) is not str:
        return None
    f = _fields(text)
    if f is None:
        return None
    ordinal, hour, minute, second, nanos, offset = f
    tz = _ZONES.get(offset)
    if tz is None:
        tz = _ZONES.setdefault(offset, timezone(timedelta(seconds=offset)))
    d = date.fromordinal(ordinal)
    return datetime(d.year, d.month, d.day, hour, minute, second, nanos // 1000, tz)


# The text up to the seconds for the last second formatted; one tuple so threads see a
# consistent pair.
_cache: tuple[int, str] = (-1 << 62, "")


def format_timestamp(epoch_seconds: float) -> str:
    """`2019-03-26T20:14:13.192Z`: ISO-8601 UTC with milliseconds (truncated), as AWS shows times."""
    global _cache
    # Round to whole microseconds first so binary noise (x.192 stored as x.19199...) does
    # not lose a millisecond, then truncate to milliseconds.
    second, ms = divmod(round(epoch_seconds * 1_000_000.0) // 1000, 1000)
    cached_second, prefix = _cache
    if second != cached_second:
        t = time.gmtime(second)
        prefix = "%04d-%02d-%02dT%02d:%02d:%02d." % (
            t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
        _cache = (second, prefix)
    return "%s%03dZ" % (prefix, ms)
