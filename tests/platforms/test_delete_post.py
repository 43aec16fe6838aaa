"""Where a platform has no API to take a post down, its client says so (issue 9's
`tasks delete-post` relies on this); where it has one, the contract tests use it."""

from __future__ import annotations

import pytest

from scheduling_platform.platforms.base import NoSuchOperationError
from scheduling_platform.platforms.registry import make_client


@pytest.mark.parametrize("platform", ["douyin", "toutiao"])
def test_platforms_without_a_delete_api_say_so(platform: str) -> None:
    with make_client(platform, "http://127.0.0.1:9") as client:
        with pytest.raises(NoSuchOperationError, match="offers no way to delete a post"):
            client.delete_post({"access_token": "t"}, "123")
