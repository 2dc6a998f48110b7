# cython: language_level=3
"""Memory from Python's allocator, or MemoryError: included by the compiled modules that
grow buffers of their own (inline: no module of its own)."""
from cpython.mem cimport PyMem_Realloc


cdef inline void* reallocated(void* memory, size_t size) except NULL:
    """`memory` (NULL: none yet) resized to `size` bytes, maybe moved; MemoryError if there
    is not that much."""
    cdef void* grown = PyMem_Realloc(memory, size)
    if grown == NULL:
        raise MemoryError()
    return grown
