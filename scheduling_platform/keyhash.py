"""API keys: issued once as `spk_<public id>_<secret>`, stored only as an HMAC-SHA256.

The keys are 256-bit random, so a fast keyed hash is right (a password hash would only cost
every request time); the HMAC key (the "server secret") keeps a stolen copy of the table
useless without it. Secrets come from, in this order:
- `SCHEDULING_API_KEY_SECRET`: the primary secret (base64 of 32 bytes), if set;
- `SCHEDULING_API_KEY_SECRETS`: older secrets, comma separated, still accepted;
- the file `<home>/api_key_secrets.json` (mode 0600), generated on the embedded platform.

Each stored hash names the secret that made it (a fingerprint), so after a rotation old keys
keep working and move to the new secret the next time they are used. See docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scheduling_platform.redaction import install_log_redaction, register_secrets
from scheduling_platform.vault import (
    KeyFile,
    Keyring,
    MissingKeyError,
    VaultError,
    decode_key,
    encode_key,
    key_id,
    new_key,
)

if TYPE_CHECKING:
    from scheduling_platform.settings import Settings

SECRET_FILE_NAME = "api_key_secrets.json"
KEY_PREFIX = "spk"
_KEY_PATTERN = re.compile(rf"^{KEY_PREFIX}_([0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}$")


@dataclass(frozen=True)
class IssuedKey:
    key: str  # shown once to whoever created it, never stored
    public_id: str


def issue_key() -> IssuedKey:
    """A new key: 48 bits of public id to find its row, 256 bits of secret."""
    public_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{public_id}_{secrets.token_urlsafe(32)}"
    register_secrets([key])
    return IssuedKey(key, public_id)


def public_id_of(presented: str) -> str | None:
    """The public id of a well-formed key, None for anything else."""
    match = _KEY_PATTERN.match(presented)
    return match.group(1) if match else None


class KeyHasher:
    """Hashes and verifies API keys under the server secrets; thread-safe."""

    def __init__(
        self,
        *,
        primary: bytes | None = None,
        extra: tuple[bytes, ...] = (),
        secret_file: Path | None = None,
        create_missing: bool = False,
    ) -> None:
        self._env_primary = primary
        self._env = {key_id(k): k for k in [*extra, primary] if k}
        self.secret_file = (
            KeyFile(secret_file, comment="HMAC secrets of the API keys; keep secret")
            if secret_file
            else None
        )
        self.create_missing = create_missing
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._keyring = Keyring(dict(self._env), key_id(primary) if primary else None)
        self._loaded = False
        install_log_redaction()
        register_secrets(encode_key(k) for k in self._env.values())

    @classmethod
    def from_settings(cls, settings: Settings, *, create_missing: bool | None = None) -> KeyHasher:
        """As the vault: the embedded platform (SQLite in the home) generates its secret into the
        home; other setups set `SCHEDULING_API_KEY_SECRET`, the same on every API host."""
        primary, extra = settings.api_key_secret, settings.api_key_secrets
        extra_text = extra.get_secret_value() if extra else ""
        return cls(
            primary=decode_key(primary.get_secret_value(), "SCHEDULING_API_KEY_SECRET")
            if primary
            else None,
            extra=tuple(
                decode_key(part, "an entry of SCHEDULING_API_KEY_SECRETS")
                for part in extra_text.split(",")
                if part.strip()
            ),
            secret_file=settings.home / SECRET_FILE_NAME,
            create_missing=settings.database_url is None
            if create_missing is None
            else create_missing,
        )

    def _reload(self, force: bool = False) -> Keyring:
        with self._lock:
            if self.secret_file is None:
                return self._keyring
            signature = self.secret_file.signature()
            if force or not self._loaded or signature != self._signature:
                found = self.secret_file.load()
                primary = key_id(self._env_primary) if self._env_primary else found.primary
                self._keyring = Keyring({**found.keys, **self._env}, primary)
                register_secrets(encode_key(k) for k in found.keys.values())
                self._signature, self._loaded = signature, True
            return self._keyring

    def _primary(self) -> tuple[str, bytes]:
        keyring = self._reload()
        if keyring.primary is None:
            if self.secret_file is None or not self.create_missing:
                raise MissingKeyError(
                    "no API key secret: set SCHEDULING_API_KEY_SECRET (base64 of 32 bytes, "
                    "the same on every API host; see docs/security.md)"
                )
            self.secret_file.create(new_key())
            keyring = self._reload(force=True)
        assert keyring.primary is not None
        return keyring.primary, keyring.keys[keyring.primary]

    @property
    def primary_id(self) -> str:
        return self._primary()[0]

    def hash(self, key: str) -> tuple[str, str]:
        """(hex HMAC-SHA256 of `key` under the primary secret, that secret's id)."""
        secret_id, secret = self._primary()
        return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest(), secret_id

    def verify(self, key: str, stored_hash: str, secret_id: str) -> bool:
        """Whether `key` is the one `stored_hash` was made from (constant time)."""
        secret = self._reload().keys.get(secret_id) or self._reload(force=True).keys.get(secret_id)
        if secret is None:
            return False  # a secret retired from every source: its keys no longer work
        digest = hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(digest, stored_hash)

    def rotate(self) -> str:
        """A new primary secret in the file; the older ones keep verifying their keys."""
        if self._env_primary is not None:
            raise VaultError(
                "the API key secret comes from SCHEDULING_API_KEY_SECRET: put the new secret "
                "there and the old one in SCHEDULING_API_KEY_SECRETS"
            )
        if self.secret_file is None:
            raise VaultError("no secret file to rotate")
        secret = new_key()
        with self.secret_file.locked():
            current = self.secret_file.load()
            self.secret_file.replace(
                Keyring({**current.keys, key_id(secret): secret}, key_id(secret))
            )
        self._reload(force=True)
        return key_id(secret)

    def known_ids(self) -> set[str]:
        return set(self._reload().keys)
