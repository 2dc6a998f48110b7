# cython: language_level=3
"""An execution's Express log records, written straight into one buffer of lines.

Stage: runtime (logs). The executor (`fastsfn._core.Execution`) says which events happen;
this module writes each as a record in AWS's Express log format, into one buffer that holds
the records as the lines a `dir:` sink stores (one per record). Ended executions' records
go to a file gathered per log stream (`LineBatches`, a block per 64 KiB), and to CloudWatch
as `(timestamp, message)` events (`events`). A payload is written into the buffer as the
JSON string holding its JSON text while it is encoded; one logged again by the next event is
copied from the buffer, and the execution input's compact text is taken from its text as
sent when that proves it (`fastsfn.compactjson`).
"""
cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, _PyBytes_Resize
from cpython.dict cimport PyDict_Next
from cpython.exc cimport PyErr_Clear
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from cpython.unicode cimport PyUnicode_DecodeUTF8
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from libc.string cimport memcmp, memcpy, strlen
from posix.time cimport clock_gettime, timespec, CLOCK_REALTIME

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL
    Py_ssize_t Py_SIZE(PyObject*)
    void _no_memory "PyErr_NoMemory"() noexcept   # sets MemoryError

cdef extern from *:
    """
    /* A str's UTF-8 bytes and their count: an ASCII string's own, without a call. */
    static inline const char *fastsfn_utf8(PyObject *text, Py_ssize_t *n) {
        if (PyUnicode_IS_COMPACT_ASCII(text)) {
            *n = PyUnicode_GET_LENGTH(text);
            return (const char *)PyUnicode_DATA(text);
        }
        return PyUnicode_AsUTF8AndSize(text, n);
    }
    """
    const char* _utf8 "fastsfn_utf8"(object, Py_ssize_t*) except NULL
    # The same, NULL (an exception set) for a string without UTF-8 form.
    const char* _utf8_or_null "fastsfn_utf8"(object, Py_ssize_t*)

from fastsfn.compactjson cimport compact_text
from fastsfn.memory cimport reallocated
from fastsfn.logs.filewrite cimport hand_over_gil
from fastsfn.jsonstring cimport (digits, escape_byte, escape_into, escape_twice, escaped_size,
                                 short_float, unescape)

import os
import time

from fastsfn.jsontext import dumpb, encoder
from fastsfn.logs.sinks import ShipperClosed

cdef object _encode = encoder.encode

cdef extern from *:
    """
    #if defined(__x86_64__) || defined(__i386__)
    #include <x86intrin.h>
    #define fastsfn_ticks() __rdtsc()
    #else
    #define fastsfn_ticks() 0ULL   /* no cheap counter: the clock is read for each record */
    #endif
    """
    unsigned long long fastsfn_ticks() nogil

cdef enum:
    # A record's timestamp (ms) is read from the clock (~23 ns on this project's VM) unless
    # the last one was read fewer CPU cycles ago than this (the counter costs ~10 ns): an
    # execution's records made in one go share it; at most a few microseconds stale.
    CLOCK_REUSE_TICKS = 20000
    # A logged payload whose escaped text (quotes included) would be longer than this many
    # UTF-8 bytes is cut to fit and flagged truncated (AWS: 248 KB).
    PAYLOAD_LIMIT = 253952
    EVENT_OVERHEAD = 26   # bytes PutLogEvents adds to each event's size
    MAX_DIGITS = 20       # of a long long
    SPARE_LIMIT = 32768   # a freed records buffer up to this size is kept for the next


@cython.final
cdef class LogRecords:
    """The log records of one execution, in the order they were made (made by
    `new_records`)."""

    def __dealloc__(self):
        global _spare, _spare_cap
        if _spare == NULL and self._cap <= SPARE_LIMIT:   # kept for the next records
            _spare, _spare_cap = self._buf, self._cap
        else:
            PyMem_Free(self._buf)
        PyMem_Free(self._times)

    # -- records ----------------------------------------------------------------------------

    cdef int record(self, str type, long id, long previous, str details) except -1:
        """A record whose details object is the JSON text `details`."""
        _begin(self, type, id)
        _text(self, details)
        return _end(self, previous)

    cdef int record_payload(self, str type, long id, long previous, str head, bint output,
                            object value) except -1:
        """A record whose details are the JSON members `head` and, with execution data,
        `value` as member "output" (else "input"), with its `outputDetails`."""
        _begin(self, type, id)
        _char(self, c'{')
        _text(self, head)
        if self.data:
            if head:
                _char(self, c',')
            _payload(self, output, value)
        _char(self, c'}')
        return _end(self, previous)

    cdef int execution_started(self, str input_text, object input, str role_json) except -1:
        """ExecutionStarted: the input as the caller sent it (else as a value), the role."""
        _begin(self, "ExecutionStarted", 1)
        _char(self, c'{')
        if self.data:
            if input_text is not None:
                _input_text(self, input_text, input)
            else:
                _payload(self, False, input)
            _char(self, c',')
        _literal(self, '"roleArn":')
        _text(self, role_json)
        _char(self, c'}')
        return _end(self, 0)

    cdef int execution_succeeded(self, long id, object output, str output_text) except -1:
        """ExecutionSucceeded: the output copied if the last state logged it, else from its
        JSON text when known."""
        _begin(self, "ExecutionSucceeded", id)
        _char(self, c'{')
        if self.data:
            if output_text is None or self.is_last_payload(output):
                _payload(self, True, output)
            else:
                _payload_text(self, True, output_text)
        _char(self, c'}')
        return _end(self, id - 1)

    cdef int task_scheduled(self, long id, long previous, str resource, str region,
                            object parameters, str limits) except -1:
        """TaskScheduled: `resource` the '"resourceType":..,"resource":..' members; the
        parameters with execution data (AWS logs no parametersDetails)."""
        _begin(self, "TaskScheduled", id)
        _char(self, c'{')
        _text(self, resource)
        _literal(self, ',"region":"')
        _text(self, region)
        _char(self, c'"')
        if self.data:
            _literal(self, ',"parameters":')
            _escaped_value(self, parameters)
        _text(self, limits)
        _char(self, c'}')
        return _end(self, previous)

    cdef int lambda_function_scheduled(self, long id, long previous, str resource,
                                       object input, str limits) except -1:
        """LambdaFunctionScheduled (a Task whose resource is a bare Lambda ARN): `resource`
        the '"resource":..' member."""
        _begin(self, "LambdaFunctionScheduled", id)
        _char(self, c'{')
        _text(self, resource)
        if self.data:
            _char(self, c',')
            _payload(self, False, input)
        _text(self, limits)
        _char(self, c'}')
        return _end(self, previous)

    cdef bint is_last_payload(self, object value) noexcept:
        """Whether `value` is the payload logged last (then logging it again copies it)."""
        return value is self._payload_value and self._payload_len != 0

    cdef bint has_json_text(self, object value) noexcept:
        """Whether `json_text(value)` gives its text."""
        return self.is_last_payload(value) and not self._payload_truncated \
            and (self._payload_json is not None or self._payload_in_buffer)

    cpdef str json_text(self, object value):
        """`value`'s JSON text if it is the payload logged last, whole (so that an
        execution's output is not encoded again for its response); else None."""
        if not self.has_json_text(value):
            return None
        if self._payload_json is not None:
            return self._payload_json.decode("utf-8")
        # without its quotes, unescaped
        return _unescaped(self._buf + self._payload_at + 1, self._payload_len - 2)

    # -- handing the records over -----------------------------------------------------------

    def lines(self) -> bytes:
        """The records as UTF-8 lines, each ended by a newline (what `LineBatches` gathers)."""
        return PyBytes_FromStringAndSize(self._buf, self._len)

    def events(self) -> list:
        """The records as CloudWatch Logs events: [(timestamp ms, message)], in order."""
        _handed_over(self)
        messages = self._buf[:self._len].decode("utf-8").split("\n")
        return [(self._times[i], messages[i]) for i in range(self.count)]


@cython.final
cdef class _Lines:
    """One log stream's gathered lines, in a bytes object handed over as it is."""
    cdef PyObject* data   # owned; NULL once handed over
    cdef Py_ssize_t len   # bytes of lines in it (its own size is its capacity)
    cdef Py_ssize_t count

    def __dealloc__(self):
        Py_XDECREF(self.data)


@cython.final
cdef class LineBatches:
    """Ended executions' records gathered per log stream, as the lines a `dir:` or `stdout`
    sink writes: the shipper gets one block per `threshold` bytes of a stream instead of
    one per execution (no Python call and no copy of its own per execution)."""

    def __init__(self, Py_ssize_t threshold=65536):
        self._streams = {}
        self.threshold = threshold

    cpdef tuple add(self, str log_group_name, str log_stream_name, LogRecords records):
        """Gather the records' lines; once `threshold` bytes wait for the stream, take them:
        (lines, count), the stream empty after (in the same call: another thread taking
        everything in between cannot take them first)."""
        cdef tuple key = (log_group_name, log_stream_name)
        cdef _Lines lines = self._streams.get(key)
        cdef Py_ssize_t n = records._len
        if lines is None:
            lines = _Lines.__new__(_Lines)
            # Room for what may be added before `threshold` is reached (one execution's
            # records rarely pass half of it), and under glibc's 128 KiB for a block of its
            # own: made and cut to length in place, not copied.
            lines.data = _new_block(max(self.threshold + self.threshold // 2, n))
            self._streams[key] = lines
        elif lines.len + n > Py_SIZE(lines.data):
            _PyBytes_Resize(&lines.data, max(lines.len + n, 2 * lines.len))
        memcpy(PyBytes_AS_STRING(<object>lines.data) + lines.len, records._buf, n)
        lines.len += n
        lines.count += records.count
        _handed_over(records)
        if lines.len < self.threshold:
            return None
        del self._streams[key]
        return _take(lines)

    def take_all(self) -> list:
        """[(log group, log stream, lines, count)] of every stream with lines waiting."""
        streams, self._streams = self._streams, {}
        return [(group, stream, *_take(lines)) for (group, stream), lines in streams.items()]


@cython.final
cdef class StreamNames:
    """AWS's Express log streams: `states/<machine>/<YYYY-MM-DD-HH-MM>/<8 hex>`, the hex
    fixed per process (many executions share one stream; filter by `execution_arn`)."""

    def __init__(self):
        self._pid = -1
        self._cache = {}

    cpdef str name(self, str machine_name, double epoch):
        """The stream of an execution of this state machine started at `epoch`."""
        cdef long long minute = <long long>(epoch // 60)
        cdef tuple cached = self._cache.get(machine_name)
        if cached is not None and <long long>cached[0] == minute:
            return <str>cached[1]
        if os.getpid() != self._pid:   # first use, or a forked worker: its own streams
            self._pid, self._suffix = os.getpid(), os.urandom(4).hex()
            self._cache.clear()
        if len(self._cache) > 1024:
            self._cache.clear()
        stamp = time.strftime("%Y-%m-%d-%H-%M", time.gmtime(minute * 60))
        name = f"states/{machine_name}/{stamp}/{self._suffix}"
        self._cache[machine_name] = (minute, name)
        return name


@cython.final
cdef class LocalLane:
    """Ended executions' records on their way to a `LocalShipper`, without a Python-level
    call: gathered per log stream (`batches`), a block handed to `put_lines` per
    `batches.threshold` bytes. Closed (`open` false) when its shipper is about to be:
    records ending after that go to `reship(group, machine, start, records)`, and a block
    its shipper refused as closed to `put_late(group, stream, lines, count)`."""

    def __init__(self, LineBatches batches, StreamNames names, put_lines, put_late, reship):
        self.batches = batches
        self.names = names
        self.put_lines = put_lines
        self.put_late = put_late
        self.reship = reship
        self.open = True

    cdef int add(self, str log_group_name, str machine_name, double start_time,
                 LogRecords records) except -1:
        """Hand over an ended execution's records (its log stream named by its start);
        0 if the lane was closed meanwhile (nothing handed over)."""
        cdef str stream = self.names.name(machine_name, start_time)
        hand_over_gil()   # to the shipper's writer, if it wants it
        if not self.open:   # closed while this thread waited: the shipper gathers no more
            return 0
        block = self.batches.add(log_group_name, stream, records)
        if block is not None:
            try:
                self.put_lines(log_group_name, stream, *block)
            except ShipperClosed:   # closed after the block was taken: the next shipper's
                self.put_late(log_group_name, stream, *block)
        return 1

    def ship(self, str log_group_name, str machine_name, double start_time,
             LogRecords records) -> bool:
        """`add`, from Python: whether the records were handed over."""
        return self.add(log_group_name, machine_name, start_time, records) == 1


cdef PyObject* _new_block(Py_ssize_t size) except NULL:
    """A bytes object of `size` bytes, its one reference the caller's (so it can be
    resized)."""
    block = PyBytes_FromStringAndSize(NULL, size)
    Py_INCREF(block)
    return <PyObject*>block   # the local reference goes on return


cdef tuple _take(_Lines lines):
    """The lines' bytes (cut to their length) and event count."""
    _PyBytes_Resize(&lines.data, lines.len)
    data = <bytes>lines.data
    Py_XDECREF(lines.data)   # `data` holds it now
    lines.data = NULL
    return data, lines.count


cdef LogRecords new_records(str execution_arn, bint data):
    """The records of the execution with this ARN (`data`: includeExecutionData), made
    without a Python-level call (one per execution)."""
    cdef LogRecords records = LogRecords.__new__(LogRecords)
    records.data = data
    records._tail = _tail(execution_arn)
    return records


cdef bytes _tail(str execution_arn):
    """What ends every record: ',"execution_arn":"..","redrive_count":"0"}' and a newline
    (the ARN escaped: an embedder's execution name is not checked)."""
    cdef Py_ssize_t n
    cdef const char* arn = PyUnicode_AsUTF8AndSize(execution_arn, &n)
    cdef char on_stack[2048]
    cdef char* start = &on_stack[0]
    cdef char* out
    if 6 * n + 41 > 2048:
        start = <char*>reallocated(NULL, 6 * n + 41)
    memcpy(start, b',"execution_arn":"', 18)
    out = escape_into(start + 18, <const unsigned char*>arn, n)
    memcpy(out, b'","redrive_count":"0"}\n', 23)
    try:
        return PyBytes_FromStringAndSize(start, out + 23 - start)
    finally:
        if start != &on_stack[0]:
            PyMem_Free(start)


# -- the parts of a record (each appends to the buffer) -------------------------------------

cdef Py_ssize_t _last_size = 1024   # what the last records handed over needed, plus 1/8
cdef char* _spare = NULL            # the buffer of records freed last, for the next ones
cdef Py_ssize_t _spare_cap = 0


# The appends below call no function that raises (only `_grow`, which sets the error and
# returns -1, called through a pointer so that the compiler keeps it out of line): without
# an error path of their own they stay small enough to be inlined.

cdef inline char* _room(LogRecords r, Py_ssize_t n) except NULL:
    """Where the next `n` bytes go (the buffer grown to hold them)."""
    if r._len + n > r._cap and _grow_room(r, n) < 0:
        return NULL
    return r._buf + r._len


cdef int _grow(LogRecords r, Py_ssize_t n) noexcept:
    """Make room for `n` more bytes: the spare buffer or 1 KiB at first (parked executions
    may wait long), then at once what the last execution's records needed (one copy instead
    of three for a short execution); -1 with MemoryError set when there is no memory."""
    global _spare
    cdef Py_ssize_t need = r._len + n, cap
    cdef char* buf
    if r._cap == 0 and _spare != NULL and need <= _spare_cap:
        r._buf, r._cap = _spare, _spare_cap
        _spare = NULL
        return 0
    cap = max(need, 2 * r._cap, 1024 if r._cap == 0 else _last_size)
    buf = <char*>PyMem_Realloc(r._buf, cap)
    if buf == NULL:
        _no_memory()
        return -1
    r._buf, r._cap = buf, cap
    return 0


ctypedef int (*_Grower)(LogRecords, Py_ssize_t) noexcept
cdef _Grower _grow_room = _grow


cdef inline void _handed_over(LogRecords r) noexcept:
    """Remember the size of records handed over (at most 16 KiB) for the next ones."""
    global _last_size
    _last_size = min(r._len + r._len // 8, 16384)


cdef inline int _append(LogRecords r, const char* data, Py_ssize_t n) except -1:
    if r._len + n > r._cap and _grow_room(r, n) < 0:
        return -1
    memcpy(r._buf + r._len, data, n)
    r._len += n
    return 0


cdef inline int _char(LogRecords r, char c) except -1:
    if r._len == r._cap and _grow_room(r, 1) < 0:
        return -1
    r._buf[r._len] = c
    r._len += 1
    return 0


cdef inline int _literal(LogRecords r, const char* text) except -1:
    return _append(r, text, strlen(text))   # strlen of a literal: folded by the compiler


cdef inline int _text(LogRecords r, str text) except -1:
    """A string's UTF-8 bytes as they are (JSON text, or a name known to need no escape)."""
    cdef Py_ssize_t n
    cdef const char* data = _utf8(text, &n)
    return _append(r, data, n)


cdef int _begin(LogRecords r, str type, long id) except -1:
    """Start a record: its id, its type and `"details":` (the details object follows)."""
    cdef timespec ts
    cdef long long ms
    cdef Py_ssize_t n
    cdef const char* name = _utf8(type, &n)
    cdef char* out = _room(r, 7 + MAX_DIGITS + 10 + n + 12)
    cdef unsigned long long ticks = fastsfn_ticks()
    if r._ms_len == 0 or ticks == 0 or ticks - r._ticks > CLOCK_REUSE_TICKS:
        clock_gettime(CLOCK_REALTIME, &ts)
        r._ticks = ticks
        ms = <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000
        if ms != r._ms or r._ms_len == 0:
            r._ms = ms
            r._ms_len = digits(r._ms_text, ms)
    r._start = r._len
    memcpy(out, b'{"id":"', 7)
    out += 7
    out += digits(out, id)
    memcpy(out, b'","type":"', 10)
    out += 10
    memcpy(out, name, n)
    out += n
    memcpy(out, b'","details":', 12)
    r._len = out + 12 - r._buf
    return 0


cdef int _end(LogRecords r, long previous) except -1:
    """Finish the record begun last, and count it as PutLogEvents will."""
    cdef Py_ssize_t tail = len(r._tail)
    cdef char* out = _room(r, 22 + MAX_DIGITS + 21 + r._ms_len + 1 + tail)
    cdef long long size
    memcpy(out, b',"previous_event_id":"', 22)
    out += 22
    out += digits(out, previous)
    memcpy(out, b'","event_timestamp":"', 21)
    out += 21
    memcpy(out, r._ms_text, r._ms_len)
    out += r._ms_len
    out[0] = c'"'
    memcpy(out + 1, <char*>r._tail, tail)
    r._len = out + 1 + tail - r._buf
    size = r._len - r._start - 1 + EVENT_OVERHEAD   # the newline is not sent
    if r.count == r._times_cap:
        r._times_cap = 16 if r._times_cap == 0 else 2 * r._times_cap
        r._times = <long long*>reallocated(r._times, r._times_cap * sizeof(long long))
    r._times[r.count] = r._ms
    if r.count == 0:
        r.first = r.last = r._ms
    elif r._ms < r.first:
        r.first = r._ms
    elif r._ms > r.last:
        r.last = r._ms
    r.count += 1
    r.nbytes += size
    if size > r.longest:
        r.longest = size
    return 0


# -- payloads -------------------------------------------------------------------------------

cdef int _payload(LogRecords r, bint output, object value) except -1:
    """'"output":"<escaped JSON>","outputDetails":{"truncated":..}' (or "input") for a
    value."""
    _field(r, output)
    return _details(r, output, _escaped_value(r, value))


cdef int _payload_text(LogRecords r, bint output, str text) except -1:
    """The same for a payload given as JSON text."""
    cdef Py_ssize_t n
    cdef const char* data = PyUnicode_AsUTF8AndSize(text, &n)
    _field(r, output)
    return _details(r, output, _escape(r, <const unsigned char*>data, n))


cdef inline int _field(LogRecords r, bint output) except -1:
    return _append(r, '"output":', 9) if output else _append(r, '"input":', 8)


cdef inline int _details(LogRecords r, bint output, bint truncated) except -1:
    if output:
        return (_append(r, ',"outputDetails":{"truncated":true}', 35) if truncated
                else _append(r, ',"outputDetails":{"truncated":false}', 36))
    return (_append(r, ',"inputDetails":{"truncated":true}', 34) if truncated
            else _append(r, ',"inputDetails":{"truncated":false}', 35))


cdef int _escaped_value(LogRecords r, object value) except -1:
    """Append the value's JSON text as a JSON string; 1 if it was cut to the limit. The
    value logged last is copied from the buffer, not encoded again; the execution input's
    compact text, when its text as sent proved it, is not made again either. Else written
    escaped as it is encoded (`_escaped_json`), or, for what only msgspec encodes or what
    passes the limit, encoded by msgspec and then escaped."""
    cdef Py_ssize_t at = r._len
    if r.is_last_payload(value):
        _room(r, r._payload_len)   # first: growing the buffer may move it
        _append(r, r._buf + r._payload_at, r._payload_len)
        return r._payload_truncated
    if value is r._payload_value and r._payload_compact is not None:   # see _input_text
        _char(r, c'"')
        _append(r, <char*>r._payload_compact, len(r._payload_compact))
        _char(r, c'"')
        _kept(r, value, at, None, True, False)
        return 0
    _char(r, c'"')
    if _escaped_json(r, value, 0) == 0 and r._len + 1 - at <= PAYLOAD_LIMIT:
        _char(r, c'"')
        _kept(r, value, at, None, True, False)
        return 0
    r._len = at
    try:
        data = <bytes>_encode(value)
    except (TypeError, ValueError, RecursionError):
        data = <bytes>dumpb(str(value))
        _kept(r, value, at, None, False, _escape(r, <const unsigned char*><char*>data, len(data)))
        return r._payload_truncated
    _kept(r, value, at, data, False, _escape(r, <const unsigned char*><char*>data, len(data)))
    return r._payload_truncated


cdef inline void _kept(LogRecords r, object value, Py_ssize_t at, bytes json, bint in_buffer,
                       bint truncated) noexcept:
    """Remember the payload just written at `at` (to the end of the buffer): its value, its
    JSON text (`json`, or `in_buffer`: only there, escaped; neither: its str() was logged)."""
    r._payload_value = value
    r._payload_at = at
    r._payload_len = r._len - at
    r._payload_json = json
    r._payload_in_buffer = in_buffer
    r._payload_truncated = truncated
    r._payload_compact = None


cdef enum:
    DIRECT_DEPTH = 32   # payloads nested deeper are encoded by msgspec


cdef int _escaped_json(LogRecords r, object value, int depth) except -2:
    """Append the value's JSON text as msgspec writes it, escaped as a JSON string's text
    (quotes around it not written); -1 if it holds other than dicts with string keys, lists,
    strings, integers of 64 bits, floats, booleans and None, or nests deeper than
    DIRECT_DEPTH (the buffer's end then undefined)."""
    cdef type kind = type(value)
    cdef Py_ssize_t i, n, pos = 0
    cdef PyObject* key
    cdef PyObject* item
    cdef char* out
    cdef int overflow
    cdef long long number
    if kind is str:
        return _escaped_string(r, value)
    if kind is dict:
        if depth == DIRECT_DEPTH:
            return -1
        _char(r, c'{')
        i = 0
        while PyDict_Next(value, &pos, &key, &item):
            if type(<object>key) is not str:
                return -1
            if i:
                _char(r, c',')
            i += 1
            if _escaped_string(r, <object>key) < 0:
                return -1
            _char(r, c':')
            if _escaped_json(r, <object>item, depth + 1) < 0:
                return -1
        return _char(r, c'}')
    if kind is list:
        if depth == DIRECT_DEPTH:
            return -1
        _char(r, c'[')
        for i in range(len(<list>value)):
            if i:
                _char(r, c',')
            if _escaped_json(r, (<list>value)[i], depth + 1) < 0:
                return -1
        return _char(r, c']')
    if kind is float:
        out = _room(r, 40)
        n = short_float(out, PyFloat_AS_DOUBLE(value))
        if n == 0:   # an exponent, or 16-17 digits: msgspec's own
            data = <bytes>_encode(value)
            return _append(r, data, len(data))
        r._len += n
        return 0
    if kind is int:
        number = PyLong_AsLongLongAndOverflow(value, &overflow)
        if overflow:
            return -1
        out = _room(r, MAX_DIGITS)
        r._len += digits(out, number)
        return 0
    if value is None:
        return _append(r, 'null', 4)
    if value is True:
        return _append(r, 'true', 4)
    if value is False:
        return _append(r, 'false', 5)
    return -1


cdef int _escaped_string(LogRecords r, str text) except -2:
    """Append a string as JSON (quotes included) escaped as a JSON string's text; -1 if it
    has no UTF-8 form (a lone surrogate)."""
    cdef Py_ssize_t n
    cdef const char* data = _utf8_or_null(text, &n)
    if data == NULL:
        PyErr_Clear()
        return -1
    cdef char* out = _room(r, 7 * n + 4)
    out[0] = c'\\'
    out[1] = c'"'
    out = escape_twice(out + 2, <const unsigned char*>data, n)
    out[0] = c'\\'
    out[1] = c'"'
    r._len = out + 2 - r._buf
    return 0


cdef int _input_text(LogRecords r, str text, object input) except -1:
    """ExecutionStarted's input as the caller sent it; when the text proves the input's
    compact JSON text (`compact_text`), that is kept, escaped, for the first state's input
    (the same value, so not encoded again); if the text was compact already, it is the
    escaped text just written."""
    cdef Py_ssize_t n, at
    cdef const char* data = PyUnicode_AsUTF8AndSize(text, &n)
    cdef bint truncated
    cdef bytes compact
    _field(r, False)
    at = r._len
    truncated = _escape(r, <const unsigned char*>data, n)
    compact = compact_text(<const unsigned char*>data, n, True)
    if compact is not None and len(compact) + 2 <= PAYLOAD_LIMIT:
        if len(compact) + 2 == r._len - at and memcmp(r._buf + at + 1, <char*>compact,
                                                      len(compact)) == 0:
            _kept(r, input, at, None, True, False)
        else:
            _kept(r, input, r._len, None, False, False)   # not in the buffer yet
            r._payload_compact = compact
    return _details(r, False, truncated)


cdef int _escape(LogRecords r, const unsigned char* src, Py_ssize_t n) except -1:
    """Append `src` (UTF-8) as a JSON string, escaped as msgspec escapes strings; if that
    would pass PAYLOAD_LIMIT, only the longest prefix of whole characters that fits. 1 if
    cut."""
    if 6 * n + 2 > PAYLOAD_LIMIT:
        return _escape_capped(r, src, n)
    cdef char* start = _room(r, 6 * n + 2)
    start[0] = c'"'
    cdef char* out = escape_into(start + 1, src, n)
    out[0] = c'"'
    r._len += out + 1 - start
    return 0


cdef int _escape_capped(LogRecords r, const unsigned char* src, Py_ssize_t n) except -1:
    """`_escape` for a text whose escaped form may pass PAYLOAD_LIMIT: byte by byte, cut
    before the first character that would not fit."""
    cdef char* start = _room(r, PAYLOAD_LIMIT)
    cdef char* out = start + 1
    cdef char* limit = start + PAYLOAD_LIMIT - 1   # room for the closing quote
    cdef char* character = out                     # where the last character began
    cdef unsigned char c
    cdef Py_ssize_t i
    cdef bint truncated = False
    start[0] = c'"'
    for i in range(n):
        c = src[i]
        if c & 0xC0 != 0x80:
            character = out
        if out + escaped_size(c) > limit:
            if c & 0xC0 == 0x80:   # never half a character
                out = character
            truncated = True
            break
        out = escape_byte(out, c)
    out[0] = c'"'
    r._len += out + 1 - start
    return truncated


cdef str _unescaped(const char* text, Py_ssize_t n):
    """The text a JSON string's inside (as `escape_into` writes it) holds."""
    cdef char* out = <char*>reallocated(NULL, n + 16)
    try:
        return PyUnicode_DecodeUTF8(out, unescape(out, text, n), NULL)
    finally:
        PyMem_Free(out)
