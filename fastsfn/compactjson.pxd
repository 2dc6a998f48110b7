# cython: language_level=3
cdef object compact_text(const unsigned char* s, Py_ssize_t n, bint escaped)
