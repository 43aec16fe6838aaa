"""Reading a local file a user named, refusing what could make it another file than it seems:
symlinks anywhere on the path, devices and FIFOs, empty files."""

from __future__ import annotations

import os
import stat
from collections.abc import Generator
from pathlib import Path

CHUNK = 1024 * 1024


class LocalFileError(ValueError):
    """A local media path that is refused; the message says why."""


def checked_path(ref: str) -> Path:
    """The absolute path of `ref` (relative to the working directory), symlink-free."""
    path = Path(os.path.normpath(Path.cwd() / Path(ref).expanduser()))
    if Path(os.path.realpath(path)) != path:
        # A link to /etc/shadow, or a folder link to /etc, is not the user's media.
        raise LocalFileError(f"media {ref} is or goes through a symbolic link; give the file")
    return path


def open_local(ref: str) -> tuple[int, int]:
    """(file descriptor, size) of a regular, non-empty local file; the caller closes the fd."""
    path = checked_path(ref)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise LocalFileError(f"media file {ref} does not exist") from None
    except OSError as exc:
        raise LocalFileError(f"media file {ref} cannot be read ({exc.strerror})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise LocalFileError(f"media {ref} is not a regular file")
    if info.st_size == 0:
        os.close(fd)
        raise LocalFileError(f"media file {ref} is empty (0 bytes)")
    return fd, info.st_size


def local_pieces(fd: int) -> Generator[bytes, None, None]:
    """The bytes of an open file in pieces; closes it when done."""
    with os.fdopen(fd, "rb") as handle:
        while piece := handle.read(CHUNK):
            yield piece
