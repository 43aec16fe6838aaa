"""Sina Weibo: OAuth2 tokens, `2/statuses/share.json` with one picture, counts, destroy.

share.json wants `rip`, the posting user's real IP: the account's credentials `rip`, else the
client's `default_rip` (SCHEDULING_WEIBO_DEFAULT_RIP). Statuses carry `created_at` in Weibo's
own format (`Wed Oct 24 23:49:17 +0800 2012`). `statuses/count.json` has no reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

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
    created_in_window,
)
from scheduling_platform.platforms.http import (
    code_error,
    json_body,
    not_within_reach,
    send,
    server_error,
    unexpected_answer,
)
from scheduling_platform.platforms.media import read_checked, stored_media
from scheduling_platform.timeutil import utcnow

# Weibo documents the error body but not these codes; they are the commonly cited ones and
# can be overridden per deployment.
DEFAULT_ERROR_KINDS: dict[int, ErrorKind] = {
    10022: ErrorKind.RETRYABLE,  # IP requests out of rate limit
    10023: ErrorKind.RETRYABLE,  # user requests out of rate limit
    10024: ErrorKind.RETRYABLE,  # user requests for this API out of rate limit
    20019: ErrorKind.REJECTED,  # repeated content
    20021: ErrorKind.REJECTED,  # content is illegal
    20016: ErrorKind.QUOTA,  # posting too often today
    21327: ErrorKind.AUTH,  # token expired
    21332: ErrorKind.AUTH,  # invalid access token
    21314: ErrorKind.AUTH,
    21315: ErrorKind.AUTH,
    21316: ErrorKind.AUTH,
    21317: ErrorKind.AUTH,
    10014: ErrorKind.REJECTED,  # the app lacks permission
    10016: ErrorKind.REJECTED,  # a required parameter is missing (e.g. rip)
    10017: ErrorKind.REJECTED,  # a parameter's value is invalid (e.g. no safe-domain URL)
    20005: ErrorKind.REJECTED,  # unsupported image type (JPG, GIF, PNG only)
    20006: ErrorKind.REJECTED,  # image too large
    20012: ErrorKind.REJECTED,  # text too long
    20101: ErrorKind.REJECTED,  # the status does not exist (destroy)
}
WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"  # Wed Oct 24 23:49:17 +0800 2012
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_weibo_time(value: str) -> datetime:
    """A `created_at` of Weibo's (`Wed Oct 24 23:49:17 +0800 2012`), zone kept.

    Parsed by hand rather than with %a/%b, which follow the process's locale.
    """
    try:
        _day, month, mday, clock, offset, year = value.split()
        hour, minute, second = (int(p) for p in clock.split(":"))
        stamp = f"{int(year):04d}-{_MONTHS.index(month) + 1:02d}-{int(mday):02d}"
        return datetime.fromisoformat(f"{stamp}T{hour:02d}:{minute:02d}:{second:02d}{offset}")
    except ValueError:
        raise ValueError(f"not a Weibo time: {value!r}") from None


@dataclass
class WeiboClient(PlatformClientBase):
    # statuses/count.json: comments, reposts, attitudes. It has no reads (only the paid
    # media_statuses/count_sp/biz.json does), so Weibo reports none.
    METRIC_FIELDS = {
        "comments": "comments",
        "shares": "reposts",
        "likes": "attitudes",
    }

    app_key: str = ""
    app_secret: str = field(default="", repr=False)  # never in a printed client
    default_rip: str = ""  # the posting user's IP when the account's credentials carry none
    recent_statuses_to_search: int = 300
    statuses_per_page: int = 100  # Weibo's maximum
    error_kinds: dict[int, ErrorKind] = field(default_factory=lambda: dict(DEFAULT_ERROR_KINDS))
    platform: str = "weibo"

    def _answer(
        self, response: httpx.Response, *, sends_post: bool = False
    ) -> dict[str, Any] | list[Any]:
        """Weibo's JSON answer (an object or, for counts, a list); its error body raises."""
        body = json_body(response)
        if isinstance(body, dict) and "error_code" in body:
            message = str(body.get("error", "unknown error"))
            raise code_error(self.error_kinds, int(body["error_code"]), message)
        if response.status_code >= 500:
            raise server_error(response, sends_post=sends_post)
        if response.status_code >= 400 or not isinstance(body, dict | list):
            raise unexpected_answer(response)
        return body

    def _check(self, response: httpx.Response, *, sends_post: bool = False) -> dict[str, Any]:
        body = self._answer(response, sends_post=sends_post)
        if not isinstance(body, dict):
            raise unexpected_answer(response)
        return body

    def publish(self, credentials: dict[str, Any], post: Post) -> PublishResult:
        rip = str(credentials.get("rip") or self.default_rip)
        if not rip:
            raise PlatformError(
                ErrorKind.REJECTED,
                "Weibo needs the posting user's IP (rip): set it in the account's credentials "
                "or SCHEDULING_WEIBO_DEFAULT_RIP",
            )
        form = {"access_token": credentials.get("access_token", ""), "status": post.text}
        files = None
        images = stored_media(post.media)
        if images:  # one picture, in the same request: the post never goes out without it
            pic = images[0]
            files = {"pic": (pic.path.name, read_checked(pic), pic.media_type.mime)}
        response = send(
            self._http,
            "POST",
            "/2/statuses/share.json",
            sends_post=True,
            data={**form, "rip": rip},
            files=files,
        )
        body = self._check(response, sends_post=True)
        return PublishResult(platform_post_id=str(body["idstr"]), final=True, raw=body)

    def delete_post(self, credentials: dict[str, Any], platform_post_id: str) -> None:
        """`statuses/destroy.json`: the status is gone from the account's timeline."""
        response = send(
            self._http,
            "POST",
            "/2/statuses/destroy.json",
            data={"access_token": credentials.get("access_token", ""), "id": platform_post_id},
        )
        self._check(response)

    def publish_status(self, credentials: dict[str, Any], platform_post_id: str) -> PublishResult:
        # Weibo publishes synchronously: an accepted post is live.
        return PublishResult(platform_post_id=platform_post_id, final=True)

    def find_candidates(self, credentials: dict[str, Any], post: Post) -> list[Candidate]:
        """The account's recent statuses with this text (and a picture if it had one).

        Weibo has no idempotency key. Searched newest first, a page at a time, up to
        `recent_statuses_to_search`, and no further back than `post.not_before`. Older
        statuses out of reach while the window is not covered are no answer: the post may be
        among them.
        """
        page_size = min(self.statuses_per_page, self.recent_statuses_to_search)
        searched, page, found = 0, 1, []
        while searched < self.recent_statuses_to_search:
            params = {"access_token": credentials.get("access_token", ""), "count": page_size}
            response = send(
                self._http, "GET", "/2/statuses/user_timeline.json", params={**params, "page": page}
            )
            body = self._check(response)
            statuses = body.get("statuses", [])
            in_window = False
            for status in statuses:
                created = parse_weibo_time(str(status.get("created_at", "")))
                in_window = created_in_window(created, post.not_before)
                if in_window and self._shows(status, post):
                    found.append(Candidate(str(status["idstr"]), created))
            searched += len(statuses)
            # Newest first: a page ending before the window leaves nothing older to find.
            if not in_window or searched >= int(body.get("total_number", searched)):
                return found
            page += 1
        raise not_within_reach(searched, "statuses")

    @staticmethod
    def _shows(status: dict[str, Any], post: Post) -> bool:
        """The status carries the post's text, and a picture exactly when the post had one."""
        return status.get("text") == post.text and bool(status.get("original_pic")) == bool(
            post.media
        )

    def looks_alike(self, a: Post, b: Post) -> bool:
        return a.text == b.text and bool(a.media) == bool(b.media)

    def fetch_metrics(
        self, credentials: dict[str, Any], platform_post_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        metrics: dict[str, dict[str, int]] = {}
        for start in range(0, len(platform_post_ids), 100):  # the API takes 100 ids a call
            ids = platform_post_ids[start : start + 100]
            response = send(
                self._http,
                "GET",
                "/2/statuses/count.json",
                params={"access_token": credentials.get("access_token", ""), "ids": ",".join(ids)},
            )
            items = self._answer(response)
            if not isinstance(items, list):
                raise unexpected_answer(response)
            for item in items:
                metrics[str(item["id"])] = self._engagement(item)
        return metrics

    def validate_account(self, credentials: dict[str, Any]) -> AccountCheck:
        response = send(
            self._http,
            "POST",
            "/oauth2/get_token_info",
            data={"access_token": credentials.get("access_token", "")},
        )
        try:
            body = self._check(response)
        except PlatformError as exc:
            if exc.kind is ErrorKind.AUTH:
                return AccountCheck(False, None, exc.platform_message)
            raise
        expires_at = utcnow() + timedelta(seconds=int(body.get("expire_in", 0)))
        return AccountCheck(True, expires_at, f"uid {body.get('uid')}, scope {body.get('scope')}")

    def acquire_token(self, credentials: dict[str, Any]) -> TokenGrant:
        """Weibo gives no refresh token to web apps: a new token needs an authorisation code."""
        code = credentials.get("authorization_code")
        if not code:
            raise PlatformError(ErrorKind.AUTH, "the account must be authorised again on Weibo")
        response = send(
            self._http,
            "POST",
            "/oauth2/access_token",
            data={
                "client_id": credentials.get("app_key", self.app_key),
                "client_secret": credentials.get("app_secret", self.app_secret),
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": credentials.get("redirect_uri", "https://localhost/callback"),
            },
        )
        body = self._check(response)
        return TokenGrant(
            access_token=str(body["access_token"]),
            expires_at=utcnow() + timedelta(seconds=int(body.get("expires_in", 0))),
            extra={"uid": str(body.get("uid", ""))},
        )

    def is_available(self) -> bool:
        try:
            send(self._http, "GET", "/2/statuses/count.json")
        except PlatformError:
            return False
        return True
