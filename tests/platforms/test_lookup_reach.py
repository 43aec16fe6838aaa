"""How far back Weibo and Toutiao look for an earlier attempt's post, and what "not found" means.

Neither platform takes an idempotency key, so the publisher asks whether a post whose attempt
ended unknown is already there. Found: recorded, not resent. Not found after reading the whole
timeline: resent. Not found within the lookup's reach while older posts exist: no answer
(UNKNOWN_OUTCOME), so the task is verified again and then held for a person, never resent.
"""

from __future__ import annotations

from typing import Any

import pytest

from scheduling_platform.platforms.base import ErrorKind, PlatformError, Post
from scheduling_platform.platforms.toutiao import ToutiaoClient
from scheduling_platform.platforms.weibo import WeiboClient
from tests.platforms.conftest import Sandbox

POSTS = 5  # newest last


def _weibo(sandbox: Sandbox, reach: int) -> tuple[WeiboClient, dict[str, Any], list[Post]]:
    client = WeiboClient(
        sandbox.base("weibo"), statuses_per_page=2, recent_statuses_to_search=reach
    )
    creds = sandbox.credentials("weibo", "timeline")
    posts = [Post(n, f"微博第{n}条") for n in range(POSTS)]
    return client, creds, posts


def _toutiao(sandbox: Sandbox, reach: int) -> tuple[ToutiaoClient, dict[str, Any], list[Post]]:
    client = ToutiaoClient(
        sandbox.base("toutiao"),
        client_key="sandbox-app",
        articles_per_page=2,
        recent_articles_to_search=reach,
    )
    creds = sandbox.credentials("toutiao", "timeline")
    posts = [Post(n, f"正文{n}", title=f"今日要闻第{n}篇") for n in range(POSTS)]
    return client, creds, posts


@pytest.mark.parametrize("make", [_weibo, _toutiao], ids=["weibo", "toutiao"])
def test_lookup_pages_back_and_says_when_it_cannot_tell(make: Any, sandbox: Sandbox) -> None:
    client, creds, posts = make(sandbox, 4)
    ids = [client.publish(creds, post).platform_post_id for post in posts]
    # The oldest is beyond the 4 newest the lookup may read: no answer, not "absent". Nor
    # is a match among the newest: an alike older post may be beyond reach too.
    for post in (posts[0], posts[2]):
        with pytest.raises(PlatformError) as cannot_tell:
            client.find_published(creds, post)
        assert cannot_tell.value.kind is ErrorKind.UNKNOWN_OUTCOME
        assert "most recent" in str(cannot_tell.value)
    # The whole timeline in reach, two a page: the third newest is on the second page.
    wide, *_ = make(sandbox, 10)
    assert wide.find_published(creds, posts[2]) == ids[2]
    # A post never sent is absent.
    assert wide.find_published(creds, posts[0]) == ids[0]
    assert wide.find_published(creds, Post(99, "从未发过", title="从未发过的标题")) is None
