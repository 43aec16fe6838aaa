"""What media each platform takes, slot by slot: the types, sizes and counts it accepts.

A task's media fill a platform's slots in order: WeChat's first image is the article's cover,
the rest go inside the article. Sources are in docs/platforms.md; values marked unconfirmed
are this project's choice where the documentation gives none.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduling_platform.media.kinds import MediaType

KB, MB, GB = 1024, 1024**2, 1024**3
JPEG, PNG, GIF, MP4 = "image/jpeg", "image/png", "image/gif", "video/mp4"


class MediaLimitError(ValueError):
    """Media a platform can never accept: the wrong type, too big, too many or missing."""


@dataclass(frozen=True)
class Slot:
    role: str  # what the platform does with it: pic, cover, inline, video
    mimes: frozenset[str]
    max_bytes: int  # inclusive
    min_count: int = 0
    max_count: int = 1

    def describe(self) -> str:
        kinds = "/".join(sorted(m.split("/", 1)[1].upper() for m in self.mimes))
        return f"{self.role} ({kinds}, at most {_size(self.max_bytes)})"

    def misfit(self, platform: str, name: str, what: str) -> MediaLimitError:
        return MediaLimitError(f"{platform}'s {self.describe()} cannot be {name}: it is {what}")


def _size(n: int) -> str:
    for unit, name in ((GB, "GB"), (MB, "MB")):
        if n >= unit:
            return f"{round(n / unit, 1):g} {name}"
    return f"{n // KB} KB"


SLOTS: dict[str, tuple[Slot, ...]] = {
    # statuses/share.json `pic`: one JPEG/GIF/PNG under 5 MB.
    "weibo": (Slot("pic", frozenset({JPEG, GIF, PNG}), 5 * MB - 1),),
    # draft/add needs a thumb_media_id: a cover through material/add_material?type=thumb
    # (64 KB JPG is the commonly cited thumb limit: unconfirmed), then images inside the
    # article through media/uploadimg (jpg/png under 1 MB); 20 inside is our own cap.
    "wechat": (
        Slot("cover", frozenset({JPEG}), 64 * KB, min_count=1),
        Slot("inline", frozenset({JPEG, PNG}), 1 * MB - 1, max_count=20),
    ),
    # upload_video / chunked upload: one video, 4 GB at most; mp4 recommended (webm too).
    "douyin": (Slot("video", frozenset({MP4, "video/webm"}), 4 * GB, min_count=1),),
    # new_article_post: no confirmed way to attach images or video, so none are taken.
    "toutiao": (),
    # article/publish cover_images: URLs Baijiahao fetches; type and size unconfirmed.
    "baijiahao": (Slot("cover", frozenset({JPEG, PNG}), 5 * MB, max_count=3),),
}


def slots_for(platform: str) -> tuple[Slot, ...]:
    return SLOTS.get(platform, ())


def largest_accepted(platform: str) -> int:
    """The most bytes any one media item of `platform` may have (0: it takes none)."""
    return max((s.max_bytes for s in slots_for(platform)), default=0)


def check_count(platform: str, count: int) -> None:
    """Before anything is read: are this many items possible on the platform at all?"""
    slots = slots_for(platform)
    most = sum(s.max_count for s in slots)
    if count > most:
        allowed = f"at most {most}" if most else "no"
        raise MediaLimitError(f"{platform} takes {allowed} media items, not {count}")
    missing = [s for s in slots if s.min_count > count]
    if missing:
        raise MediaLimitError(f"a {platform} post needs a {missing[0].describe()}")


def assign(platform: str, types: list[tuple[MediaType, int, str]]) -> list[str]:
    """The slot role of each item ((type, size, name) in task order); refuses a misfit."""
    check_count(platform, len(types))
    roles: list[str] = []
    slots = iter(slots_for(platform))
    slot, used = next(slots, None), 0
    for media_type, size, name in types:
        while slot is not None and used >= slot.max_count:
            slot, used = next(slots, None), 0
        if slot is None:  # check_count makes this unreachable; kept for a clear message
            raise MediaLimitError(f"{platform} has no place for {name}")
        if media_type.mime not in slot.mimes:
            raise slot.misfit(platform, name, media_type.mime)
        if size > slot.max_bytes:
            raise slot.misfit(platform, name, f"{size} bytes")
        roles.append(slot.role)
        used += 1
    return roles
