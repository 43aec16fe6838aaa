"""The token vault: AES-256-GCM for the credentials of accounts, under rotatable keys.

A sealed value reads `vault:v2:<key id>:<base64url(nonce | ciphertext | tag)>`. The key id is
a fingerprint of the key, so any process holding the key finds it without a name to agree on.
The associated data of a v2 value names the account and platform it belongs to, so a value
copied to another account's row fails authentication; v1 values (from before) name only the
purpose and stay readable until `keys rotate` re-seals them as v2.

Keys come from, in this order:
- `SCHEDULING_ENCRYPTION_KEY`: the primary key (base64 of 32 bytes), if set;
- `SCHEDULING_ENCRYPTION_KEYS`: more keys, comma separated, accepted for reading;
- the keyring file `<home>/encryption_keys.json` (mode 0600): its keys, and its primary when
  the environment names none. `make run` writes it when no key exists; `keys rotate` adds to it.

The file is read again when it changes and whenever a value names a key not yet known, so
processes keep working while another one rotates the key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from scheduling_platform.private_files import private_dir
from scheduling_platform.redaction import install_log_redaction, register_secrets, secret_values
from scheduling_platform.timeutil import utcnow

if TYPE_CHECKING:
    from scheduling_platform.settings import Settings

PREFIX = "vault:v1:"  # bound to the purpose only (written before accounts were bound)
BOUND_PREFIX = "vault:v2:"  # bound to the purpose, the platform and the account id
KEY_FILE_NAME = "encryption_keys.json"
CREDENTIALS_CONTEXT = "accounts.credentials"
_NONCE_BYTES = 12


class VaultError(Exception):
    """A sealed value cannot be read or written; the message never holds key or plaintext."""


class MissingKeyError(VaultError):
    """No key to seal with, or the value names a key this process does not have."""


class TamperedError(VaultError):
    """The value fails authentication: altered, truncated, or moved from another context."""


class InvalidKeyError(VaultError, ValueError):
    """A configured key is not base64 of 32 bytes."""


def key_id(key: bytes) -> str:
    return "k" + hashlib.sha256(b"scheduling-platform/key-id/" + key).hexdigest()[:12]


def new_key() -> bytes:
    return secrets.token_bytes(32)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def decode_key(text: str, source: str) -> bytes:
    """The key in `text` (standard or URL-safe base64); `source` names it in errors only."""
    cleaned = text.strip()
    try:
        key = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise InvalidKeyError(
            f"{source} is not an AES-256 key: expected base64 of 32 bytes "
            "(see docs/security.md to make one)"
        )
    return key


def is_sealed(value: str | None) -> bool:
    return bool(value) and str(value).startswith((PREFIX, BOUND_PREFIX))


def sealed_key_id(value: str) -> str | None:
    """The key id a sealed value names, or None for plaintext."""
    if not is_sealed(value):
        return None
    return value[len(PREFIX) :].split(":", 1)[0]


def account_binding(platform: str, account_id: int) -> str:
    """What a credentials value is bound to: its account's platform and id."""
    return f"{platform}/{account_id}"


def lost_key_message(key_ids: set[str], where: str) -> str:
    """How to recover when credentials are sealed with keys no longer at hand."""
    ids = ", ".join(sorted(key_ids))
    return (
        f"accounts' credentials are sealed with key {ids}, which is not in {where} or "
        "SCHEDULING_ENCRYPTION_KEY(S): restore the keyring file from its backup (or set the key "
        "in SCHEDULING_ENCRYPTION_KEYS); or, to start over, run `keys rotate` to make a new "
        "key and then `accounts reauthorise ID --credentials-file FILE` for each account"
    )


def prepare_vault(
    settings: Settings,
    say: Callable[[str], None],
    sealed_key_ids: Callable[[], set[str]] | None = None,
) -> Vault:
    """The vault for `scheduling-platform up`: generates the key in the home when there is
    none anywhere, and says so (the daemon, its runs and the CLI then find it there); never
    while `sealed_key_ids` (the store's) names data sealed under a key that is missing."""
    vault = Vault.from_settings(settings, create_missing=True)
    vault.sealed_key_ids = sealed_key_ids
    if vault.ensure_key() and vault.key_file is not None:
        say(
            f"vault: no encryption key was set, so one was generated in {vault.key_file.path} "
            "(mode 0600); back it up apart from the database: without it the stored tokens "
            "are lost"
        )
    return vault


def read_plain_credentials(raw: str | None) -> dict[str, Any]:
    """Credentials stored as plain JSON; a sealed value here means the vault is missing."""
    if is_sealed(raw):
        raise MissingKeyError(
            f"these credentials are encrypted (key {sealed_key_id(str(raw))}) and the store "
            "was opened without the vault; open it with TaskStore.from_settings(settings)"
        )
    try:
        opened = json.loads(raw or "{}")
    except ValueError:
        opened = None
    if not isinstance(opened, dict):
        raise TamperedError(
            "the stored credentials are neither sealed nor a JSON object (changed outside the "
            "platform?); re-authorise the account"
        )
    return opened


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    primary: str | None


class KeyFile:
    """The keyring file in the home: JSON, mode 0600, replaced atomically under a lock."""

    def __init__(
        self,
        path: Path,
        comment: str = "AES-256 keys of the token vault; back up with the database, keep secret",
    ) -> None:
        self.path = path
        self.comment = comment

    def signature(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> Keyring:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Keyring({}, None)
        except ValueError:
            raise VaultError(f"the keyring file {self.path} is not valid JSON") from None
        keys = {}
        for kid, entry in data.get("keys", {}).items():
            key = decode_key(entry.get("key", ""), f"key {kid} in {self.path}")
            if key_id(key) != kid:
                raise VaultError(f"key {kid} in {self.path} does not match its id")
            keys[kid] = key
        primary = data.get("primary")
        if primary is not None and primary not in keys:
            raise VaultError(f"the primary key {primary} is missing from {self.path}")
        return Keyring(keys, primary)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Serialises writers (two `keys rotate` at once would lose a key)."""
        private_dir(self.path.parent)
        with open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write_temp(self, keyring: Keyring) -> Path:
        data = {
            "comment": self.comment,
            "primary": keyring.primary,
            "keys": {
                kid: {"key": encode_key(key), "added_at": utcnow().isoformat()}
                for kid, key in keyring.keys.items()
            },
        }
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        return temp

    def create(self, key: bytes) -> bool:
        """Write a keyring holding `key` unless a file exists; True if this call wrote it.

        `link` fails when the name exists, so of two processes racing only one key survives.
        """
        private_dir(self.path.parent)
        temp = self._write_temp(Keyring({key_id(key): key}, key_id(key)))
        try:
            os.link(temp, self.path)
            return True
        except FileExistsError:
            return False
        finally:
            temp.unlink(missing_ok=True)

    def replace(self, keyring: Keyring) -> None:
        """Write `keyring` over the file; call under `locked()`."""
        private_dir(self.path.parent)
        os.replace(self._write_temp(keyring), self.path)


class Vault:
    """Seals and opens credentials; thread-safe; reloads its keyring file when it changes."""

    def __init__(
        self,
        *,
        primary_key: bytes | None = None,
        extra_keys: tuple[bytes, ...] = (),
        key_file: Path | None = None,
        create_missing: bool = False,
    ) -> None:
        self._env_primary = primary_key
        self._env_keys = {key_id(k): k for k in [*extra_keys, primary_key] if k}
        self.key_file = KeyFile(key_file) if key_file else None
        self.create_missing = create_missing
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._keyring = Keyring(dict(self._env_keys), key_id(primary_key) if primary_key else None)
        self._loaded = False
        # Set by the store: the key ids that seal its rows, so a key is never generated while
        # data sealed under another one exists (that data would be lost for good).
        self.sealed_key_ids: Callable[[], set[str]] | None = None
        install_log_redaction()

    @classmethod
    def from_settings(cls, settings: Settings, *, create_missing: bool | None = None) -> Vault:
        """The vault of these settings. Without a key anywhere, the embedded platform (SQLite
        in the home) generates one into the home at the first write; other setups must set
        `SCHEDULING_ENCRYPTION_KEY`, since a key made on one host is unknown to the others."""
        primary, extra = settings.encryption_key, settings.encryption_keys
        return cls.from_keys(
            primary.get_secret_value() if primary else None,
            extra.get_secret_value() if extra else None,
            key_file=settings.home / KEY_FILE_NAME,
            create_missing=settings.database_url is None
            if create_missing is None
            else create_missing,
        )

    @classmethod
    def from_keys(
        cls,
        primary: str | None,
        extra: str | None,
        *,
        key_file: Path | None,
        create_missing: bool = False,
    ) -> Vault:
        """A vault of base64 keys as configured: the primary, older ones comma separated."""
        return cls(
            primary_key=decode_key(primary, "SCHEDULING_ENCRYPTION_KEY") if primary else None,
            extra_keys=tuple(
                decode_key(part, "an entry of SCHEDULING_ENCRYPTION_KEYS")
                for part in (extra.split(",") if extra else [])
                if part.strip()
            ),
            key_file=key_file,
            create_missing=create_missing,
        )

    # ------------------------------------------------------------------- keys
    def _reload(self, force: bool = False) -> Keyring:
        with self._lock:
            if self.key_file is None:
                return self._keyring
            signature = self.key_file.signature()
            if force or not self._loaded or signature != self._signature:
                from_file = self.key_file.load()
                primary = key_id(self._env_primary) if self._env_primary else from_file.primary
                self._keyring = Keyring({**from_file.keys, **self._env_keys}, primary)
                self._signature = signature
                self._loaded = True
            return self._keyring

    def keyring(self) -> Keyring:
        return self._reload()

    def ensure_key(self) -> bool:
        """Make sure a primary key exists, generating the keyring file if allowed.

        Returns True when this call generated the key.
        """
        if self._reload().primary is not None:
            return False
        if self.key_file is None or not self.create_missing:
            raise MissingKeyError(
                "no encryption key: set SCHEDULING_ENCRYPTION_KEY (base64 of 32 bytes, see "
                "docs/security.md) or start the embedded platform once (`make run`) to create "
                + (str(self.key_file.path) if self.key_file else KEY_FILE_NAME)
            )
        sealed = self.sealed_key_ids() if self.sealed_key_ids else set()
        sealed -= set(self._reload().keys)
        if sealed:
            raise MissingKeyError(lost_key_message(sealed, str(self.key_file.path)))
        created = self.key_file.create(new_key())
        self._reload(force=True)
        return created

    @property
    def primary_from_environment(self) -> bool:
        return self._env_primary is not None

    @property
    def primary_key_id(self) -> str | None:
        return self._reload().primary

    def rotate(self) -> str:
        """Add a new key to the keyring file and make it primary; the old keys stay readable."""
        if self._env_primary is not None:
            raise VaultError(
                "the primary key comes from SCHEDULING_ENCRYPTION_KEY: put the new key there "
                "and the old one in SCHEDULING_ENCRYPTION_KEYS, then run `keys rotate` again"
            )
        if self.key_file is None:
            raise VaultError("this vault has no keyring file to rotate")
        key = new_key()
        with self.key_file.locked():
            current = self.key_file.load()
            self.key_file.replace(Keyring({**current.keys, key_id(key): key}, key_id(key)))
        self._reload(force=True)
        return key_id(key)

    def drop_keys(self, ids: set[str]) -> list[str]:
        """Remove keys (not the primary) from the keyring file; returns those removed."""
        if self.key_file is None:
            return []
        with self.key_file.locked():
            current = self.key_file.load()
            ids = {i for i in ids if i in current.keys and i != current.primary}
            if ids:
                kept = {k: v for k, v in current.keys.items() if k not in ids}
                self.key_file.replace(Keyring(kept, current.primary))
        self._reload(force=True)
        return sorted(ids)

    # ---------------------------------------------------------------- sealing
    def seal(self, plaintext: str, context: str = CREDENTIALS_CONTEXT, prefix: str = PREFIX) -> str:
        self.ensure_key()
        keyring = self._reload()
        assert keyring.primary is not None
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(keyring.keys[keyring.primary]).encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{prefix}{keyring.primary}:{body}"

    def open(self, value: str, context: str = CREDENTIALS_CONTEXT) -> str:
        if not is_sealed(value):
            raise VaultError("not a sealed value")
        try:
            kid, body = value[len(PREFIX) :].split(":", 1)
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
        except (ValueError, binascii.Error):
            raise TamperedError("a sealed value is malformed") from None
        key = self._reload().keys.get(kid)
        if key is None:  # perhaps rotated by another process a moment ago
            key = self._reload(force=True).keys.get(kid)
        if key is None:
            raise MissingKeyError(
                lost_key_message({kid}, str(self.key_file.path) if self.key_file else "the keyring")
            )
        if len(raw) <= _NONCE_BYTES:
            raise TamperedError(f"a value sealed with key {kid} is truncated")
        try:
            plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise TamperedError(
                f"a value sealed with key {kid} fails authentication: it was altered or "
                "copied from elsewhere"
            ) from None
        return plain.decode("utf-8")

    # ------------------------------------------------------------ credentials
    def seal_credentials(self, credentials: Mapping[str, Any], binding: str | None = None) -> str:
        """Credentials sealed for the account `binding` names (`account_binding`): the value
        opens for that account only. Without a binding (tools, benchmarks): a v1 value."""
        register_secrets(secret_values(credentials))
        plaintext = json.dumps(dict(credentials), ensure_ascii=False)
        if binding is None:
            return self.seal(plaintext)
        return self.seal(plaintext, f"{CREDENTIALS_CONTEXT}/{binding}", BOUND_PREFIX)

    def open_credentials(self, raw: str | None, binding: str | None = None) -> dict[str, Any]:
        """Sealed or (from before the vault) plain JSON credentials, as a dict. A v2 value
        opens only with the binding it was sealed for: moved to another row, it is refused."""
        if raw and raw.startswith(BOUND_PREFIX):
            if binding is None:
                raise TamperedError("credentials bound to an account were opened without one")
            text = self.open(raw, f"{CREDENTIALS_CONTEXT}/{binding}")
        elif raw and is_sealed(raw):
            text = self.open(raw)
        else:
            text = json.dumps(read_plain_credentials(raw))  # refuses what is not a JSON object
        credentials = json.loads(text)
        register_secrets(secret_values(credentials))
        return credentials
