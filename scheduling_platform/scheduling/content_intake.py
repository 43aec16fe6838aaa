"""Checks at task creation that depend on the deployment's settings, then the media ingest.

What it returns are the store references the task keeps instead of the paths and URLs a user
typed; task creation (scheduling/tasks.py) calls it once the rest of the request is valid.
"""

from __future__ import annotations

import re

from scheduling_platform.media.ingest import ingest_media
from scheduling_platform.media.safe_fetch import SafeFetcher
from scheduling_platform.media.store import MediaStore
from scheduling_platform.platforms.rules import ContentRejectedError
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account

_URL_HOST = re.compile(r"https?://([^/\s?#:]+)", re.IGNORECASE)


def media_store(settings: Settings) -> MediaStore:
    return MediaStore(settings.home / "media")


def has_safe_domain_url(text: str, domain: str) -> bool:
    """A URL in `text` whose host is `domain` or one of its subdomains."""
    domain = domain.lower().strip(".")
    return any(
        host == domain or host.endswith(f".{domain}")
        for host in (h.lower() for h in _URL_HOST.findall(text))
    )


def check_platform_settings(
    account: Account, content: str, media: tuple[str, ...], settings: Settings
) -> None:
    """Refuse what the platform would refuse because of how this deployment is set up."""
    if account.platform == "weibo":
        domain = settings.weibo.safe_domain
        if domain and not has_safe_domain_url(content, domain):
            raise ContentRejectedError(
                f"a Weibo text must contain a URL of the app's safe domain {domain}"
            )
    if account.platform == "baijiahao" and media and not settings.media_public_base_url:
        raise ContentRejectedError(
            "Baijiahao fetches cover images by URL: set SCHEDULING_MEDIA_PUBLIC_BASE_URL to "
            "where the media store is served, or create the task without media"
        )


def prepare_platform_content(
    account: Account,
    content: str,
    media: tuple[str, ...],
    *,
    settings: Settings,
    fetcher: SafeFetcher | None = None,
) -> tuple[str, ...]:
    """Check the settings-dependent rules, ingest `media`; returns the store references."""
    check_platform_settings(account, content, media, settings)
    fetcher = fetcher or SafeFetcher(
        max_bytes=settings.media_fetch_max_bytes,
        timeout_seconds=settings.media_fetch_timeout_seconds,
    )
    stored = ingest_media(account.platform, media, media_store(settings), fetcher)
    return tuple(item.ref for item in stored)
