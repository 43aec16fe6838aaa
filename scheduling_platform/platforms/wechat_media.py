"""WeChat article media: the cover as a permanent thumb material, the images inside the article
through media/uploadimg, and the article HTML with their URLs in place of the store paths."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from scheduling_platform.media.store import StoredMedia
from scheduling_platform.platforms.base import ErrorKind, PlatformError
from scheduling_platform.platforms.media import read_checked

# (path, credentials, files, params) -> the checked JSON answer
Upload = Callable[[str, dict[str, Any], dict[str, Any], dict[str, Any]], dict[str, Any]]


def _file(media: StoredMedia) -> dict[str, Any]:
    return {"media": (media.path.name, read_checked(media), media.media_type.mime)}


def upload_cover(upload: Upload, credentials: dict[str, Any], cover: StoredMedia) -> str:
    """`material/add_material?type=thumb`: the media_id the article's thumb_media_id names."""
    answer = upload("/cgi-bin/material/add_material", credentials, _file(cover), {"type": "thumb"})
    if not answer.get("media_id"):
        raise PlatformError(
            ErrorKind.RETRYABLE, "WeChat answered the cover upload without a media_id"
        )
    return str(answer["media_id"])


def upload_images(
    upload: Upload, credentials: dict[str, Any], images: list[StoredMedia]
) -> dict[str, str]:
    """`media/uploadimg` for each image: store reference -> the URL WeChat hosts it at."""
    urls = {}
    for image in images:
        answer = upload("/cgi-bin/media/uploadimg", credentials, _file(image), {})
        if not answer.get("url"):
            raise PlatformError(
                ErrorKind.RETRYABLE, "WeChat answered an image upload without a URL"
            )
        urls[image.ref] = str(answer["url"])
    return urls


def article_html(text: str, images: list[StoredMedia]) -> str:
    """The article: the text as escaped paragraphs, then each image, by its store reference."""
    paragraphs = [f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip()]
    figures = [f'<p><img src="{html.escape(image.ref)}"/></p>' for image in images]
    return "".join(paragraphs + figures)


def with_hosted_images(content: str, urls: dict[str, str]) -> str:
    """`content` with every local image reference replaced by the URL WeChat returned.

    WeChat shows only images it hosts: a reference left behind would be dropped silently, so
    one that was not replaced stops the publish.
    """
    for ref, url in urls.items():
        content = content.replace(f'src="{html.escape(ref)}"', f'src="{html.escape(url)}"')
    if any(f'src="{html.escape(ref)}"' in content for ref in urls):
        raise PlatformError(ErrorKind.REJECTED, "an article image was not replaced by its URL")
    return content
