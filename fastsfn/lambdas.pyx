# cython: language_level=3
"""Python handlers run as Lambda functions: the context they receive, the call, and their
exceptions reported as Step Functions reports a Lambda's error.

Stage: resources (a Task's `invoke`, called by the executor). Compiled: a handler that
fails and is retried fails several times in one execution, and each failure is a call, an
error object and, when the error is caught, Lambda's error JSON.
"""
import linecache
from inspect import isawaitable
from json.encoder import encode_basestring_ascii as _quote_ascii

cimport cython

from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_XDECREF
from cpython.unicode cimport PyUnicode_DecodeASCII
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.string cimport memchr

from fastsfn.errors import TaskFailure
from fastsfn.ids cimport new_uuid
from fastsfn.jsonstring cimport escape_into

cdef extern from "Python.h":
    PyObject* PyObject_Vectorcall(object, PyObject**, size_t, PyObject*)   # NULL: raised
    void PyErr_Fetch(PyObject**, PyObject**, PyObject**)
    void PyErr_NormalizeException(PyObject**, PyObject**, PyObject**)
    int PyException_SetTraceback(PyObject*, PyObject*)
    bint PyUnicode_IS_ASCII(object)
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL
    ctypedef struct PyFrameObject
    object PyFrame_GetCode "(PyObject*)PyFrame_GetCode"(PyFrameObject*)   # a new reference

    ctypedef struct PyTracebackObject:
        PyTracebackObject* tb_next
        PyFrameObject* tb_frame
        int tb_lasti

cdef tuple _PLAIN = (dict, list, str, int, float, bool, type(None))
cdef tuple _NO_ARGS = ()


@cython.final
cdef class TaskContext:
    """The `context` a handler receives, shaped like a Lambda context object (made by
    HandlerCall, one per invocation)."""

    cdef public str function_name
    cdef public str invoked_function_arn
    cdef public str state_name
    cdef str _request_id

    @property
    def aws_request_id(self):
        """A request id, made only when read."""
        if self._request_id is None:
            self._request_id = new_uuid()
        return self._request_id


@cython.final
cdef class HandlerCall:
    """A Task's `invoke(event, frame)` for a Python handler: calls it with a fresh
    context; its exception comes back as a LambdaError (returned, not raised: a retried task
    fails many times); an awaitable comes back as `awaited(aw, compact)`, which converts the
    exception the same way when it is awaited."""

    cdef object handler
    cdef str function_name
    cdef str function_arn
    cdef bint compact
    cdef object awaited

    def __init__(self, handler, str function_name, str function_arn, bint compact, awaited):
        self.handler = handler
        self.function_name = function_name
        self.function_arn = function_arn
        self.compact = compact
        self.awaited = awaited

    def __call__(self, event, frame):
        cdef TaskContext context = TaskContext.__new__(TaskContext)
        cdef PyObject* args[2]
        context.function_name = self.function_name
        context.invoked_function_arn = self.function_arn
        context.state_name = ""
        args[0] = <PyObject*>event
        args[1] = <PyObject*>context
        # Called through the C API: a failure is taken as it is, without this call adding
        # itself to the traceback (Lambda's stackTrace lists the handler's frames only).
        cdef PyObject* called = PyObject_Vectorcall(self.handler, args, 2, NULL)
        if called == NULL:
            exc = _raised()
            if isinstance(exc, Exception):
                return lambda_error(exc, self.compact)
            raise exc   # KeyboardInterrupt, SystemExit: not the handler's failure
        result = <object>called
        Py_XDECREF(called)
        if type(result) in _PLAIN or not isawaitable(result):
            return result
        return self.awaited(result, self.compact)


cdef object _raised():
    """The exception being raised, taken from the interpreter with its traceback."""
    cdef PyObject* kind
    cdef PyObject* value
    cdef PyObject* tb
    PyErr_Fetch(&kind, &value, &tb)
    PyErr_NormalizeException(&kind, &value, &tb)
    if tb != NULL:
        PyException_SetTraceback(value, tb)
    exc = <object>value
    Py_XDECREF(kind)
    Py_XDECREF(value)
    Py_XDECREF(tb)
    return exc


class LambdaError(TaskFailure):
    """A handler exception as Step Functions reports a Lambda error: the error is the
    exception's class name, the cause Lambda's error JSON with the handler's traceback.

    The cause is written only when read (a retried error never needs it): formatting a
    traceback reads source files. The legacy function-ARN resource passes the Python
    runtime's text on as it is (`{"errorMessage": ...}`); `lambda:invoke` re-encodes it
    compactly (observed on AWS). Made by `lambda_error` on the hot path.
    """

    __slots__ = ("error", "_exc", "_compact", "_cause")

    def __init__(self, exc, compact=False):
        _set_up(self, exc, compact)

    @property
    def cause(self):
        exc = self._exc
        if exc is not None:
            self._cause = _lambda_cause(exc, self.error, self._compact)
            self._exc = None
        return self._cause

    @cause.setter
    def cause(self, value):
        self._exc = None   # the value given stands
        self._cause = value

    def __str__(self):
        return f"{self.error}: {self.cause}"


cdef PyTypeObject* _LAMBDA_ERROR = <PyTypeObject*>LambdaError


cpdef object lambda_error(object exc, bint compact=False):
    """The LambdaError for a handler's exception (its traceback from the handler's frame
    on), made without the exception class's Python-level __init__: a failed attempt makes
    one."""
    err = _LAMBDA_ERROR.tp_new(LambdaError, <PyObject*>_NO_ARGS, NULL)
    _set_up(err, exc, compact)
    return err


cdef inline void _set_up(object err, object exc, bint compact) except *:
    err.error = type(exc).__name__
    err._exc = exc
    err._compact = compact
    err._cause = None


cdef str _lambda_cause(object exc, str error, bint compact):
    """Lambda's error JSON: json.dumps's layout (and its ASCII escaping), written directly."""
    cdef list stack = []
    cdef object traceback = exc.__traceback__
    cdef PyTracebackObject* tb = NULL
    if traceback is not None:
        tb = <PyTracebackObject*><PyObject*>traceback
    while tb != NULL:
        stack.append(_quoted_trace_line(tb))
        tb = tb.tb_next
    cdef str comma = "," if compact else ", "
    cdef str colon = ":" if compact else ": "
    return (f'{{"errorMessage"{colon}{_ascii_json(str(exc))}{comma}'
            f'"errorType"{colon}{_ascii_json(error)}{comma}'
            f'"requestId"{colon}"{new_uuid()}"{comma}'
            f'"stackTrace"{colon}[{comma.join(stack)}]}}')


cdef str _ascii_json(str text):
    """`text` as json.dumps writes it (non-ASCII characters and DEL escaped)."""
    cdef Py_ssize_t n
    cdef const char* data
    cdef char* out
    cdef char* end
    if not PyUnicode_IS_ASCII(text):
        return _quote_ascii(text)
    data = PyUnicode_AsUTF8AndSize(text, &n)
    if memchr(data, 0x7f, n) != NULL:   # json.dumps escapes DEL, orjson's escaping does not
        return _quote_ascii(text)
    out = <char*>PyMem_Malloc(6 * n + 2)
    if out == NULL:
        raise MemoryError()
    try:
        out[0] = c'"'
        end = escape_into(out + 1, <const unsigned char*>data, n)
        end[0] = c'"'
        return PyUnicode_DecodeASCII(out, end + 1 - out, NULL)
    finally:
        PyMem_Free(out)


cdef dict _trace_lines = {}
cdef Py_ssize_t TRACE_LINES_KEPT = 4096   # distinct failing code locations remembered


cdef str _quoted_trace_line(PyTracebackObject* tb):
    """One traceback entry as Lambda's Python runtime lists it (no carets), as a JSON
    string; source lines come from linecache without re-checking the files on disk, once
    per code location (a failing handler fails at the same lines again): the location is
    the code object and its last instruction, so the line number is looked up on a miss
    only."""
    code = PyFrame_GetCode(tb.tb_frame)
    key = (<size_t><PyObject*>code) ^ (<size_t><unsigned int>tb.tb_lasti << 40)
    cdef object entry = _trace_lines.get(key)
    if entry is not None and (<tuple>entry)[0] is code and (<tuple>entry)[1] == tb.tb_lasti:
        return (<tuple>entry)[2]
    filename, lineno, function = code.co_filename, (<object>tb).tb_lineno, code.co_name
    line = linecache.getline(filename, lineno).strip()
    head = f'  File "{filename}", line {lineno}, in {function}\n'
    quoted = _ascii_json(f"{head}    {line}\n" if line else head)
    if len(_trace_lines) >= TRACE_LINES_KEPT:
        _trace_lines.clear()
    _trace_lines[key] = (code, tb.tb_lasti, quoted)
    return quoted
