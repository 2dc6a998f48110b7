cdef struct Piece:
    const char* data
    Py_ssize_t len


cdef class WriteBehind:
    cdef readonly long long size      # bytes in the file
    cdef readonly long long sent      # bytes handed to the disk
    cdef readonly long long dropped   # bytes given back
    cdef readonly long long step
    cdef readonly int error   # why it stopped (an errno; the writes go on regardless), or 0

    cdef void advance(self, int fd, long long written) noexcept nogil


cdef int write_pieces(int fd, WriteBehind behind, long long limit, Piece* pieces,
                      Py_ssize_t n, Py_ssize_t* written, bint* full) noexcept nogil
cdef void writer_wants_gil() noexcept nogil
cdef void writer_done() noexcept nogil
cdef void hand_over_gil() noexcept
