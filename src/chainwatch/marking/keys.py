"""The studio secret that marks are keyed with, and the per-issue keys derived from it.

The secret is 32 random bytes in ``$CHAINWATCH_HOME/secrets/marking.key`` (mode 0600),
made on first use. Only HMACs of it ever leave this module, so neither a vendor holding a
marked copy nor a reader of the database can compute, read or forge a mark. It is never
printed; losing it makes every issued mark unreadable, so it belongs in the studio's backups.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from chainwatch.errors import ConfigError, InputError
from chainwatch.keyfiles import create_key_file, secrets_dir
from chainwatch.settings import Settings

KEY_VERSION = 1
KEY_BYTES = 32


@dataclass(frozen=True)
class StudioKey:
    version: int
    secret: bytes = field(repr=False)  # repr=False: never shown in tracebacks or logs

    def issue_key(self, issue_id: str) -> bytes:
        """The key of one issued copy: HMAC(secret, issue id)."""
        msg = f"chainwatch-mark-v{self.version}|issue|{issue_id}".encode()
        return hmac.new(self.secret, msg, hashlib.sha256).digest()

    def decoy_key(self, index: int) -> bytes:
        """Keys no copy was ever issued with: they measure what chance correlation looks like."""
        msg = f"chainwatch-mark-v{self.version}|decoy|{index}".encode()
        return hmac.new(self.secret, msg, hashlib.sha256).digest()


def key_path(settings: Settings) -> Path:
    return settings.home / "secrets" / "marking.key"


def load_key(settings: Settings, *, create: bool = False) -> StudioKey:
    """The studio key; with ``create`` a new one is made when there is none yet."""
    path = key_path(settings)
    if not path.exists():
        if not create:
            raise InputError(
                f"no marking key at {path}: marks can only be read with the key that made them"
            )
        secrets_dir(settings.home)
        create_key_file(path, secrets.token_bytes(KEY_BYTES))  # a racing process's key wins
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"marking key {path}: cannot read ({exc.strerror})") from None
    if len(data) != KEY_BYTES:
        raise ConfigError(f"marking key {path}: expected {KEY_BYTES} bytes, found {len(data)}")
    return StudioKey(KEY_VERSION, data)
