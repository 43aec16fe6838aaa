"""What the sandbox remembers: issued tokens, accepted posts and their review, in memory."""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from scheduling_platform.timeutil import utcnow

if TYPE_CHECKING:
    from scheduling_platform.sandbox.engagement_profile import EngagementProfile

# Token lifetimes the platforms document (Weibo depends on the app's level).
DEFAULT_TOKEN_LIFETIMES: dict[str, timedelta] = {
    "weibo": timedelta(hours=24),
    "wechat": timedelta(seconds=7200),
    "douyin": timedelta(days=15),
    "toutiao": timedelta(days=15),
}
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
DEFAULT_FOLLOWERS = 10_000  # an account whose size nobody told the sandbox

# Posts a day per account the sandbox accepts; the real limits are unconfirmed (PLATFORMS.md).
DEFAULT_DAILY_QUOTAS: dict[str, int] = {
    "wechat": 100,
    "douyin": 100,
    "toutiao": 100,
    "baijiahao": 100,
}


@dataclass
class IssuedToken:
    platform: str
    account: str
    uid: str
    expires_at: datetime


@dataclass
class AcceptedPost:
    platform: str
    account: str
    text: str
    platform_post_id: str
    received_at: str
    review_status: str = "published"  # reviewing | published | rejected | deleted
    title: str | None = None
    review_due_at: str | None = None
    review_message: str | None = None
    # Platform specifics: origin_url, media ids, draft ids, ...
    extra: dict[str, Any] = field(default_factory=dict)
    # Decided when accepted, revealed when the review ends.
    _will_reject: bool = field(default=False, repr=False)


@dataclass
class SandboxState:
    token_lifetime: timedelta = timedelta(hours=24)
    token_lifetimes: dict[str, timedelta] = field(
        default_factory=lambda: dict(DEFAULT_TOKEN_LIFETIMES)
    )
    daily_quotas: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DAILY_QUOTAS))
    review_delay_seconds: float = 30.0
    review_reject_rate: float = 0.0
    # An engagement profile (engagement_profile.load_profile); None means the shipped default.
    profile: EngagementProfile | None = None
    # How fast posts age for engagement: 3600 makes a real second count as an hour.
    engagement_age_scale: float = 1.0
    # The sandbox's clock runs this far ahead of the real one (`POST /_sandbox/clock`), so
    # tests see token lifetimes and grace periods end without waiting for them.
    clock_offset: timedelta = timedelta(0)
    # Weibo: the app's registered safe domain; share.json refuses a text without its URL.
    weibo_safe_domain: str | None = None
    # Account sizes the engagement profile scales by (`POST /_sandbox/accounts`).
    followers: dict[tuple[str, str], int] = field(default_factory=dict)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    refresh_tokens: dict[str, IssuedToken] = field(default_factory=dict)
    posts: list[AcceptedPost] = field(default_factory=list)
    # Indexes over `posts`: a load test holds tens of thousands, and each publish looks up
    # its account's history (quotas, repeats) and each status query one post.
    _by_account: dict[tuple[str, str], list[AcceptedPost]] = field(default_factory=dict, repr=False)
    _by_id: dict[tuple[str, str], AcceptedPost] = field(default_factory=dict, repr=False)
    _next_post_id: int = 4_000_000_000_000_000
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def now(self) -> datetime:
        return utcnow() + self.clock_offset

    def followers_of(self, platform: str, account: str) -> int:
        """The account's size as told to the sandbox; the profile's reference size if not."""
        return self.followers.get((platform, account), DEFAULT_FOLLOWERS)

    def reset(self) -> None:
        self.followers.clear()
        self.clock_offset = timedelta(0)
        self.tokens.clear()
        self.refresh_tokens.clear()
        self.posts.clear()
        self._by_account.clear()
        self._by_id.clear()

    # ------------------------------------------------------------------ tokens
    @staticmethod
    def uid_of(platform: str, account: str) -> str:
        return str(int(hashlib.sha256(f"{platform}:{account}".encode()).hexdigest()[:12], 16))

    def issue_token(self, platform: str, account: str) -> tuple[str, IssuedToken]:
        token = f"{platform[:2]}-{secrets.token_urlsafe(24)}"
        lifetime = self.token_lifetimes.get(platform, self.token_lifetime)
        issued = IssuedToken(
            platform, account, self.uid_of(platform, account), self.now() + lifetime
        )
        self.tokens[token] = issued
        return token, issued

    def issue_refresh_token(self, platform: str, account: str) -> str:
        token = f"{platform[:2]}r-{secrets.token_urlsafe(24)}"
        self.refresh_tokens[token] = IssuedToken(
            platform, account, self.uid_of(platform, account), self.now() + REFRESH_TOKEN_LIFETIME
        )
        return token

    def revoke_tokens(self, platform: str, account: str) -> None:
        """Drop an account's access tokens (WeChat: a new plain token ends the old one)."""
        for token, issued in list(self.tokens.items()):
            if issued.platform == platform and issued.account == account:
                del self.tokens[token]

    def token(self, platform: str, token: str) -> IssuedToken | None:
        issued = self.tokens.get(token)
        return issued if issued is not None and issued.platform == platform else None

    def refresh_token(self, platform: str, token: str) -> IssuedToken | None:
        issued = self.refresh_tokens.get(token)
        return issued if issued is not None and issued.platform == platform else None

    def expire_tokens(self, platform: str, account: str | None = None) -> int:
        """Make access tokens expire now (tests of refresh on expiry)."""
        past = self.now() - timedelta(seconds=1)
        expired = 0
        for issued in self.tokens.values():
            if issued.platform == platform and account in (None, issued.account):
                issued.expires_at = past
                expired += 1
        return expired

    # ------------------------------------------------------------------- posts
    def next_id(self) -> str:
        with self._lock:
            self._next_post_id += 1
            return str(self._next_post_id)

    def accept(
        self, platform: str, account: str, text: str, *, reviewed: bool = False, **extra: Any
    ) -> AcceptedPost:
        """Keep an accepted post; `reviewed` posts wait for the review delay, maybe rejected."""
        post = AcceptedPost(
            platform=platform,
            account=account,
            text=text,
            platform_post_id=self.next_id(),
            received_at=self.now().isoformat(),
            **extra,
        )
        if reviewed:
            post.review_status = "reviewing"
            post.review_due_at = (
                self.now() + timedelta(seconds=self.review_delay_seconds)
            ).isoformat()
            post._will_reject = self._random.random() < self.review_reject_rate
        self.posts.append(post)
        self._by_account.setdefault((platform, account), []).append(post)
        self._by_id[(platform, post.platform_post_id)] = post
        return post

    def review(self, post: AcceptedPost) -> AcceptedPost:
        """End the post's review if its time has come; returns the post."""
        due = post.review_due_at
        if post.review_status == "reviewing" and due is not None and due <= self.now().isoformat():
            if post._will_reject:
                post.review_status = "rejected"
                post.review_message = "content did not pass the platform review"
            else:
                post.review_status = "published"
        return post

    def posts_of(self, platform: str, account: str) -> list[AcceptedPost]:
        """The account's posts, oldest first; deleted ones are gone, as on the platforms."""
        return [
            self.review(p)
            for p in self._by_account.get((platform, account), [])
            if p.review_status != "deleted"
        ]

    def posts_today(self, platform: str, account: str) -> int:
        today = self.now().date().isoformat()
        return sum(1 for p in self.posts_of(platform, account) if p.received_at[:10] == today)

    def quota_spent(self, platform: str, account: str) -> bool:
        quota = self.daily_quotas.get(platform)
        return quota is not None and self.posts_today(platform, account) >= quota

    def post(
        self, platform: str, platform_post_id: str, *, deleted: bool = False
    ) -> AcceptedPost | None:
        """A post by id; a deleted one only when `deleted` (status answers still know it)."""
        post = self._by_id.get((platform, platform_post_id))
        if post is None or (post.review_status == "deleted" and not deleted):
            return None
        return self.review(post)

    def delete(self, post: AcceptedPost) -> None:
        """The post is taken down (destroy, freepublish/delete, withdraw); kept for the record."""
        post.review_status = "deleted"

    def backdate(self, platform: str, platform_post_id: str, seconds: float) -> AcceptedPost | None:
        """Move a post's receipt into the past, as if it had been sent `seconds` earlier."""
        post = self._by_id.get((platform, platform_post_id))
        if post is not None:
            earlier = datetime.fromisoformat(post.received_at) - timedelta(seconds=seconds)
            post.received_at = earlier.isoformat()
        return post

    def public_posts(self) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in asdict(self.review(p)).items() if not k.startswith("_")}
            for p in self.posts
        ]
