"""The API on the production setup: the task store on Postgres, the vault key and the API key
secret from the settings (nothing generated), a round trip and the workspace wall."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from scheduling_platform.settings import Settings
from tests.api.conftest import Api, later

pytestmark = pytest.mark.postgres
TASKS = "/api/v1/scheduling/tasks"


def _secret() -> SecretStr:
    return SecretStr(base64.b64encode(os.urandom(32)).decode())


def test_on_postgres(
    make_api: Callable[..., Api], api_settings: Settings, postgres_url: str
) -> None:
    settings = api_settings.model_copy(
        update={
            "database_url": postgres_url,
            "encryption_key": _secret(),
            "api_key_secret": _secret(),
        }
    )
    api = make_api(settings)
    a = api.client(api.key("read", "write", workspace="team-a"))
    b = api.client(api.key("read", "write", workspace="team-b"))
    task = a.post(TASKS, json={"account_id": api.account("team-a"), "content": "pg", "at": later()})
    assert task.status_code == 201, task.text
    assert b.get(f"{TASKS}/{task.json()['id']}").status_code == 404
    assert b.get(TASKS).json()["items"] == []
    assert [t["id"] for t in a.get(TASKS).json()["items"]] == [task.json()["id"]]
    assert not (settings.home / "api_key_secrets.json").exists(), "the secret came from settings"
