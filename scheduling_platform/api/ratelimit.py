"""Per-key rate limits with the `limits` library: a sliding window counter, in Redis when
`SCHEDULING_REDIS_URL` is set (shared by every API worker process), in memory otherwise.

A sliding window counter keeps two counts a key (this window and the last, weighted by how much
of it still overlaps), so a hit costs the same at 10 requests an hour as at a million; the
moving window kept one entry a request and cost grew with the limit.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

import limits
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import SlidingWindowCounterRateLimiter

from scheduling_platform.api.problems import RateLimitedError
from scheduling_platform.service.api_keys import Caller
from scheduling_platform.settings import Settings

KEY_PREFIX = "scheduling_platform:ratelimit"


@lru_cache(maxsize=1024)
def _item(text: str) -> limits.RateLimitItem:
    return limits.parse(text)


class RateLimiter:
    """Counts each key's requests in a sliding window of its own limit."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.strategy = SlidingWindowCounterRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        if settings.redis_url:
            return cls(RedisStorage(settings.redis_url, key_prefix=KEY_PREFIX))
        return cls(MemoryStorage())

    def hit(self, caller: Caller) -> None:
        """Count one request of `caller`; RateLimitedError when its window is full."""
        item = _item(caller.rate_limit)
        if self.strategy.hit(item, "api-key", caller.public_id):
            return
        stats = self.strategy.get_window_stats(item, "api-key", caller.public_id)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimitedError(
            f"this key may make {item.amount} requests per {item.multiples} "
            f"{item.GRANULARITY.name}{'s' if item.multiples > 1 else ''}; "
            f"try again in {retry_after} s",
            retry_after,
        )
