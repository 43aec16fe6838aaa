"""The lifecycle the five clients inherit from PlatformClientBase (no server needed)."""

from __future__ import annotations

import pytest

from scheduling_platform.intelligence.features import METRIC_COLUMNS
from scheduling_platform.platforms.base import PlatformClientBase
from scheduling_platform.platforms.registry import CLIENT_CLASSES, make_client
from scheduling_platform.platforms.toutiao import ToutiaoClient

DEAD = "http://127.0.0.1:9"


@pytest.mark.parametrize("platform", sorted(CLIENT_CLASSES))
def test_every_client_keeps_its_signature_and_closes_on_exit(platform: str) -> None:
    cls = CLIENT_CLASSES[platform]
    assert issubclass(cls, PlatformClientBase)
    with cls(f"{DEAD}/{platform}", 3.0) as client:  # base_url, timeout_seconds positionally
        assert (client.platform, client.timeout_seconds) == (platform, 3.0)
        assert str(client._http.base_url) == f"{DEAD}/{platform}/"
        assert not client._http.is_closed
    assert client._http.is_closed


def test_toutiao_closes_its_separate_auth_client() -> None:
    client = ToutiaoClient(f"{DEAD}/mp", auth_base_url=f"{DEAD}/open")
    assert client._auth is not client._http
    client.close()
    assert client._http.is_closed and client._auth.is_closed


def test_toutiao_without_auth_host_uses_one_client() -> None:
    with ToutiaoClient(f"{DEAD}/mp") as client:
        assert client._auth is client._http


@pytest.mark.parametrize("platform", sorted(CLIENT_CLASSES))
def test_every_client_maps_the_engagement_metrics_its_platform_reports(platform: str) -> None:
    fields = CLIENT_CLASSES[platform].METRIC_FIELDS
    # Weibo's statuses/count.json has no reads: the client must not read a field that is not.
    expected = set(METRIC_COLUMNS) - ({"reads"} if platform == "weibo" else set())
    assert set(fields) == expected


def test_engagement_reads_the_platform_fields_and_counts_missing_as_zero() -> None:
    client = ToutiaoClient(f"{DEAD}/mp")
    row = {"read_count": "7", "digg_count": 2, "share_count": 1, "other": 5}
    assert client._engagement(row) == {"reads": 7, "likes": 2, "shares": 1, "comments": 0}
    client.close()


@pytest.mark.parametrize("platform", ["weibo", "wechat", "douyin", "toutiao"])
def test_a_printed_client_hides_its_app_secret(platform: str) -> None:
    with make_client(platform, DEAD, app_key="key-1", app_secret="s3cret-value") as client:
        assert "s3cret-value" not in repr(client) and "s3cret-value" not in str(client)
        assert "key-1" in repr(client)  # the public key still helps operators tell apps apart
