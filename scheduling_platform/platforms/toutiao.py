"""Toutiao: OAuth refreshed like Douyin, `open/new_article_post/`, recent articles, statistics.

The least documented platform: only the publish request's form fields are known (PLATFORMS.md).
The answer shape, the list and statistics paths and all error codes are configuration here;
the defaults match the sandbox (ByteDance style `data.error_code` / `data.description`, with
`err_no` / `err_tips` also understood). Articles publish at once: no review is assumed.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
from scheduling_platform.platforms.http import code_error, json_object, not_within_reach, send

log = logging.getLogger(__name__)

# All unconfirmed: the ByteDance OAuth codes Douyin documents, and the sandbox's own choices.
DEFAULT_ERROR_KINDS: dict[int, ErrorKind] = {
    10007: ErrorKind.AUTH,  # authorisation code invalid
    10008: ErrorKind.AUTH,  # access token expired
    10009: ErrorKind.AUTH,  # access token invalid
    10010: ErrorKind.AUTH,  # refresh token invalid or expired
    2100004: ErrorKind.RETRYABLE,  # too many requests
    2100005: ErrorKind.REJECTED,  # bad parameter (title length, empty content)
    2100012: ErrorKind.REJECTED,  # content refused
    2190010: ErrorKind.QUOTA,  # daily quota reached
}


@dataclass
class ToutiaoClient(PlatformClientBase):
    """`base_url` is mp.toutiao.com."""

    METRIC_FIELDS = {
        "reads": "read_count",
        "likes": "digg_count",
        "shares": "share_count",
        "comments": "comment_count",
    }

    auth_base_url: str | None = None  # open.snssdk.com; the base URL when empty (sandbox)
    client_key: str = ""
    client_secret: str = field(default="", repr=False)  # never in a printed client
    list_path: str = "/open/article/list/"
    stat_path: str = "/open/article/stat/"
    recent_articles_to_search: int = 100
    articles_per_page: int = 50
    error_kinds: dict[int, ErrorKind] = field(default_factory=lambda: dict(DEFAULT_ERROR_KINDS))
    platform: str = "toutiao"

    def __post_init__(self) -> None:
        super().__post_init__()
        self._auth = self._open(self.auth_base_url) if self.auth_base_url else self._http

    def _check(self, response: httpx.Response, *, sends_post: bool = False) -> dict[str, Any]:
        body = json_object(response, sends_post=sends_post)
        found = body.get("data")
        data: dict[str, Any] = found if isinstance(found, dict) else {}
        code = int(data.get("error_code") or body.get("err_no") or 0)
        if code:
            message = str(data.get("description") or body.get("err_tips") or "unknown error")
            error = code_error(self.error_kinds, code, message)
            if error.unrecognised:
                log.warning("Toutiao answered an unknown code %s: %s", code, message)
            raise error
        return data

    def _auth_params(self, credentials: dict[str, Any]) -> dict[str, str]:
        return {
            "access_token": str(credentials.get("access_token", "")),
            "client_key": self.client_key,
        }

    def publish(self, credentials: dict[str, Any], post: Post) -> PublishResult:
        if post.media:  # refused at creation too; an older task must not lose them silently
            raise PlatformError(
                ErrorKind.REJECTED,
                "Toutiao has no confirmed way to send images or video with an article",
            )
        text = post.text
        response = send(
            self._http,
            "POST",
            "/open/new_article_post/",
            sends_post=True,
            data={
                **self._auth_params(credentials),
                "title": _title(post),
                "content": "".join(
                    f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip()
                ),
                "abstract": _abstract(text),
                "save": 1,  # 1 publishes, 0 keeps a draft
            },
        )
        data = self._check(response, sends_post=True)
        post_id = str(data.get("pgc_id") or data.get("article_id") or "")
        if not post_id:
            # Accepted, but no id to follow: reconcile by the recent articles.
            raise PlatformError(ErrorKind.UNKNOWN_OUTCOME, "Toutiao accepted without an id")
        return PublishResult(platform_post_id=post_id, final=True, raw=data)

    def publish_status(self, credentials: dict[str, Any], platform_post_id: str) -> PublishResult:
        return PublishResult(platform_post_id=platform_post_id, final=True)

    def find_candidates(self, credentials: dict[str, Any], post: Post) -> list[Candidate]:
        """The recent articles with this post's title, and its abstract where the list shows
        one (Toutiao has no idempotency key).

        Newest first, no further back than `post.not_before`. Older articles out of reach
        (past `recent_articles_to_search`) while the window is not covered are no answer.
        """
        title, abstract = _title(post), _abstract(post.text)
        offset, found = 0, []
        while offset < self.recent_articles_to_search:
            response = send(
                self._http,
                "GET",
                self.list_path,
                params={
                    **self._auth_params(credentials),
                    "offset": offset,
                    "count": self.articles_per_page,
                },
            )
            data = self._check(response)
            articles = data.get("list") or []
            in_window = False
            for article in articles:
                stamp = article.get("create_time")
                created = datetime.fromtimestamp(int(stamp), UTC) if stamp else None
                in_window = created_in_window(created, post.not_before)
                shown = article.get("abstract")
                if (
                    in_window
                    and article.get("title") == title
                    and (shown is None or shown == abstract)
                ):
                    found.append(Candidate(str(article["pgc_id"]), created))
            offset += len(articles)
            # Newest first: a page ending before the window leaves nothing older to find.
            if not in_window or not data.get("has_more"):
                return found
        raise not_within_reach(offset, "articles")

    def looks_alike(self, a: Post, b: Post) -> bool:
        # A list without abstracts tells articles apart by title alone.
        return _title(a) == _title(b)

    def fetch_metrics(
        self, credentials: dict[str, Any], platform_post_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        metrics: dict[str, dict[str, int]] = {}
        for start in range(0, len(platform_post_ids), 50):
            response = send(
                self._http,
                "GET",
                self.stat_path,
                params={
                    **self._auth_params(credentials),
                    "pgc_ids": ",".join(platform_post_ids[start : start + 50]),
                },
            )
            for row in self._check(response).get("list") or []:
                metrics[str(row["pgc_id"])] = self._engagement(row)
        return metrics

    def delete_post(self, credentials: dict[str, Any], platform_post_id: str) -> None:
        """No deletion API is confirmed for Toutiao: say so rather than pretend."""
        raise NoSuchOperationError("Toutiao", "delete a post")

    def validate_account(self, credentials: dict[str, Any]) -> AccountCheck:
        return check_account(credentials, self._post_form)

    def acquire_token(self, credentials: dict[str, Any]) -> TokenGrant:
        return renew_token(
            credentials, self._post_form, client_secret=self.client_secret, platform="Toutiao"
        )

    def _post_form(self, path: str, form: dict[str, Any]) -> dict[str, Any]:
        response = send(self._auth, "POST", path, data={"client_key": self.client_key, **form})
        return self._check(response)

    def is_available(self) -> bool:
        try:
            response = send(self._http, "GET", self.list_path)
        except PlatformError:
            return False
        return response.status_code < 500


def _title(post: Post) -> str:
    return post.title or post.text[:30]


def _abstract(text: str) -> str:
    return text[:100]
