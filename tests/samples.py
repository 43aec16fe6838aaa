"""Small media files with real magic numbers, each with distinct bytes (so distinct hashes)."""

from __future__ import annotations

import os
from pathlib import Path

HEADS = {
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02",
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
}


def media_bytes(kind: str, size: int = 2048) -> bytes:
    head = HEADS[kind]
    return head + os.urandom(max(size - len(head), 0))


def write_media(folder: Path, name: str, size: int = 2048, kind: str | None = None) -> Path:
    """`folder/name` holding a `kind` file (by default the kind its suffix names)."""
    kind = kind or name.rsplit(".", 1)[-1].replace("jpeg", "jpg")
    path = folder / name
    path.write_bytes(media_bytes(kind, size))
    return path


def stored_media(folder: Path, name: str, size: int = 2048, kind: str | None = None) -> str:
    """The media store reference of a new `kind` file (a store under `folder/media`)."""
    from scheduling_platform.media.store import MediaStore

    path = write_media(folder, name, size, kind)
    with path.open("rb") as handle:
        pieces = iter(lambda: handle.read(1024 * 1024), b"")
        return MediaStore(folder / "media").put(pieces, 5 * 1024**3, name).ref
