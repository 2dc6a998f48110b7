# cython: language_level=3
"""Writing JSON text: strings escaped (once, or twice for JSON inside a JSON string),
integers in decimal, the floats msgspec writes in fixed notation (fastsfn/jsonstring.h: inline C,
compiled into each module that cimports this: the log records, the HTTP responses)."""

cdef extern from "jsonstring.h":
    # How many bytes escape_byte writes for c.
    Py_ssize_t escaped_size "fastsfn_escaped_size"(unsigned char c) noexcept nogil
    # Write one byte as a JSON string holds it; return where the next goes.
    char* escape_byte "fastsfn_escape_byte"(char* out, unsigned char c) noexcept nogil
    # Write the n bytes at src escaped (no quotes around) at out, which has room for 6 * n
    # bytes; return where the next byte goes.
    char* escape_into "fastsfn_escape"(char* out, const unsigned char* src,
                                       Py_ssize_t n) noexcept nogil
    # The same for the text of a JSON string inside a JSON string ('"' written \\\"); room
    # for 7 * n bytes.
    char* escape_twice "fastsfn_escape_twice"(char* out, const unsigned char* src,
                                              Py_ssize_t n) noexcept nogil
    # Undo escape_into: the n bytes at src as the text they hold, at out (room for n + 16
    # bytes); how many bytes.
    Py_ssize_t unescape "fastsfn_unescape"(char* out, const char* src, Py_ssize_t n) noexcept nogil
    # Write x as msgspec does (at most 33 bytes) if 0 or 1e-4 <= |x| < 1e15 with at most 15
    # significant digits; return how many bytes, or 0 for any other x.
    Py_ssize_t short_float "fastsfn_short_float"(char* out, double x) noexcept nogil
    # Copy the bytes at src up to the first '"' or '\\' (at most n) to out (room for that
    # many and 16 more); how many.
    Py_ssize_t copy_plain "fastsfn_copy_plain"(char* out, const unsigned char* src,
                                               Py_ssize_t n) noexcept nogil
    # Write n in decimal at out (at most 20 bytes); return how many bytes.
    Py_ssize_t digits "fastsfn_digits"(char* out, long long n) noexcept nogil
