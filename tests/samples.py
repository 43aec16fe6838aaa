"""Small media files with real magic numbers, each with distinct bytes (so distinct hashes)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, date, datetime, timedelta
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


def ahead(days: int, weekday: int | None = None) -> date:
    """The UTC date `days` from today, moved on to the next `weekday` (0 Monday) if given:
    test times stay within the scheduling horizon whenever the suite runs."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    if weekday is not None:
        day += timedelta(days=(weekday - day.weekday()) % 7)
    return day


# Dates for tests that name days: a month and two months ahead, both well inside the horizon.
D0 = ahead(30)
D1 = D0 + timedelta(days=1)
D2 = D0 + timedelta(days=31)
MIDSUMMER = next(  # a July day within the horizon: European zones keep summer time then
    d for d in (ahead(n) for n in range(1, 366)) if (d.month, d.day) == (7, 1)
)


def free_port() -> int:
    """A loopback port free at the moment of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
