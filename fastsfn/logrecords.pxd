cdef class LogRecords:
    cdef readonly bint data             # includeExecutionData: payloads are logged
    cdef char* _buf                     # the records, one line each, '\n' after every one
    cdef Py_ssize_t _len
    cdef Py_ssize_t _cap
    cdef long long* _times              # each record's timestamp (epoch ms)
    cdef Py_ssize_t _times_cap
    cdef readonly Py_ssize_t count      # records made
    cdef readonly long long nbytes      # their PutLogEvents size: UTF-8 bytes + 26 per event
    cdef readonly long long longest     # the largest one's
    cdef readonly long long first       # the smallest timestamp (ms)
    cdef readonly long long last        # the largest
    cdef bytes _tail                    # ',"execution_arn":..,"redrive_count":"0"}\n'
    cdef Py_ssize_t _start              # where the record being written begins
    cdef long long _ms
    cdef unsigned long long _ticks      # the CPU's cycle counter when _ms was read
    cdef char _ms_text[24]
    cdef Py_ssize_t _ms_len
    cdef object _payload_value          # the last payload written, kept for the next event
    cdef Py_ssize_t _payload_at         # ... where its escaped text is in the buffer
    cdef Py_ssize_t _payload_len
    cdef bint _payload_truncated
    cdef bytes _payload_json            # ... its JSON text, if kept
    cdef bint _payload_in_buffer        # ... else whether the buffer has it (else its str())
    cdef bytes _payload_compact         # the input's compact text, escaped, not yet written

    cdef int record(self, str type, long id, long previous, str details) except -1
    cdef int record_payload(self, str type, long id, long previous, str head, bint output,
                            object value) except -1
    cdef int execution_started(self, str input_text, object input, str role_json) except -1
    cdef int execution_succeeded(self, long id, object output, str output_text) except -1
    cdef int task_scheduled(self, long id, long previous, str resource, str region,
                            object parameters, str limits) except -1
    cdef int lambda_function_scheduled(self, long id, long previous, str resource,
                                       object input, str limits) except -1
    cdef bint is_last_payload(self, object value) noexcept
    cdef bint has_json_text(self, object value) noexcept
    cpdef str json_text(self, object value)


cdef class LineBatches:
    cdef dict _streams   # (log group, log stream) -> _Lines
    cdef readonly Py_ssize_t threshold

    cpdef tuple add(self, str log_group_name, str log_stream_name, LogRecords records)


cdef class StreamNames:
    cdef long _pid
    cdef str _suffix
    cdef dict _cache   # machine -> (minute, its stream)

    cpdef str name(self, str machine_name, double epoch)


cdef class LocalLane:
    cdef LineBatches batches
    cdef StreamNames names
    cdef object put_lines
    cdef object put_late
    cdef public object reship
    cdef public bint open

    cdef int add(self, str log_group_name, str machine_name, double start_time,
                 LogRecords records) except -1


cdef LogRecords new_records(str execution_arn, bint data)
