"""The unique URL naming a task's post: Baijiahao's `origin_url`, WeChat's content_source_url.

A platform that refuses a second post with the same URL makes a retry harmless, and the URL
finds the post again after an unknown outcome.
"""

from __future__ import annotations

DEFAULT_ORIGIN_BASE_URL = "https://scheduling-platform.local"


def origin_url(base_url: str, task_id: int) -> str:
    return f"{base_url.rstrip('/')}/posts/{task_id}"
