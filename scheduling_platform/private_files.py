"""Folders and files only their owner may read: the home (0700), the SQLite store (0600)."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700; a folder that exists is left as it is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, 0o700)  # mkdir's mode is cut by the umask; parents get 0777-umask
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty as 0600 unless it exists (SQLite then opens it, and gives its
    -wal and -shm files the same mode)."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    return path
