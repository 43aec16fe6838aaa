"""Media a post carries: local paths or http(s) URLs, read when the post goes out."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import httpx

from scheduling_platform.platforms.base import ErrorKind, PlatformError

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".flv", ".avi", ".mkv"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"})


def is_url(ref: str) -> bool:
    return urlparse(ref).scheme in ("http", "https")


def suffix(ref: str) -> str:
    path = urlparse(ref).path if is_url(ref) else ref
    return PurePosixPath(path).suffix.lower()


def kind_of(ref: str) -> str:
    """'video', 'image' or 'other', from the file name."""
    ext = suffix(ref)
    return "video" if ext in VIDEO_SUFFIXES else "image" if ext in IMAGE_SUFFIXES else "other"


def read_media(ref: str, max_bytes: int, timeout_seconds: float = 60.0) -> tuple[str, bytes]:
    """The file name and bytes of a media reference; REJECTED when it cannot be had or is big.

    A missing local file or a URL that answers 4xx will not appear by retrying; a URL that
    cannot be reached now might.
    """
    name = PurePosixPath(urlparse(ref).path if is_url(ref) else ref).name or "media"
    if not is_url(ref):
        path = Path(ref)
        if not path.is_file():
            raise PlatformError(ErrorKind.REJECTED, f"media file {name} does not exist")
        if path.stat().st_size > max_bytes:
            raise PlatformError(ErrorKind.REJECTED, f"media file {name} is above {max_bytes} bytes")
        return name, path.read_bytes()
    try:
        with httpx.stream("GET", ref, timeout=timeout_seconds, follow_redirects=True) as response:
            if response.status_code >= 400:
                kind = ErrorKind.RETRYABLE if response.status_code >= 500 else ErrorKind.REJECTED
                raise PlatformError(kind, f"media {name}: HTTP {response.status_code}")
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > max_bytes:
                    raise PlatformError(
                        ErrorKind.REJECTED, f"media {name} is above {max_bytes} bytes"
                    )
    except httpx.TransportError as exc:
        raise PlatformError(
            ErrorKind.RETRYABLE, f"media {name} could not be fetched ({type(exc).__name__})"
        ) from None
    return name, bytes(data)
