# cython: language_level=3
"""Writing JSON text: strings escaped, integers in decimal (fastsfn/jsonstring.h: inline C,
compiled into each module that cimports this: the log records, the HTTP responses)."""

cdef extern from "jsonstring.h":
    bint needs_escape "fastsfn_needs_escape"(unsigned char c) noexcept nogil
    # How many bytes escape_byte writes for c.
    Py_ssize_t escaped_size "fastsfn_escaped_size"(unsigned char c) noexcept nogil
    # Write one byte as a JSON string holds it; return where the next goes.
    char* escape_byte "fastsfn_escape_byte"(char* out, unsigned char c) noexcept nogil
    # Write the n bytes at src escaped (no quotes around) at out, which has room for 6 * n
    # bytes; return where the next byte goes.
    char* escape_into "fastsfn_escape"(char* out, const unsigned char* src,
                                       Py_ssize_t n) noexcept nogil
    # Write n in decimal at out (at most 20 bytes); return how many bytes.
    Py_ssize_t digits "fastsfn_digits"(char* out, long long n) noexcept nogil
