"""The README's first requests, as written there, against the API over the demo's data: a
reader on a fresh machine runs them first, and a refused example (a fixed time that fell out
of the scheduling horizon) is the first thing they would see."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from scheduling_platform.runtime.demo import seed_demo
from scheduling_platform.service.context import ServiceContext
from tests.api.conftest import Api

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> tuple[list[str], dict[str, object]]:
    """The example's paths (GET first, then the POST) and the POST's JSON body."""
    block = re.search(r"```bash\nKEY=spk_.*?\n(.*?)```", README.read_text(), re.S)
    assert block, "the README's curl example with a key is gone"
    paths = re.findall(r"127\.0\.0\.1:8095(/\S+)", block.group(1))
    body = re.search(r"-d '(\{.*?\})'", block.group(1))
    assert body and len(paths) == 2
    return paths, json.loads(body.group(1))


def test_the_readmes_first_requests_work_on_the_demo(api: Api) -> None:
    seeded = seed_demo(ServiceContext(api.settings, actor="demo"))
    assert seeded is not None
    (list_path, create_path), body = _example()
    with api.client(seeded.api_key) as client:
        listed = client.get(list_path)
        assert listed.status_code == 200, listed.text
        assert len(listed.json()["items"]) == len(seeded.tasks)
        created = client.post(
            create_path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "scheduled"
        assert created.json()["account_id"] == body["account_id"]
