"""Cheap unique ids in UUID form: a random per-process prefix and a counter, written in C.

`uuid.uuid4()` as text costs several microseconds; a synchronous execution needs three ids
(its name, its ARN's suffix, the request id).
"""
import os

from libc.string cimport memcpy

cdef extern from "Python.h":
    str PyUnicode_New(Py_ssize_t, unsigned int)
    unsigned char* PyUnicode_1BYTE_DATA(str)

cdef char _text[24]                 # "xxxxxxxx-xxxx-4xxx-axxx-" (the counter's 12 digits follow)
cdef unsigned long long _counter = int.from_bytes(os.urandom(4), "big")
cdef const char *_HEX = b"0123456789abcdef"
cdef unsigned long long _DIGITS_12 = 0xFFFFFFFFFFFF   # the counter's bits shown


cpdef str new_uuid():
    """A version-4-shaped UUID string, unique within this process and random across them
    (written straight into a new string; C callers cimport it)."""
    global _counter
    cdef unsigned long long count = _counter & _DIGITS_12
    cdef int i
    cdef str out = PyUnicode_New(36, 127)
    cdef unsigned char* text = PyUnicode_1BYTE_DATA(out)
    _counter += 1
    memcpy(text, _text, 24)
    for i in range(35, 23, -1):
        text[i] = _HEX[count & 15]
        count >>= 4
    return out


def reseed() -> None:
    """Pick a new random prefix (after a fork, so workers never share ids)."""
    cdef bytes r = os.urandom(10).hex().encode()
    cdef bytes prefix = r[:8] + b"-" + r[8:12] + b"-4" + r[12:15] + b"-a" + r[15:18] + b"-"
    memcpy(_text, <char *>prefix, 24)


reseed()
os.register_at_fork(after_in_child=reseed)
