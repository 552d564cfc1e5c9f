"""Signed tree heads as C2SP ``tlog-checkpoint`` bodies in C2SP ``signed-note`` envelopes.

A checkpoint note looks like this (the signature lines start with U+2014 EM DASH)::

    chainwatch.ledger/1a2b3c4d
    42
    qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=
    time 2026-11-25T15:00:00Z

    — chainwatch-operator Gk2Tv0...base64(key id || Ed25519 signature)...
    — studio-audit 3xk1Jd...

Line 1 is the log's origin, line 2 the tree size in decimal, line 3 the base64 root hash;
further body lines are extensions (chainwatch writes one, ``time <UTC>``). The signature covers
the body bytes exactly (everything before the blank line, final newline included).

Keys use the Go ``golang.org/x/mod/sumdb/note`` text forms, so ``note.NewVerifier`` and the
transparency-dev tools accept them: verifier ``<name>+<key id hex>+<base64(0x01 || public key)>``,
signer ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || 32-byte seed)>``; the key id is the
first four bytes of ``SHA-256(name || 0x0A || 0x01 || public key)``. A co-signer (the
commissioning studio, an auditor) adds its own line over the same body; the operator cannot
rewrite history that a co-signer has signed without the co-signer noticing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
DASH = "\u2014"


class NoteError(ValueError):
    """A key, note or checkpoint text that does not follow the format."""


def _check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def key_id(name: str, public: bytes) -> bytes:
    """First four bytes of SHA-256(name || "\\n" || 0x01 || public key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not valid base64") from None


@dataclass(frozen=True)
class Verifier:
    """A public key with its note name: what an auditor needs to check signatures."""

    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public)

    def to_string(self) -> str:
        raw = base64.b64encode(bytes([ALG_ED25519]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{raw}"

    @classmethod
    def from_string(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)  # base64 may itself contain '+'
        if len(parts) != 3:
            raise NoteError("a verifier key is '<name>+<key id hex>+<base64 key>'")
        name, hex_id, raw = parts
        key = _b64decode(raw, "the verifier key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise NoteError("the verifier key is not an Ed25519 key (algorithm 1, 32 bytes)")
        verifier = cls(_check_name(name), key[1:])
        if verifier.key_id.hex() != hex_id.lower():
            raise NoteError(f"verifier key {name}: key id {hex_id} does not match the key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A private key with its note name. ``repr`` never shows the seed."""

    name: str
    seed: bytes = field(repr=False)

    @classmethod
    def generate(cls, name: str) -> Signer:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(_check_name(name), seed)

    @property
    def verifier(self) -> Verifier:
        key = Ed25519PrivateKey.from_private_bytes(self.seed)
        return Verifier(self.name, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def to_string(self) -> str:
        raw = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{raw}"

    @classmethod
    def from_string(cls, text: str) -> Signer:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signer key is 'PRIVATE+KEY+<name>+<key id hex>+<base64 key>'")
        _, _, name, hex_id, raw = parts
        key = _b64decode(raw, "the signer key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise NoteError("the signer key is not an Ed25519 key (algorithm 1, 32 bytes)")
        signer = cls(_check_name(name), key[1:])
        if signer.verifier.key_id.hex() != hex_id.lower():
            raise NoteError(f"signer key {name}: key id {hex_id} does not match the key")
        return signer

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


@dataclass(frozen=True)
class Checkpoint:
    """The body of a checkpoint: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        if not self.origin or "\n" in self.origin:
            raise NoteError("the origin must be one non-empty line")
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root).decode(),
            *self.extensions,
        ]
        if any(not line or "\n" in line for line in lines[3:]):
            raise NoteError("extension lines must be non-empty single lines")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_body(cls, body: str) -> Checkpoint:
        if not body.endswith("\n"):
            raise NoteError("a checkpoint body ends with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3 or not lines[0]:
            raise NoteError("a checkpoint body has an origin, a size and a root hash")
        origin, size_text, root_text, *ext = lines
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError(f"checkpoint size {size_text!r} is not a decimal number")
        root = _b64decode(root_text, "the checkpoint root hash")
        if len(root) != 32:
            raise NoteError("the checkpoint root hash is not 32 bytes")
        if any(not line for line in ext):
            raise NoteError("a checkpoint body has no empty lines")
        return cls(origin, int(size_text), root, tuple(ext))

    def extension(self, key: str) -> str | None:
        """The value of extension line ``<key> <value>``, if any."""
        for line in self.extensions:
            if line.startswith(key + " "):
                return line[len(key) + 1 :]
        return None


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


def sign(body: str, signer: Signer) -> NoteSignature:
    """The signature line ``signer`` makes over ``body``."""
    return NoteSignature(signer.name, signer.verifier.key_id, signer.sign(body.encode("utf-8")))


def make_note(body: str, signers: list[Signer]) -> str:
    """A signed note: ``body``, a blank line, one signature line per signer."""
    if not signers:
        raise NoteError("a note needs at least one signature")
    return body + "\n" + "".join(sign(body, s).line() for s in signers)


def parse_note(text: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its body and signature lines (not yet verified)."""
    if "\r" in text or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note has no control characters other than newlines")
    cut = text.rfind("\n\n")
    if cut < 0 or not text.endswith("\n"):
        raise NoteError("a note is a body, a blank line, and signature lines")
    body, sig_text = text[: cut + 1], text[cut + 2 :]
    signatures = []
    for line in sig_text[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise NoteError(f"malformed signature line {line!r}")
        raw = _b64decode(parts[2], f"the signature of {parts[1]}")
        if len(raw) < 5:
            raise NoteError(f"the signature of {parts[1]} is too short")
        signatures.append(NoteSignature(parts[1], raw[:4], raw[4:]))
    if not signatures:
        raise NoteError("a note needs at least one signature line")
    return body, signatures


def add_signature(note: str, signer: Signer) -> str:
    """``note`` with ``signer``'s line appended (a co-signature over the same body)."""
    body, signatures = parse_note(note)
    if any(s.name == signer.name and s.key_id == signer.verifier.key_id for s in signatures):
        raise NoteError(f"{signer.name} has already signed this note")
    return note + sign(body, signer).line()


@dataclass(frozen=True)
class NoteVerification:
    """Which known keys signed the note, which signatures were bad, which keys are unknown."""

    checkpoint: Checkpoint
    verified: tuple[str, ...]
    invalid: tuple[str, ...]
    unknown: tuple[str, ...]


def verify_note(text: str, verifiers: list[Verifier]) -> NoteVerification:
    """Check every signature line whose (name, key id) matches a verifier.

    A line that matches a known key but fails is ``invalid``; one from a key not given is
    ``unknown`` (neither trusted nor an error: notes may carry signatures of other witnesses).
    """
    body, signatures = parse_note(text)
    checkpoint = Checkpoint.from_body(body)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified, invalid, unknown = [], [], []
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unknown.append(sig.name)
        elif verifier.verify(body.encode("utf-8"), sig.signature):
            verified.append(sig.name)
        else:
            invalid.append(sig.name)
    return NoteVerification(checkpoint, tuple(verified), tuple(invalid), tuple(unknown))
