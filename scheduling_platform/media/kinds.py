"""What a media file really is, from its first bytes (magic numbers), not from its name."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype

# filetype reads at most this many leading bytes.
HEAD_BYTES = 8192

# One spelling per type, so "photo.jpeg" holding a JPEG is not taken for a lie.
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "video/x-m4v": "video/mp4"}


class MediaTypeError(ValueError):
    """A file that is no image or video we know, or whose name claims another type."""


@dataclass(frozen=True)
class MediaType:
    mime: str  # e.g. image/jpeg, video/mp4
    extension: str  # the store's suffix for it: jpg, png, gif, mp4, ...

    @property
    def kind(self) -> str:
        """'image' or 'video'."""
        return self.mime.split("/", 1)[0]


def _normal(mime: str) -> str:
    return _ALIASES.get(mime, mime)


def sniff(head: bytes) -> MediaType | None:
    """The image or video type of content starting with `head`; None for anything else."""
    guess = filetype.guess(head[:HEAD_BYTES])
    if guess is None or guess.mime.split("/", 1)[0] not in ("image", "video"):
        return None
    return MediaType(_normal(guess.mime), guess.extension)


def claimed_mime(name: str) -> str | None:
    """The type a file name's suffix claims, if the suffix names one."""
    suffix = PurePosixPath(name).suffix.lower()
    if not suffix:
        return None
    mime, _ = mimetypes.guess_type(f"x{suffix}", strict=False)
    return _normal(mime) if mime else None


def detect(head: bytes, name: str) -> MediaType:
    """The real type of a file called `name`; refuses unknown content and suffix lies."""
    found = sniff(head)
    shown = PurePosixPath(name).name or "media"
    if found is None:
        raise MediaTypeError(f"{shown} is not an image or video this platform knows")
    claimed = claimed_mime(name)
    if claimed is not None and claimed != found.mime:
        raise MediaTypeError(
            f"{shown} is named as {claimed} but its content is {found.mime}; "
            "rename it or pick the right file"
        )
    return found
