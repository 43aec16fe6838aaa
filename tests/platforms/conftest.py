"""Helpers for the platform contract tests: steer the sandbox over HTTP, wait for review."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from scheduling_platform.accounts.registration import sandbox_credentials
from scheduling_platform.settings import Settings

# Long enough that a check right after a submit sees the review still running on a loaded machine.
REVIEW_DELAY = 1.5


@pytest.fixture
def sandbox(sandbox_url: str) -> Sandbox:
    box = Sandbox(sandbox_url)
    # Posts age an hour a millisecond, so metrics are well above zero at once.
    box.configure(review_delay_seconds=REVIEW_DELAY, engagement_age_scale=3_600_000)
    return box


class Sandbox:
    """The sandbox's control endpoints, as the tests use them."""

    def __init__(self, url: str) -> None:
        self.url = url

    def base(self, platform: str) -> str:
        return f"{self.url}/{platform}"

    def configure(self, **config: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/_sandbox/config", json=config)
        response.raise_for_status()
        return response.json()

    def expire_tokens(self, platform: str, account: str | None = None) -> int:
        body: dict[str, Any] = {"platform": platform}
        if account:
            body["account"] = account
        return httpx.post(f"{self.url}/_sandbox/tokens/expire", json=body).json()["expired"]

    def advance_clock(self, by: timedelta) -> None:
        """Move the sandbox's clock ahead (token lifetimes, grace periods)."""
        response = httpx.post(
            f"{self.url}/_sandbox/clock", json={"advance_seconds": by.total_seconds()}
        )
        response.raise_for_status()

    def set_followers(self, platform: str, account: str, followers: int) -> None:
        body = {"platform": platform, "account": account, "followers": followers}
        httpx.post(f"{self.url}/_sandbox/accounts", json=body).raise_for_status()

    def backdate(self, platform: str, platform_post_id: str, by: timedelta) -> None:
        """The post was received `by` earlier (WeChat's statistics stop at yesterday)."""
        body = {"platform": platform, "platform_post_id": platform_post_id}
        response = httpx.post(
            f"{self.url}/_sandbox/posts/backdate", json={**body, "seconds": by.total_seconds()}
        )
        response.raise_for_status()

    def posts(self, platform: str | None = None) -> list[dict[str, Any]]:
        posts = httpx.get(f"{self.url}/_sandbox/posts").json()["posts"]
        return [p for p in posts if platform in (None, p["platform"])]

    def credentials(self, platform: str, name: str) -> dict[str, Any]:
        return sandbox_credentials(platform, name, Settings(sandbox_url=self.url))


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Call `check` until it returns something truthy (review takes REVIEW_DELAY seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)
