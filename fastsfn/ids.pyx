"""Cheap unique ids in UUID form: a random per-process prefix and a counter, written in C.

`uuid.uuid4()` as text costs several microseconds; a synchronous execution needs three ids
(its name, its ARN's suffix, the request id).
"""
import os

from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.string cimport memcpy

cdef char _text[36]                 # "xxxxxxxx-xxxx-4xxx-axxx-" then the counter's 12 digits
cdef unsigned long long _counter = int.from_bytes(os.urandom(4), "big")
cdef const char *_HEX = b"0123456789abcdef"


def new_uuid() -> str:
    """A version-4-shaped UUID string, unique within this process and random across them."""
    global _counter
    cdef unsigned long long count = _counter & 0xFFFFFFFFFFFF
    cdef int i
    _counter += 1
    for i in range(35, 23, -1):
        _text[i] = _HEX[count & 15]
        count >>= 4
    return PyUnicode_DecodeASCII(_text, 36, NULL)


def reseed() -> None:
    """Pick a new random prefix (after a fork, so workers never share ids)."""
    cdef bytes r = os.urandom(10).hex().encode()
    cdef bytes prefix = r[:8] + b"-" + r[8:12] + b"-4" + r[12:15] + b"-a" + r[15:18] + b"-"
    memcpy(_text, <char *>prefix, 24)


reseed()
os.register_at_fork(after_in_child=reseed)
