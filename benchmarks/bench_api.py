"""The REST API under 50 concurrent clients: p50/p95/p99 of creating a task and of listing a
page, on SQLite and on Postgres, against a store of 1,000,000 tasks over 1,000 accounts
(target p95 < 50 ms); and a batch of 50 posts (POST .../tasks/batch, target < 100 ms), with
fixed times and with `optimal_time`, sent one batch after another by one client. On Postgres
the loaded tasks are vacuumed first (`stores.settle`), as autovacuum would have them.

The API runs as `scheduling-platform api` in its own process (access log on, as served); the
clients are asyncio tasks of this process on a lean keep-alive HTTP client (http_client.py),
one connection each. Two loads:
- `paced`: each client sends a request every PACE seconds (50 clients, 100 requests a second
  offered), as client services do: the latency a request sees at a steady load;
- `saturated`: each client sends its next request as soon as the last one answered, so the
  server is never idle: its throughput, and latency that is mostly queueing (Little's law:
  50 requests in flight / throughput).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr

from benchmarks.http_client import LOST, Connection
from benchmarks.stores import bulk_load_tasks, settle, temporary_store
from benchmarks.up_process import free_port
from scheduling_platform.runtime.launcher import wait_for_http
from scheduling_platform.service.api_keys import CreateApiKeyRequest, create_api_key
from scheduling_platform.service.workspaces import admin_context
from scheduling_platform.settings import Settings
from scheduling_platform.timeutil import utcnow

CLIENTS = 50
PACE = 0.5  # seconds between one paced client's requests
WARM_PACE = 0.4  # the warm-up's pace: its own seeds, so its texts are not the measured ones
# As deploy/docker-compose.yml runs it: a worker process per core.
WORKERS = int(os.environ.get("SCHEDULING_BENCH_API_WORKERS", "2"))
TASKS = "/api/v1/scheduling/tasks"


ACCOUNTS = 1000  # a team's accounts: 1,000 tasks each at a million, as a year of posting is


def _fill(store, total: int) -> list[int]:
    """`total` tasks over ACCOUNTS accounts: 70% a year of history, the rest a month ahead."""
    accounts = [
        store.add_account("weibo", f"bench-{i}", "Asia/Shanghai", {}) for i in range(ACCOUNTS)
    ]
    now, rng = utcnow(), random.Random(7)
    rows = []
    for i in range(total):
        published = rng.random() < 0.7  # not i % 10: that would tie it to the account
        offset = -rng.uniform(60, 86400 * 365) if published else rng.uniform(600, 86400 * 30)
        status = "published" if published else "scheduled"
        at = now + timedelta(seconds=offset)
        rows.append((accounts[i % ACCOUNTS].id, f"post {i}", status, at))
    for start in range(0, len(rows), 200_000):
        bulk_load_tasks(store, rows[start : start + 200_000])
    return [a.id for a in accounts]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cut[49] * 1000, 1),
        "p95_ms": round(cut[94] * 1000, 1),
        "p99_ms": round(cut[98] * 1000, 1),
    }


async def _load(
    url: str, key: str, accounts: list[int], operation: str, per_client: int, pace: float
):
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def client(n: int) -> None:
        rng = random.Random(f"{pace}-{n}")  # each load its own accounts and times
        connection = Connection(url, {"Authorization": f"Bearer {key}"})
        await asyncio.sleep(rng.uniform(0, pace))  # paced clients start spread out
        try:
            for i in range(per_client):
                started = time.perf_counter()
                if operation == "create":
                    status, _ = await connection.request(
                        "POST",
                        TASKS,
                        json_body={
                            "account_id": rng.choice(accounts),
                            "content": f"bench {pace} {n}-{i}",
                            "at": (utcnow() + timedelta(days=rng.uniform(1, 30))).isoformat(),
                        },
                    )
                else:
                    status, _ = await connection.request("GET", TASKS, params={"limit": 50})
                elapsed = time.perf_counter() - started
                if status != LOST:
                    latencies.append(elapsed)
                statuses[status] += 1
                if pace:
                    await asyncio.sleep(max(0.0, pace - elapsed))
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return latencies, statuses, time.perf_counter() - started


BATCH = 50
BATCH_ACCOUNTS = 10  # a campaign: 50 posts over 10 of the team's accounts


async def _batches(url: str, key: str, accounts: list[int], strategy: str, count: int):
    """`count` batches of 50 posts sent one after another by one client: the latency of a
    batch, and how many items were created or refused (a conflict refuses an item only)."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    items: Counter[str] = Counter()
    rng = random.Random(f"batch-{strategy}")
    connection = Connection(url, {"Authorization": f"Bearer {key}"})
    try:
        for n in range(count):
            chosen = rng.sample(accounts, BATCH_ACCOUNTS)
            body = []
            for i in range(BATCH):
                item: dict[str, object] = {
                    "account_id": chosen[i % BATCH_ACCOUNTS],
                    "content": f"campaign {strategy} {n}-{i} {rng.random():.6f}",
                    "strategy": strategy,
                }
                if strategy == "fixed":
                    at = utcnow() + timedelta(days=rng.uniform(1, 30))
                    item["at"] = at.isoformat()
                body.append(item)
            started = time.perf_counter()
            status, answer = await connection.request(
                "POST", f"{TASKS}/batch", json_body={"items": body}
            )
            if status != LOST:
                latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if status == 200:
                items.update(x["status"] for x in json.loads(answer)["items"])
    finally:
        await connection.close()
    return latencies, statuses, items


def _serve(store_url: str, home: Path) -> tuple[subprocess.Popen[bytes], str, Settings]:
    secret = lambda: base64.b64encode(os.urandom(32)).decode()  # noqa: E731
    port = free_port()
    env = {
        **os.environ,
        "SCHEDULING_HOME": str(home),
        "SCHEDULING_DATABASE_URL": store_url,
        "SCHEDULING_WAREHOUSE_URL": f"duckdb:///{home / 'warehouse.duckdb'}",
        "SCHEDULING_ENCRYPTION_KEY": secret(),
        "SCHEDULING_API_KEY_SECRET": secret(),
        "SCHEDULING_API_PORT": str(port),
        "SCHEDULING_DEMO": "0",
        "DAGSTER_HOME": str(home / "dagster"),
    }
    env.pop("SCHEDULING_REDIS_URL", None)
    settings = Settings(
        _env_file=None,
        home=home,
        database_url=store_url,
        encryption_key=SecretStr(env["SCHEDULING_ENCRYPTION_KEY"]),
        api_key_secret=SecretStr(env["SCHEDULING_API_KEY_SECRET"]),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduling_platform.cli", "api", "--workers", str(WORKERS)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/api/v1/system/ready", timeout_seconds=60)
    return process, url, settings


def run(quick: bool = False) -> list[dict[str, object]]:
    total = 100_000 if quick else 1_000_000
    per_client = 20 if quick else 40
    rows: list[dict[str, object]] = []
    for backend in ("sqlite", "postgres"):
        with temporary_store(backend) as store, tempfile.TemporaryDirectory() as folder:
            accounts = _fill(store, total)
            settle(store)
            url_text = store.engine.url.render_as_string(hide_password=False)
            process, url, settings = _serve(url_text, Path(folder))
            try:
                key = create_api_key(
                    admin_context(settings, "default"),
                    CreateApiKeyRequest(scopes=["read", "write"], rate_limit="100000000/hour"),
                ).key
                # Warm up: connections, and the immediate path's definitions, which the
                # served app loads on a thread at start (seconds of one core).
                asyncio.run(_load(url, key, accounts, "list", 2, 0))
                asyncio.run(_load(url, key, accounts, "create", 10, WARM_PACE))
                for load, pace in (("paced", PACE), ("saturated", 0.0)):
                    for operation in ("create", "list"):
                        latencies, statuses, elapsed = asyncio.run(
                            _load(url, key, accounts, operation, per_client, pace)
                        )
                        rows.append(
                            {
                                "backend": backend,
                                "tasks": total,
                                "load": load,
                                "operation": operation,
                                "clients": CLIENTS,
                                "workers": WORKERS,
                                "requests": len(latencies),
                                # 409: the post conflicts with the account's schedule,
                                # as a real client's random time can; 0: the connection
                                # broke before an answer (left out of the latencies).
                                "statuses": " ".join(
                                    f"{code}:{n}" for code, n in sorted(statuses.items())
                                ),
                                "per_s": round(len(latencies) / elapsed),
                                **_percentiles(latencies),
                                "target_p95_ms": 50,
                            }
                        )
                for strategy in ("fixed", "optimal_time"):
                    latencies, statuses, items = asyncio.run(
                        _batches(url, key, accounts, strategy, 10 if quick else 30)
                    )
                    rows.append(
                        {
                            "backend": backend,
                            "tasks": total,
                            "load": "one client",
                            "operation": f"batch of {BATCH} {strategy}",
                            "clients": 1,
                            "workers": WORKERS,
                            "requests": len(latencies),
                            "statuses": " ".join(
                                [f"{code}:{n}" for code, n in sorted(statuses.items())]
                                + [f"{name}:{n}" for name, n in sorted(items.items())]
                            ),
                            "per_s": round(len(latencies) / sum(latencies)),
                            **_percentiles(latencies),
                            "target_p95_ms": 100,
                        }
                    )
            finally:
                process.terminate()
                process.wait(30)
    return rows
