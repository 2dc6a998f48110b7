# cython: language_level=3
"""Writing blocks of log lines to a file descriptor with the GIL given up once per call.

Stage: logs. `os.writev` takes the GIL back after every system call, and a thread that
wants it back waits until the executing thread lets go of it (up to the interpreter's switch
interval, 5 ms): for the shipper's writer, a wait after every call of up to 512 blocks,
while executions keep adding to its queue. Here the whole list is written in one stretch without
the GIL, partial writes continued where they stopped.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.errno cimport EINTR, EIO, errno
from posix.uio cimport iovec, writev
from posix.unistd cimport _SC_IOV_MAX, sysconf

from os import strerror

cdef int _IOV_MAX = max(16, min(sysconf(_SC_IOV_MAX), 1024))   # POSIX: at least 16


def write_all(int fd, list blocks) -> None:
    """Write the blocks (bytes) to `fd`, in order and completely; OSError if the system
    refuses, its `written` the bytes written before that."""
    cdef Py_ssize_t n = len(blocks), i = 0, count, first, total = 0
    cdef ssize_t written
    cdef int error = 0
    cdef iovec* vectors
    cdef bytes block
    if n == 0:
        return
    vectors = <iovec*>PyMem_Malloc(n * sizeof(iovec))
    if vectors == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            block = <bytes?>blocks[i]   # `blocks` keeps each alive until the call returns
            vectors[i].iov_base = PyBytes_AS_STRING(block)
            vectors[i].iov_len = PyBytes_GET_SIZE(block)
        i = 0
        with nogil:
            while i < n:
                count = n - i if n - i < _IOV_MAX else _IOV_MAX
                written = writev(fd, &vectors[i], <int>count)
                if written < 0:
                    if errno == EINTR:
                        continue
                    error = errno
                    break
                total += written
                first = i
                while i < n and <size_t>written >= vectors[i].iov_len:   # whole blocks
                    written -= vectors[i].iov_len
                    i += 1
                if written > 0:   # part of one: the rest goes next
                    vectors[i].iov_base = <char*>vectors[i].iov_base + written
                    vectors[i].iov_len -= written
                elif i == first:   # nothing taken, and no error said why
                    error = EIO
                    break
    finally:
        PyMem_Free(vectors)
    if error:
        failure = OSError(error, strerror(error))
        failure.written = total
        raise failure
