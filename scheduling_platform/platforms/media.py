"""Media as the clients see them: files of the media store, never a path or URL as typed.

Tasks created since the media store exist refer to stored files only (media/ingest.py); a
reference that is anything else (an older task's path or URL) is refused for that attempt,
so nothing but what was checked at creation can go out.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from scheduling_platform.media.store import StoredMedia, StoreError, open_stored
from scheduling_platform.platforms.base import ErrorKind, PlatformError

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".flv", ".avi", ".mkv"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"})


def kind_of(ref: str) -> str:
    """'video', 'image' or 'other' of a reference; a store file's suffix comes from its content."""
    ext = PurePosixPath(ref.split("?", 1)[0]).suffix.lower()
    return "video" if ext in VIDEO_SUFFIXES else "image" if ext in IMAGE_SUFFIXES else "other"


def stored_media(refs: tuple[str, ...]) -> list[StoredMedia]:
    """The store files a post names; REJECTED when one is not a sound store file."""
    try:
        return [open_stored(ref) for ref in refs]
    except StoreError as exc:
        raise PlatformError(ErrorKind.REJECTED, str(exc)) from None


def read_checked(media: StoredMedia) -> bytes:
    """An image's bytes, checked against its content hash; REJECTED if they changed."""
    try:
        return media.read()
    except StoreError as exc:
        raise PlatformError(ErrorKind.REJECTED, str(exc)) from None


def verified(media: StoredMedia) -> StoredMedia:
    """`media` after hashing it in pieces against its name; REJECTED if it changed."""
    try:
        media.verify()
    except StoreError as exc:
        raise PlatformError(ErrorKind.REJECTED, str(exc)) from None
    return media
