"""WeChat Official Account: `stable_token`; the cover and article images uploaded, `draft/add`
then `freepublish/submit`; review polling; datacube statistics; freepublish/delete.

A task's first image is the article's cover (material/add_material?type=thumb, its media_id
the article's thumb_media_id); the others go inside the article through media/uploadimg.

The platform post id is `<publish_id>:<msg_data_id>`: the publish id is what `freepublish/get`
asks for, and the datacube metrics name an article by its msg_data_id, which only the submit
answer gives. A post found by `find_published` is `article:<article_id>` (already live).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

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
from scheduling_platform.platforms.credentials import token_expires_at
from scheduling_platform.platforms.http import code_error, json_object, send
from scheduling_platform.platforms.idempotency import DEFAULT_ORIGIN_BASE_URL, origin_url
from scheduling_platform.platforms.media import stored_media
from scheduling_platform.platforms.wechat_media import (
    article_html,
    upload_cover,
    upload_images,
    with_hosted_images,
)
from scheduling_platform.timeutil import utcnow

log = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")

# Codes from the WeChat documentation (PLATFORMS.md); override per deployment.
DEFAULT_ERROR_KINDS: dict[int, ErrorKind] = {
    -1: ErrorKind.RETRYABLE,  # system busy
    40004: ErrorKind.REJECTED,  # invalid media type
    40005: ErrorKind.REJECTED,  # invalid file type
    40006: ErrorKind.REJECTED,  # invalid media size
    41005: ErrorKind.REJECTED,  # media data missing
    53600: ErrorKind.REJECTED,  # invalid article_id (freepublish/delete, getarticle)
    40001: ErrorKind.AUTH,  # invalid credential / not the latest token
    40014: ErrorKind.AUTH,  # invalid access_token
    42001: ErrorKind.AUTH,  # access_token expired
    41001: ErrorKind.AUTH,  # access_token missing
    40013: ErrorKind.AUTH,  # invalid appid: the account must be set up again
    40125: ErrorKind.AUTH,  # invalid appsecret
    40164: ErrorKind.AUTH,  # calling IP not on the whitelist: the account needs attention
    48001: ErrorKind.AUTH,  # api unauthorized (unverified accounts since July 2025)
    45009: ErrorKind.QUOTA,  # daily API quota reached
    45028: ErrorKind.QUOTA,  # no mass-send quota left
    45011: ErrorKind.RETRYABLE,  # minute quota: slow down
    53503: ErrorKind.REJECTED,  # the draft failed the publish check
    45002: ErrorKind.REJECTED,  # content too long
    45003: ErrorKind.REJECTED,  # title too long
    45004: ErrorKind.REJECTED,  # digest too long
    44003: ErrorKind.REJECTED,  # empty news
    44004: ErrorKind.REJECTED,  # empty content
    40007: ErrorKind.REJECTED,  # invalid media_id (the cover is missing)
}

# freepublish/get publish_status values that end a publish without it going live.
FAILED_STATUSES = {
    2: "originality check failed",
    3: "publish failed",
    4: "failed the platform review",
    5: "deleted after publishing",
    6: "banned after publishing",
}


@dataclass
class WeChatClient(PlatformClientBase):
    METRIC_FIELDS = {
        "reads": "read_user",
        "likes": "like_user",
        "shares": "share_user",
        "comments": "comment_count",
    }

    app_id: str = ""
    app_secret: str = field(default="", repr=False)  # never in a printed client
    # stable_token does not end tokens other processes hold; a plain `token` call does.
    use_stable_token: bool = True
    origin_base_url: str = DEFAULT_ORIGIN_BASE_URL
    # datacube gives days up to yesterday at the latest: the lag is one day or more.
    metrics_lag_days: int = 1
    metrics_window_days: int = 30
    error_kinds: dict[int, ErrorKind] = field(default_factory=lambda: dict(DEFAULT_ERROR_KINDS))
    platform: str = "wechat"

    def _check(self, response: httpx.Response, *, sends_post: bool = False) -> dict[str, Any]:
        body = json_object(response, sends_post=sends_post)
        code = int(body.get("errcode", 0) or 0)
        if code:
            message = str(body.get("errmsg", "unknown error"))
            error = code_error(self.error_kinds, code, message)
            if error.unrecognised:
                log.warning("WeChat answered an unknown code %s: %s", code, message)
            raise error
        return body

    def _call(
        self, path: str, credentials: dict[str, Any], payload: dict[str, Any], **kw: Any
    ) -> dict[str, Any]:
        response = send(
            self._http,
            "POST",
            path,
            params={"access_token": credentials.get("access_token", "")},
            # ensure_ascii=False: WeChat stores \u escapes literally in article text.
            content=_json_bytes(payload),
            headers={"Content-Type": "application/json; charset=utf-8"},
            **kw,
        )
        return self._check(response, sends_post=kw.get("sends_post", False))

    def _upload(
        self,
        path: str,
        credentials: dict[str, Any],
        files: dict[str, Any],
        params: dict[str, Any],
    ) -> dict[str, Any]:
        response = send(
            self._http,
            "POST",
            path,
            params={"access_token": credentials.get("access_token", ""), **params},
            files=files,
        )
        return self._check(response)

    def publish(self, credentials: dict[str, Any], post: Post) -> PublishResult:
        media = stored_media(post.media)
        if not media:
            raise PlatformError(ErrorKind.REJECTED, "a WeChat article needs a cover image")
        cover, inside = media[0], media[1:]
        # The uploads are part of the attempt: their errors are the attempt's, and nothing is
        # drafted without them.
        thumb_media_id = upload_cover(self._upload, credentials, cover)
        urls = upload_images(self._upload, credentials, inside)
        article: dict[str, Any] = {
            "article_type": "news",
            "title": post.title or post.text[:32],
            "author": str(credentials.get("author", ""))[:16],
            "digest": post.text[:120],
            "content": with_hosted_images(article_html(post.text, inside), urls),
            "content_source_url": origin_url(self.origin_base_url, post.task_id),
            "thumb_media_id": thumb_media_id,
            "need_open_comment": 1,
        }
        draft = self._call("/cgi-bin/draft/add", credentials, {"articles": [article]})
        body = self._call(
            "/cgi-bin/freepublish/submit",
            credentials,
            {"media_id": draft["media_id"]},
            sends_post=True,
        )
        # errcode 0 only means accepted: review follows, the task is `submitted`.
        post_id = f"{body['publish_id']}:{body.get('msg_data_id', '')}"
        return PublishResult(platform_post_id=post_id, final=False, raw=body)

    def publish_status(self, credentials: dict[str, Any], platform_post_id: str) -> PublishResult:
        if platform_post_id.startswith("article:"):
            return PublishResult(platform_post_id=platform_post_id, final=True)
        publish_id = platform_post_id.split(":", 1)[0]
        body = self._call("/cgi-bin/freepublish/get", credentials, {"publish_id": publish_id})
        status = int(body.get("publish_status", 1))
        if status == 0:
            items = (body.get("article_detail") or {}).get("item") or [{}]
            return PublishResult(
                platform_post_id=platform_post_id,
                final=True,
                url=items[0].get("article_url"),
                raw=body,
            )
        if status in FAILED_STATUSES:
            failed = body.get("fail_idx") or []
            which = f" (articles {', '.join(map(str, failed))})" if failed else ""
            raise PlatformError(
                ErrorKind.REJECTED,
                f"WeChat publish_status {status}: {FAILED_STATUSES[status]}{which}",
                code=f"publish_status_{status}",
            )
        return PublishResult(platform_post_id=platform_post_id, final=False, raw=body)

    def find_candidates(self, credentials: dict[str, Any], post: Post) -> list[Candidate]:
        """Look among the recent published articles for this task's content_source_url.

        A publish still in review is not listed, and no API lists publishes in review, so
        "not listed" cannot mean "not sent": it is reported as "cannot tell yet" and the
        publisher asks again later (then a person decides), never resends blind.
        """
        wanted = origin_url(self.origin_base_url, post.task_id)
        body = self._call(
            "/cgi-bin/freepublish/batchget",
            credentials,
            {"offset": 0, "count": 20, "no_content": 1},
        )
        for item in body.get("item", []):
            for news in (item.get("content") or {}).get("news_item", []):
                if news.get("content_source_url") == wanted:
                    return [Candidate(f"article:{item['article_id']}")]
        raise PlatformError(
            ErrorKind.RETRYABLE,
            "not among the published articles; one still in review is not listed yet",
        )

    def looks_alike(self, a: Post, b: Post) -> bool:
        return a.task_id == b.task_id  # the content_source_url names the task

    def fetch_metrics(
        self, credentials: dict[str, Any], platform_post_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        by_msgid = {
            f"{pid.split(':', 1)[1]}_1": pid
            for pid in platform_post_ids
            if ":" in pid and not pid.startswith("article:")
        }
        if not by_msgid:
            return {}
        # WeChat's days are Beijing days and end at yesterday at the latest.
        today = utcnow().astimezone(BEIJING).date()
        end = today - timedelta(days=max(self.metrics_lag_days, 1))
        begin = end - timedelta(days=self.metrics_window_days - 1)
        body = self._call(
            "/datacube/getarticletotaldetail",
            credentials,
            {"begin_date": begin.isoformat(), "end_date": end.isoformat()},
        )
        metrics: dict[str, dict[str, int]] = {}
        for row in body.get("list", []):
            pid = by_msgid.get(str(row.get("msgid")))
            days = row.get("detail_list") or []
            if pid is None or not days:
                continue
            # Cumulative per stat_date: the latest day has the totals.
            latest = max(days, key=lambda day: str(day.get("stat_date", "")))
            metrics[pid] = self._engagement(latest)
        return metrics

    def _article_id(self, credentials: dict[str, Any], platform_post_id: str) -> str:
        if platform_post_id.startswith("article:"):
            return platform_post_id.removeprefix("article:")
        publish_id = platform_post_id.split(":", 1)[0]
        body = self._call("/cgi-bin/freepublish/get", credentials, {"publish_id": publish_id})
        if not body.get("article_id"):
            raise PlatformError(ErrorKind.REJECTED, "the article is not live: nothing to delete")
        return str(body["article_id"])

    def delete_post(self, credentials: dict[str, Any], platform_post_id: str) -> None:
        """`freepublish/delete` of the published article (index 1: its one article)."""
        article_id = self._article_id(credentials, platform_post_id)
        self._call(
            "/cgi-bin/freepublish/delete", credentials, {"article_id": article_id, "index": 1}
        )

    def validate_account(self, credentials: dict[str, Any]) -> AccountCheck:
        """The token works and freepublish is allowed: ask freepublish's API quota."""
        try:
            body = self._call(
                "/cgi-bin/openapi/quota/get",
                credentials,
                {"cgi_path": "/cgi-bin/freepublish/submit"},
            )
        except PlatformError as exc:
            if exc.kind is ErrorKind.AUTH:
                return AccountCheck(False, None, exc.platform_message)
            raise
        quota = body.get("quota", {})
        return AccountCheck(
            True,
            token_expires_at(credentials),
            f"freepublish quota: {quota.get('remain', '?')} of {quota.get('daily_limit', '?')}",
        )

    def acquire_token(self, credentials: dict[str, Any]) -> TokenGrant:
        """A new token from the app id and secret (no refresh token on WeChat).

        An account added without credentials holds only `authorization_code`; WeChat has no
        OAuth code, so it names the app: the sandbox issues app `sandbox-<name>` that way.
        """
        appid = credentials.get("appid") or self.app_id or credentials.get("authorization_code")
        secret = (
            credentials.get("secret") or self.app_secret or credentials.get("authorization_code")
        )
        if not appid or not secret:
            raise PlatformError(ErrorKind.AUTH, "the account has no WeChat app id and secret")
        if self.use_stable_token:
            response = send(
                self._http,
                "POST",
                "/cgi-bin/stable_token",
                json={"grant_type": "client_credential", "appid": appid, "secret": secret},
            )
        else:
            response = send(
                self._http,
                "GET",
                "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": appid, "secret": secret},
            )
        body = self._check(response)
        expires_at = utcnow() + timedelta(seconds=int(body.get("expires_in", 7200)))
        extra: dict[str, Any] = {"expires_at": expires_at.isoformat()}
        if not credentials.get("appid") and not self.app_id:
            extra.update(appid=appid, secret=secret)
        return TokenGrant(
            access_token=str(body["access_token"]), expires_at=expires_at, extra=extra
        )

    def is_available(self) -> bool:
        try:
            response = send(self._http, "GET", "/cgi-bin/get_api_domain_ip")
        except PlatformError:
            return False
        return response.status_code < 500


def _json_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
