# cython: language_level=3
"""The execution input's compact JSON text, taken from its text as sent when that proves it.

Stage: runtime (logs). A logged execution's first state logs its input as msgspec encodes
it; when the input's text as the caller sent it is, once its whitespace is gone, byte for
byte that encoding, the log records take it from there instead of encoding the value,
already escaped as the JSON string that holds it in the record.
"""
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free
from libc.string cimport memcmp, memcpy

from fastsfn.jsonstring cimport copy_plain
from fastsfn.memory cimport reallocated

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL


cdef enum:
    COMPACT_DEPTH = 64    # deeper texts are encoded as usual
    COMPACT_KEYS = 256    # keys of the objects open at once, likewise


cdef object compact_text(const unsigned char* s, Py_ssize_t n, bint escaped):
    """`s` (JSON that msgspec decoded) without its whitespace, if that is byte for byte
    msgspec's encoding of the decoded value (with `escaped`, written as a JSON string holds
    it: '"' as \\" and '\\' as \\\\); else None. Proved only where it is sure: every escape
    as msgspec writes it, integers of at most 18 digits (not "-0"), decimals without exponent
    of at most 15 significant digits, >= 1e-4 and < 1e15, without trailing zeros (but "x.0"),
    no key twice in an object (decoding keeps the last)."""
    cdef Py_ssize_t length
    cdef unsigned char* out = <unsigned char*>reallocated(NULL, 2 * n + 16)   # at most
    try:
        length = _compact_into(s, n, out, escaped)
        return None if length < 0 else PyBytes_FromStringAndSize(<char*>out, length)
    finally:
        PyMem_Free(out)


cdef inline Py_ssize_t _put(unsigned char* o, Py_ssize_t j, unsigned char c,
                            bint escaped) noexcept:
    """Write `c` at o[j] (escaped: a quote or backslash after a backslash); where next."""
    if escaped and (c == 34 or c == 92):
        o[j] = 92
        j += 1
    o[j] = c
    return j + 1


cdef Py_ssize_t _compact_into(const unsigned char* s, Py_ssize_t n, unsigned char* o,
                              bint escaped):
    """`compact_text`'s work: the compact text written to `o` (room for 2 * n + 16 bytes);
    its length, or -1."""
    cdef Py_ssize_t i = 0, j = 0, start, k, m, q, key_count = 0
    cdef Py_ssize_t int_start, int_digits, frac_start, frac_digits, zeros
    cdef int depth = 0
    cdef unsigned char c, d
    cdef char kinds[COMPACT_DEPTH]
    cdef bint expect_key[COMPACT_DEPTH]
    cdef Py_ssize_t key_base[COMPACT_DEPTH]
    cdef Py_ssize_t key_at[COMPACT_KEYS]
    cdef Py_ssize_t key_len[COMPACT_KEYS]
    cdef bint is_key
    while i < n:
        c = s[i]
        if c == 32 or c == 9 or c == 10 or c == 13:   # whitespace between tokens
            i += 1
        elif c == 34:   # a string
            is_key = depth > 0 and kinds[depth - 1] == 123 and expect_key[depth - 1]
            start = j
            j = _put(o, j, c, escaped)
            i += 1
            while True:
                m = copy_plain(<char*>o + j, s + i, n - i)   # up to a quote or backslash
                i += m
                j += m
                if i == n:   # (not JSON that msgspec decoded)
                    return -1
                if s[i] == 34:
                    break
                d = s[i + 1]   # an escape: kept only as msgspec writes it
                if d == 117:   # \u00XX: a control character without a short form
                    if s[i + 2] != 48 or s[i + 3] != 48 or not (48 <= s[i + 4] <= 49) \
                            or not (48 <= s[i + 5] <= 57 or 97 <= s[i + 5] <= 102):
                        return -1
                    q = (s[i + 4] - 48) * 16 + (s[i + 5] - 48 if s[i + 5] <= 57
                                                else s[i + 5] - 87)
                    if q == 8 or q == 9 or q == 10 or q == 12 or q == 13:
                        return -1
                    m = 6
                elif d == 34 or d == 92 or d == 98 or d == 102 or d == 110 or d == 114 \
                        or d == 116:
                    m = 2
                else:   # "\/"
                    return -1
                for k in range(m):
                    j = _put(o, j, s[i + k], escaped)
                i += m
            j = _put(o, j, 34, escaped)
            i += 1
            if is_key:
                for k in range(key_base[depth - 1], key_count):
                    if key_len[k] == j - start and memcmp(o + key_at[k], o + start,
                                                          j - start) == 0:
                        return -1
                if key_count == COMPACT_KEYS:
                    return -1
                key_at[key_count] = start
                key_len[key_count] = j - start
                key_count += 1
                expect_key[depth - 1] = False
        elif c == 123 or c == 91:   # { [
            if depth == COMPACT_DEPTH:
                return -1
            kinds[depth] = c
            expect_key[depth] = c == 123
            key_base[depth] = key_count
            depth += 1
            o[j] = c
            i += 1
            j += 1
        elif c == 125 or c == 93:   # } ]
            depth -= 1
            key_count = key_base[depth]
            o[j] = c
            i += 1
            j += 1
        elif c == 44 or c == 58:   # , :
            if c == 44 and kinds[depth - 1] == 123:
                expect_key[depth - 1] = True
            o[j] = c
            i += 1
            j += 1
        elif c == 116 or c == 110 or c == 102:   # true null false
            m = 5 if c == 102 else 4
            memcpy(o + j, s + i, m)
            i += m
            j += m
        elif c == 45 or 48 <= c <= 57:   # a number
            start = i
            if c == 45:
                i += 1
            int_start = i
            while i < n and 48 <= s[i] <= 57:
                i += 1
            int_digits = i - int_start
            if i < n and s[i] == 46:   # a decimal
                i += 1
                frac_start = i
                while i < n and 48 <= s[i] <= 57:
                    i += 1
                frac_digits = i - frac_start
                if int_digits > 15 or (frac_digits > 1 and s[i - 1] == 48):
                    return -1   # >= 1e15, or a trailing zero (but "x.0")
                if s[int_start] == 48:   # 0.xxx
                    zeros = 0
                    while zeros < frac_digits and s[frac_start + zeros] == 48:
                        zeros += 1
                    if zeros < frac_digits and (zeros > 3 or frac_digits - zeros > 15):
                        return -1   # below 1e-4, or too many digits
                elif frac_digits > 1 or s[frac_start] != 48:
                    if int_digits + frac_digits > 15:
                        return -1
            elif int_digits > 18 or (c == 45 and s[int_start] == 48):
                return -1   # too long, or "-0"
            if i < n and (s[i] == 101 or s[i] == 69):   # an exponent
                return -1
            memcpy(o + j, s + start, i - start)
            j += i - start
        else:
            return -1
    return j


def compact_json(str text, bint escaped=False) -> bytes | None:
    """`compact_text` of a JSON text (for tests)."""
    cdef Py_ssize_t n
    cdef const char* data = PyUnicode_AsUTF8AndSize(text, &n)
    return compact_text(<const unsigned char*>data, n, escaped)
