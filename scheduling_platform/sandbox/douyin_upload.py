"""Sandbox Douyin video uploads: one request (up to 128 MB) or chunked (init, parts, complete).

Each upload keeps what arrived (size, SHA-256) for the video it becomes, so a test can see
that the bytes a task was created with are the bytes the platform got. The parts are hashed
as they come and not kept; parts other than the last must be 5 MB or more, 4 GB in all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scheduling_platform.sandbox.state import SandboxState

MB = 1024 * 1024
MAX_SINGLE_UPLOAD_BYTES = 128 * MB  # "above 128 MB the chunked upload is required"
MIN_PART_BYTES = 5 * MB  # "parts of 5 MB at least", the last one excepted
MAX_VIDEO_BYTES = 4 * 1024 * MB
SINGLE = "/api/douyin/v1/video/upload_video/"
INIT = "/api/douyin/v1/video/init_video_part_upload/"
PART = "/api/douyin/v1/video/upload_video_part/"
COMPLETE = "/api/douyin/v1/video/complete_video_part_upload/"
UPLOAD_PATHS = frozenset({SINGLE, INIT, PART, COMPLETE})

Answer = Callable[..., JSONResponse]  # douyin_answer(data) / douyin_error(code, description)


async def _hashed(video: UploadFile) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while piece := await video.read(MB):
        digest.update(piece)
        size += len(piece)
    return size, digest.hexdigest()


def upload_routes(
    state: SandboxState,
    authorised: Callable[[Request], Any],
    videos: dict[str, dict[str, Any]],
    answer: Answer,
    error: Answer,
) -> list[Route]:
    uploads: dict[str, dict[str, Any]] = {}

    def new_video(account: str, size: int, sha256: str | None) -> JSONResponse:
        video_id = f"v0{state.next_id()}"
        videos[video_id] = {"account": account, "used": False, "size": size, "sha256": sha256}
        return answer({"video": {"video_id": video_id, "width": 1080, "height": 1920}})

    async def the_video(request: Request) -> UploadFile | JSONResponse:
        video = (await request.form()).get("video")
        if not isinstance(video, UploadFile):
            return error(2100005, "参数不合法 (the multipart field video is missing)")
        return video

    async def single(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        video = await the_video(request)
        if isinstance(video, JSONResponse):
            return video
        size, sha256 = await _hashed(video)
        if size == 0:
            return error(2100005, "参数不合法 (the video is empty)")
        if size > MAX_SINGLE_UPLOAD_BYTES:
            return error(2100005, "参数不合法 (above 128 MB use the chunked upload)")
        return new_video(issued.account, size, sha256)

    async def init(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        upload_id = f"up-{state.next_id()}"
        uploads[upload_id] = {
            "account": issued.account,
            "parts": {},
            "digest": hashlib.sha256(),
            "next": 1,
        }
        return answer({"upload_id": upload_id})

    def pending(request: Request, account: str) -> dict[str, Any] | JSONResponse:
        upload = uploads.get(request.query_params.get("upload_id", ""))
        if upload is None or upload["account"] != account:
            return error(2100005, "参数不合法 (unknown or expired upload_id)")
        return upload

    async def part(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        upload = pending(request, issued.account)
        if isinstance(upload, JSONResponse):
            return upload
        number = request.query_params.get("part_number", "")
        if not number.isdigit() or int(number) < 1:
            return error(2100005, "参数不合法 (part_number counts from 1)")
        video = await the_video(request)
        if isinstance(video, JSONResponse):
            return video
        data = await video.read()
        if not data:
            return error(2100005, "参数不合法 (the part is empty)")
        upload["parts"][int(number)] = len(data)
        if int(number) == upload["next"]:  # in order: the whole file's hash builds up
            upload["digest"].update(data)
            upload["next"] += 1
        else:
            upload["next"] = None
        return answer({})

    async def complete(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        upload = pending(request, issued.account)
        if isinstance(upload, JSONResponse):
            return upload
        parts: dict[int, int] = upload["parts"]
        if not parts or sorted(parts) != list(range(1, len(parts) + 1)):
            return error(2100005, "参数不合法 (parts missing: number them 1, 2, 3, ...)")
        if any(size < MIN_PART_BYTES for n, size in parts.items() if n != len(parts)):
            return error(2100005, "参数不合法 (each part but the last must be 5 MB or more)")
        size = sum(parts.values())
        if size > MAX_VIDEO_BYTES:
            return error(2100005, "参数不合法 (a video is 4 GB at most)")
        del uploads[request.query_params["upload_id"]]
        sha256 = upload["digest"].hexdigest() if upload["next"] else None
        return new_video(issued.account, size, sha256)

    return [
        Route(SINGLE, single, methods=["POST"]),
        Route(INIT, init, methods=["POST"]),
        Route(PART, part, methods=["POST"]),
        Route(COMPLETE, complete, methods=["POST"]),
    ]
