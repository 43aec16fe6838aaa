"""The token vault: sealing, tamper detection, clear key errors, rotation under a live reader."""

from __future__ import annotations

import json
import os
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduling_platform.accounts.key_rotation import key_usage, prune, reseal_all, rotate
from scheduling_platform.settings import Settings
from scheduling_platform.store.schema import accounts
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.vault import (
    BOUND_PREFIX,
    PREFIX,
    InvalidKeyError,
    KeyFile,
    MissingKeyError,
    TamperedError,
    Vault,
    encode_key,
    key_id,
    new_key,
)

SECRET = {"access_token": "tok-0123456789abcdef", "app_secret": "sec-fedcba9876543210"}


def _file_vault(home: Path) -> Vault:
    return Vault(key_file=home / "encryption_keys.json", create_missing=True)


def _raw_credentials(store: TaskStore) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(accounts.c.credentials)).scalars())


def test_round_trip_and_tamper_detection(tmp_path: Path) -> None:
    vault = _file_vault(tmp_path)
    sealed = vault.seal("你好, secret")
    assert sealed.startswith(f"{PREFIX}{vault.primary_key_id}:")
    assert vault.open(sealed) == "你好, secret"
    assert vault.seal("x") != vault.seal("x"), "a fresh nonce each time"
    head, body = sealed.rsplit(":", 1)
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(TamperedError, match="altered"):
        vault.open(f"{head}:{flipped}")
    with pytest.raises(TamperedError):
        vault.open(f"{head}:{body[:8]}")
    # Sealed for another purpose: the associated data does not match.
    with pytest.raises(TamperedError):
        vault.open(vault.seal("x", context="other"))


def test_missing_and_invalid_keys_give_clear_errors(tmp_path: Path) -> None:
    no_key = Vault(key_file=tmp_path / "none.json", create_missing=False)
    with pytest.raises(MissingKeyError, match="SCHEDULING_ENCRYPTION_KEY"):
        no_key.seal("x")
    assert not (tmp_path / "none.json").exists()
    sealed = _file_vault(tmp_path / "a").seal("x")
    other = _file_vault(tmp_path / "b")
    with pytest.raises(MissingKeyError, match=sealed.split(":")[2]):
        other.open(sealed)
    bad = "not-a-key-but-a-secret-looking-value"
    with pytest.raises(InvalidKeyError) as caught:
        Vault.from_settings(Settings(home=tmp_path, encryption_key=bad))
    assert bad not in str(caught.value), "the error must not echo the configured value"


def test_store_seals_credentials_at_rest(database_url: str, tmp_path: Path) -> None:
    store = TaskStore.from_url(database_url, vault=_file_vault(tmp_path))
    account = store.add_account("weibo", "brand", "Asia/Shanghai", SECRET)
    assert account.credentials == SECRET
    store.update_credentials(account.id, {**SECRET, "access_token": "tok-renewed-000000"})
    (raw,) = _raw_credentials(store)
    assert raw.startswith(BOUND_PREFIX) and "tok-" not in raw and "sec-" not in raw
    assert store.get_account(account.id).credentials["access_token"] == "tok-renewed-000000"
    # Opened without the vault, the store refuses clearly instead of returning garbage.
    bare = TaskStore(store.engine)
    with pytest.raises(MissingKeyError, match="without the vault"):
        bare.get_account(account.id).credentials  # noqa: B018 -- opened at first use
    store.engine.dispose()


def test_plain_rows_from_before_the_vault_stay_readable_and_get_sealed(
    sqlite_url: str, tmp_path: Path
) -> None:
    TaskStore.from_url(sqlite_url).add_account("weibo", "old", "Asia/Shanghai", SECRET)
    store = TaskStore.from_url(sqlite_url, vault=_file_vault(tmp_path))
    assert store.list_accounts()[0].credentials == SECRET
    assert key_usage(store) == {"plaintext": 1}
    assert reseal_all(store, store.vault) == (1, [])
    assert key_usage(store) == {store.vault.primary_key_id: 1}


def test_key_file_is_private_and_created_once_under_a_race(tmp_path: Path) -> None:
    path = tmp_path / "home" / "encryption_keys.json"
    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(lambda _: KeyFile(path).create(new_key()), range(8)))
    assert created.count(True) == 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    vaults = [Vault(key_file=path) for _ in range(3)]
    assert len({v.primary_key_id for v in vaults}) == 1


def test_rotation_with_a_concurrent_reader(database_url: str, tmp_path: Path) -> None:
    writer_store = TaskStore.from_url(database_url, vault=_file_vault(tmp_path))
    expected = {}
    for i in range(40):
        creds = {"access_token": f"tok-{i:04d}-abcdefgh", "refresh_token": f"ref-{i:04d}-xyz"}
        expected[writer_store.add_account("weibo", f"a{i}", "UTC", creds).id] = creds
    old_key = writer_store.vault.primary_key_id
    # Another process: its own vault over the same keyring file, loaded before the rotation.
    reader = TaskStore.from_url(database_url, vault=_file_vault(tmp_path))
    assert reader.vault.primary_key_id == old_key
    stop = threading.Event()
    errors: list[BaseException] = []
    reads = [0]

    def read_forever() -> None:
        while not stop.is_set():
            try:
                for account in reader.list_accounts():
                    assert account.credentials == expected[account.id]
                reads[0] += 1
            except BaseException as exc:  # reported below, in the test thread
                errors.append(exc)
                return

    thread = threading.Thread(target=read_forever)
    thread.start()
    try:
        report = rotate(writer_store, writer_store.vault)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors[0]
    assert reads[0] > 0
    assert report.new_key and report.primary_key_id != old_key and report.resealed == 40
    assert key_usage(writer_store) == {report.primary_key_id: 40}
    # The reader learnt the new key from the file; a write of it uses the new primary.
    reader.update_credentials(1, expected[1])
    assert _raw_credentials(reader)[0].split(":")[2] == report.primary_key_id
    # The old key decrypts until pruned; pruning keeps what is used.
    assert old_key in writer_store.vault.keyring().keys
    assert prune(writer_store, writer_store.vault) == [old_key]
    assert {a.id: a.credentials for a in reader.list_accounts()} == expected
    writer_store.engine.dispose()
    reader.engine.dispose()


def test_rotation_with_the_primary_in_the_environment(sqlite_url: str, tmp_path: Path) -> None:
    old, new = new_key(), new_key()
    before = Vault.from_settings(Settings(home=tmp_path, encryption_key=encode_key(old)))
    store = TaskStore.from_url(sqlite_url, vault=before)
    store.add_account("weibo", "a", "UTC", SECRET)
    # The operator puts the new key first and keeps the old one for reading.
    after = Vault.from_settings(
        Settings(home=tmp_path, encryption_key=encode_key(new), encryption_keys=encode_key(old))
    )
    rotated = TaskStore(store.engine, after)
    report = rotate(rotated, after)
    assert not report.new_key and report.resealed == 1
    assert key_usage(rotated) == {key_id(new): 1}
    assert rotated.list_accounts()[0].credentials == SECRET
    assert not (tmp_path / "encryption_keys.json").exists()


def test_keys_cli(platform_env: Settings) -> None:
    from click.testing import CliRunner

    from scheduling_platform.cli.main import main

    store = TaskStore.from_settings(platform_env)
    store.add_account("weibo", "a", "UTC", SECRET)
    runner = CliRunner()
    status = json.loads(runner.invoke(main, ["keys", "status", "--json"]).stdout)
    first = status["primary"]
    assert status["keys"] == [{"id": first, "primary": True, "accounts": 1}]
    result = runner.invoke(main, ["keys", "rotate", "--json"])
    assert result.exit_code == 0, result.output
    rotated = json.loads(result.stdout)
    assert rotated["resealed"] == 1 and rotated["usage"] == {rotated["primary"]: 1}
    pruned = json.loads(runner.invoke(main, ["keys", "prune", "--json"]).stdout)
    assert pruned == {"dropped": [first]}
    for output in (status, rotated, pruned):
        assert SECRET["access_token"] not in json.dumps(output)
    assert store.list_accounts()[0].credentials == SECRET


def test_up_generates_a_key_once_and_says_so(tmp_path: Path) -> None:
    from scheduling_platform.vault import prepare_vault

    settings = Settings(home=tmp_path / "home", database_url="postgresql://elsewhere/db")
    said: list[str] = []
    vault = prepare_vault(settings, said.append)
    path = tmp_path / "home" / "encryption_keys.json"
    assert len(said) == 1 and str(path) in said[0] and "generated" in said[0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # Every later process finds that key; nothing new is generated or said.
    again = prepare_vault(settings, said.append)
    assert len(said) == 1 and again.primary_key_id == vault.primary_key_id
    assert Vault.from_settings(settings).primary_key_id == vault.primary_key_id
    # Without `up`, a setup with its own database refuses to invent a key of its own.
    with pytest.raises(MissingKeyError, match="SCHEDULING_ENCRYPTION_KEY"):
        Vault.from_settings(Settings(home=tmp_path / "other", database_url="x")).seal("x")
