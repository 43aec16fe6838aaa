"""The vault fails closed and can be recovered: a ciphertext moved to another account's row is
refused, a lost key is named and never silently replaced, and what needs no credentials keeps
working while an account is re-authorised from a file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.lifecycle import AccountStatus
from scheduling_platform.settings import Settings
from scheduling_platform.store.schema import accounts
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.vault import BOUND_PREFIX, MissingKeyError, TamperedError, Vault
from tests.hardening.conftest import Cli, as_json
from tests.samples import D1


def _stored(store: TaskStore, account_id: int) -> str:
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(accounts.c.credentials).where(accounts.c.id == account_id)
        ).scalar_one()


def _write(store: TaskStore, account_id: int, text: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(accounts).where(accounts.c.id == account_id).values(credentials=text)
        )


def test_a_ciphertext_copied_to_another_account_is_refused(tmp_path: Path) -> None:
    vault = Vault(key_file=tmp_path / "keys.json", create_missing=True)
    store = TaskStore.from_url(f"sqlite:///{tmp_path / 's.sqlite'}", vault=vault)
    a = store.add_account("weibo", "a", "Asia/Shanghai", {"access_token": "tok-a"})
    b = store.add_account("weibo", "b", "Asia/Shanghai", {"access_token": "tok-b"})
    c = store.add_account("douyin", "a", "Asia/Shanghai", {"access_token": "tok-c"})
    assert _stored(store, a.id).startswith(BOUND_PREFIX)
    _write(store, b.id, _stored(store, a.id))  # the same platform, another account
    _write(store, c.id, _stored(store, a.id))  # another platform
    for moved in (b.id, c.id):
        account = store.get_account(moved)  # reading the account needs no credentials
        with pytest.raises(TamperedError, match="fails authentication"):
            account.credentials  # noqa: B018
        assert account.effective_status is AccountStatus.NEEDS_REAUTH
    assert store.get_account(a.id).credentials == {"access_token": "tok-a"}


def test_rows_sealed_before_binding_still_open_and_rotation_binds_them(tmp_path: Path) -> None:
    vault = Vault(key_file=tmp_path / "keys.json", create_missing=True)
    store = TaskStore.from_url(f"sqlite:///{tmp_path / 's.sqlite'}", vault=vault)
    account = store.add_account("weibo", "a", "Asia/Shanghai", {})
    _write(store, account.id, vault.seal_credentials({"access_token": "old"}))  # a v1 value
    assert store.get_account(account.id).credentials == {"access_token": "old"}
    from scheduling_platform.accounts.key_rotation import rotate, unbound_accounts

    assert unbound_accounts(store) == 1
    report = rotate(store, vault)
    assert report.resealed == 1 and unbound_accounts(store) == 0
    assert _stored(store, account.id).startswith(f"{BOUND_PREFIX}{report.primary_key_id}:")
    assert store.get_account(account.id).credentials == {"access_token": "old"}


def test_no_key_is_generated_while_data_is_sealed_under_a_missing_one(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    store = TaskStore.from_url(
        f"sqlite:///{tmp_path / 's.sqlite'}", vault=Vault(key_file=keys, create_missing=True)
    )
    store.add_account("weibo", "a", "Asia/Shanghai", {"access_token": "tok"})
    lost = json.loads(keys.read_text())["primary"]
    keys.unlink()
    again = TaskStore.from_url(
        f"sqlite:///{tmp_path / 's.sqlite'}", vault=Vault(key_file=keys, create_missing=True)
    )
    with pytest.raises(MissingKeyError, match=f"sealed with key {lost}.*restore the keyring"):
        again.add_account("weibo", "b", "Asia/Shanghai", {"access_token": "tok"})
    assert not keys.exists()
    assert [a.name for a in again.list_accounts()] == ["a"]


def test_a_lost_keyring_keeps_tasks_working_and_reauthorise_recovers(
    platform_env: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()

    def cli(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), result
        assert (result.exit_code == 0) == ok, result.output
        return result

    cli("accounts", "add", "--platform", "weibo", "--name", "brand")
    task = as_json(
        cli(
            "tasks",
            "create",
            "--account",
            "1",
            "--content",
            "你好",
            "--at",
            f"{D1}T09:00",
            "--json",
        )
    )
    keyring = platform_env.home / "encryption_keys.json"
    lost = json.loads(keyring.read_text())["primary"]
    keyring.rename(tmp_path / "keyring-backup.json")

    # What needs no credentials keeps working; the account shows that it needs care.
    assert as_json(cli("tasks", "list", "--json"))[0]["id"] == task["id"]
    cli("tasks", "show", str(task["id"]))
    listed = as_json(cli("accounts", "list", "--json"))
    assert [a["status"] for a in listed] == ["needs_reauth"]
    assert "needs_reauth" in cli("accounts", "list").output
    checked = cli("accounts", "check", "--json", ok=False)
    assert as_json(checked)[0]["status"] == "needs_reauth"
    assert lost in as_json(checked)[0]["detail"]
    # Nothing is sealed under a key generated behind the operator's back.
    refused = cli("accounts", "add", "--platform", "weibo", "--name", "other", ok=False)
    assert lost in refused.output and "restore the keyring" in refused.output
    assert not keyring.exists()

    # Starting over: a new key on purpose, then the account re-authorised from a file
    # (the old credentials are never opened).
    rotated = cli("keys", "rotate")
    assert "accounts 1 are sealed with a missing key" in rotated.output
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"authorization_code": "sandbox-brand"}))
    cli("accounts", "reauthorise", "1", "--credentials-file", str(creds))
    assert [a["status"] for a in as_json(cli("accounts", "list", "--json"))] == ["active"]
    assert as_json(cli("accounts", "check", "--json"))[0]["ok"] is True
    assert as_json(cli("tasks", "cancel", str(task["id"]), "--json"))["status"] == "cancelled"


def test_credentials_come_from_stdin_and_the_home_is_private(cli: Cli, home_env: Settings) -> None:
    added = as_json(
        cli(
            "accounts",
            "add",
            "--platform",
            "weibo",
            "--name",
            "a",
            "--credentials-file",
            "-",
            "--json",
            stdin='{"access_token": "tok-x"}',
        )
    )
    assert added["credential_fields"] == ["access_token"]
    store = TaskStore.from_settings(home_env)
    assert store.get_account(added["id"]).credentials == {"access_token": "tok-x"}
    home = home_env.home
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("tasks.sqlite", "tasks.sqlite-wal", "encryption_keys.json"):
        if (home / name).exists():
            assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    assert (home / "tasks.sqlite").exists()
    refused = cli(
        "accounts",
        "add",
        "--platform",
        "weibo",
        "--name",
        "b",
        "--credentials-file",
        str(home / "nope.json"),
        ok=False,
    )
    assert "cannot read" in refused.stderr
