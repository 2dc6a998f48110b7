# cython: language_level=3
"""Writing blocks of log lines to a file descriptor with the GIL given up once per call.

Stage: logs. `os.writev` takes the GIL back after every system call, and a thread that
wants it back waits until the executing thread lets go of it (up to the interpreter's switch
interval, 5 ms): for the shipper's writer, a wait after every call of up to 512 blocks,
while executions keep adding to its queue. Here the whole list is written in one stretch without
the GIL, partial writes continued where they stopped.

A `WriteBehind` keeps a log file's written data from piling up in the page cache: the data
is sent to the disk soon after it is written, and its pages are given back once it is there,
to be taken again by the next writes; in the same stretch without the GIL as the write (each
time the writer takes the GIL back it may wait up to the switch interval). Pages the kernel has not used lately
cost far more to take than pages it just gave back (measured on this project's 2-core VM:
~0.4 GB/s of sustained writes to new pages, ~2.5 GB/s when they are recycled so).
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.errno cimport EINTR, EIO, errno
from posix.uio cimport iovec, writev
from posix.unistd cimport _SC_IOV_MAX, sysconf

from os import strerror

cdef extern from *:
    """
    #include <errno.h>
    #include <fcntl.h>
    #ifdef __linux__
    static int fastsfn_write_behind(int fd, long long start, long long length) {
        return sync_file_range(fd, start, length, SYNC_FILE_RANGE_WRITE);
    }
    static int fastsfn_drop_behind(int fd, long long start, long long length) {
        if (sync_file_range(fd, start, length, SYNC_FILE_RANGE_WAIT_BEFORE
                            | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) < 0)
            return -1;
        int error = posix_fadvise(fd, start, length, POSIX_FADV_DONTNEED);
        if (error) {
            errno = error;
            return -1;
        }
        return 0;
    }
    #else  /* no sync_file_range: the kernel writes back when it will, pages stay cached */
    static int fastsfn_write_behind(int fd, long long start, long long length) {
        errno = ENOSYS;
        return -1;
    }
    static int fastsfn_drop_behind(int fd, long long start, long long length) {
        errno = ENOSYS;
        return -1;
    }
    #endif
    """
    int fastsfn_write_behind(int fd, long long start, long long length) nogil
    int fastsfn_drop_behind(int fd, long long start, long long length) nogil

cdef int _IOV_MAX = max(16, min(sysconf(_SC_IOV_MAX), 1024))   # POSIX: at least 16


cdef enum:
    PAGE = 4096   # steps end on page boundaries


cdef class WriteBehind:
    """A file's data sent to the disk in steps of `step` bytes as it is written, the step
    before each one given back to the kernel: about two steps stay cached."""

    cdef readonly long long size   # bytes in the file
    cdef readonly long long sent   # bytes handed to the disk
    cdef readonly long long dropped   # bytes given back
    cdef readonly long long step
    cdef readonly int error   # why it stopped (an errno; the writes go on regardless), or 0

    def __init__(self, long long size, long long step):
        self.size = size
        self.sent = self.dropped = size - size % PAGE
        self.step = step

    cdef void advance(self, int fd, long long written) noexcept nogil:
        """After `written` more bytes: send the next step, give back the one before."""
        cdef long long end
        self.size += written
        if self.error or self.size - self.sent < self.step:
            return
        end = self.size - self.size % PAGE
        if fastsfn_write_behind(fd, self.sent, end - self.sent) < 0:
            self.error = errno
            return
        if self.sent > self.dropped:   # handed to the disk a step ago: there by now, mostly
            if fastsfn_drop_behind(fd, self.dropped, self.sent - self.dropped) < 0:
                self.error = errno
                return
            self.dropped = self.sent
        self.sent = end


def write_all(int fd, list blocks, WriteBehind behind=None) -> None:
    """Write the blocks (bytes) to `fd`, in order and completely, then advance `behind`;
    OSError if the system refuses, its `written` the bytes written before that."""
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
            if not error and behind is not None:
                behind.advance(fd, total)
    finally:
        PyMem_Free(vectors)
    if error:
        failure = OSError(error, strerror(error))
        failure.written = total
        raise failure

