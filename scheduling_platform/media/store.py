"""The content-addressed media store: `<root>/sha256/<2 hex>/<64 hex>.<ext>`, read-only files.

A task refers to its media by the absolute path of the stored file. The name is the content's
SHA-256, so anything that reads a reference can check it got the bytes the task was created
with; the suffix is the type detected from the content, never the one a user typed.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduling_platform.media.kinds import HEAD_BYTES, MediaType, detect, sniff
from scheduling_platform.media.range_reader import RangeReader

CHUNK = 1024 * 1024
_NAME = re.compile(r"^([0-9a-f]{64})\.([a-z0-9]{2,5})$")


class StoreError(ValueError):
    """A reference that is not a sound file of the media store."""


@dataclass(frozen=True)
class StoredMedia:
    """One file of the store: where it is, what it is, how big, and its content hash."""

    path: Path
    sha256: str
    size: int
    media_type: MediaType

    @property
    def ref(self) -> str:
        return str(self.path)

    @property
    def relative(self) -> str:
        """The path under the store root, as a public media URL ends (sha256/ab/<hash>.jpg)."""
        return f"sha256/{self.sha256[:2]}/{self.path.name}"

    def chunks(
        self, size: int = CHUNK, start: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        """The file's bytes in pieces, without holding the whole file in memory."""
        remaining = self.size - start if length is None else length
        fd = _open_no_follow(self.path)
        with os.fdopen(fd, "rb") as handle:
            handle.seek(start)
            while remaining > 0:
                piece = handle.read(min(size, remaining))
                if not piece:
                    raise StoreError(f"{self.path.name} is shorter than recorded")
                remaining -= len(piece)
                yield piece

    def open_range(self, start: int = 0, length: int | None = None) -> RangeReader:
        """A file object over bytes [start, start + length), read lazily (for uploads)."""
        length = self.size - start if length is None else length
        return RangeReader(_open_no_follow(self.path), start, length)

    def range_sha256(self, start: int, length: int, digest: Any) -> None:
        """Feed bytes [start, start + length) to `digest` (a hashlib object), in pieces."""
        for piece in self.chunks(start=start, length=length):
            digest.update(piece)

    def read(self) -> bytes:
        """All bytes, checked against the name: for images, which are small."""
        data = b"".join(self.chunks())
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise StoreError(f"{self.path.name} no longer holds the content it was stored with")
        return data

    def verify(self) -> None:
        """Hash the file in pieces and compare with its name."""
        digest = hashlib.sha256()
        for piece in self.chunks():
            digest.update(piece)
        if digest.hexdigest() != self.sha256:
            raise StoreError(f"{self.path.name} no longer holds the content it was stored with")


def _open_no_follow(path: Path) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise StoreError(f"media {path.name} cannot be opened ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise StoreError(f"media {path.name} is not a regular file")
    return fd


def open_stored(ref: str) -> StoredMedia:
    """The stored file a task's reference names; refuses anything outside the store's shape.

    Checks the name's form, that neither the file nor its folders are symlinks, and the type.
    The content hash is checked by `read` / `verify`, or while uploading.
    """
    path = Path(ref)
    match = _NAME.match(path.name)
    if not path.is_absolute() or match is None or path.parent.name != match.group(1)[:2]:
        raise StoreError(
            f"media {path.name or ref!r} is not in the media store; create the task again"
        )
    if path.parent.parent.name != "sha256" or Path(os.path.realpath(path)) != path:
        raise StoreError(f"media {path.name} is not a file of the media store")
    fd = _open_no_follow(path)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(HEAD_BYTES)
    media_type = sniff(head)
    if media_type is None or media_type.extension != match.group(2):
        raise StoreError(f"media {path.name} does not hold the type its name says")
    return StoredMedia(path, match.group(1), size, media_type)


class MediaStore:
    """Writes media into the store under `root` (created 0700, files read-only)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(Path(root).expanduser()))

    def _ensure(self, path: Path) -> None:
        """`path` (under the root) exists; the store's own folders are the owner's only."""
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = path
        while folder != self.root.parent and folder.is_relative_to(self.root):
            os.chmod(folder, 0o700)  # mkdir's mode is cut by the umask
            folder = folder.parent

    def put(
        self,
        pieces: Iterable[bytes],
        max_bytes: int,
        name: str,
        identify: Callable[[bytes, str], MediaType] = detect,
    ) -> StoredMedia:
        """Store the bytes `pieces` yield (at most `max_bytes`), once per content.

        `identify(head, name)` gives the type or raises; nothing is kept when it does.
        """
        tmp_dir = self.root / "tmp"
        self._ensure(tmp_dir)
        tmp = tmp_dir / f"{secrets.token_hex(8)}.part"
        digest, size, head = hashlib.sha256(), 0, b""
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as out:
                for piece in pieces:
                    size += len(piece)
                    if size > max_bytes:
                        raise StoreError(f"{name} is above {max_bytes} bytes")
                    if len(head) < HEAD_BYTES:
                        head += piece[: HEAD_BYTES - len(head)]
                    digest.update(piece)
                    out.write(piece)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise StoreError(f"{name} is empty (0 bytes)")
            media_type = identify(head, name)
            sha = digest.hexdigest()
            final = self.root / "sha256" / sha[:2] / f"{sha}.{media_type.extension}"
            self._ensure(final.parent)
            os.chmod(tmp, 0o444)
            os.replace(tmp, final)  # the same content twice lands on the same name
            return StoredMedia(final, sha, size, media_type)
        finally:
            tmp.unlink(missing_ok=True)
