"""Taking a task's media into the store when the task is created.

Each reference (a local path or an http(s) URL) is read once, bounded by the largest item the
platform accepts, typed by its content and stored by its hash; then the items are checked
against the platform's slots (media/limits.py). The task keeps only the store references, so
what goes out later is exactly what was checked now, and the publisher never fetches a URL.
"""

from __future__ import annotations

import os
from contextlib import closing
from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import urlparse

from scheduling_platform.media.limits import (
    MediaLimitError,
    assign,
    check_count,
    largest_accepted,
)
from scheduling_platform.media.local_file import local_pieces, open_local
from scheduling_platform.media.safe_fetch import FetchError, SafeFetcher
from scheduling_platform.media.store import MediaStore, StoredMedia


def is_url(ref: str) -> bool:
    """Anything with a scheme is a URL (ftp:, file:, ... are then refused as such)."""
    return "://" in ref


def _url_name(ref: str) -> str:
    return PurePosixPath(urlparse(ref).path).name or "media"


def ingest_media(
    platform: str, refs: tuple[str, ...], store: MediaStore, fetcher: SafeFetcher
) -> tuple[StoredMedia, ...]:
    """Store `refs` for a post on `platform`; ValueError with the reason when refused.

    Downloads are bounded by the smaller of `fetcher.max_bytes` and the platform's largest item.
    """
    check_count(platform, len(refs))
    if not refs:
        return ()
    limit = largest_accepted(platform)
    fetcher = replace(fetcher, max_bytes=min(fetcher.max_bytes, limit))
    stored: list[tuple[StoredMedia, str]] = []
    for ref in refs:
        if is_url(ref):
            name = _url_name(ref)
            if urlparse(ref).scheme not in ("http", "https"):
                raise FetchError(f"media URLs must be http or https, not {urlparse(ref).scheme}")
            with closing(fetcher.pieces(ref)) as pieces:
                item = store.put(pieces, fetcher.max_bytes, name)
        else:
            name = PurePosixPath(ref).name or ref
            fd, size = open_local(ref)
            if size > limit:
                os.close(fd)
                raise MediaLimitError(
                    f"media file {name} is {size} bytes; {platform} takes at most {limit}"
                )
            with closing(local_pieces(fd)) as pieces:
                item = store.put(pieces, limit, name)
        stored.append((item, name))
    assign(platform, [(item.media_type, item.size, name) for item, name in stored])
    return tuple(item for item, _ in stored)
