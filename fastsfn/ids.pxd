cpdef str new_uuid()
