# cython: language_level=3
"""UTF-8 text escaped as the inside of a JSON string, as msgspec and orjson escape it (only
'"', '\\' and bytes below 0x20), eight bytes at a time. Inline: compiled into each module
that cimports it (the log records, the HTTP responses)."""
from libc.string cimport memcpy

cdef extern from *:
    # Eight bytes are read as one little-endian word to find the first that needs escaping.
    bint LITTLE_ENDIAN "(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)"
    int __builtin_ctzll(unsigned long long) nogil


cdef inline bint needs_escape(unsigned char c) noexcept:
    return c < 0x20 or c == 0x22 or c == 0x5c


cdef inline Py_ssize_t escaped_size(unsigned char c) noexcept:
    """How many bytes `escape_byte` writes for `c`."""
    if not needs_escape(c):
        return 1
    if c == 0x22 or c == 0x5c or c == 0x08 or c == 0x09 or c == 0x0a or c == 0x0c \
            or c == 0x0d:
        return 2
    return 6


cdef inline char* escape_byte(char* out, unsigned char c) noexcept:
    """Write one byte as a JSON string holds it; return where the next goes."""
    cdef unsigned char low
    if not needs_escape(c):
        out[0] = c
        return out + 1
    out[0] = c'\\'
    if c == 0x22 or c == 0x5c:
        out[1] = c
    elif c == 0x08:
        out[1] = c'b'
    elif c == 0x09:
        out[1] = c't'
    elif c == 0x0a:
        out[1] = c'n'
    elif c == 0x0c:
        out[1] = c'f'
    elif c == 0x0d:
        out[1] = c'r'
    else:
        low = c & 15
        out[1] = c'u'
        out[2] = c'0'
        out[3] = c'0'
        out[4] = c'0' + (c >> 4)
        out[5] = (c'0' + low) if low < 10 else (c'a' + low - 10)
        return out + 6
    return out + 2


cdef inline unsigned long long special_bytes(unsigned long long x) noexcept:
    """The high bit of each byte of `x` below 0x20, '"' or '\\' (exact up to the first such
    byte; the bytes after it may be marked too)."""
    cdef unsigned long long ones = 0x0101010101010101ULL
    cdef unsigned long long quote = x ^ (ones * 0x22)
    cdef unsigned long long backslash = x ^ (ones * 0x5c)
    return (((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote)
            | ((backslash - ones) & ~backslash)) & (ones * 0x80)


cdef inline char* escape_into(char* out, const unsigned char* src, Py_ssize_t n) noexcept:
    """Write the `n` bytes at `src` escaped (no quotes around) at `out`, which has room for
    6 * n bytes; return where the next byte goes."""
    cdef Py_ssize_t i = 0, k
    cdef unsigned long long chunk, special
    # Eight bytes at a time while none needs escaping; else up to the first that does.
    while LITTLE_ENDIAN and i + 8 <= n:
        memcpy(&chunk, src + i, 8)
        memcpy(out, &chunk, 8)   # the room holds it: six bytes are reserved per byte
        special = special_bytes(chunk)
        if special == 0:
            i += 8
            out += 8
            continue
        k = __builtin_ctzll(special) >> 3
        out = escape_byte(out + k, src[i + k])
        i += k + 1
    while i < n:
        out = escape_byte(out, src[i])
        i += 1
    return out
