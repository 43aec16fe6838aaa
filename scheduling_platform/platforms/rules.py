"""Each platform's content rules, checked when a task is created, not at publish time.

Limits PLATFORMS.md gives are enforced as documented; the ones it calls unconfirmed (Douyin's
text, Toutiao's title and body, Baijiahao's body) are marked and kept generous. Media are
counted here; their types and sizes are read from their content at ingest (media/limits.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scheduling_platform.inputs import is_blank
from scheduling_platform.media.limits import MediaLimitError, check_count


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

    def check(self, text: str, title: str | None = None, media: tuple[str, ...] = ()) -> None:
        if not text or not text.strip():
            raise ContentRejectedError("content is empty")
        if is_blank(text):
            raise ContentRejectedError("content is empty: it holds only invisible characters")
        length = self.text_length(text)
        if length > self.max_text:
            raise ContentRejectedError(
                f"content is {length} characters; {self.platform} accepts at most {self.max_text}"
            )
        if title and is_blank(title):
            raise ContentRejectedError("the title holds only invisible characters")
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
        self.check_media(media)

    def check_media(self, media: tuple[str, ...]) -> None:
        """Only how many: what each item is, is read from its content when it is ingested."""
        try:
            check_count(self.platform, len(media))
        except MediaLimitError as exc:
            raise ContentRejectedError(str(exc)) from None


RULES: dict[str, ContentRules] = {
    # statuses/share.json: at most 140 Chinese characters, one picture.
    "weibo": ContentRules("weibo", max_text=140),
    # draft/add: title <= 32 (taken from the text when absent), content < 20,000 characters.
    "wechat": ContentRules("wechat", max_text=19_999, max_title=32),
    # upload_video + create_video: one video; the text limit is unconfirmed.
    "douyin": ContentRules("douyin", max_text=1_000),
    # new_article_post: title and body limits unconfirmed; 5-30 is the commonly cited title.
    "toutiao": ContentRules(
        "toutiao",
        max_text=50_000,
        min_title=5,
        max_title=30,
        title_required=True,
    ),
    # article/publish: title 5-40 (another source says 8-40); body limit unconfirmed.
    "baijiahao": ContentRules(
        "baijiahao",
        max_text=50_000,
        min_title=5,
        max_title=40,
        title_required=True,
    ),
}


def rules_for(platform: str) -> ContentRules:
    try:
        return RULES[platform]
    except KeyError:
        raise ContentRejectedError(f"platform {platform!r} is not supported yet") from None
