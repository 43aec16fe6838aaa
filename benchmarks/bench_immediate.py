"""The immediate path under `scheduling-platform up` with default settings (60 s sensor
interval): posts created through the REST API with `strategy: immediate` (timed from the
create request) and posts created for 20 s ahead, less than a tick (timed from their due
time), each until the platform answered it (published_at). Target: p99 under 10 s (2 s)."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx

from benchmarks.up_process import running_up, wait_until
from scheduling_platform.service.accounts import AddAccountRequest, add_account
from scheduling_platform.service.api_keys import CreateApiKeyRequest, create_api_key
from scheduling_platform.service.workspaces import admin_context
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _row(name: str, seconds: list[float]) -> dict[str, object]:
    return {
        "posts": name,
        "n": len(seconds),
        "p50_s": round(_percentile(seconds, 0.5), 2),
        "p99_s": round(_percentile(seconds, 0.99), 2),
        "max_s": round(max(seconds), 2),
        "target": "p99 < 10 s (2 s)",
    }


def run(quick: bool) -> list[dict]:
    posts = 5 if quick else 20
    with running_up("bench-immediate-") as up:
        settings = Settings(_env_file=None, home=up.folder / "home", sandbox_url=up.sandbox_url)
        ctx = admin_context(settings, "default", actor="bench")
        key = create_api_key(ctx, CreateApiKeyRequest(scopes=["read", "write"])).key
        accounts = [
            add_account(ctx, AddAccountRequest(platform="weibo", name=f"b{i}")).id
            for i in range(2 * posts)
        ]
        store = TaskStore.from_settings(settings)
        http = httpx.Client(
            base_url=up.api_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        results: dict[str, list[float]] = {"immediate": [], "20 s ahead (fixed)": []}
        for i in range(posts):
            for kind, account in (
                ("immediate", accounts[2 * i]),
                ("20 s ahead (fixed)", accounts[2 * i + 1]),
            ):
                body: dict[str, str] = (
                    {"strategy": "immediate"}
                    if kind == "immediate"
                    else {"at": (utcnow() + timedelta(seconds=20)).isoformat()}
                )
                asked = utcnow()
                answer = http.post(
                    "/api/v1/scheduling/tasks",
                    json={"account_id": account, "content": f"{kind} {i}", **body},
                )
                if answer.status_code != 201:
                    raise RuntimeError(f"create answered {answer.status_code}: {answer.text}")
                task_id = answer.json()["id"]
                due = max(asked, store.get_task(task_id).scheduled_at)

                def sent(task_id: int = task_id) -> bool:
                    return store.get_task(task_id).published_at is not None

                wait_until(sent, 120, f"task {task_id}")
                published = store.get_task(task_id).published_at
                assert published is not None
                results[kind].append((published - due).total_seconds())
            time.sleep(2)  # posts one by one, as people create them
        return [_row(kind, seconds) for kind, seconds in results.items()]
