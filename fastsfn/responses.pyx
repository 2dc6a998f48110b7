# cython: language_level=3
"""The responses of the execution-starting operations, compiled: a third of a synchronous
execution's cost went into shaping its answer.

Stage: API. `sync_response` is StartSyncExecution's answer as boto3 returns it (a dict with
datetimes, `utc_datetime`, and ResponseMetadata, `metadata`); `sync_body` and `start_body`
are the HTTP bodies the server sends (the same members in the same order, dates as epoch
seconds, no ResponseMetadata), written straight as bytes in one pass: mostly strings copied
or escaped (ARNs, the input, the output as JSON text) and three numbers.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.datetime cimport datetime_new, get_utc, import_datetime
from cpython.unicode cimport PyUnicode_DecodeUTF8
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport ceil, floor, nearbyint, rint
from libc.string cimport memcpy, strlen
from libc.time cimport gmtime_r, time_t, tm
from posix.time cimport clock_gettime, timespec, CLOCK_REALTIME

from fastsfn.jsonstring cimport digits, escape_into

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL
    dict _PyDict_NewPresized(Py_ssize_t)
    char* PyOS_double_to_string(double, char, int, int, int*) except NULL
    int Py_DTSF_ADD_DOT_0

from fastsfn.ids cimport new_uuid
from fastsfn.jsontext import MAX_PAYLOAD, encoder
from fastsfn.runtime import output_text

cdef object _encode = encoder.encode
cdef Py_ssize_t _MAX_PAYLOAD = MAX_PAYLOAD

cdef enum:
    NUMBER = 32         # room for one number's text
    SYNC_MEMBERS = 13   # the most members sync_response's dict has


cdef struct _Body:
    # A response body being written: a buffer sized for everything it will hold.
    char* start
    char* out


cdef inline int _open(_Body* body, Py_ssize_t size) except -1:
    body.start = body.out = <char*>PyMem_Malloc(size)
    if body.start == NULL:
        raise MemoryError()
    return 0


cdef inline bytes _bytes(_Body* body):
    return PyBytes_FromStringAndSize(body.start, body.out - body.start)


cdef inline void _literal(_Body* body, const char* text) noexcept:
    cdef Py_ssize_t n = strlen(text)   # of a literal: folded by the compiler
    memcpy(body.out, text, n)
    body.out += n


cdef inline void _string(_Body* body, const char* data, Py_ssize_t n) noexcept:
    """`data` as a JSON string: quoted, escaped."""
    body.out[0] = c'"'
    body.out = escape_into(body.out + 1, <const unsigned char*>data, n)
    body.out[0] = c'"'
    body.out += 1


cdef inline void _member(_Body* body, const char* head, const char* data,
                         Py_ssize_t n) noexcept:
    """A string member: `head` (its comma, name and colon), then `data` as a JSON string."""
    _literal(body, head)
    _string(body, data, n)


cdef inline int _date(_Body* body, double epoch) except -1:
    """Epoch seconds rounded to milliseconds, written as Python's repr writes that float
    (orjson too): for dates of this era, the seconds, a dot and the millisecond digits
    without trailing zeros (one zero when there are none)."""
    cdef double ms = nearbyint(epoch * 1000)
    cdef long long fraction
    if not 0 <= ms < 1e15:   # outside 1970-33658: the general conversion
        return _float(body, ms / 1000)
    fraction = <long long>ms % 1000
    body.out += digits(body.out, <long long>ms // 1000)
    body.out[0] = c'.'
    body.out[1] = c'0' + fraction // 100
    body.out[2] = c'0' + fraction // 10 % 10
    body.out[3] = c'0' + fraction % 10
    body.out += 4 if fraction % 10 else 3 if fraction % 100 else 2
    return 0


cdef int _float(_Body* body, double value) except -1:
    """`value` as Python's repr writes it."""
    cdef char* text = PyOS_double_to_string(value, b'r', 0, Py_DTSF_ADD_DOT_0, NULL)
    cdef Py_ssize_t n = strlen(text)
    memcpy(body.out, text, n)
    body.out += n
    PyMem_Free(text)
    return 0


cdef inline Py_ssize_t _room(Py_ssize_t n) noexcept:
    """Bytes a string of `n` UTF-8 bytes may take escaped, with its quotes and comma."""
    return 6 * n + 3


cdef inline double _now() noexcept:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return ts.tv_sec + ts.tv_nsec * 1e-9


import_datetime()
cdef object _UTC = get_utc()


cpdef object utc_datetime(double epoch):
    """An aware UTC datetime for epoch seconds (as `datetime.fromtimestamp(epoch, utc)`,
    without its Python-level layers: a synchronous execution returns two)."""
    cdef double whole = floor(epoch)
    cdef int micros = <int>rint((epoch - whole) * 1e6)
    cdef time_t seconds = <time_t>whole
    cdef tm t
    if micros == 1000000:
        seconds += 1
        micros = 0
    gmtime_r(&seconds, &t)
    return datetime_new(t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
                        t.tm_sec, micros, _UTC)


cpdef dict metadata():
    """The ResponseMetadata boto3 adds to every response."""
    return {"RequestId": new_uuid(), "HTTPStatusCode": 200, "HTTPHeaders": {},
            "RetryAttempts": 0}


cdef object _output_json(outcome):
    """A succeeded execution's output as JSON bytes, or the Outcome AWS answers with when
    the output cannot be returned (not JSON, or over the payload limit)."""
    try:
        data = _encode(outcome.output)
    except (TypeError, ValueError, RecursionError):
        return output_text(outcome)
    if len(<bytes>data) > _MAX_PAYLOAD:
        return output_text(outcome)
    return data


cdef inline long long _billed_ms(double start, double stop) noexcept:
    """Billed duration: 100 ms steps, at least one."""
    cdef double tenths = (stop - start) * 10
    return 100 if tenths <= 1 else <long long>ceil(tenths) * 100


def sync_response(machine, execution, outcome, str input_text, str trace_header) -> dict:
    """StartSyncExecution's response for a finished execution, as boto3 returns it."""
    cdef double stop = _now()
    cdef double start = execution.start_time
    status = outcome.status
    if status == "SUCCEEDED":
        text = outcome.text
        if text is None:
            data = _output_json(outcome)
            if type(data) is bytes:
                text = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(data), len(<bytes>data), NULL)
            else:   # an output AWS refuses: the execution failed after all
                outcome = data
                status = outcome.status
    out = _PyDict_NewPresized(SYNC_MEMBERS)   # no resizing while it fills
    out["executionArn"] = execution.execution_arn
    out["stateMachineArn"] = machine.arn
    out["name"] = execution.name
    out["startDate"] = utc_datetime(start)
    out["stopDate"] = utc_datetime(stop)
    out["status"] = status
    if status == "SUCCEEDED":
        out["output"] = text
        out["outputDetails"] = {"included": True}
    else:
        if outcome.error is not None:
            out["error"] = outcome.error
        if outcome.cause is not None:
            out["cause"] = outcome.cause
    out["input"] = "{}" if input_text is None else input_text
    out["inputDetails"] = {"included": True}
    if trace_header is not None:
        out["traceHeader"] = trace_header
    out["billingDetails"] = {"billedMemoryUsedInMB": 64,
                             "billedDurationInMilliseconds": _billed_ms(start, stop)}
    out["ResponseMetadata"] = metadata()
    return out


def sync_body(machine, execution, outcome, str input_text, str trace_header) -> bytes:
    """StartSyncExecution's HTTP body: `sync_response`'s members as AWS sends them."""
    cdef double stop = _now()
    cdef double start = execution.start_time
    cdef str execution_arn = execution.execution_arn
    cdef str state_machine_arn = machine.arn
    cdef str name = execution.name
    cdef Py_ssize_t arn_n, machine_n, name_n, input_n, output_n = 0, error_n = 0, cause_n = 0
    cdef Py_ssize_t trace_n = 0, status_n
    cdef const char* arn = PyUnicode_AsUTF8AndSize(execution_arn, &arn_n)
    cdef const char* machine_arn = PyUnicode_AsUTF8AndSize(state_machine_arn, &machine_n)
    cdef const char* execution_name = PyUnicode_AsUTF8AndSize(name, &name_n)
    cdef const char* input
    cdef const char* output = NULL
    cdef const char* error = NULL
    cdef const char* cause = NULL
    cdef const char* trace = NULL
    cdef const char* status
    cdef _Body body
    if input_text is None:
        input_text = "{}"
    input = PyUnicode_AsUTF8AndSize(input_text, &input_n)
    if outcome.status == "SUCCEEDED":
        text = outcome.text
        if text is not None:
            output = PyUnicode_AsUTF8AndSize(text, &output_n)
        else:
            data = _output_json(outcome)
            if type(data) is bytes:
                output = <bytes>data
                output_n = len(<bytes>data)
            else:   # an output AWS refuses: the execution failed after all
                outcome = data
    status = PyUnicode_AsUTF8AndSize(outcome.status, &status_n)
    if output == NULL:
        if outcome.error is not None:
            error = PyUnicode_AsUTF8AndSize(outcome.error, &error_n)
        if outcome.cause is not None:
            cause = PyUnicode_AsUTF8AndSize(outcome.cause, &cause_n)
    if trace_header is not None:
        trace = PyUnicode_AsUTF8AndSize(trace_header, &trace_n)
    _open(&body, 256 + 2 * NUMBER + status_n + _room(arn_n) + _room(machine_n) + _room(name_n)
          + _room(input_n) + _room(output_n) + _room(error_n) + _room(cause_n) + _room(trace_n))
    try:
        _member(&body, '{"executionArn":', arn, arn_n)
        _member(&body, ',"stateMachineArn":', machine_arn, machine_n)
        _member(&body, ',"name":', execution_name, name_n)
        _literal(&body, ',"startDate":')
        _date(&body, start)
        _literal(&body, ',"stopDate":')
        _date(&body, stop)
        _member(&body, ',"status":', status, status_n)
        if output != NULL:
            _member(&body, ',"output":', output, output_n)
            _literal(&body, ',"outputDetails":{"included":true}')
        else:
            if error != NULL:
                _member(&body, ',"error":', error, error_n)
            if cause != NULL:
                _member(&body, ',"cause":', cause, cause_n)
        _member(&body, ',"input":', input, input_n)
        _literal(&body, ',"inputDetails":{"included":true}')
        if trace != NULL:
            _member(&body, ',"traceHeader":', trace, trace_n)
        _literal(&body, ',"billingDetails":{"billedMemoryUsedInMB":64,'
                 '"billedDurationInMilliseconds":')
        body.out += digits(body.out, _billed_ms(start, stop))
        _literal(&body, '}}')
        return _bytes(&body)
    finally:
        PyMem_Free(body.start)


def start_body(str execution_arn, double start) -> bytes:
    """StartExecution's body."""
    cdef Py_ssize_t arn_n
    cdef const char* arn = PyUnicode_AsUTF8AndSize(execution_arn, &arn_n)
    cdef _Body body
    _open(&body, 64 + NUMBER + _room(arn_n))
    try:
        _member(&body, '{"executionArn":', arn, arn_n)
        _literal(&body, ',"startDate":')
        _date(&body, start)
        _literal(&body, '}')
        return _bytes(&body)
    finally:
        PyMem_Free(body.start)
