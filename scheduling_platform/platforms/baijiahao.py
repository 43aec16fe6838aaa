"""Baidu Baijiahao: static app_id + app_token, `article/publish` with a unique origin_url,
review polling, `articleStatistics` for metrics.

The origin_url (`<origin_base_url>/posts/<task_id>`) is the idempotency key: Baijiahao refuses
a second article with the same URL, so a repeated publish finds the first article instead of
posting twice. Only `60001001` is a documented code; the status and list endpoints' shapes
and the other codes are configuration, defaulting to what the sandbox speaks.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from scheduling_platform.platforms.base import (
    AccountCheck,
    Candidate,
    ErrorKind,
    PlatformClientBase,
    PlatformError,
    Post,
    PublishResult,
    TokenGrant,
)
from scheduling_platform.platforms.http import code_error, json_object, send
from scheduling_platform.platforms.idempotency import DEFAULT_ORIGIN_BASE_URL, origin_url
from scheduling_platform.platforms.media import stored_media

log = logging.getLogger(__name__)

DEFAULT_ERROR_KINDS: dict[int, ErrorKind] = {
    60001001: ErrorKind.AUTH,  # auth check failed (documented)
    60002001: ErrorKind.REJECTED,  # unconfirmed: bad parameter (title 5-40, empty content)
    60002005: ErrorKind.REJECTED,  # unconfirmed: content refused
    60003001: ErrorKind.QUOTA,  # unconfirmed: daily quota reached
    60003002: ErrorKind.RETRYABLE,  # unconfirmed: too many requests
}
DEFAULT_DUPLICATE_CODES = frozenset({60002003})  # unconfirmed: origin_url already used
PREFIX = "/builderinner/open/resource"


@dataclass
class BaijiahaoClient(PlatformClientBase):
    METRIC_FIELDS = {
        "reads": "view_count",
        "likes": "likes_count",
        "shares": "share_count",
        "comments": "comment_count",
    }

    origin_base_url: str = DEFAULT_ORIGIN_BASE_URL
    # Where the media store is served: Baijiahao fetches cover images by URL.
    media_public_base_url: str = ""
    status_path: str = f"{PREFIX}/query/status"
    withdraw_path: str = f"{PREFIX}/article/withdraw"
    list_path: str = f"{PREFIX}/article/list"
    recent_articles_to_search: int = 200
    error_kinds: dict[int, ErrorKind] = field(default_factory=lambda: dict(DEFAULT_ERROR_KINDS))
    duplicate_codes: frozenset[int] = DEFAULT_DUPLICATE_CODES
    platform: str = "baijiahao"

    def _call(
        self, path: str, credentials: dict[str, Any], fields: dict[str, Any], **kw: Any
    ) -> Any:
        sends_post = kw.get("sends_post", False)
        auth = {
            "app_id": credentials.get("app_id", ""),
            "app_token": credentials.get("app_token") or credentials.get("access_token", ""),
        }
        response = send(self._http, "POST", path, data={**auth, **fields}, **kw)
        body = json_object(response, sends_post=sends_post)
        errno = int(body.get("errno", 0) or 0)
        if errno:
            message = str(body.get("errmsg") or "unknown error")
            if errno in self.duplicate_codes:
                raise _Duplicate(message)
            error = code_error(self.error_kinds, errno, message)
            if error.unrecognised:
                log.warning("Baijiahao answered an unknown code %s: %s", errno, message)
            raise error
        return body.get("data") or {}

    def publish(self, credentials: dict[str, Any], post: Post) -> PublishResult:
        covers = [{"src": url} for url in self._cover_urls(post)]
        fields = {
            "title": post.title or post.text[:40],
            "content": "".join(
                f"<p>{html.escape(line)}</p>" for line in post.text.splitlines() if line.strip()
            ),
            "origin_url": origin_url(self.origin_base_url, post.task_id),
            "cover_images": json.dumps(covers),
            "is_original": 1,
        }
        try:
            data = self._call(f"{PREFIX}/article/publish", credentials, fields, sends_post=True)
        except _Duplicate as exc:
            # An earlier attempt went through: that article is this task's post.
            found = self.find_published(credentials, post)
            if found is None:
                raise PlatformError(
                    ErrorKind.UNKNOWN_OUTCOME, f"{exc.message}; the article was not found"
                ) from None
            return PublishResult(platform_post_id=found, final=False, raw={"duplicate": True})
        return PublishResult(platform_post_id=str(data["article_id"]), final=False, raw=data)

    def _cover_urls(self, post: Post) -> list[str]:
        """Public URLs of the task's stored covers; REJECTED when there is nowhere they live."""
        stored = stored_media(post.media)
        if stored and not self.media_public_base_url:
            raise PlatformError(
                ErrorKind.REJECTED,
                "Baijiahao fetches covers by URL and no media_public_base_url is set",
            )
        base = self.media_public_base_url.rstrip("/")
        return [f"{base}/{item.relative}" for item in stored]

    def publish_status(self, credentials: dict[str, Any], platform_post_id: str) -> PublishResult:
        data = self._call(self.status_path, credentials, {"article_id": platform_post_id})
        status = str(data.get("status", ""))
        if status == "publish":
            return PublishResult(platform_post_id, final=True, url=data.get("url"), raw=data)
        if status in ("rejected", "withdraw", "failed"):
            reason = data.get("audit_msg") or f"article status {status}"
            raise PlatformError(ErrorKind.REJECTED, str(reason), code=f"status_{status}")
        return PublishResult(platform_post_id, final=False, raw=data)

    def find_candidates(self, credentials: dict[str, Any], post: Post) -> list[Candidate]:
        """The article with this task's origin_url among the recent ones, if any."""
        wanted = origin_url(self.origin_base_url, post.task_id)
        page, seen = 1, 0
        while seen < self.recent_articles_to_search:
            data = self._call(self.list_path, credentials, {"page_no": page, "page_size": 50})
            articles = data.get("list") or []
            for article in articles:
                if article.get("origin_url") == wanted:
                    return [Candidate(str(article["article_id"]))]
            seen += len(articles)
            if not articles or seen >= int(data.get("total", 0)):
                return []
            page += 1
        # Out of reach is safe to resend here: Baijiahao refuses a second origin_url.
        return []

    def looks_alike(self, a: Post, b: Post) -> bool:
        return a.task_id == b.task_id  # the origin_url names the task

    def fetch_metrics(
        self, credentials: dict[str, Any], platform_post_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        metrics: dict[str, dict[str, int]] = {}
        for article_id in platform_post_ids:  # one article a call
            data = self._call(
                f"{PREFIX}/query/articleStatistics", credentials, {"article_id": article_id}
            )
            metrics[article_id] = self._engagement(data)
        return metrics

    def delete_post(self, credentials: dict[str, Any], platform_post_id: str) -> None:
        """`article/withdraw`: the article is taken down (its answer shape is unconfirmed)."""
        self._call(self.withdraw_path, credentials, {"article_id": platform_post_id})

    def validate_account(self, credentials: dict[str, Any]) -> AccountCheck:
        """The app token works: list one article. Baijiahao tokens do not expire."""
        try:
            data = self._call(self.list_path, credentials, {"page_no": 1, "page_size": 1})
        except PlatformError as exc:
            if exc.kind is ErrorKind.AUTH:
                return AccountCheck(False, None, exc.platform_message)
            raise
        return AccountCheck(True, None, f"app token works; {data.get('total', '?')} articles")

    def acquire_token(self, credentials: dict[str, Any]) -> TokenGrant:
        """The app token is static: check it and hand it back; nothing to refresh.

        An account added without credentials holds only `authorization_code`: the sandbox
        names the app by it (app_id = app_token = `sandbox-<name>`).
        """
        code = credentials.get("authorization_code")
        app_id = credentials.get("app_id") or code
        app_token = credentials.get("app_token") or code
        if not app_id or not app_token:
            raise PlatformError(ErrorKind.AUTH, "the account has no Baijiahao app_id and app_token")
        creds = {"app_id": app_id, "app_token": app_token}
        check = self.validate_account(creds)
        if not check.token_valid:
            raise PlatformError(ErrorKind.AUTH, check.detail, code="60001001")
        return TokenGrant(access_token=app_token, expires_at=None, extra=creds)

    def is_available(self) -> bool:
        try:
            response = send(self._http, "GET", self.list_path)
        except PlatformError:
            return False
        return response.status_code < 500


class _Duplicate(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
