"""Reading and writing files without trusting what sits at a path.

A path asynclint reads may name a named pipe (opening it for reading blocks until a writer
comes), a device (``/dev/zero`` never ends), a huge file, or a symbolic link; and what it names
can change between a check and an open. So every read here opens first, without blocking
(``O_NONBLOCK``), then asks the *open file* what it is (``fstat``): only regular files are read,
never past a size limit, with a buffer sized to the file (a fixed large buffer per read costs a
memory mapping per file, and a process has only ~65k of them).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import Union

PathLike = Union[str, Path]

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CHUNK = 1024 * 1024  # a file that grows while it is read is read on in steps of this size


def _mib(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"


def not_regular(path: PathLike) -> OSError:
    return OSError(errno.EINVAL, "not a regular file", str(path))


def too_large(path: PathLike, limit: int) -> OSError:
    return OSError(errno.EFBIG, f"larger than {_mib(limit)}", str(path))


def open_regular(
    path: PathLike, *, follow_symlinks: bool = True, dir_fd: int | None = None
) -> tuple[int, os.stat_result]:
    """An fd open for reading on the regular file at ``path``, and its ``fstat``; OSError
    for anything else (a pipe, a device, a directory; a symlink unless ``follow_symlinks``)."""
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | (0 if follow_symlinks else NOFOLLOW)
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise not_regular(path)
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def read_fd(fd: int, size: int, limit: int, path: PathLike) -> bytes:
    """Up to ``limit`` bytes from ``fd``, expecting ``size``; OSError past the limit."""
    chunks = []
    total = 0
    want = min(size, limit) + 1  # one more byte tells a file that grew past the limit
    while True:
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large(path, limit)
        # a short read is the end of a regular file: confirm it with one byte, not a big buffer
        want = 1 if len(chunk) < want else min(CHUNK, limit - total + 1)
    return b"".join(chunks) if len(chunks) != 1 else chunks[0]


def read_regular(path: PathLike, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file at ``path``; OSError for anything else or past ``limit``."""
    fd, info = open_regular(path, follow_symlinks=follow_symlinks)
    try:
        if info.st_size > limit:
            raise too_large(path, limit)
        return read_fd(fd, info.st_size, limit, path)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_into(path: PathLike, data: bytes) -> None:
    """Write ``data`` into ``path``: a new file (mode 0666 less the umask), or an existing
    regular file, rewritten in place so that its inode, mode, owner and other links stay; a
    symlink is followed (the user named it). Anything else (a device, a pipe, a directory) is
    refused with OSError before any byte of it changes. A new file is removed again when the
    write fails, so a failed run leaves no partial report."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)
        created = True
    except FileExistsError:
        # O_NONBLOCK: opening a pipe must not wait for a reader; no O_TRUNC: a device or a
        # pipe is left exactly as it was when it is refused below
        fd = os.open(path, os.O_WRONLY | _NONBLOCK | _CLOEXEC)
        created = False
    try:
        if not created:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise not_regular(path)
            os.ftruncate(fd, 0)
        write_all(fd, data)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise
    finally:
        os.close(fd)
