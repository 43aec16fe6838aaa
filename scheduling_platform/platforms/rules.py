"""Each platform's content rules, checked when a task is created, not at publish time."""

from __future__ import annotations

import math
from dataclasses import dataclass


class ContentRejectedError(ValueError):
    """Content this platform can never accept."""


def weibo_length(text: str) -> int:
    """Weibo counts a Chinese character as one and two ASCII characters as one."""
    return math.ceil(sum(0.5 if ord(ch) < 128 else 1 for ch in text))


@dataclass(frozen=True)
class ContentRules:
    platform: str
    max_text: int
    max_title: int | None = None
    min_title: int | None = None
    title_required: bool = False

    def text_length(self, text: str) -> int:
        return weibo_length(text) if self.platform == "weibo" else len(text)

    def check(self, text: str, title: str | None = None) -> None:
        if not text or not text.strip():
            raise ContentRejectedError("content is empty")
        length = self.text_length(text)
        if length > self.max_text:
            raise ContentRejectedError(
                f"content is {length} characters; {self.platform} accepts at most {self.max_text}"
            )
        if self.title_required and not (title and title.strip()):
            raise ContentRejectedError(f"{self.platform} needs a title")
        if title is not None and self.max_title is not None and len(title) > self.max_title:
            raise ContentRejectedError(
                f"title is {len(title)} characters; {self.platform} accepts at most "
                f"{self.max_title}"
            )
        if title is not None and self.min_title is not None and len(title) < self.min_title:
            raise ContentRejectedError(
                f"title is {len(title)} characters; {self.platform} needs at least {self.min_title}"
            )


RULES: dict[str, ContentRules] = {
    # statuses/share.json: at most 140 Chinese characters.
    "weibo": ContentRules("weibo", max_text=140),
}


def rules_for(platform: str) -> ContentRules:
    try:
        return RULES[platform]
    except KeyError:
        raise ContentRejectedError(f"platform {platform!r} is not supported yet") from None
