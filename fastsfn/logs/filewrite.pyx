# cython: language_level=3
"""Writing lines of logs to a file descriptor without the GIL.

Stage: logs. `write_pieces` writes a list of pieces of whole lines in one stretch without the
GIL (`os.writev` takes it back after every system call), partial writes continued where
they stopped, and stops between lines where a file would pass its size limit (the caller
rotates, then writes the rest).

A `WriteBehind` keeps a log file's written data from piling up in the page cache: the data
is sent to the disk soon after it is written, and its pages are given back once it is there,
to be taken again by the next writes; in the same stretch without the GIL as the write. Pages
the kernel has not used lately cost far more to take than pages it just gave back (measured
on this project's 2-core VM: ~0.4 GB/s of sustained writes to new pages, ~2.5 GB/s when
they are recycled so).

A thread that takes the GIL back after such a stretch waits until the thread holding it lets
go: up to the interpreter's switch interval (5 ms) when that one runs Python without pause.
The writer says when it wants the GIL (`writer_wants_gil`, until `writer_done`), and the
executing thread gives it over at its next chance (`hand_over_gil`).
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.errno cimport EINTR, EIO, ENOMEM, errno
from libc.stdlib cimport free, malloc
from libc.string cimport memchr
from posix.uio cimport iovec, writev
from posix.unistd cimport _SC_IOV_MAX, sysconf

from os import strerror

cdef extern from *:
    """
    #include <errno.h>
    #include <fcntl.h>
    #include <string.h>
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
    static const void* fastsfn_memrchr(const void* s, int c, size_t n) {
        return memrchr(s, c, n);
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
    static const void* fastsfn_memrchr(const void* s, int c, size_t n) {
        const unsigned char* p = (const unsigned char*)s + n;
        while (p != (const unsigned char*)s)
            if (*--p == (unsigned char)c)
                return p;
        return NULL;
    }
    #endif
    """
    int fastsfn_write_behind(int fd, long long start, long long length) nogil
    int fastsfn_drop_behind(int fd, long long start, long long length) nogil
    const void* fastsfn_memrchr(const void* s, int c, size_t n) nogil

cdef extern from *:
    int __atomic_load_n(int*, int) nogil
    void __atomic_store_n(int*, int, int) nogil
    int __ATOMIC_ACQUIRE, __ATOMIC_RELEASE

cdef extern from "<sched.h>":
    int sched_yield() nogil

cdef enum:
    PAGE = 4096   # write-behind steps end on page boundaries
    HAND_OVER_SPINS = 2000   # sched_yield()s a thread handing the GIL over waits at most

cdef int _IOV_MAX = max(16, min(sysconf(_SC_IOV_MAX), 1024))   # POSIX: at least 16
cdef int _writer_waiting = 0   # a writer wants the GIL


# -- the GIL, handed over ---------------------------------------------------------------------

cdef void writer_wants_gil() noexcept nogil:
    """Said by a writer thread taking the GIL back, or running Python that should not wait
    for it (each system call gives the GIL up), until `writer_done`."""
    __atomic_store_n(&_writer_waiting, 1, __ATOMIC_RELEASE)


cdef void writer_done() noexcept nogil:
    """Said by the writer when it needs the GIL no sooner than anyone."""
    __atomic_store_n(&_writer_waiting, 0, __ATOMIC_RELEASE)


def writer_is_done() -> None:
    """`writer_done`, from Python (a writer thread that stops)."""
    writer_done()


cdef void hand_over_gil() noexcept:
    """Called with the GIL by a thread that runs long: while a writer wants the GIL, give it
    over (else the writer waits for the switch interval, up to 5 ms, while blocks pile up),
    and take it back once the writer is done or after a while."""
    cdef int spins = 0
    if not __atomic_load_n(&_writer_waiting, __ATOMIC_ACQUIRE):
        return
    with nogil:
        while __atomic_load_n(&_writer_waiting, __ATOMIC_ACQUIRE) and spins < HAND_OVER_SPINS:
            sched_yield()
            spins += 1


# -- write-behind ------------------------------------------------------------------------------

cdef class WriteBehind:
    """A file's data sent to the disk in steps of `step` bytes as it is written, the step
    before each one given back to the kernel: about two steps stay cached."""

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


# -- writing -----------------------------------------------------------------------------------

cdef int write_pieces(int fd, WriteBehind behind, long long limit, Piece* pieces,
                      Py_ssize_t n, Py_ssize_t* written, bint* full) noexcept nogil:
    """Write the pieces (whole lines, in order) to `fd` and advance `behind` (which knows
    the file's size); with a size `limit` (> 0), only the lines that fit (but a first line
    longer than a whole file, alone), `*full` set when some did not. `*written`: the bytes
    written. Returns 0, or the errno of a failed write (the bytes before it written)."""
    cdef Py_ssize_t total = 0, take, i = 0, count, first
    cdef ssize_t done
    cdef iovec[64] local
    cdef iovec* vectors = local
    cdef int error = 0
    full[0] = False
    written[0] = 0
    for i in range(n):
        total += pieces[i].len
    if limit > 0 and behind is not None and behind.size + total > limit:
        total = _fitting(pieces, n, limit - behind.size, behind.size == 0)
        full[0] = True
    if total == 0:
        return 0
    if n > 64:
        vectors = <iovec*>malloc(n * sizeof(iovec))
        if vectors == NULL:
            return ENOMEM
    n = 0   # the vectors: the pieces cut to `total`
    take = total
    while take > 0:
        vectors[n].iov_base = <void*>pieces[n].data
        vectors[n].iov_len = pieces[n].len if pieces[n].len < take else take
        take -= vectors[n].iov_len
        n += 1
    i = 0
    while i < n:
        count = n - i if n - i < _IOV_MAX else _IOV_MAX
        done = writev(fd, &vectors[i], <int>count)
        if done < 0:
            if errno == EINTR:
                continue
            error = errno
            break
        written[0] += done
        first = i
        while i < n and <size_t>done >= vectors[i].iov_len:   # whole vectors
            done -= vectors[i].iov_len
            i += 1
        if done > 0:   # part of one: the rest goes next
            vectors[i].iov_base = <char*>vectors[i].iov_base + done
            vectors[i].iov_len -= done
        elif i == first:   # nothing taken, and no error said why
            error = EIO
            break
    if vectors != local:
        free(vectors)
    if behind is not None:
        if error:
            behind.size += written[0]
        else:
            behind.advance(fd, written[0])
    return error


cdef Py_ssize_t _fitting(Piece* pieces, Py_ssize_t n, long long room, bint empty) noexcept nogil:
    """How many of the pieces' first bytes are whole lines within `room`; in an empty file,
    at least the first line."""
    cdef Py_ssize_t before = 0, i
    cdef const char* newline
    for i in range(n):
        if before + pieces[i].len > room:
            break
        before += pieces[i].len
    else:
        return before
    if room > before:   # the last newline within the room
        newline = <const char*>fastsfn_memrchr(pieces[i].data, c'\n', room - before)
        if newline != NULL:
            return before + (newline - pieces[i].data) + 1
    if before or not empty:
        return before
    newline = <const char*>memchr(pieces[i].data, c'\n', pieces[i].len)   # (empty pieces before)
    return pieces[i].len if newline == NULL else newline - pieces[i].data + 1


def write_lines(int fd, list blocks, WriteBehind behind=None, long long limit=0) -> tuple:
    """Write the blocks (bytes of whole lines) to `fd` as `write_pieces` does: (bytes
    written, whether the file is full); OSError if the system refuses, its `written` the
    bytes written before that."""
    cdef Py_ssize_t n = len(blocks), i, written = 0
    cdef Piece[64] local
    cdef Piece* pieces = local
    cdef bint full = False
    cdef int error
    cdef bytes block
    if n == 0:
        return 0, False
    if n > 64:
        pieces = <Piece*>PyMem_Malloc(n * sizeof(Piece))
        if pieces == NULL:
            raise MemoryError()
    try:
        for i in range(n):
            block = <bytes?>blocks[i]   # `blocks` keeps each alive until the call returns
            pieces[i].data = PyBytes_AS_STRING(block)
            pieces[i].len = PyBytes_GET_SIZE(block)
        with nogil:
            error = write_pieces(fd, behind, limit, pieces, n, &written, &full)
    finally:
        if pieces != local:
            PyMem_Free(pieces)
    if error:
        failure = OSError(error, strerror(error))
        failure.written = written
        raise failure
    return written, full


# -- memory ------------------------------------------------------------------------------------

cdef extern from *:
    """
    #ifdef __GLIBC__
    #include <malloc.h>
    static int fastsfn_keep_freed_heap(int nbytes) {
        /* both: setting one stops glibc adjusting either on its own */
        return mallopt(M_TRIM_THRESHOLD, nbytes) && mallopt(M_MMAP_THRESHOLD, 32 << 20);
    }
    #else
    static int fastsfn_keep_freed_heap(int nbytes) { return 0; }
    #endif
    """
    int fastsfn_keep_freed_heap(int nbytes)


def keep_freed_heap(int nbytes) -> bool:
    """Have malloc keep up to `nbytes` of freed memory at the top of the heap rather than
    give it back to the system at once (glibc; elsewhere nothing); False if it could not.

    Blocks of log lines are made and freed at hundreds of MB/s; given back and taken again,
    each of their pages faults in anew (measured: 100,000 faults in 3 s, a tenth of the
    executing thread's time). Allocations up to 32 MiB keep coming from the heap (glibc's
    own ceiling when it adjusts that threshold itself)."""
    return fastsfn_keep_freed_heap(nbytes) == 1
