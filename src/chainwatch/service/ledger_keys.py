"""Key files of the evidence ledger: the operator's checkpoint key and co-signers' keys.

The operator key is made on first use at ``$CHAINWATCH_HOME/secrets/ledger.key`` (file 0600,
folder 0700, as the marking secret in ``chainwatch.marking.keys``), in the Go note signer text
form (``chainwatch.ledger.checkpoint``). Only its public half ever leaves this module.
"""

from __future__ import annotations

from pathlib import Path

from chainwatch.errors import ConfigError, InputError, NotFoundError
from chainwatch.keyfiles import create_key_file, secrets_dir
from chainwatch.ledger.checkpoint import NoteError, Signer, Verifier
from chainwatch.settings import Settings

OPERATOR_KEY_NAME = "chainwatch-operator"


def key_path(settings: Settings) -> Path:
    return settings.home / "secrets" / "ledger.key"


def _write_new_secret(path: Path, content: str) -> bool:
    """Create ``path`` (mode 0600, folder 0700) unless it exists; False if someone else won."""
    secrets_dir(path.parent.parent)
    return create_key_file(path, (content + "\n").encode("ascii"))


def _read_key_text(path: Path, what: str) -> str:
    try:
        with path.open("rb") as fh:
            raw = fh.read(4097)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    if len(raw) > 4096:
        raise InputError(f"{path}: too large to be a {what}")
    return raw.decode("utf-8", errors="replace")


def read_signer(path: Path) -> Signer:
    """A signer key file (``PRIVATE+KEY+...``, as written by ``ledger keygen``)."""
    try:
        return Signer.from_string(_read_key_text(path, "key"))
    except NoteError as exc:
        raise InputError(f"{path}: {exc}") from None


def read_verifier(path_or_text: Path | str) -> Verifier:
    """A verifier key, from a file or the text itself (``<name>+<id>+<base64>``)."""
    if isinstance(path_or_text, Path):
        raw, where = _read_key_text(path_or_text, "public key"), str(path_or_text)
    else:
        raw, where = path_or_text, "public key"
    try:
        return Verifier.from_string(raw)
    except NoteError as exc:
        raise InputError(f"{where}: {exc}") from None


def operator_signer(settings: Settings, *, create: bool = False) -> Signer:
    """The operator's checkpoint key; with ``create`` it is made on first use."""
    path = key_path(settings)
    if not path.exists():
        if not create:
            raise NotFoundError(
                f"no ledger key at {path}: run `chainwatch ledger checkpoint` first"
            )
        _write_new_secret(path, Signer.generate(OPERATOR_KEY_NAME).to_string())
    try:
        return Signer.from_string(path.read_text("ascii"))
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        raise ConfigError(f"ledger key {path}: {exc}") from None


def public_key(settings: Settings) -> str:
    """The operator's verifier key text, for auditors and co-signers (creates the key if needed)."""
    return operator_signer(settings, create=True).verifier.to_string()


def generate_key(name: str, out: Path) -> Verifier:
    """Write a new signer key for a co-signer to ``out`` (0600); returns its public key."""
    try:
        signer = Signer.generate(name)
    except NoteError as exc:
        raise InputError(str(exc)) from None
    if out.exists():
        raise InputError(f"{out} exists: will not overwrite a key")
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such folder")
    if not create_key_file(out, (signer.to_string() + "\n").encode("ascii")):
        raise InputError(f"{out} exists: will not overwrite a key")
    return signer.verifier


def origin(signer_or_verifier: Signer | Verifier) -> str:
    """The log's origin line: names this ledger by its operator key."""
    verifier = (
        signer_or_verifier.verifier
        if isinstance(signer_or_verifier, Signer)
        else signer_or_verifier
    )
    return f"chainwatch.ledger/{verifier.key_id.hex()}"
