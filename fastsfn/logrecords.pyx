# cython: language_level=3
"""An execution's Express log records, written straight into one buffer of lines.

Stage: runtime (logs). The executor (`fastsfn._core.Execution`) writes each record as its
event happens, in AWS's Express log format: `begin` (id, type, the start of `details`),
the details' members, then `end` (previous event id, timestamp, execution ARN). The buffer
holds the records as the lines a `dir:` sink stores, one per record, so an ended execution's
records go to a file as one block of bytes (`lines`), and to CloudWatch as
`(timestamp, message)` events (`events`). Payloads are encoded once and escaped into the
buffer as JSON strings; one logged again by the next event is copied from the buffer.
"""
cimport cython
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.string cimport memcpy, strlen
from posix.time cimport clock_gettime, timespec, CLOCK_REALTIME

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL

from fastsfn.jsontext import dumpb, encoder

cdef object _encode = encoder.encode

# A logged payload whose escaped text (quotes included) would be longer than this many
# UTF-8 bytes is cut to fit and flagged truncated (AWS: 248 KB).
cdef enum:
    PAYLOAD_LIMIT = 253952
    EVENT_OVERHEAD = 26   # bytes PutLogEvents adds to each event's size

cdef const char* _HEX = b"0123456789abcdef"
# How a byte is escaped in a JSON string: 0 as it is, '\\' or '"' after a backslash, a
# letter as that short escape (\n, \t, ...), 'u' as \u00XX.
cdef unsigned char _ESCAPE[256]


cdef void _fill_escapes():
    cdef int c
    for c in range(256):
        _ESCAPE[c] = 0
    for c in range(0x20):
        _ESCAPE[c] = c'u'
    _ESCAPE[0x08] = c'b'
    _ESCAPE[0x09] = c't'
    _ESCAPE[0x0a] = c'n'
    _ESCAPE[0x0c] = c'f'
    _ESCAPE[0x0d] = c'r'
    _ESCAPE[0x22] = c'"'
    _ESCAPE[0x5c] = c'\\'


_fill_escapes()


@cython.final
cdef class LogRecords:
    """The log records of one execution, in the order they were made."""

    def __init__(self, str execution_arn, bint data):
        self.data = data
        self._tail = (',"execution_arn":' + _encode(execution_arn).decode("utf-8")
                      + ',"redrive_count":"0"}\n').encode("utf-8")

    def __dealloc__(self):
        PyMem_Free(self._buf)
        PyMem_Free(self._times)

    # -- records ----------------------------------------------------------------------------

    cdef void record(self, str type, long id, long previous, str details) except *:
        """A record whose details object is the JSON text `details`."""
        self.begin(type, id)
        self.text(details)
        self.end(previous)

    cdef void record_payload(self, str type, long id, long previous, str head, str field,
                             object value) except *:
        """A record whose details are the JSON members `head` and, with execution data,
        `value` as member `field` (with its `<field>Details`)."""
        self.begin(type, id)
        self.literal('{')
        self.text(head)
        if self.data:
            if head:
                self.literal(',')
            self.payload(field, value)
        self.literal('}')
        self.end(previous)

    cdef void execution_started(self, str input_text, object input, str role_json) except *:
        """ExecutionStarted: the input as the caller sent it (else as a value), the role."""
        self.begin("ExecutionStarted", 1)
        self.literal('{')
        if self.data:
            if input_text is not None:
                self._field("input")
                self._details("input", self.escaped_text(input_text))
            else:
                self.payload("input", input)
            self.literal(',')
        self.literal('"roleArn":')
        self.text(role_json)
        self.literal('}')
        self.end(0)

    cdef void execution_succeeded(self, long id, object output, str output_text) except *:
        """ExecutionSucceeded: the output copied if the last state logged it, else from its
        JSON text when known."""
        self.begin("ExecutionSucceeded", id)
        self.literal('{')
        if self.data:
            if output_text is None or self.is_last_payload(output):
                self.payload("output", output)
            else:
                self._field("output")
                self._details("output", self.escaped_text(output_text))
        self.literal('}')
        self.end(id - 1)

    cdef void task_scheduled(self, long id, long previous, str resource, str region,
                             object parameters, str limits) except *:
        """TaskScheduled: `resource` the '"resourceType":..,"resource":..' members; the
        parameters with execution data (AWS logs no parametersDetails)."""
        self.begin("TaskScheduled", id)
        self.literal('{')
        self.text(resource)
        self.literal(',"region":"')
        self.text(region)
        self.literal('"')
        if self.data:
            self.literal(',"parameters":')
            self.escaped_value(parameters)
        self.text(limits)
        self.literal('}')
        self.end(previous)

    cdef void lambda_function_scheduled(self, long id, long previous, str resource_json,
                                        object input, str limits) except *:
        """LambdaFunctionScheduled (a Task whose resource is a bare Lambda ARN)."""
        self.begin("LambdaFunctionScheduled", id)
        self.literal('{"resource":')
        self.text(resource_json)
        if self.data:
            self.literal(',')
            self.payload("input", input)
        self.text(limits)
        self.literal('}')
        self.end(previous)

    # -- the parts of a record --------------------------------------------------------------

    cdef void begin(self, str type, long id) except *:
        """Start a record: its id, its type and `"details":` (what follows is the details
        object)."""
        cdef timespec ts
        cdef long long ms
        clock_gettime(CLOCK_REALTIME, &ts)
        ms = <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000
        if ms != self._ms or self._ms_len == 0:
            self._ms = ms
            self._ms_len = _digits(self._ms_text, ms)
        self._start = self._len
        self.literal('{"id":"')
        self.number(id)
        self.literal('","type":"')
        self.text(type)
        self.literal('","details":')

    cdef void end(self, long previous) except *:
        """Finish the record begun last, and count it as PutLogEvents will."""
        cdef char* out
        cdef long long size
        cdef Py_ssize_t tail = len(self._tail)
        self.literal(',"previous_event_id":"')
        self.number(previous)
        self.literal('","event_timestamp":"')
        out = self._room(self._ms_len + 1 + tail)
        memcpy(out, self._ms_text, self._ms_len)
        out[self._ms_len] = c'"'
        memcpy(out + self._ms_len + 1, <char*>self._tail, tail)
        self._len += self._ms_len + 1 + tail
        size = self._len - self._start - 1 + EVENT_OVERHEAD   # the newline is not sent
        if self.count == self._times_cap:
            self._times_cap = 16 if self._times_cap == 0 else 2 * self._times_cap
            self._times = <long long*>_realloc(self._times, self._times_cap * sizeof(long long))
        self._times[self.count] = self._ms
        if self.count == 0:
            self.first = self.last = self._ms
        elif self._ms < self.first:
            self.first = self._ms
        elif self._ms > self.last:
            self.last = self._ms
        self.count += 1
        self.nbytes += size
        if size > self.longest:
            self.longest = size

    cdef void text(self, str text) except *:
        """Append a string's UTF-8 bytes as they are (JSON text, or a name known safe)."""
        cdef Py_ssize_t n
        cdef const char* data = PyUnicode_AsUTF8AndSize(text, &n)
        memcpy(self._room(n), data, n)
        self._len += n

    cdef void literal(self, const char* text) except *:
        cdef Py_ssize_t n = strlen(text)
        memcpy(self._room(n), text, n)
        self._len += n

    cdef void number(self, long long n) except *:
        cdef char* out = self._room(24)
        self._len += _digits(out, n)

    # -- payloads ---------------------------------------------------------------------------

    cdef void payload(self, str field, object value) except *:
        """'"<field>":"<escaped JSON>","<field>Details":{"truncated":..}' for a value."""
        self._field(field)
        self._details(field, self.escaped_value(value))

    cdef bint escaped_value(self, object value) except -1:
        """Append the value's JSON text as a JSON string; True if it was cut to the limit.
        The value logged last is copied from the buffer, not encoded again."""
        cdef Py_ssize_t at
        if self.is_last_payload(value):
            at = self._len
            memcpy(self._room(self._payload_len), self._buf + self._payload_at,
                   self._payload_len)
            self._len += self._payload_len
            return self._payload_truncated
        try:
            data = <bytes>_encode(value)
        except (TypeError, ValueError, RecursionError):
            data = <bytes>dumpb(str(value))
        at = self._len
        truncated = self._escape(<const unsigned char*><char*>data, len(data))
        self._payload_value = value
        self._payload_at = at
        self._payload_len = self._len - at
        self._payload_truncated = truncated
        return truncated

    cdef bint escaped_text(self, str text) except -1:
        """Append JSON text as a JSON string; True if it was cut to the limit."""
        cdef Py_ssize_t n
        cdef const char* data = PyUnicode_AsUTF8AndSize(text, &n)
        return self._escape(<const unsigned char*>data, n)

    cdef bint is_last_payload(self, object value):
        """Whether `value` is the payload logged last (then logging it again copies it)."""
        return value is self._payload_value and self._payload_len != 0

    cdef void _field(self, str field) except *:
        self.literal('"')
        self.text(field)
        self.literal('":')

    cdef void _details(self, str field, bint truncated) except *:
        self.literal(',"')
        self.text(field)
        self.literal('Details":{"truncated":true}' if truncated
                     else 'Details":{"truncated":false}')

    cdef bint _escape(self, const unsigned char* src, Py_ssize_t n) except -1:
        """Append `src` (UTF-8) as a JSON string, escaped as msgspec escapes strings; if that
        would pass PAYLOAD_LIMIT, only the longest prefix of whole characters that fits."""
        cdef bint capped = 6 * n + 2 > PAYLOAD_LIMIT
        cdef char* start = self._room(PAYLOAD_LIMIT if capped else 6 * n + 2)
        cdef char* out = start + 1
        cdef char* limit = start + PAYLOAD_LIMIT - 1   # room for the closing quote
        cdef char* character = out                     # where the last character began
        cdef unsigned char c, escape
        cdef Py_ssize_t i
        cdef bint truncated = False
        start[0] = c'"'
        for i in range(n):
            c = src[i]
            escape = _ESCAPE[c]
            if capped:
                if c & 0xC0 != 0x80:
                    character = out
                if out + (1 if escape == 0 else 2 if escape != c'u' else 6) > limit:
                    if c & 0xC0 == 0x80:   # never half a character
                        out = character
                    truncated = True
                    break
            if escape == 0:
                out[0] = c
                out += 1
            elif escape != c'u':
                out[0] = c'\\'
                out[1] = escape
                out += 2
            else:
                out[0] = c'\\'
                out[1] = c'u'
                out[2] = c'0'
                out[3] = c'0'
                out[4] = _HEX[c >> 4]
                out[5] = _HEX[c & 15]
                out += 6
        out[0] = c'"'
        self._len += out + 1 - start
        return truncated

    cdef char* _room(self, Py_ssize_t n) except NULL:
        """Where the next `n` bytes go (the buffer grown to hold them)."""
        cdef Py_ssize_t need = self._len + n
        if need > self._cap:
            self._cap = max(need, 2 * self._cap, 4096)
            self._buf = <char*>_realloc(self._buf, self._cap)
        return self._buf + self._len

    # -- handing the records over -----------------------------------------------------------

    def lines(self) -> bytes:
        """The records as UTF-8 lines, each ended by a newline."""
        return PyBytes_FromStringAndSize(self._buf, self._len)

    def events(self) -> list:
        """The records as CloudWatch Logs events: [(timestamp ms, message)], in order."""
        messages = self._buf[:self._len].decode("utf-8").split("\n")
        return [(self._times[i], messages[i]) for i in range(self.count)]


cdef void* _realloc(void* buf, size_t size) except NULL:
    cdef void* grown = PyMem_Realloc(buf, size)
    if grown == NULL:
        raise MemoryError()
    return grown


cdef Py_ssize_t _digits(char* out, long long n):
    """Write n in decimal at `out` (at most 20 bytes); return how many bytes."""
    cdef char tmp[24]
    cdef Py_ssize_t i = 0, k
    cdef unsigned long long u = <unsigned long long>(-n) if n < 0 else <unsigned long long>n
    while True:
        tmp[i] = <char>(48 + u % 10)
        u //= 10
        i += 1
        if u == 0:
            break
    k = 0
    if n < 0:
        out[0] = c'-'
        k = 1
    while i > 0:
        i -= 1
        out[k] = tmp[i]
        k += 1
    return k
