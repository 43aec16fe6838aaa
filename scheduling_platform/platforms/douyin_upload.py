"""Douyin video upload from the media store: one request up to 50 MB, chunked above.

Chunked (init, parts, complete) per the upload page: above 50 MB recommended, above 128 MB
required, 4 GB at most, parts of 5 MB or more (20 MB advised), the last one may be smaller.
The parts are streamed from the store in small reads, never the whole file, and hashed; if the
bytes are not the ones the task was created with, the upload is not completed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scheduling_platform.media.store import StoredMedia
from scheduling_platform.platforms.base import ErrorKind, PlatformError
from scheduling_platform.platforms.media import verified

MB = 1024 * 1024
# (method, path, credentials, **httpx kwargs) -> the answer's `data`, errors raised.
Api = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class UploadPaths:
    """Where the uploads go; the chunked paths come from SDK code citing the docs (see
    docs/platforms.md), so they are settings of the client."""

    single: str = "/api/douyin/v1/video/upload_video/"
    init: str = "/api/douyin/v1/video/init_video_part_upload/"
    part: str = "/api/douyin/v1/video/upload_video_part/"
    complete: str = "/api/douyin/v1/video/complete_video_part_upload/"


def upload_video(
    api: Api,
    credentials: dict[str, Any],
    video: StoredMedia,
    *,
    paths: UploadPaths,
    chunked_above_bytes: int = 50 * MB,
    part_bytes: int = 20 * MB,
    timeout_seconds: float = 120.0,
) -> str:
    """Upload `video`; returns Douyin's video_id."""
    if video.size <= chunked_above_bytes:
        verified(video)
        with video.open_range() as whole:
            uploaded = api(
                "POST",
                paths.single,
                credentials,
                files={"video": (video.path.name, whole, video.media_type.mime)},
                timeout=timeout_seconds,
            )
        return str(uploaded["video"]["video_id"])
    upload_id = str(api("POST", paths.init, credentials)["upload_id"])
    digest = hashlib.sha256()
    offset, number = 0, 1
    while offset < video.size:
        length = min(part_bytes, video.size - offset)
        video.range_sha256(offset, length, digest)
        with video.open_range(offset, length) as part:  # read while it is sent
            api(
                "POST",
                paths.part,
                credentials,
                params={"upload_id": upload_id, "part_number": number},
                files={"video": (video.path.name, part, video.media_type.mime)},
                timeout=timeout_seconds,
            )
        offset, number = offset + length, number + 1
    if digest.hexdigest() != video.sha256:
        raise PlatformError(
            ErrorKind.REJECTED,
            f"{video.path.name} changed in the media store while it was uploaded; not completed",
        )
    done = api("POST", paths.complete, credentials, params={"upload_id": upload_id})
    return str(done["video"]["video_id"])
