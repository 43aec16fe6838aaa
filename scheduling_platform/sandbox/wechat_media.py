"""Sandbox WeChat media: permanent material (the article cover) and article images.

`cgi-bin/material/add_material?type=thumb` (multipart `media`) returns a `media_id` that
draft/add must name as `thumb_media_id`; `cgi-bin/media/uploadimg` returns the URL an article's
`<img>` may use. Both keep what arrived (SHA-256, size, type) for the post it becomes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import filetype
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scheduling_platform.sandbox.state import SandboxState

KB, MB = 1024, 1024 * 1024
# type -> (accepted types, largest size): thumb 64 KB JPG (commonly cited), image 10 MB.
MATERIAL_RULES = {
    "thumb": (frozenset({"image/jpeg"}), 64 * KB),
    "image": (frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp"}), 10 * MB),
}
UPLOADIMG_RULE = (frozenset({"image/jpeg", "image/png"}), 1 * MB - 1)  # jpg/png under 1 MB
MATERIAL_PATH = "/cgi-bin/material/add_material"
UPLOADIMG_PATH = "/cgi-bin/media/uploadimg"
UPLOAD_PATHS = frozenset({MATERIAL_PATH, UPLOADIMG_PATH})
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc=["']([^"']+)["']""", re.IGNORECASE)


@dataclass
class WeChatMedia:
    """What the sandbox's WeChat accounts uploaded: material by media_id, images by URL."""

    materials: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, dict[str, Any]] = field(default_factory=dict)

    def material_of(self, account: str, media_id: str) -> dict[str, Any] | None:
        material = self.materials.get(media_id)
        return material if material is not None and material["account"] == account else None

    def article_images(self, account: str, content: str) -> tuple[list[dict], list[str]]:
        """(uploaded images the article shows, other image sources WeChat would filter out)."""
        shown, dropped = [], []
        for src in _IMG_SRC.findall(content):
            image = self.images.get(src)
            if image is not None and image["account"] == account:
                shown.append(image)
            else:
                dropped.append(src)
        return shown, dropped


async def _received(request: Request, rule: tuple[frozenset[str], int]) -> dict | JSONResponse:
    media = (await request.form()).get("media")
    if not isinstance(media, UploadFile):
        return JSONResponse({"errcode": 41005, "errmsg": "media data missing"})
    data = await media.read()
    guess = filetype.guess(data[:8192])
    mimes, largest = rule
    if guess is None or guess.mime not in mimes:
        return JSONResponse({"errcode": 40005, "errmsg": "invalid file type"})
    if len(data) > largest:
        return JSONResponse({"errcode": 40006, "errmsg": "invalid meida size"})
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "mime": guess.mime}


def media_routes(
    state: SandboxState, media: WeChatMedia, authorised: Callable[[Request], Any]
) -> list[Route]:
    async def add_material(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        kind = request.query_params.get("type", "")
        if kind not in MATERIAL_RULES:
            return JSONResponse({"errcode": 40004, "errmsg": "invalid media type"})
        received = await _received(request, MATERIAL_RULES[kind])
        if isinstance(received, JSONResponse):
            return received
        media_id = f"mat-{state.next_id()}"
        url = f"http://mmbiz.qpic.cn/mmbiz_jpg/{received['sha256'][:24]}/0"
        media.materials[media_id] = {
            "account": issued.account,
            "type": kind,
            "url": url,
            **received,
        }
        return JSONResponse({"media_id": media_id, "url": url})

    async def uploadimg(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        received = await _received(request, UPLOADIMG_RULE)
        if isinstance(received, JSONResponse):
            return received
        url = f"http://mmbiz.qpic.cn/mmbiz_png/{received['sha256'][:24]}{state.next_id()}/0"
        media.images[url] = {"account": issued.account, **received}
        return JSONResponse({"url": url})

    return [
        Route(MATERIAL_PATH, add_material, methods=["POST"]),
        Route(UPLOADIMG_PATH, uploadimg, methods=["POST"]),
    ]
