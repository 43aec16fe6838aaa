"""Douyin: OAuth with refresh on expiry, `upload_video` then `create_video`, review polling.

Every answer is wrapped: `data.error_code` / `data.description`, `extra.logid`. The platform
post id is the `item_id`; the video goes into review, so a publish ends `submitted`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from scheduling_platform.platforms.base import (
    AccountCheck,
    Candidate,
    ErrorKind,
    NoSuchOperationError,
    PlatformClientBase,
    PlatformError,
    Post,
    PublishResult,
    TokenGrant,
    created_in_window,
)
from scheduling_platform.platforms.bytedance_oauth import check_account, renew_token
from scheduling_platform.platforms.douyin_upload import UploadPaths, upload_video
from scheduling_platform.platforms.http import (
    code_error,
    json_object,
    not_within_reach,
    send,
    unexpected_answer,
)
from scheduling_platform.platforms.media import stored_media

log = logging.getLogger(__name__)

# Documented codes (PLATFORMS.md) and, marked, unconfirmed ones; override per deployment.
DEFAULT_ERROR_KINDS: dict[int, ErrorKind] = {
    2100004: ErrorKind.RETRYABLE,  # system busy
    2100005: ErrorKind.REJECTED,  # bad parameter
    2100007: ErrorKind.AUTH,  # no permission for the operation
    2100009: ErrorKind.AUTH,  # the user is banned from the operation
    2190004: ErrorKind.AUTH,  # the app lacks the capability (scope video.create)
    2190008: ErrorKind.AUTH,  # access token expired
    2190015: ErrorKind.AUTH,  # token and open_id do not match
    10007: ErrorKind.AUTH,  # authorisation code invalid
    10008: ErrorKind.AUTH,  # access token expired
    10010: ErrorKind.AUTH,  # refresh token expired: re-authorise
    28001003: ErrorKind.AUTH,  # access token invalid
    28001005: ErrorKind.RETRYABLE,  # internal error
    28001008: ErrorKind.AUTH,  # access token expired
    28003007: ErrorKind.REJECTED,  # unconfirmed: content refused
    28003024: ErrorKind.QUOTA,  # unconfirmed: daily publish quota reached
}
MB = 1024 * 1024
REVIEWING, NOT_PUBLIC = 4, 2


@dataclass
class DouyinClient(PlatformClientBase):
    METRIC_FIELDS = {
        "reads": "total_play",
        "likes": "total_like",
        "shares": "total_share",
        "comments": "total_comment",
    }

    client_key: str = ""
    client_secret: str = field(default="", repr=False)  # never in a printed client
    upload_timeout_seconds: float = 120.0
    upload_paths: UploadPaths = UploadPaths()
    chunked_above_bytes: int = 50 * MB  # "above 50 MB use the chunked upload"
    part_bytes: int = 20 * MB  # 20 MB advised, 5 MB at least (the last part may be smaller)
    recent_items_to_search: int = 60
    # A token refresh this close to the refresh token's 30-day end renews it first.
    refresh_renew_margin_seconds: float = 5 * 86400
    error_kinds: dict[int, ErrorKind] = field(default_factory=lambda: dict(DEFAULT_ERROR_KINDS))
    platform: str = "douyin"

    def _check(self, response: httpx.Response, *, sends_post: bool = False) -> dict[str, Any]:
        body = json_object(response, sends_post=sends_post)
        data = body.get("data")
        if not isinstance(data, dict):
            raise unexpected_answer(response)
        code = int(data.get("error_code", 0) or 0)
        if code:
            message = str(data.get("description") or "unknown error")
            error = code_error(self.error_kinds, code, message)
            if error.unrecognised:
                logid = (body.get("extra") or {}).get("logid", "")
                log.warning(
                    "Douyin answered an unknown code %s: %s (logid %s)", code, message, logid
                )
            raise error
        return data

    def _api(
        self, method: str, path: str, credentials: dict[str, Any], **kw: Any
    ) -> dict[str, Any]:
        sends_post = kw.pop("sends_post", False)
        params = {"open_id": credentials.get("open_id", ""), **kw.pop("params", {})}
        headers = {"access-token": str(credentials.get("access_token", ""))}
        response = send(
            self._http, method, path, params=params, headers=headers, sends_post=sends_post, **kw
        )
        return self._check(response, sends_post=sends_post)

    def publish(self, credentials: dict[str, Any], post: Post) -> PublishResult:
        videos = [m for m in stored_media(post.media) if m.media_type.kind == "video"]
        if not videos:
            raise PlatformError(ErrorKind.REJECTED, "a Douyin post needs a video")
        # The upload is part of the attempt: its errors are the attempt's, and no video is
        # created without it.
        video_id = upload_video(
            self._api,
            credentials,
            videos[0],
            paths=self.upload_paths,
            chunked_above_bytes=self.chunked_above_bytes,
            part_bytes=self.part_bytes,
            timeout_seconds=self.upload_timeout_seconds,
        )
        created = self._api(
            "POST",
            "/api/douyin/v1/video/create_video/",
            credentials,
            json={"video_id": video_id, "text": post.text},
            sends_post=True,
        )
        return PublishResult(platform_post_id=str(created["item_id"]), final=False, raw=created)

    def _items(self, credentials: dict[str, Any], item_ids: list[str]) -> list[dict[str, Any]]:
        data = self._api(
            "POST", "/api/douyin/v1/video/video_data/", credentials, json={"item_ids": item_ids}
        )
        return list(data.get("list") or [])

    def publish_status(self, credentials: dict[str, Any], platform_post_id: str) -> PublishResult:
        items = self._items(credentials, [platform_post_id])
        if not items:
            raise PlatformError(ErrorKind.REJECTED, "the video is gone (deleted or removed)")
        item = items[0]
        status = int(item.get("video_status", REVIEWING))
        if status == REVIEWING:
            return PublishResult(platform_post_id=platform_post_id, final=False, raw=item)
        if status == NOT_PUBLIC:
            raise PlatformError(
                ErrorKind.REJECTED,
                "the video failed review: not suitable to be public (video_status 2)",
                code="video_status_2",
            )
        return PublishResult(
            platform_post_id=platform_post_id, final=True, url=item.get("share_url"), raw=item
        )

    def find_candidates(self, credentials: dict[str, Any], post: Post) -> list[Candidate]:
        """The account's recent videos with this text (those in review included).

        Newest first, no further back than `post.not_before`, up to `recent_items_to_search`:
        older videos out of reach while the window is not covered are no answer.
        """
        cursor, seen, found = 0, 0, []
        while seen < self.recent_items_to_search:
            data = self._api(
                "GET",
                "/api/douyin/v1/video/video_list/",
                credentials,
                params={"cursor": cursor, "count": 20},
            )
            items = data.get("list") or []
            in_window = False
            for item in items:
                created = _created(item)
                in_window = created_in_window(created, post.not_before)
                if in_window and item.get("title") == post.text:
                    found.append(Candidate(str(item["item_id"]), created))
            seen += len(items)
            # Newest first: a page ending before the window leaves nothing older to find.
            if not in_window or not data.get("has_more"):
                return found
            cursor = int(data.get("cursor", seen))
        raise not_within_reach(seen, "videos")

    def looks_alike(self, a: Post, b: Post) -> bool:
        return a.text == b.text

    def fetch_metrics(
        self, credentials: dict[str, Any], platform_post_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        metrics: dict[str, dict[str, int]] = {}
        for item_id in platform_post_ids:  # the endpoint takes one item a call
            data = self._api(
                "GET",
                "/data/external/item/base/",
                credentials,
                params={"item_id": item_id, "date_type": 7},
            )
            metrics[item_id] = self._engagement(data.get("result") or {})
        return metrics

    def delete_post(self, credentials: dict[str, Any], platform_post_id: str) -> None:
        """No deletion API is confirmed for Douyin: say so rather than pretend."""
        raise NoSuchOperationError("Douyin", "delete a post")

    def validate_account(self, credentials: dict[str, Any]) -> AccountCheck:
        return check_account(credentials, self._post_form)

    def acquire_token(self, credentials: dict[str, Any]) -> TokenGrant:
        """Refresh with the refresh token; when it has expired, a held code is the fallback."""
        return renew_token(
            credentials,
            self._post_form,
            client_secret=self.client_secret,
            platform="Douyin",
            renew_margin=timedelta(seconds=self.refresh_renew_margin_seconds),
        )

    def _post_form(self, path: str, form: dict[str, Any]) -> dict[str, Any]:
        response = send(self._http, "POST", path, data={"client_key": self.client_key, **form})
        return self._check(response)

    def is_available(self) -> bool:
        try:
            response = send(self._http, "GET", "/oauth/userinfo/")
        except PlatformError:
            return False
        return response.status_code < 500


def _created(item: dict[str, Any]) -> datetime | None:
    """A video's `create_time` (Unix seconds), None when the list leaves it out."""
    stamp = item.get("create_time")
    return datetime.fromtimestamp(int(stamp), UTC) if stamp else None
