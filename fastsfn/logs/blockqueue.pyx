# cython: language_level=3
"""Blocks of log lines on their way from the threads that make them to the writer thread.

Stage: logs. Executions hand their lines over a block at a time (`put`: a reference kept, no
copy). The writer takes them in order: for a sink of files, `write` writes them in C without
the GIL, coming back to Python only to open or rotate a stream's file, on a failure, and
every `interval` (to gather what waits elsewhere); for any other sink, `take` hands them
over as a list. Written blocks are freed by the next `put`, not by the writer thread: in
an executing thread, mostly (glibc gives memory freed by another thread back to the
system, to be faulted in again).
Past `max_bytes` not written yet, the putting threads wait for room (`wait_for_room`).
"""
cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_RawFree, PyMem_RawRealloc
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_XDECREF

from fastsfn.logs.filewrite cimport (Piece, WriteBehind, write_pieces, writer_done,
                                     writer_wants_gil)
from fastsfn.memory cimport reallocated

from fastsfn.logs.sinks import ShipperClosed

cdef extern from *:
    """
    #include <pthread.h>
    #include <stdlib.h>
    #include <time.h>
    typedef struct {
        pthread_mutex_t mutex;
        pthread_cond_t wake;       /* the writer waits here */
        pthread_cond_t progress;   /* putters waiting for room, flushes for their blocks */
    } fastsfn_sync;

    static double fastsfn_now(void) {
        struct timespec t;
    #ifdef __APPLE__
        clock_gettime(CLOCK_REALTIME, &t);
    #else
        clock_gettime(CLOCK_MONOTONIC, &t);
    #endif
        return t.tv_sec + t.tv_nsec * 1e-9;
    }

    static fastsfn_sync* fastsfn_sync_new(void) {
        fastsfn_sync* s = (fastsfn_sync*)malloc(sizeof(fastsfn_sync));
        pthread_condattr_t attr;
        if (s == NULL)
            return NULL;
        pthread_condattr_init(&attr);
    #ifndef __APPLE__
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    #endif
        pthread_mutex_init(&s->mutex, NULL);
        pthread_cond_init(&s->wake, &attr);
        pthread_cond_init(&s->progress, &attr);
        pthread_condattr_destroy(&attr);
        return s;
    }

    static void fastsfn_sync_free(fastsfn_sync* s) {
        pthread_cond_destroy(&s->progress);
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->mutex);
        free(s);
    }

    /* Wait on `cond` until signalled or `deadline` (fastsfn_now's clock; 0: none). */
    static void fastsfn_wait(fastsfn_sync* s, pthread_cond_t* cond, double deadline) {
        struct timespec t;
        if (deadline <= 0) {
            pthread_cond_wait(cond, &s->mutex);
            return;
        }
        t.tv_sec = (time_t)deadline;
        t.tv_nsec = (long)((deadline - (double)t.tv_sec) * 1e9);
        pthread_cond_timedwait(cond, &s->mutex, &t);
    }
    #define fastsfn_lock(s) pthread_mutex_lock(&(s)->mutex)
    #define fastsfn_unlock(s) pthread_mutex_unlock(&(s)->mutex)
    #define fastsfn_wait_wake(s, d) fastsfn_wait((s), &(s)->wake, (d))
    #define fastsfn_wait_progress(s, d) fastsfn_wait((s), &(s)->progress, (d))
    #define fastsfn_signal_wake(s) pthread_cond_signal(&(s)->wake)
    #define fastsfn_broadcast_progress(s) pthread_cond_broadcast(&(s)->progress)
    """
    ctypedef struct fastsfn_sync:
        pass
    char* PyBytes_AS_STRING(PyObject*) nogil   # (the macros, on borrowed references)
    Py_ssize_t PyBytes_GET_SIZE(PyObject*) nogil
    double fastsfn_now() nogil
    fastsfn_sync* fastsfn_sync_new() nogil
    void fastsfn_sync_free(fastsfn_sync*) nogil
    void fastsfn_lock(fastsfn_sync*) nogil
    void fastsfn_unlock(fastsfn_sync*) nogil
    void fastsfn_wait_wake(fastsfn_sync*, double deadline) nogil
    void fastsfn_wait_progress(fastsfn_sync*, double deadline) nogil
    void fastsfn_signal_wake(fastsfn_sync*) nogil
    void fastsfn_broadcast_progress(fastsfn_sync*) nogil

cdef struct Entry:
    PyObject* block      # bytes of whole lines (a reference owned by the queue)
    Py_ssize_t offset    # its bytes written so far
    Py_ssize_t count     # its events
    int stream

cpdef enum:   # what `write` comes back for (with its stream, and an errno for FAILED)
    INTERVAL = 0   # the interval passed
    NO_FILE = 1    # the stream at the head has no file: `set_file` it
    FULL = 2       # the stream's file is full: rotate it, `set_file` the new one
    FAILED = 3     # a write failed (the bytes before the failure are written): retry later
    CLOSED = 4     # closed, and nothing is left

cdef enum:
    RUN = 512   # blocks of one stream written in one call at most


@cython.final
cdef class BlockQueue:
    """Blocks of lines for numbered log streams, in the order they were put."""

    cdef fastsfn_sync* _sync
    cdef Entry* _ring
    cdef Py_ssize_t _head, _size, _cap
    cdef PyObject** _done          # written (or dropped) blocks, freed by the next `put`
    cdef Py_ssize_t _ndone, _done_cap
    cdef int* _fds                 # per stream: its file's descriptor, or -1
    cdef PyObject** _behinds       # per stream: its WriteBehind (owned), or NULL
    cdef long long* _limits        # per stream: its file's size limit (0: none)
    cdef long long* _written_at    # per stream: `_writes` when last written (0: never)
    cdef long long _writes         # writes so far
    cdef int _nfiles
    cdef readonly long long max_bytes, wake_bytes
    cdef long long _waiting_bytes  # in the queue
    cdef long long _put_bytes      # put so far
    cdef long long _done_bytes     # written or dropped so far
    cdef long long _flush_to       # write now what was put before this (a flush, a drain)
    cdef bint _closing
    cdef readonly long long shipped, batches, dropped   # events written, writes, events dropped

    def __cinit__(self, long long max_bytes, long long wake_bytes):
        self._sync = fastsfn_sync_new()
        if self._sync == NULL:
            raise MemoryError()
        self.max_bytes = max_bytes
        self.wake_bytes = wake_bytes

    def __dealloc__(self):
        cdef Py_ssize_t i
        for i in range(self._size):
            Py_XDECREF(self._ring[(self._head + i) % self._cap].block)
        for i in range(self._ndone):
            Py_XDECREF(self._done[i])
        for i in range(self._nfiles):
            Py_XDECREF(self._behinds[i])
        PyMem_Free(self._ring)
        PyMem_RawFree(self._done)
        PyMem_Free(self._fds)
        PyMem_Free(self._behinds)
        PyMem_Free(self._limits)
        PyMem_Free(self._written_at)
        if self._sync != NULL:
            fastsfn_sync_free(self._sync)

    @property
    def queued_bytes(self) -> int:
        """Bytes put and not yet written (nor dropped)."""
        return self._put_bytes - self._done_bytes

    # -- the threads that put ---------------------------------------------------------------

    def put(self, int stream, bytes block, Py_ssize_t count) -> bool:
        """Queue a block of `count` lines for a stream; whether more than `max_bytes` wait
        now (then see `wait_for_room`)."""
        cdef Py_ssize_t n = len(block)
        cdef bint full
        if n == 0:
            return False
        fastsfn_lock(self._sync)
        if self._closing:
            fastsfn_unlock(self._sync)
            raise ShipperClosed("put() after close()")
        if self._size == self._cap and not self._grow():
            fastsfn_unlock(self._sync)
            raise MemoryError()
        Py_INCREF(block)
        self._ring[(self._head + self._size) % self._cap] = Entry(<PyObject*>block, 0, count,
                                                                  stream)
        self._size += 1
        self._waiting_bytes += n
        self._put_bytes += n
        if self._waiting_bytes >= self.wake_bytes:
            fastsfn_signal_wake(self._sync)
        full = self._put_bytes - self._done_bytes > self.max_bytes
        fastsfn_unlock(self._sync)
        self.release()
        return full

    def wait_for_room(self) -> None:
        """Wait until at most `max_bytes` wait (or the queue is closed)."""
        with nogil:
            self._wait_for_room()

    cdef void _wait_for_room(self) noexcept nogil:
        fastsfn_lock(self._sync)
        while self._put_bytes - self._done_bytes > self.max_bytes and not self._closing:
            fastsfn_signal_wake(self._sync)
            fastsfn_wait_progress(self._sync, 0)
        fastsfn_unlock(self._sync)

    def mark(self) -> int:
        """A mark of everything put so far (for `wait_done`), and the writer asked to write
        it now."""
        fastsfn_lock(self._sync)
        mark = self._put_bytes
        if mark > self._flush_to:
            self._flush_to = mark
        fastsfn_signal_wake(self._sync)
        fastsfn_unlock(self._sync)
        return mark

    def wait_done(self, long long mark, double timeout=-1) -> bool:
        """Wait until what was put before `mark` is written or dropped; False if `timeout`
        (seconds; < 0: none) passed first."""
        cdef double deadline = fastsfn_now() + timeout if timeout >= 0 else 0
        cdef bint reached
        with nogil:
            fastsfn_lock(self._sync)
            while self._done_bytes < mark and (deadline == 0 or fastsfn_now() < deadline):
                fastsfn_wait_progress(self._sync, deadline)
            reached = self._done_bytes >= mark
            fastsfn_unlock(self._sync)
        return reached

    def close(self) -> None:
        """No more puts; the writer writes what is left, then `write`/`take` say CLOSED."""
        fastsfn_lock(self._sync)
        self._closing = True
        fastsfn_signal_wake(self._sync)
        fastsfn_broadcast_progress(self._sync)
        fastsfn_unlock(self._sync)

    # -- the writer -------------------------------------------------------------------------

    def set_file(self, int stream, int fd, WriteBehind behind, long long limit) -> None:
        """Where `write` writes a stream's blocks from now on: a file descriptor, what the
        file holds (`behind.size`) and its size limit, past which `write` says FULL (fd -1:
        none, `write` says NO_FILE). Called by the writer's thread, between `write`s."""
        cdef Py_ssize_t i
        cdef size_t n = stream + 1
        if stream >= self._nfiles:
            self._fds = <int*>reallocated(self._fds, n * sizeof(int))
            self._behinds = <PyObject**>reallocated(self._behinds, n * sizeof(PyObject*))
            self._limits = <long long*>reallocated(self._limits, n * sizeof(long long))
            self._written_at = <long long*>reallocated(self._written_at, n * sizeof(long long))
            for i in range(self._nfiles, stream + 1):
                self._fds[i] = -1
                self._behinds[i] = NULL
                self._written_at[i] = 0
            self._nfiles = stream + 1
        Py_XDECREF(self._behinds[stream])
        Py_INCREF(behind)
        self._behinds[stream] = <PyObject*>behind
        self._fds[stream] = fd
        self._limits[stream] = limit

    def written_at(self, int stream) -> int:
        """When `write` last wrote the stream's file, as a count of its writes (0: never).
        Called by the writer's thread, between `write`s."""
        return self._written_at[stream] if stream < self._nfiles else 0

    def write(self, double interval, bint drain) -> tuple:
        """Write queued blocks to their streams' files without the GIL, each stream's in
        order, until Python must act: (what, stream, errno), `what` one of INTERVAL,
        NO_FILE, FULL, FAILED, CLOSED. Writes once `wake_bytes` wait, a flush asks, the
        queue closes, or (with `drain`) at once; comes back each `interval` seconds, having
        written everything queued. Until the next `write`, the executing thread gives the
        GIL to this one whenever it wants it (`hand_over_gil`)."""
        cdef int what, stream = -1, error = 0
        writer_done()
        with nogil:
            what = self._write(fastsfn_now() + interval, drain, &stream, &error)
            writer_wants_gil()   # until the next `write`: the writer's Python is short
        return what, stream, error

    cdef int _write(self, double deadline, bint drain, int* stream, int* error) noexcept nogil:
        cdef Piece[RUN] pieces
        cdef Entry* e
        cdef Py_ssize_t n, written
        cdef int s
        cdef bint full
        fastsfn_lock(self._sync)
        if drain:
            self._flush_to = self._put_bytes
        while True:
            if not self._ready():
                if self._closing and self._size == 0:
                    fastsfn_unlock(self._sync)
                    return CLOSED
                if fastsfn_now() < deadline:
                    fastsfn_wait_wake(self._sync, deadline)
                    continue
                if self._size == 0:
                    fastsfn_unlock(self._sync)
                    return INTERVAL
                self._flush_to = self._put_bytes   # the interval is up: what waits first
            s = self._ring[self._head].stream
            stream[0] = s
            if s >= self._nfiles or self._fds[s] < 0:
                fastsfn_unlock(self._sync)
                return NO_FILE
            n = 0   # the head's run of this stream's blocks
            while n < self._size and n < RUN:
                e = &self._ring[(self._head + n) % self._cap]
                if e.stream != s:
                    break
                pieces[n].data = PyBytes_AS_STRING(e.block) + e.offset
                pieces[n].len = PyBytes_GET_SIZE(e.block) - e.offset
                n += 1
            fastsfn_unlock(self._sync)   # only this thread takes entries off the queue
            error[0] = write_pieces(self._fds[s], <WriteBehind>self._behinds[s],
                                    self._limits[s], pieces, n, &written, &full)
            self._writes += 1
            self._written_at[s] = self._writes
            fastsfn_lock(self._sync)
            self._taken(written, False)
            if error[0] or full:
                fastsfn_unlock(self._sync)
                return FAILED if error[0] else FULL
            if fastsfn_now() >= deadline and self._done_bytes >= self._flush_to:
                fastsfn_unlock(self._sync)
                return INTERVAL

    cdef bint _ready(self) noexcept nogil:
        """Whether the writer should write now (called holding the lock)."""
        return self._size > 0 and (self._waiting_bytes >= self.wake_bytes or self._closing
                                   or self._done_bytes < self._flush_to)

    cdef void _taken(self, Py_ssize_t written, bint dropped) noexcept nogil:
        """Take `written` bytes off the head of the queue (holding the lock): whole blocks
        to the freed list and their events counted (shipped, or `dropped`), a part of one
        as its offset."""
        cdef Entry* e
        cdef Py_ssize_t left
        self._waiting_bytes -= written
        self._done_bytes += written
        if written and not dropped:
            self.batches += 1
        while written > 0 and self._size > 0:
            e = &self._ring[self._head]
            left = PyBytes_GET_SIZE(e.block) - e.offset
            if written < left:
                e.offset += written
                break
            written -= left
            if dropped:
                self.dropped += e.count
            else:
                self.shipped += e.count
            self._freed(e.block)
            self._head = (self._head + 1) % self._cap
            self._size -= 1
        fastsfn_broadcast_progress(self._sync)

    cdef void _freed(self, PyObject* block) noexcept nogil:
        """Hand a block to the next `put` to free (holding the lock, not the GIL: a thread
        holding the lock never waits for the GIL, which `put`'s thread holds)."""
        cdef size_t cap = 64 if self._done_cap == 0 else 2 * self._done_cap
        cdef PyObject** grown
        if self._ndone == self._done_cap:
            grown = <PyObject**>PyMem_RawRealloc(self._done, cap * sizeof(PyObject*))
            if grown == NULL:   # no memory even for a pointer: the block stays (a leak)
                return
            self._done, self._done_cap = grown, cap
        self._done[self._ndone] = block
        self._ndone += 1

    cdef bint _grow(self) noexcept:
        """Twice the room in the ring (holding the lock and the GIL); False: no memory."""
        cdef Py_ssize_t cap = 64 if self._cap == 0 else 2 * self._cap, i
        cdef Entry* ring = <Entry*>PyMem_Malloc(cap * sizeof(Entry))
        if ring == NULL:
            return False
        for i in range(self._size):
            ring[i] = self._ring[(self._head + i) % self._cap]
        PyMem_Free(self._ring)
        self._ring, self._cap, self._head = ring, cap, 0
        return True

    def take(self, double interval, bint drain) -> list | None:
        """The queued blocks, as [(stream, block, count)] in order, once `write` would write
        them (or [] after `interval` seconds); None once closed and empty. `taken` says
        what of them is written."""
        cdef Entry* e
        cdef Py_ssize_t i
        cdef double deadline = fastsfn_now() + interval
        with nogil:
            fastsfn_lock(self._sync)
            if drain:
                self._flush_to = self._put_bytes
            while not self._ready():
                if (self._closing and self._size == 0) or fastsfn_now() >= deadline:
                    break
                fastsfn_wait_wake(self._sync, deadline)
            fastsfn_unlock(self._sync)   # never wait for the GIL holding the lock
            writer_wants_gil()
        writer_done()   # a sink's own Python may take long: no priority for it
        out = []
        fastsfn_lock(self._sync)
        for i in range(self._size):
            e = &self._ring[(self._head + i) % self._cap]
            block = <bytes>e.block
            out.append((e.stream, block[e.offset:] if e.offset else block, e.count))
        closed = self._closing and self._size == 0
        fastsfn_unlock(self._sync)
        return None if closed else out

    def taken(self, Py_ssize_t nbytes) -> None:
        """The first `nbytes` queued are written (by the writer, after `take`)."""
        fastsfn_lock(self._sync)
        self._taken(nbytes, False)
        fastsfn_unlock(self._sync)

    def drop_all(self) -> int:
        """Give up on everything queued (the sink kept failing at close): its events."""
        cdef long long before = self.dropped
        fastsfn_lock(self._sync)
        self._taken(self._waiting_bytes, True)
        fastsfn_unlock(self._sync)
        return self.dropped - before

    def release(self) -> None:
        """Free the written blocks (by each `put`, in its thread; at the end, once nothing
        more is put)."""
        cdef PyObject** done
        cdef Py_ssize_t ndone, i
        fastsfn_lock(self._sync)
        done, ndone = self._done, self._ndone
        self._done, self._ndone, self._done_cap = NULL, 0, 0
        fastsfn_unlock(self._sync)
        for i in range(ndone):
            Py_DECREF(<object>done[i])
        PyMem_RawFree(done)
