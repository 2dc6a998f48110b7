# cython: language_level=3
"""The executor: runs a compiled Program's flat state table.

Stage: program -> result. The compiler (fastsfn.compiler) builds `Program` and `State`
objects; nothing here reads a definition or a field name. An execution runs in a plain loop
(`Frame.advance`) and only becomes a coroutine (`drive`) when a state hands back an
awaitable: an async task handler, a Wait or a retry back-off that really sleeps, or a
Map/Parallel child that suspended.
"""
import asyncio
from inspect import isawaitable

cimport cython

from cpython.object cimport PyObject, PyTypeObject
from posix.time cimport clock_gettime, timespec, CLOCK_REALTIME, CLOCK_MONOTONIC

cdef extern from "Python.h":
    # Borrowed references, for walking a payload without reference counting.
    PyTypeObject PyUnicode_Type, PyFloat_Type, PyBool_Type, PyLong_Type, PyDict_Type
    PyTypeObject PyList_Type
    PyObject* Py_None
    PyTypeObject* Py_TYPE(PyObject*)
    Py_ssize_t PyUnicode_GET_LENGTH(PyObject*)
    long long PyLong_AsLongLongAndOverflow(PyObject*, int*)
    int PyDict_Next(PyObject*, Py_ssize_t*, PyObject**, PyObject**)
    Py_ssize_t PyList_GET_SIZE(PyObject*)
    PyObject* PyList_GET_ITEM(PyObject*, Py_ssize_t)
    bint PyExceptionInstance_Check(object)   # a flag test: cheaper than isinstance
    bint PyUnicode_IS_ASCII(object)
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL

from fastsfn.errors import (StatesError, StatesRuntime, PathNotFound,
                            data_limit_exceeded)
from fastsfn.ids cimport new_uuid
from fastsfn.logrecords cimport LocalLane, LogRecords, new_records
from fastsfn.jsontext import MAX_PAYLOAD, dumpb, dumps, encoder
from fastsfn.timestamps import format_timestamp

# State kinds, one per ASL `Type`.
cpdef enum Kind:
    PASS = 0
    TASK = 1
    CHOICE = 2
    WAIT = 3
    SUCCEED = 4
    FAIL = 5
    PARALLEL = 6
    MAP = 7

# How ResultPath combines the result with the state's raw input.
cpdef enum ResultPathMode:
    RESULT_REPLACES = 0    # ResultPath "$" (the default): output = result
    RESULT_DISCARDED = 1   # ResultPath null: output = raw input
    RESULT_MERGED = 2      # ResultPath "$.a.b": output = raw input with result set at a.b

# What a suspended frame waits for.
cdef enum Pending:
    P_NONE = 0
    P_RESULT = 1   # the raw result of the current state (task, Map/Parallel children)
    P_WAIT = 2     # a Wait state's delay; then exit with `pending_output`
    P_RETRY = 3    # a retry back-off; then run the current state again

DEF CHECK_EVERY = 4096

# Execution log levels (loggingConfiguration.level): an event is logged when the
# execution's level is at least the event's.
cpdef enum LogLevel:
    LOG_OFF = 0
    LOG_FATAL = 1    # ExecutionFailed, ExecutionTimedOut, ExecutionAborted
    LOG_ERROR = 2    # + FailStateEntered, TaskFailed, MapIterationFailed, ...
    LOG_ALL = 3      # every event

# History event names of each state kind: "<Kind>StateEntered", "<Kind>StateExited".
cdef tuple _KIND_NAMES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
cdef tuple _ENTERED = tuple(k + "StateEntered" for k in _KIND_NAMES)
cdef tuple _EXITED = tuple(k + "StateExited" for k in _KIND_NAMES)

cdef tuple _PLAIN = (dict, list, str, int, float, bool, type(None))

# What `_run_task` returns when the task failed (the error is in `Frame._task_error`).
cdef object _TASK_FAILED = object()


cdef dict _express_prefixes = {}


cdef str _express_prefix(str state_machine_arn):
    """`arn:...:express:<machine>:` for a state machine's ARN, made once per machine."""
    cdef str prefix = _express_prefixes.get(state_machine_arn)
    if prefix is None:
        prefix = state_machine_arn.replace(":stateMachine:", ":express:", 1) + ":"
        if len(_express_prefixes) >= 4096:
            _express_prefixes.clear()
        _express_prefixes[state_machine_arn] = prefix
    return prefix


cdef inline double _now() noexcept:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return ts.tv_sec + ts.tv_nsec * 1e-9


cdef inline double _monotonic() noexcept:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec + ts.tv_nsec * 1e-9


def now() -> float:
    """Wall-clock seconds since the epoch (the clock executions are stamped with)."""
    return _now()


@cython.final
cdef class Retrier:
    """A compiled Retry row: `(ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate,
    MaxDelaySeconds, JitterStrategy)`."""
    cdef public frozenset error_equals
    cdef public double interval_seconds
    cdef public int max_attempts
    cdef public double backoff_rate
    cdef public double max_delay_seconds   # 0: no cap
    cdef public bint jitter_full

    def __init__(self, error_equals, interval_seconds=1.0, max_attempts=3, backoff_rate=2.0,
                 max_delay_seconds=0.0, jitter_full=False):
        self.error_equals = frozenset(error_equals)
        self.interval_seconds = interval_seconds
        self.max_attempts = max_attempts
        self.backoff_rate = backoff_rate
        self.max_delay_seconds = max_delay_seconds
        self.jitter_full = jitter_full

    cdef double delay(self, int attempt):
        """Seconds before retry number `attempt + 1`."""
        cdef double d = self.interval_seconds * (self.backoff_rate ** attempt)
        if self.max_delay_seconds > 0 and d > self.max_delay_seconds:
            d = self.max_delay_seconds
        if self.jitter_full:
            import random
            d = random.uniform(0, d)
        return d


@cython.final
cdef class Catcher:
    """A compiled Catch row: `(ErrorEquals, Next, ResultPath)`."""
    cdef public frozenset error_equals
    cdef public int next_index
    cdef public int result_path_mode
    cdef public object result_path   # setter(data, value) when RESULT_MERGED
    cdef public Py_ssize_t result_path_size   # what a merge may add besides (see State)

    def __init__(self, error_equals, next_index, result_path_mode=RESULT_REPLACES,
                 result_path=None, Py_ssize_t result_path_size=16):
        self.error_equals = frozenset(error_equals)
        self.next_index = next_index
        self.result_path_mode = result_path_mode
        self.result_path = result_path
        self.result_path_size = result_path_size


cpdef bint error_matches(frozenset names, object err):
    """ASL matching: the name itself, `States.ALL` (never `States.Runtime`),
    `States.TaskFailed` for task errors, `States.Timeout` for heartbeat timeouts."""
    cdef object name = err.error
    if name in names:
        return True
    if name == "States.Runtime":
        return False
    if "States.ALL" in names:
        return True
    if name == "States.HeartbeatTimeout" and "States.Timeout" in names:
        return True
    if "States.TaskFailed" in names and getattr(err, "task_failure", False) \
            and name != "States.Timeout":
        return True
    return False


@cython.final
cdef class Outcome:
    """How an execution ended."""

    cdef public str status      # SUCCEEDED | FAILED | TIMED_OUT
    cdef public object output
    cdef public object error    # str | None
    cdef public object cause    # str | None
    cdef object _text           # the output as JSON text, once made
    cdef LogRecords _records    # ... else records whose last payload is the output, whole

    def __init__(self, str status, output=None, error=None, cause=None, text=None):
        self.status = status
        self.output = output
        self.error = error
        self.cause = cause
        self._text = text

    @property
    def text(self):
        """The output as JSON text, once made (from the log records, if they hold it)."""
        if self._text is None and self._records is not None:
            self._text = self._records.json_text(self.output)
            self._records = None
        return self._text

    @text.setter
    def text(self, value):
        self._text = value
        self._records = None

    def __repr__(self):
        return (f"Outcome(status={self.status!r}, output={self.output!r}, "
                f"error={self.error!r}, cause={self.cause!r})")


@cython.final
cdef class Growth:
    """How large a payload template's output can be (see fastsfn.paths.template): its own
    JSON text plus, for each reference, the payload it reads."""

    cdef readonly Py_ssize_t own        # its own text, and what context members add
    cdef readonly Py_ssize_t references        # of the payload (or a Map item, part of it)
    cdef readonly Py_ssize_t input_references  # of the execution input (`$$.Execution.Input`)

    def __init__(self, Py_ssize_t own, Py_ssize_t references, Py_ssize_t input_references):
        self.own = own
        self.references = references
        self.input_references = input_references

    cdef inline Py_ssize_t bound(self, Py_ssize_t source, Py_ssize_t execution_input) noexcept:
        """An upper bound of the output's JSON size, from bounds of the payload and of the
        execution input (-1: unknown)."""
        if source < 0 or (self.input_references and execution_input < 0):
            return -1
        return (self.own + self.references * source
                + self.input_references * execution_input)


@cython.final
cdef class State:
    """One compiled state: integers, flags and prebuilt callables; see fastsfn.compiler."""
    cdef public int kind
    cdef public str name
    cdef public int next_index          # -1: End
    cdef public object input_path       # None: "$"; else getter(data, frame)
    cdef public object parameters       # None, or template(data, frame)
    cdef public bint has_result
    cdef public object result           # Pass `Result`
    cdef public object result_selector  # None, or template(result, frame)
    cdef public int result_path_mode
    cdef public object result_path      # setter(data, value) when RESULT_MERGED
    cdef public object output_path      # None: "$"; else getter
    cdef public tuple retriers
    cdef public tuple catchers
    # Task
    cdef public str resource
    cdef public object invoke           # invoke(task_input, frame) -> result | awaitable,
                                        # or a StatesError it raises or returns
    cdef public double timeout_seconds  # 0: none
    cdef public object timeout_seconds_path
    cdef public double heartbeat_seconds  # 0: none; handlers send no heartbeats
    cdef public object heartbeat_seconds_path
    cdef public str limit_name          # how DataLimitExceeded names this state/task
    # Payload size bounds (the 256 KiB limit is measured only when a bound passes it):
    cdef public Growth parameters_growth       # None: unbounded (intrinsics, `..` paths)
    cdef public Growth result_selector_growth
    cdef public Growth item_selector_growth
    cdef public Py_ssize_t result_size         # Pass `Result`'s JSON size
    cdef public Py_ssize_t result_path_size    # what a ResultPath merge may add besides
    cdef public bint paths_unbounded           # an InputPath/OutputPath/ItemsPath with `..`
    cdef public bint needs_bound               # reads its input's size bound (a merge, Map,
                                               # Parallel)
    cdef public str log_resource        # '"resourceType":..,"resource":..' of Task events
                                        # ('"resource":..' of LambdaFunction* events)
    cdef public bint lambda_function    # a bare Lambda ARN: LambdaFunction* events
    # Choice
    cdef public tuple choices           # ((predicate(data, frame), next_index), ...)
    cdef public int default_index       # -1: none
    # Wait
    cdef public object seconds
    cdef public object seconds_path
    cdef public object timestamp        # epoch seconds
    cdef public str timestamp_text
    cdef public object timestamp_path
    # Fail
    cdef public object error
    cdef public object cause
    cdef public object error_path
    cdef public object cause_path
    # Parallel and Map
    cdef public tuple branches
    cdef public Program iterator
    cdef public object items_path
    cdef public object item_selector
    cdef public int max_concurrency
    cdef public object max_concurrency_path
    cdef public object tolerated_failure_count
    cdef public object tolerated_failure_count_path
    cdef public object tolerated_failure_percentage
    cdef public object tolerated_failure_percentage_path
    cdef public tuple entry_error       # (error, cause) raised whenever the state is entered
    cdef readonly str log_name          # the name as JSON text, for log records
    cdef readonly str log_head          # '"name":<log_name>': how StateEntered/Exited begin

    def __init__(self, int kind, str name):
        self.kind = kind
        self.name = name
        self.log_name = dumps(name)
        self.log_head = '"name":' + self.log_name
        self.next_index = -1
        self.result_path_mode = RESULT_REPLACES
        self.retriers = ()
        self.catchers = ()
        self.choices = ()
        self.default_index = -1
        self.branches = ()
        self.limit_name = name
        self.result_path_size = 16

    def __repr__(self):
        return f"<State {self.name!r} kind={Kind(self.kind).name} next={self.next_index}>"


@cython.final
cdef class Program:
    """A compiled (sub-)machine: a tuple of states and the index of StartAt."""
    cdef public tuple states
    cdef public int start
    cdef public bint uses_context   # does any path read `$$`? then state entry is time-stamped

    def __init__(self, tuple states, int start, bint uses_context=True):
        self.states = states
        self.start = start
        self.uses_context = uses_context


@cython.final
cdef class Execution:
    """What one execution shares across its frames: identity, clock, deadline, event ids.

    The name and ARN are made on first read: most executions on the fast path never ask.
    """
    cdef str _execution_arn
    cdef str _name
    cdef public str state_machine_arn
    cdef public str state_machine_name
    cdef public str role_arn
    cdef public object input
    cdef public double start_time
    cdef public double deadline      # monotonic; 0: none
    cdef public double sleep_scale   # 0: waits and back-offs do not really sleep
    cdef public long events          # history event ids handed out so far
    cdef public bint standard        # a STANDARD workflow (else EXPRESS)
    cdef public long transitions     # states entered and retries (Standard's billing unit)
    cdef public dict profile         # state name -> seconds spent, when profiling (bench)
    cdef object _start_text
    cdef dict _context_execution
    cdef dict _context_machine
    # Logging (loggingConfiguration): records are made only at or above `log_level`.
    cdef public int log_level
    cdef public bint log_data         # includeExecutionData
    cdef public LogRecords log        # the records made so far (None before the first)
    cdef public str log_group_name    # where its records go
    cdef public LocalLane lane        # ... through C, when they go to a local sink (else None)
    cdef public str input_text        # the input as the caller sent it, when known
    cdef public Py_ssize_t input_bound  # an upper bound of the input's JSON size (-1: unknown)
    cdef str _region
    cdef str _role_json

    def __init__(self, str name, str state_machine_arn,
                 str state_machine_name, str role_arn, object input, double start_time,
                 double timeout_seconds=0.0, double sleep_scale=1.0, bint standard=False,
                 int log_level=0, bint log_data=False, str input_text=None,
                 str log_group_name=None, LocalLane lane=None):
        cdef Py_ssize_t size
        self.standard = standard
        self.log_level = log_level
        self.log_data = log_data
        self.log_group_name = log_group_name
        self.lane = lane
        self._name = name
        self.state_machine_arn = state_machine_arn
        self.state_machine_name = state_machine_name
        self.role_arn = role_arn
        self.input = input
        self.start_time = start_time
        self.deadline = _monotonic() + timeout_seconds if timeout_seconds > 0 else 0.0
        self.sleep_scale = sleep_scale
        self.events = 1   # ExecutionStarted
        self.transitions = 0
        self.input_text = input_text
        self.input_bound = -1
        if input_text is not None:
            # Decoded and written again, JSON grows only in numbers ("1e15" becomes
            # 1000000000000000.0): at most five bytes for each byte sent.
            if PyUnicode_IS_ASCII(input_text):
                size = len(input_text)
            else:
                PyUnicode_AsUTF8AndSize(input_text, &size)
            self.input_bound = 5 * size

    @property
    def name(self):
        """The execution name (a generated UUID unless one was given)."""
        if self._name is None:
            self._name = new_uuid()
        return self._name

    @property
    def execution_arn(self):
        """AWS's form: `...:express:<machine>:<name>:<uuid>` or `...:execution:<machine>:<name>`."""
        if self._execution_arn is None:
            if self.standard:
                self._execution_arn = (self.state_machine_arn.replace(
                    ":stateMachine:", ":execution:", 1) + ":" + self.name)
            else:
                self._execution_arn = (f"{_express_prefix(self.state_machine_arn)}"
                                       f"{self.name}:{new_uuid()}")
        return self._execution_arn

    def remaining(self):
        """Seconds left before the execution times out, or None without a deadline."""
        if self.deadline == 0:
            return None
        return self.deadline - _monotonic()

    cdef str start_text(self):
        if self._start_text is None:
            self._start_text = format_timestamp(self.start_time)
        return self._start_text

    # -- log records (AWS's Express log format) --------------------------------------------

    cdef LogRecords _log(self):
        if self.log is None:
            self.log = new_records(self.execution_arn, self.log_data)
        return self.log

    cdef int record(self, str type, long id, long previous, str details) except -1:
        """Add one log record: `details` is the details object as JSON text."""
        return self._log().record(type, id, previous, details)

    cdef int record_payload(self, str type, long id, long previous, str head, bint output,
                            object value) except -1:
        """Add one log record whose details are the JSON members `head` and, with execution
        data, `value` as member "output" (else "input")."""
        return self._log().record_payload(type, id, previous, head, output, value)

    cdef str region(self):
        if self._region is None:
            self._region = self.state_machine_arn.split(":")[3]
        return self._region

    cpdef void log_started(self) except *:
        """ExecutionStarted (id 1), at level ALL."""
        if self.log_level < LOG_ALL:
            return
        if self._role_json is None:
            self._role_json = _quoted(self.role_arn)
        self._log().execution_started(self.input_text, self.input, self._role_json)

    cpdef void log_ended(self, str status, object output, object output_text, object error,
                         object cause) except *:
        """ExecutionSucceeded (ALL), ExecutionFailed or ExecutionTimedOut (FATAL and up)."""
        cdef long id
        self.events += 1
        id = self.events
        if status == "SUCCEEDED":
            if self.log_level >= LOG_ALL:
                self._log().execution_succeeded(id, output, output_text)
            return
        if self.log_level < LOG_FATAL:
            return
        self.record("ExecutionTimedOut" if status == "TIMED_OUT" else "ExecutionFailed",
                    id, id - 1, _error_details(error, cause))


@cython.final
cdef class Frame:
    """One running (sub-)machine: the top level, a Parallel branch or a Map iteration."""
    cdef public Execution execution
    cdef public Program program
    cdef tuple states
    cdef public int index            # current state; -1 once finished
    cdef public object data          # raw input of the current state
    cdef public object output        # set once finished
    cdef public dict variables
    cdef public object map_item      # (index, value) inside a Map iteration's ItemSelector
    cdef long entered_id
    cdef public long last_event      # id of this frame's latest event (the next one's previous)
    cdef double entered_time
    cdef double state_started
    cdef dict _context                # the context object, while it stays valid
    cdef int retry_count
    cdef list retry_attempts
    cdef int pending
    cdef object pending_output
    cdef Py_ssize_t pending_bound
    cdef object _task_error           # the error of a task that returned _TASK_FAILED
    cdef public Py_ssize_t bound      # an upper bound of `data`'s JSON size (-1: unknown)

    def __init__(self, Execution execution, Program program, object data, dict variables=None,
                 long previous=0, Py_ssize_t bound=-1):
        self.execution = execution
        self.program = program
        self.states = program.states
        self.data = data
        # The execution input's bound is known when it came as text (see Execution).
        self.bound = execution.input_bound if bound < 0 and data is execution.input else bound
        self.variables = variables if variables is not None else {}
        self.pending = P_NONE
        self.last_event = previous
        self._enter(program.start)

    # -- the context object (`$$`), built only when a path reads it --------------------

    def context_object(self):
        """The context object as AWS shows it to `$$` paths (built once per state entry,
        retry or Map item; the parts that never change are built once per execution)."""
        cdef Execution ex = self.execution
        cdef State st = self.states[self.index] if self.index >= 0 else None
        if self._context is not None:
            return self._context
        if ex._context_execution is None:
            execution = {
                "Id": ex.execution_arn,
                "Input": ex.input,
                "StartTime": ex.start_text(),
                "Name": ex.name,
                "RoleArn": ex.role_arn,
            }
            if ex.standard:
                execution["RedriveCount"] = 0
            ex._context_execution = execution
            ex._context_machine = {"Id": ex.state_machine_arn, "Name": ex.state_machine_name}
        state = {
            "Name": st.name if st is not None else None,
            "EnteredTime": format_timestamp(self.entered_time or ex.start_time),
        }
        if st is not None and st.kind in (TASK, PARALLEL, MAP):
            state["RetryCount"] = self.retry_count
        ctx = {
            "Execution": ex._context_execution,
            "StateMachine": ex._context_machine,
            "State": state,
        }
        if self.map_item is not None:
            ctx["Map"] = {"Item": {"Index": self.map_item[0], "Value": self.map_item[1]}}
        self._context = ctx
        return ctx

    # -- transitions ----------------------------------------------------------------------

    cdef inline void _enter(self, int index) except *:
        cdef Execution ex = self.execution
        self.index = index
        self.retry_count = 0
        self.retry_attempts = None
        self._context = None
        ex.events += 1
        self.entered_id = ex.events
        if ex.log_level:
            self._log_entered()
        self.last_event = ex.events
        ex.transitions += 1
        if ex.transitions % CHECK_EVERY == 0 and ex.deadline and _monotonic() > ex.deadline:
            raise ExecutionTimedOut()
        if self.program.uses_context:
            self.entered_time = _now()
        if ex.profile is not None:
            self.state_started = _monotonic()

    cdef inline void _exit(self, int next_index, object output, Py_ssize_t bound) except *:
        cdef Execution ex = self.execution
        ex.events += 1
        if ex.log_level >= LOG_ALL:
            self._log_exited(output)
        self.last_event = ex.events
        if ex.profile is not None:
            name = (<State>self.states[self.index]).name
            ex.profile[name] = ex.profile.get(name, 0.0) + _monotonic() - self.state_started
        self.data = output
        self.bound = bound
        if next_index < 0:
            self.output = output
            self.index = -1
            return
        self._enter(next_index)

    cdef void _log_entered(self) except *:
        cdef Execution ex = self.execution
        cdef State st = <State>self.states[self.index]
        if ex.log_level >= <int>(LOG_ERROR if st.kind == FAIL else LOG_ALL):
            ex.record_payload(_ENTERED[st.kind], ex.events, self.last_event, st.log_head,
                              False, self.data)

    cdef void _log_exited(self, object output) except *:
        cdef Execution ex = self.execution
        cdef State st = <State>self.states[self.index]
        ex.record_payload(_EXITED[st.kind], ex.events, self.last_event, st.log_head,
                          True, output)

    cdef object _finish(self, State st, object result, Py_ssize_t bound):
        """ResultSelector, ResultPath, OutputPath, then the transition; `bound` is one of
        the result's JSON size (-1: unknown). An output over the payload limit fails."""
        cdef object out
        if st.result_selector is not None:
            result = st.result_selector(result, self)
            bound = _grown(st.result_selector_growth, bound, self.execution.input_bound)
        if st.result_path_mode == RESULT_REPLACES:
            out = result
        elif st.result_path_mode == RESULT_DISCARDED:
            out = self.data
            bound = self.bound
        else:
            out = st.result_path(self.data, result)
            bound = _sum(_sum(self.bound, bound), st.result_path_size)
        if st.output_path is not None:
            out = st.output_path(out, self)
            if st.paths_unbounded:
                bound = -1
        self._exit(st.next_index, out, _settle(out, bound, st.limit_name))


    # -- the loop ---------------------------------------------------------------------------

    cpdef object advance(self, object value=None, object error=None):
        """Run until finished (returns None; see `output`) or until something must be
        awaited (returns the awaitable; pass its outcome back in). Raises StatesError."""
        cdef State st
        cdef object aw
        cdef int pending
        cdef object failed
        cdef Py_ssize_t bound
        while self.index >= 0:
            st = <State>self.states[self.index]
            failed = None
            try:
                pending = self.pending
                if pending == P_NONE:
                    aw = self._run(st)
                    if aw is _TASK_FAILED:   # handed back, not raised: cheaper on retries
                        failed = self._task_error
                        self._task_error = None
                    elif aw is not None:
                        return aw
                elif pending == P_RESULT:
                    self.pending = P_NONE
                    if error is not None:
                        failed = error
                        error = None
                        if st.kind == TASK:
                            self._task_ended(st, None, failed)
                    else:
                        result = value
                        value = None
                        bound = -1   # Map and Parallel results: measured when they end
                        if st.kind == TASK:
                            self._task_ended(st, result, None)
                            bound = _settle(result, -1, st.limit_name)   # from outside
                        self._finish(st, result, bound)
                elif pending == P_WAIT:
                    self.pending = P_NONE
                    self._exit(st.next_index, self.pending_output, self.pending_bound)
                    self.pending_output = None
                else:
                    self.pending = P_NONE
            except StatesError as e:
                failed = e
            except PathNotFound as e:
                failed = StatesRuntime(f"Invalid path '{e.path}' : {e.detail}")
            if failed is not None:
                aw = self._handle_error(st, failed)
                if aw is not None:
                    return aw
        return None

    cdef object _run(self, State st):
        """Run one state from its raw input: None when it transitioned (or is to run again),
        an awaitable, or _TASK_FAILED."""
        cdef int kind = st.kind
        cdef object data = self.data
        cdef object eff
        cdef object result
        cdef Py_ssize_t bound = self.bound
        if st.entry_error is not None:
            if st.entry_error[0] == "States.Runtime":
                raise StatesRuntime(st.entry_error[1])
            raise StatesError(*st.entry_error)
        if bound < 0 and st.needs_bound:   # once a frame, when its input came unmeasured
            bound = self.bound = _settle(data, -1, st.limit_name)
        if st.paths_unbounded:
            bound = -1   # of eff
        eff = data if st.input_path is None else st.input_path(data, self)
        if kind == PASS:
            if st.has_result:
                result = st.result
                bound = st.result_size
            elif st.parameters is not None:
                result = st.parameters(eff, self)
                bound = self._parameters_bound(st, result, bound)
            else:
                result = eff
            self._finish(st, result, bound)
            return None
        if kind == TASK:
            return self._run_task(st, eff, bound)
        if kind == CHOICE:
            for rule in st.choices:   # (predicate, next_index)
                if (<tuple>rule)[0](eff, self):
                    next_index = (<tuple>rule)[1]
                    break
            else:
                if st.default_index < 0:
                    raise StatesError("States.NoChoiceMatched",
                                      f"No Matches! at state '{st.name}'" )
                next_index = st.default_index
            out = eff if st.output_path is None else st.output_path(eff, self)
            self._exit(next_index, out, self._output_bound(st, out, bound))
            return None
        if kind == SUCCEED:
            out = eff if st.output_path is None else st.output_path(eff, self)
            self._exit(-1, out, self._output_bound(st, out, bound))
            return None
        if kind == FAIL:
            raise self._fail_error(st, data)
        if kind == WAIT:
            return self._run_wait(st, eff, bound)
        if kind == PARALLEL:
            return self._run_parallel(st, eff, bound)
        if kind == MAP:
            return self._run_map(st, eff, bound)
        raise StatesRuntime(f"unknown state kind {kind}")

    cdef Py_ssize_t _parameters_bound(self, State st, object value, Py_ssize_t source) except -2:
        """The state input `Parameters` made from a payload bounded by `source`: a bound of
        its size, measured when that passes the payload limit (and over it, a failure)."""
        return _settle(value, _grown(st.parameters_growth, source, self.execution.input_bound),
                       st.limit_name)

    cdef object _run_task(self, State st, object eff, Py_ssize_t bound):
        cdef object task_input = eff
        cdef object result
        cdef double timeout = st.timeout_seconds
        cdef double heartbeat = st.heartbeat_seconds
        cdef double started
        cdef str timeout_error = "States.Timeout"
        cdef Execution ex = self.execution
        if st.parameters is not None:
            task_input = st.parameters(eff, self)
            self._parameters_bound(st, task_input, bound)
        if st.timeout_seconds_path is not None:
            timeout = _positive_seconds(st.timeout_seconds_path(eff, self), "TimeoutSecondsPath")
        if st.heartbeat_seconds_path is not None:
            heartbeat = _positive_seconds(st.heartbeat_seconds_path(eff, self),
                                          "HeartbeatSecondsPath")
        ex.events += 2   # TaskScheduled, TaskStarted
        if ex.log_level >= LOG_ALL:
            self._log_task_started(st, task_input, timeout, heartbeat)
        self.last_event = ex.events
        # A handler cannot send heartbeats: one still running after HeartbeatSeconds has
        # missed its first heartbeat.
        if heartbeat > 0 and (timeout == 0 or heartbeat < timeout):
            timeout = heartbeat
            timeout_error = "States.HeartbeatTimeout"
        started = _monotonic() if timeout > 0 else 0.0
        try:
            result = st.invoke(task_input, self)
        except StatesError as e:
            result = e
        if PyExceptionInstance_Check(result) and isinstance(result, StatesError):   # a failure
            self._task_ended(st, None, result)
            self._task_error = result
            return _TASK_FAILED
        if type(result) in _PLAIN or not isawaitable(result):
            if timeout > 0 and _monotonic() - started > timeout:
                e = StatesError(timeout_error, None)
                self._task_ended(st, None, e)
                self._task_error = e
                return _TASK_FAILED
            self._task_ended(st, result, None)
            self._finish(st, result, _settle(result, -1, st.limit_name))   # from outside
            return None
        self.pending = P_RESULT
        if timeout > 0:
            return _with_timeout(result, timeout, timeout_error)
        return result

    cdef void _log_task_started(self, State st, object task_input, double timeout,
                                double heartbeat) except *:
        """TaskScheduled and TaskStarted (LambdaFunction* for a bare Lambda ARN)."""
        cdef Execution ex = self.execution
        cdef str limits = ""
        if timeout > 0:
            limits += ',"timeoutInSeconds":' + str(<long>timeout)
        if heartbeat > 0:
            limits += ',"heartbeatInSeconds":' + str(<long>heartbeat)
        if st.lambda_function:
            ex._log().lambda_function_scheduled(ex.events - 1, self.last_event,
                                                st.log_resource, task_input, limits)
            ex.record("LambdaFunctionStarted", ex.events, ex.events - 1, '{}')
            return
        ex._log().task_scheduled(ex.events - 1, self.last_event, st.log_resource, ex.region(),
                                 task_input, limits)
        ex.record("TaskStarted", ex.events, ex.events - 1, '{' + st.log_resource + '}')

    cdef void _task_ended(self, State st, object result, object error) except *:
        """TaskSucceeded (ALL), or TaskFailed / TaskTimedOut (ERROR and up)."""
        cdef Execution ex = self.execution
        ex.events += 1
        if error is None:
            if ex.log_level >= LOG_ALL:
                if st.lambda_function:
                    ex.record_payload("LambdaFunctionSucceeded", ex.events, self.last_event,
                                      "", True, result)
                else:
                    ex.record_payload("TaskSucceeded", ex.events, self.last_event,
                                      st.log_resource, True, result)
        elif ex.log_level >= LOG_ERROR:
            timed_out = error.error in ("States.Timeout", "States.HeartbeatTimeout")
            details = _error_details(error.error, error.cause)
            if st.lambda_function:
                ex.record("LambdaFunctionTimedOut" if timed_out else "LambdaFunctionFailed",
                          ex.events, self.last_event, details)
            else:
                ex.record("TaskTimedOut" if timed_out else "TaskFailed", ex.events,
                          self.last_event,
                          '{' + st.log_resource + (',' + details[1:] if len(details) > 2
                                                   else '}'))
        self.last_event = ex.events

    cdef object _fail_error(self, State st, object data):
        error = st.error
        cause = st.cause
        if st.error_path is not None:
            error = _fail_field(st.error_path, data, self, "ErrorPath")
        if st.cause_path is not None:
            cause = _fail_field(st.cause_path, data, self, "CausePath")
        return StatesError(error, cause)

    cdef object _run_wait(self, State st, object eff, Py_ssize_t bound):
        cdef double delay
        cdef Execution ex = self.execution
        if st.seconds is not None:
            delay = st.seconds
        elif st.seconds_path is not None:
            delay = _wait_seconds(st, eff, self)
        else:
            delay = _wait_until(st, eff, self) - _now()
        out = eff if st.output_path is None else st.output_path(eff, self)
        bound = self._output_bound(st, out, bound)
        if delay * ex.sleep_scale <= 0:
            self._exit(st.next_index, out, bound)
            return None
        if ex.deadline and _monotonic() + delay * ex.sleep_scale > ex.deadline:
            return _sleep_then_time_out(ex.deadline - _monotonic())
        self.pending = P_WAIT
        self.pending_output = out
        self.pending_bound = bound
        return asyncio.sleep(delay * ex.sleep_scale)

    cdef inline Py_ssize_t _output_bound(self, State st, object out,
                                         Py_ssize_t bound) except -2:
        """The bound of what a state passing its input on outputs: its input's, unless a
        `..` path may have gathered more (then measured)."""
        return _settle(out, -1, st.limit_name) if st.paths_unbounded else bound

    cdef object _run_parallel(self, State st, object eff, Py_ssize_t bound):
        cdef object branch_input = eff
        cdef Execution ex = self.execution
        if st.parameters is not None:
            branch_input = st.parameters(eff, self)
            bound = self._parameters_bound(st, branch_input, bound)
        ex.events += 1   # ParallelStateStarted
        if ex.log_level >= LOG_ALL:
            ex.record("ParallelStateStarted", ex.events, self.last_event, '{}')
        self.last_event = ex.events
        jobs = [(prog, branch_input, bound) for prog in st.branches]
        return self._run_children(st, jobs, 0, None)

    cdef object _run_map(self, State st, object eff, Py_ssize_t bound):
        cdef Execution ex = self.execution
        cdef Py_ssize_t item_bound
        items = eff if st.items_path is None else st.items_path(eff, self)
        if type(items) is not list:
            raise StatesRuntime(
                f"Map state input must be an array but was: {dumpb(items).decode()}")
        limit = st.max_concurrency
        if st.max_concurrency_path is not None:
            limit = _max_concurrency(st.max_concurrency_path, eff, self)
        ex.events += 1   # MapStateStarted
        if ex.log_level >= LOG_ALL:
            ex.record("MapStateStarted", ex.events, self.last_event,
                      '{"length":' + str(len(items)) + '}')
        self.last_event = ex.events
        selector = st.item_selector
        if bound < 0:   # known once for every item (each is part of the input)
            bound = _settle(eff, -1, st.limit_name)
        item_bound = bound
        jobs = []
        for i, item in enumerate(items):
            if selector is not None:
                self.map_item = (i, item)
                self._context = None
                try:
                    item = selector(eff, self)
                finally:
                    self.map_item = None
                    self._context = None
                item_bound = _settle(item, _grown(st.item_selector_growth, bound,
                                                  ex.input_bound), st.limit_name)
            jobs.append((st.iterator, item, item_bound))
        return self._run_children(st, jobs, limit, _tolerance(st, eff, self, len(items)))

    cdef object _run_children(self, State st, list jobs, int limit, object tolerance):
        """Run branches/iterations, each `(program, input)`, as plain calls in order; only
        those that suspend are driven by a coroutine, at most `limit` at once (0: no limit)."""
        cdef int n = len(jobs)
        cdef int i = 0
        cdef Frame child
        cdef Py_ssize_t bound = 1   # of the results array: '[', then each output and a comma
        results = [None] * n
        suspended = []
        failures = 0
        while i < n:
            if limit > 0 and len(suspended) >= limit:
                break
            child = self._child(st, jobs[i], i)
            try:
                aw = child.advance()
            except StatesError as e:
                self._child_ended(st, child, i, True)
                if tolerance is None:
                    _close_all(suspended)
                failures = self._tolerate(st, results, i, e, tolerance, failures)
                bound = -1   # a tolerated failure's error object: measured at the end
            else:
                if aw is None:
                    self._child_ended(st, child, i, False)
                    results[i] = child.output
                    bound = _sum(bound, _sum(child.bound, 1))
                else:
                    suspended.append((i, child, aw))
            i += 1
        if not suspended:
            self._children_ended(st, False)
            self._finish(st, results, _sum(bound, 1))
            return None
        self.pending = P_RESULT
        return _drive_children(self, st, results, suspended, jobs, i, limit, tolerance,
                               failures)

    cdef Frame _child(self, State st, tuple job, int i):
        """Start a branch, or a Map iteration (MapIterationStarted)."""
        cdef Execution ex = self.execution
        if st.kind == MAP:
            ex.events += 1
            if ex.log_level >= LOG_ALL:
                ex.record("MapIterationStarted", ex.events, self.last_event,
                          '{"name":' + st.log_name + ',"index":' + str(i) + '}')
            return Frame(ex, <Program>job[0], job[1], self.variables, ex.events, job[2])
        return Frame(ex, <Program>job[0], job[1], self.variables, self.last_event, job[2])

    cdef void _child_ended(self, State st, Frame child, int i, bint failed) except *:
        """MapIterationSucceeded (ALL) or MapIterationFailed (ERROR); branches log none."""
        cdef Execution ex = self.execution
        if st.kind != MAP:
            return
        ex.events += 1
        if ex.log_level >= <int>(LOG_ERROR if failed else LOG_ALL):
            ex.record("MapIterationFailed" if failed else "MapIterationSucceeded", ex.events,
                      child.last_event, '{"name":' + st.log_name + ',"index":' + str(i) + '}')
        child.last_event = ex.events

    cdef void _children_ended(self, State st, bint failed) except *:
        """MapStateSucceeded / ParallelStateSucceeded (ALL), or *Failed (ERROR)."""
        cdef Execution ex = self.execution
        ex.events += 1
        if ex.log_level >= <int>(LOG_ERROR if failed else LOG_ALL):
            ex.record(("MapState" if st.kind == MAP else "ParallelState")
                      + ("Failed" if failed else "Succeeded"), ex.events, ex.events - 1, '{}')
        self.last_event = ex.events

    cdef int _tolerate(self, State st, list results, int i, object error, object allowed,
                       int failures) except -1:
        """A failed branch/iteration: recorded while failures stay tolerated, else the
        state fails."""
        try:
            return _tolerate(results, i, error, allowed, failures)
        except StatesError:
            self._children_ended(st, True)
            raise

    # -- errors: Retry, then Catch ---------------------------------------------------------

    cdef object _handle_error(self, State st, object err):
        cdef Retrier r
        cdef Catcher c
        cdef Py_ssize_t bound
        cdef int i
        cdef int attempts
        cdef double delay
        cdef Execution ex = self.execution
        if err.error == "States.Runtime":
            if not getattr(err, "located", False):
                err.cause = (f"An error occurred while executing the state '{st.name}' "
                             f"(entered at the event id #{self.entered_id}). {err.cause}")
                err.located = True
            raise err
        for i in range(len(st.retriers)):
            r = st.retriers[i]
            if not error_matches(r.error_equals, err):
                continue
            if self.retry_attempts is None:
                self.retry_attempts = [0] * len(st.retriers)
            attempts = self.retry_attempts[i]
            if attempts < r.max_attempts:
                self.retry_attempts[i] = attempts + 1
                self.retry_count += 1
                self._context = None
                ex.transitions += 1
                delay = r.delay(attempts) * ex.sleep_scale
                if delay <= 0:
                    return None   # the loop runs the state again
                if ex.deadline and _monotonic() + delay > ex.deadline:
                    return _sleep_then_time_out(ex.deadline - _monotonic())
                self.pending = P_RETRY
                return asyncio.sleep(delay)
            break
        for c in st.catchers:
            if error_matches(c.error_equals, err):
                error, cause = err.error, err.cause
                error_output = {"Error": error, "Cause": cause}
                bound = _error_bound(error, cause)
                if c.result_path_mode == RESULT_REPLACES:
                    out = error_output
                elif c.result_path_mode == RESULT_DISCARDED:
                    out = self.data
                    bound = self.bound
                else:
                    out = c.result_path(self.data, error_output)
                    bound = _sum(_sum(self.bound, bound), c.result_path_size)
                self._exit(c.next_index, out, _settle(out, bound, st.limit_name))
                return None
        raise err


cdef object _encode = encoder.encode


cdef str _quoted(str text):
    """A string as JSON text (the encoder called directly: no Python-level call)."""
    return (<bytes>_encode(text)).decode("utf-8")


cdef str _error_details(object error, object cause):
    """'{"error":..,"cause":..}' without the members that are null."""
    parts = []
    if error is not None:
        parts.append('"error":' + dumps(error))
    if cause is not None:
        parts.append('"cause":' + dumps(cause))
    return '{' + ",".join(parts) + '}'


class ExecutionTimedOut(Exception):
    """The execution ran past its TimeoutSeconds or the Express five-minute limit."""


cdef Py_ssize_t _MAX_PAYLOAD = MAX_PAYLOAD

cdef enum:
    BOUND_DEPTH = 256   # nesting past which a value is measured by encoding it


cdef inline Py_ssize_t _scalar_bound(PyObject* value) noexcept:
    """At least the size of a scalar's JSON text (at most 6 bytes per character, as with
    \\uXXXX escapes; 24 per number); -1 for a container, or a value it cannot bound."""
    cdef PyTypeObject* t = Py_TYPE(value)
    cdef int overflow
    if t == &PyUnicode_Type:
        return 2 + 6 * PyUnicode_GET_LENGTH(value)
    if t == &PyFloat_Type or t == &PyBool_Type or value == Py_None:
        return 24
    if t == &PyLong_Type:
        PyLong_AsLongLongAndOverflow(value, &overflow)
        return 24 if overflow == 0 else -1   # a huge integer: many digits
    return -1


cdef Py_ssize_t _size_bound(PyObject* value, Py_ssize_t budget, int depth) noexcept:
    """At least the size of the value's JSON text, walked without encoding (nor reference
    counting); past `budget` (or for a value it cannot bound) it stops and returns
    budget + 1."""
    cdef Py_ssize_t size = _scalar_bound(value), item, pos = 0, i
    cdef PyObject* key
    cdef PyObject* v
    cdef PyTypeObject* t = Py_TYPE(value)
    if size >= 0:
        return size
    if depth >= BOUND_DEPTH:
        return budget + 1
    if t == &PyDict_Type:
        size = 2
        while PyDict_Next(value, &pos, &key, &v):
            if Py_TYPE(key) != &PyUnicode_Type:
                return budget + 1
            item = _scalar_bound(v)
            if item < 0:
                item = _size_bound(v, budget - size, depth + 1)
            size += 4 + 6 * PyUnicode_GET_LENGTH(key) + item
            if size > budget:
                return budget + 1
        return size
    if t == &PyList_Type:
        size = 2
        for i in range(PyList_GET_SIZE(value)):
            v = PyList_GET_ITEM(value, i)
            item = _scalar_bound(v)
            if item < 0:
                item = _size_bound(v, budget - size, depth + 1)
            size += 1 + item
            if size > budget:
                return budget + 1
        return size
    return budget + 1


cdef Py_ssize_t _settle(object value, Py_ssize_t bound, str name) except -2:
    """`bound` when it is known and within the payload limit; else the value's JSON size,
    bounded by a walk or, past the limit, measured by encoding it: over the limit,
    DataLimitExceeded naming `name` (the state or task)."""
    if 0 <= bound <= _MAX_PAYLOAD:
        return bound
    bound = _size_bound(<PyObject*>value, _MAX_PAYLOAD, 0)
    if bound <= _MAX_PAYLOAD:
        return bound
    try:
        size = len(dumpb(value))
    except TypeError as e:
        raise StatesRuntime(f"The task '{name}' returned a value that is not JSON: {e}")
    except RecursionError:
        raise StatesRuntime(f"The task '{name}' returned a result nested too deeply")
    except ValueError as e:   # e.g. an integer past Python's 4,300-digit text limit
        raise StatesRuntime(f"The task '{name}' returned a value that cannot be written "
                            f"as JSON: {e}")
    if size > _MAX_PAYLOAD:
        raise data_limit_exceeded(name)
    return size


cdef inline Py_ssize_t _sum(Py_ssize_t a, Py_ssize_t b) noexcept:
    """The bound of two payloads together (-1 if either is unknown)."""
    return -1 if a < 0 or b < 0 else a + b


cdef inline Py_ssize_t _grown(Growth growth, Py_ssize_t source,
                              Py_ssize_t execution_input) noexcept:
    """The bound of a template's output (-1: unknown, or a template it cannot bound)."""
    return -1 if growth is None else growth.bound(source, execution_input)


cdef inline Py_ssize_t _error_bound(object error, object cause) noexcept:
    """A bound of a caught error's {"Error": .., "Cause": ..} object."""
    cdef Py_ssize_t size = 32
    if type(error) is str:
        size += 6 * len(<str>error)
    if type(cause) is str:
        size += 6 * len(<str>cause)
    return size


cdef object _fail_field(object getter, object data, Frame frame, str field):
    try:
        return getter(data, frame)
    except PathNotFound as e:
        raise StatesRuntime(
            f"The JSONPath '{e.path}' specified for the field '{field}' could not be found "
            f"in the input '{dumpb(data).decode()}'")


cdef double _positive_seconds(object value, str field) except? -1:
    if type(value) is not int or value <= 0:
        raise StatesRuntime(f"The {field} field refers to an invalid value: {value!r}")
    return value


cdef double _wait_seconds(State st, object eff, Frame frame) except? -1:
    path = st.seconds_path
    try:
        value = path(eff, frame)
    except PathNotFound as e:
        raise StatesRuntime(f"The SecondsPath parameter does not reference an input value: {e.path}")
    text = getattr(path, "text", "$")
    if type(value) is float and value == int(value):
        value = int(value)
    if type(value) is not int:
        raise StatesRuntime(
            f"The SecondsPath parameter cannot be parsed as a long value: {text} == "
            f"{dumpb(value).decode()}")
    if value < 0:
        raise StatesRuntime(
            f"The SecondsPath parameter references a negative value: {text} == {value}")
    if value > 99999999:
        raise StatesRuntime("Wait state delay is too long.")
    return value


cdef double _wait_until(State st, object eff, Frame frame) except? -1:
    from fastsfn.timestamps import parse_timestamp
    if st.timestamp is not None:
        return st.timestamp
    path = st.timestamp_path
    text = getattr(path, "text", "$")
    try:
        value = path(eff, frame)
    except PathNotFound as e:
        raise StatesRuntime(f"The TimestampPath parameter does not reference an input value: {e.path}")
    parsed = parse_timestamp(value) if type(value) is str else None
    if parsed is None:
        shown = value if type(value) is str else dumpb(value).decode()
        raise StatesRuntime(
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
            f"date-time format string: {text} == {shown}")
    return parsed.timestamp()


cdef int _max_concurrency(object path, object eff, Frame frame) except? -1:
    value = path(eff, frame)
    if type(value) is not int or value < 0:
        shown = value if type(value) is str else dumpb(value).decode()
        raise StatesRuntime(
            f"The MaxConcurrencyPath field refers to value \"{shown}\" which is not a valid "
            f"integer: {getattr(path, 'text', '$')}")
    return value


cdef object _tolerance(State st, object eff, Frame frame, int n):
    """(max failures tolerated) or None when no tolerance is set."""
    count = st.tolerated_failure_count
    pct = st.tolerated_failure_percentage
    if st.tolerated_failure_count_path is not None:
        count = st.tolerated_failure_count_path(eff, frame)
        if type(count) is not int or count < 0:
            raise StatesRuntime("ToleratedFailureCount cannot be negative.")
    if st.tolerated_failure_percentage_path is not None:
        pct = st.tolerated_failure_percentage_path(eff, frame)
        if type(pct) not in (int, float) or not 0 <= pct <= 100:
            raise StatesRuntime("ToleratedFailurePercentage must be between 0 and 100.")
    if count is None and pct is None:
        return None
    allowed = n
    if count is not None:
        allowed = min(allowed, count)
    if pct is not None:
        allowed = min(allowed, int(n * pct / 100.0))
    return allowed


cdef int _tolerate(list results, int i, object error, object allowed, int failures) except -1:
    """A failed branch/iteration: re-raised, or recorded while failures stay tolerated."""
    if allowed is None:
        raise error
    failures += 1
    results[i] = {"Error": error.error, "Cause": error.cause}
    if failures > allowed:
        raise StatesError("States.ExceedToleratedFailureThreshold",
                          "The specified tolerated failure threshold was exceeded")
    return failures


cdef void _close_all(list suspended):
    for _, _, aw in suspended:
        close = getattr(aw, "close", None)
        if close is not None:
            close()


async def _with_timeout(aw, double timeout, str error):
    try:
        return await asyncio.wait_for(aw, timeout)
    except asyncio.TimeoutError:
        raise StatesError(error, None)


async def _sleep_then_time_out(double seconds):
    if seconds > 0:
        await asyncio.sleep(seconds)
    raise ExecutionTimedOut()


cpdef object begin(Execution execution, Program program, object ended):
    """An execution run as far as it goes without waiting: its Outcome once it ended, or
    (frame, awaitable) when it must suspend. An Outcome whose end is logged (at ALL; a
    failure at ERROR and FATAL) comes back through `ended(execution, outcome)`."""
    cdef Frame frame
    cdef Outcome outcome
    if execution.log_level == LOG_ALL:
        execution.log_started()
    frame = Frame(execution, program, execution.input)
    try:
        aw = frame.advance()
    except StatesError as e:
        outcome = Outcome("FAILED", None, e.error, e.cause)
    except ExecutionTimedOut:
        outcome = timed_out()
    except Exception as e:   # an engine fault must still end as an execution status
        outcome = internal_failure(e)
    else:
        if aw is not None:
            return frame, aw
        outcome = Outcome("SUCCEEDED", frame.output)
    if execution.log_level == LOG_ALL or (execution.log_level and outcome.status != "SUCCEEDED"):
        if _ended_in_lane(execution, outcome):
            return outcome
        return ended(execution, outcome)
    return outcome


cdef bint _ended_in_lane(Execution execution, Outcome outcome) except -1:
    """The usual end of an execution logging at ALL to a local sink, without a Python-level
    call: it succeeded, and with execution data its output's text is the payload logged
    last (so surely within the size limit). False: not that case, `ended` does it."""
    cdef LocalLane lane = execution.lane
    cdef LogRecords records = execution.log
    if lane is None or not lane.open or records is None or outcome.status != "SUCCEEDED":
        return False
    if execution.log_data and outcome._text is None:
        if not records.has_json_text(outcome.output):
            return False
        outcome._records = records   # the text made from them if asked (not on values)
    execution.log_ended("SUCCEEDED", outcome.output, outcome._text, None, None)
    if not lane.add(execution.log_group_name, execution.state_machine_name,
                    execution.start_time, records):   # closed meanwhile: the next shipper
        lane.reship(execution.log_group_name, execution.state_machine_name,
                    execution.start_time, records)
    return True


cpdef Outcome timed_out():
    """The Outcome of an execution that ran past its time limit."""
    return Outcome("TIMED_OUT", None, "States.Timeout",
                   "The execution ran longer than its time limit.")


cpdef Outcome internal_failure(object e):
    """The Outcome of an execution the engine itself failed (a bug: never a traceback)."""
    return Outcome("FAILED", None, "States.Runtime",
                   f"fastsfn internal error: {type(e).__name__}: {e}")


async def drive(Frame frame, object aw):
    """Finish a frame that suspended: await what it asks for, feed the outcome back."""
    while aw is not None:
        try:
            value = await aw
        except StatesError as e:
            aw = frame.advance(None, e)
        else:
            aw = frame.advance(value, None)
    return frame.output


async def _drive_children(Frame parent, State st, list results, list suspended, list jobs,
                          int started, int limit, object tolerance, int failures):
    """The async half of `_run_children`: drive suspended children concurrently, start the
    rest as slots free up, fail fast on the first error (unless tolerated)."""
    cdef Frame child
    cdef int n = len(jobs)
    tasks = {}
    for i, child, aw in suspended:
        tasks[asyncio.ensure_future(drive(child, aw))] = (i, child)
    try:
        while started < n or tasks:
            while started < n and (limit <= 0 or len(tasks) < limit):
                child = parent._child(st, jobs[started], started)
                try:
                    aw = child.advance()
                except StatesError as e:
                    parent._child_ended(st, child, started, True)
                    failures = parent._tolerate(st, results, started, e, tolerance, failures)
                else:
                    if aw is None:
                        parent._child_ended(st, child, started, False)
                        results[started] = child.output
                    else:
                        tasks[asyncio.ensure_future(drive(child, aw))] = (started, child)
                started += 1
            if not tasks:
                continue
            done, _ = await asyncio.wait(list(tasks), return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                i, child = tasks.pop(t)
                try:
                    results[i] = t.result()
                except StatesError as e:
                    parent._child_ended(st, child, i, True)
                    failures = parent._tolerate(st, results, i, e, tolerance, failures)
                else:
                    parent._child_ended(st, child, i, False)
    finally:
        for t in tasks:
            t.cancel()
    parent._children_ended(st, False)
    return results
