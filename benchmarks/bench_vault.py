"""What the vault and the log redaction cost: seal/open per credential, store reads with and
without the vault, and a log record with many secrets registered."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from scheduling_platform.redaction import install_log_redaction, register_secrets
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.vault import Vault

CREDENTIALS = {
    "access_token": "we-" + "x" * 40,
    "refresh_token": "rt-" + "y" * 40,
    "app_secret": "s" * 32,
    "appid": "sandbox-brand",
}


def _per_second(count: int, action) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return count / (time.perf_counter() - started)


def run(quick: bool) -> list[dict]:
    rows: list[dict] = []
    n = 2_000 if quick else 20_000
    with tempfile.TemporaryDirectory() as folder:
        vault = Vault(key_file=Path(folder) / "keys.json", create_missing=True)
        sealed = vault.seal_credentials(CREDENTIALS)
        rows.append(
            {
                "what": "seal credentials",
                "per_second": _per_second(n, lambda: vault.seal_credentials(CREDENTIALS)),
            }
        )
        rows.append(
            {
                "what": "open credentials",
                "per_second": _per_second(n, lambda: vault.open_credentials(sealed)),
            }
        )
        accounts = 200 if quick else 2_000
        for label, store_vault in (("plain JSON", None), ("vault", vault)):
            store = TaskStore.from_url(f"sqlite:///{folder}/{label[0]}.sqlite", vault=store_vault)
            for i in range(accounts):
                store.add_account("weibo", f"a{i}", "UTC", CREDENTIALS)
            started = time.perf_counter()
            store.list_accounts()
            rows.append(
                {
                    "what": f"list {accounts} accounts, {label}",
                    "per_second": accounts / (time.perf_counter() - started),
                }
            )
            store.engine.dispose()
    install_log_redaction()
    log = logging.getLogger("bench.vault")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    log.setLevel(logging.INFO)
    for secrets in (0, 1_000, 10_000):
        register_secrets(f"secret-value-{i:08d}" for i in range(secrets))
        rows.append(
            {
                "what": f"log record, {secrets} secrets registered",
                "per_second": _per_second(
                    n, lambda: log.info("task %s: published as %s", 1, "4000")
                ),
            }
        )
    return rows
