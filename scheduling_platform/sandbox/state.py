"""What the sandbox remembers: issued tokens and accepted posts, in memory."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scheduling_platform.timeutil import utcnow


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
    review_status: str = "published"
    title: str | None = None


@dataclass
class SandboxState:
    token_lifetime: timedelta = timedelta(hours=24)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    posts: list[AcceptedPost] = field(default_factory=list)
    _next_post_id: int = 4_000_000_000_000_000

    def reset(self) -> None:
        self.tokens.clear()
        self.posts.clear()

    def issue_token(self, platform: str, account: str) -> tuple[str, IssuedToken]:
        token = f"{platform[:2]}-{secrets.token_urlsafe(24)}"
        uid = str(int(hashlib.sha256(f"{platform}:{account}".encode()).hexdigest()[:12], 16))
        issued = IssuedToken(platform, account, uid, utcnow() + self.token_lifetime)
        self.tokens[token] = issued
        return token, issued

    def token(self, platform: str, token: str) -> IssuedToken | None:
        issued = self.tokens.get(token)
        return issued if issued is not None and issued.platform == platform else None

    def accept(self, platform: str, account: str, text: str, **extra: Any) -> AcceptedPost:
        self._next_post_id += 1
        post = AcceptedPost(
            platform=platform,
            account=account,
            text=text,
            platform_post_id=str(self._next_post_id),
            received_at=utcnow().isoformat(),
            **extra,
        )
        self.posts.append(post)
        return post

    def posts_of(self, platform: str, account: str) -> list[AcceptedPost]:
        return [p for p in self.posts if p.platform == platform and p.account == account]

    def post(self, platform: str, platform_post_id: str) -> AcceptedPost | None:
        for post in self.posts:
            if post.platform == platform and post.platform_post_id == platform_post_id:
                return post
        return None

    def public_posts(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.posts]
