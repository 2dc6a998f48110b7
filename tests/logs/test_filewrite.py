"""`write_lines`: every block written, in order, in as few system calls as the kernel takes;
up to a size limit, between lines."""
from __future__ import annotations

import ctypes
import errno
import mmap
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from fastsfn.logs.filewrite import WriteBehind, write_lines


def _written(tmp_path, blocks) -> bytes:
    path = tmp_path / "out.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        write_lines(fd, blocks)
    finally:
        os.close(fd)
    return path.read_bytes()


def test_blocks_in_order(tmp_path):
    blocks = [f"line {i}\n".encode() for i in range(5000)]   # more than one writev takes
    assert _written(tmp_path, blocks) == b"".join(blocks)


def test_empty_and_large_blocks(tmp_path):
    blocks = [b"", b"a" * 3_000_000, b"", b"b\n", b"c" * 70_000, b""]
    assert _written(tmp_path, blocks) == b"".join(blocks)


def test_no_blocks(tmp_path):
    (tmp_path / "out.log").write_bytes(b"before\n")
    assert _written(tmp_path, []) == b"before\n"


def test_a_refused_write_raises_oserror():
    read_end, write_end = os.pipe()
    os.close(write_end)
    with pytest.raises(OSError) as raised:
        write_lines(read_end, [b"x\n"])   # a pipe's read end takes no writes
    os.close(read_end)
    assert raised.value.errno == errno.EBADF


def test_only_bytes(tmp_path):
    with pytest.raises(TypeError):
        _written(tmp_path, [b"a\n", "b\n"])


def test_a_partial_write_goes_on_where_it_stopped(tmp_path):
    # A file size limit makes the kernel take part of a call (up to the limit), then refuse
    # the rest with EFBIG: what was taken must be the blocks' first bytes, nothing skipped.
    script = """
import os, resource, signal, sys
from fastsfn.logs.filewrite import WriteBehind, write_lines
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (10_001, 10_001))
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
try:
    write_lines(fd, [bytes([65 + i % 26]) * 997 for i in range(30)])
except OSError as e:
    print(e.errno, e.written)
"""
    path = tmp_path / "limited.log"
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == [str(errno.EFBIG), "10001"]
    expected = b"".join(bytes([65 + i % 26]) * 997 for i in range(30))
    assert path.read_bytes() == expected[:10_001]


def test_partial_writes_are_continued():
    # A blocking socket with a send timeout, and a reader that stalls longer than it: each
    # writev takes what the small buffer holds, times out and returns that much (mid-block
    # as likely as not); the rest must follow, in order, nothing repeated or skipped.
    ours, theirs = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 0, 30_000))
    received = bytearray()

    def read_with_stalls() -> None:
        while chunk := theirs.recv(8192):
            received.extend(chunk)
            time.sleep(0.06)   # longer than the send timeout

    reader = threading.Thread(target=read_with_stalls)
    reader.start()
    blocks = ["".join(f"{i}.{j} " for j in range(1 + i % 13)).encode()   # ~47 KB, no two
              for i in range(1000)]                                       # parts alike
    try:
        write_lines(ours.fileno(), blocks)
    finally:
        ours.shutdown(socket.SHUT_WR)
        reader.join()
        ours.close()
        theirs.close()
    assert bytes(received) == b"".join(blocks)



def _resident_pages(path, length: int) -> list[bool]:
    """Whether each page of the file's first `length` bytes is in the page cache (mincore)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    vector = ctypes.create_string_buffer((length + mmap.PAGESIZE - 1) // mmap.PAGESIZE)
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, length, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        assert address not in (None, ctypes.c_void_p(-1).value), ctypes.get_errno()
        try:
            assert libc.mincore(address, length, vector) == 0, ctypes.get_errno()
        finally:
            libc.munmap(address, length)
    finally:
        os.close(fd)
    return [bool(b & 1) for b in vector.raw[:-1]]


def _file_system(path) -> str:
    """The type of the file system holding `path` (from /proc/mounts: the longest match)."""
    path = os.path.realpath(path)
    with open("/proc/mounts") as mounts:
        found = max((line.split() for line in mounts
                     if path.startswith(line.split()[1].rstrip("/") + "/")),
                    key=lambda fields: len(fields[1]))
    return found[2]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sync_file_range is Linux's")
def test_write_behind_gives_back_all_but_the_last_two_steps(tmp_path):
    if _file_system(tmp_path) in ("tmpfs", "ramfs"):
        pytest.skip("the page cache is where a tmpfs file lives: nothing to give back")
    step = 64 * 1024
    behind = WriteBehind(0, step)
    path = tmp_path / "out.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    blocks = [bytes([65 + i % 26]) * 10_000 + b"\n" for i in range(100)]   # ~1 MB, in calls
    try:
        for start in range(0, 100, 7):
            write_lines(fd, blocks[start:start + 7], behind)
    finally:
        os.close(fd)
    size = sum(map(len, blocks))
    resident = _resident_pages(path, size)   # before reading the file brings pages back
    assert (behind.size, behind.error) == (size, 0)
    assert behind.sent % mmap.PAGESIZE == behind.dropped % mmap.PAGESIZE == 0
    assert size - step - mmap.PAGESIZE < behind.sent <= size   # sent up to the last step
    assert behind.sent - 2 * step < behind.dropped < behind.sent   # the step before kept
    assert not any(resident[:behind.dropped // mmap.PAGESIZE])
    assert all(resident[behind.sent // mmap.PAGESIZE:])   # the newest pages are kept
    assert path.read_bytes() == b"".join(blocks)


def test_write_behind_stops_where_the_system_cannot_and_the_writes_go_on():
    read_end, write_end = os.pipe()   # a pipe cannot be synced (ESPIPE)
    behind = WriteBehind(0, 4096)
    received = bytearray()

    def read() -> None:
        while chunk := os.read(read_end, 65536):
            received.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    blocks = [b"x" * 5000 + b"\n", b"y" * 5000 + b"\n"]
    try:
        write_lines(write_end, blocks, behind)
        write_lines(write_end, blocks, behind)
    finally:
        os.close(write_end)
        reader.join()
        os.close(read_end)
    assert bytes(received) == b"".join(blocks) * 2
    assert behind.error == errno.ESPIPE and behind.size == 20_004 and behind.sent == 0


@pytest.mark.parametrize("in_file, blocks, limit, written", [
    (0, [b"aa\nbb\n", b"cc\n"], 100, b"aa\nbb\ncc\n"),      # all fit
    (0, [b"aa\nbb\n", b"cc\n"], 7, b"aa\nbb\n"),            # whole lines only
    (0, [b"aa\nbb\n", b"cc\n"], 5, b"aa\n"),                # cut inside a block
    (90, [b"aa\nbb\n"], 92, b""),                           # nothing fits a full file
    (0, [b"a-long-line\nb\n"], 5, b"a-long-line\n"),        # longer than a file: alone
    (0, [b"", b"a-long-line"], 5, b"a-long-line"),          # ... even without its newline
])
def test_a_limit_stops_between_lines(tmp_path, in_file, blocks, limit, written):
    path = tmp_path / "out.log"
    path.write_bytes(b"x" * in_file)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    behind = WriteBehind(in_file, 1 << 30)
    try:
        result = write_lines(fd, blocks, behind, limit)
    finally:
        os.close(fd)
    # full: the rest goes to the next file (also after a line longer than a file)
    assert result == (len(written), in_file + sum(map(len, blocks)) > limit)
    assert path.read_bytes() == b"x" * in_file + written
    assert behind.size == in_file + len(written)
