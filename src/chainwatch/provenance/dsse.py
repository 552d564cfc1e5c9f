"""DSSE envelopes, v1 (github.com/secure-systems-lab/dsse, ``envelope.md`` and ``protocol.md``).

A signature covers the *pre-authentication encoding* of the payload type and the payload,
never the JSON around them, so re-serialising an envelope cannot change what was signed::

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

with LEN the byte length in ASCII decimal. An envelope may carry several signatures (a vendor
signs, its contractor countersigns); each names its key with ``keyid``, a hint only: a
verifier never trusts a signature because of its keyid, it checks it with the key it holds.
Keys are Ed25519 (RFC 8032) via ``cryptography``; a keyid here is the SHA-256 of the raw
32-byte public key, in hex, so anyone can recompute it from the public key file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chainwatch.errors import ChainwatchError, InputError

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


class SignatureError(ChainwatchError):
    """A signature that does not verify: not a usage mistake but a failed check (exit 1)."""

    exit_code = 1
    http_status = 422


def pae(payload_type: str, payload: bytes) -> bytes:
    """The bytes a DSSE signature is computed over."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def keyid_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _b64decode(text: Any, what: str) -> bytes:
    """DSSE allows standard or URL-safe base64, with or without padding."""
    if not isinstance(text, str):
        raise InputError(f"{what} must be a base64 string")
    s = text.strip().replace("-", "+").replace("_", "/")
    s += "=" * (-len(s) % 4)
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{what} is not valid base64") from None


@dataclass(frozen=True)
class Signature:
    keyid: str
    sig: bytes = field(repr=False)

    def to_dict(self) -> dict[str, str]:
        return {"keyid": self.keyid, "sig": base64.b64encode(self.sig).decode("ascii")}


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "payloadType": self.payload_type,
            "signatures": [s.to_dict() for s in self.signatures],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> Envelope:
        if not isinstance(data, Mapping):
            raise InputError("a DSSE envelope is a JSON object")
        missing = [k for k in ("payload", "payloadType", "signatures") if k not in data]
        if missing:
            raise InputError(f"not a DSSE envelope: missing {', '.join(missing)}")
        if not isinstance(data["payloadType"], str) or not data["payloadType"]:
            raise InputError("payloadType must be a non-empty string")
        if not isinstance(data["signatures"], list):
            raise InputError("signatures must be a list")
        sigs = []
        for i, s in enumerate(data["signatures"]):
            if not isinstance(s, Mapping) or "sig" not in s:
                raise InputError(f"signatures[{i}] has no sig")
            keyid = s.get("keyid", "")
            if not isinstance(keyid, str):
                raise InputError(f"signatures[{i}].keyid must be a string")
            sigs.append(Signature(keyid, _b64decode(s["sig"], f"signatures[{i}].sig")))
        return cls(data["payloadType"], _b64decode(data["payload"], "payload"), tuple(sigs))

    @classmethod
    def from_json(cls, text: str | bytes) -> Envelope:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not JSON: {exc}") from None
        return cls.from_dict(data)


def sign(
    payload: bytes,
    key: Ed25519PrivateKey,
    *,
    payload_type: str = IN_TOTO_PAYLOAD_TYPE,
) -> Envelope:
    """A new envelope with one signature."""
    return add_signature(Envelope(payload_type, payload), key)


def add_signature(envelope: Envelope, key: Ed25519PrivateKey) -> Envelope:
    """The envelope with one more signature (a countersignature); the same key twice is
    refused, since a second copy of one signature proves nothing."""
    keyid = keyid_of(key.public_key())
    if any(s.keyid == keyid for s in envelope.signatures):
        raise InputError(f"the envelope is already signed with key {keyid[:16]}")
    sig = key.sign(pae(envelope.payload_type, envelope.payload))
    return Envelope(
        envelope.payload_type, envelope.payload, (*envelope.signatures, Signature(keyid, sig))
    )


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature in an envelope came to."""

    index: int
    keyid: str  # as the envelope names it
    status: str  # "valid", "invalid" (a known key, a wrong signature), "unknown-key"
    verified_by: str | None = None  # keyid of the key that verified it

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "keyid": self.keyid,
            "status": self.status,
            "verified_by": self.verified_by,
        }


@dataclass(frozen=True)
class Verification:
    checks: tuple[SignatureCheck, ...]

    @property
    def valid_keyids(self) -> tuple[str, ...]:
        return tuple(c.verified_by for c in self.checks if c.status == "valid" and c.verified_by)

    @property
    def invalid(self) -> tuple[SignatureCheck, ...]:
        return tuple(c for c in self.checks if c.status == "invalid")

    @property
    def ok(self) -> bool:
        """At least one signature verified and none made by a known key failed."""
        return bool(self.valid_keyids) and not self.invalid

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "valid_keyids": list(self.valid_keyids),
            "signatures": [c.to_dict() for c in self.checks],
        }


def verify(envelope: Envelope, keys: Mapping[str, Ed25519PublicKey]) -> Verification:
    """Check every signature against the keys the verifier trusts (keyid -> key).

    A signature whose keyid names a trusted key is checked with that key only; one with an
    empty or unknown keyid is tried against every trusted key (keyids are hints). A known
    key that does not verify its signature means the payload or the signature was altered.
    """
    message = pae(envelope.payload_type, envelope.payload)
    checks = []
    for i, s in enumerate(envelope.signatures):
        candidates: Iterable[tuple[str, Ed25519PublicKey]]
        named = keys.get(s.keyid) if s.keyid else None
        candidates = [(s.keyid, named)] if named is not None else list(keys.items())
        verified_by = None
        for kid, key in candidates:
            try:
                key.verify(s.sig, message)
            except InvalidSignature:
                continue
            verified_by = kid
            break
        if verified_by is not None:
            checks.append(SignatureCheck(i, s.keyid, "valid", verified_by))
        elif named is not None:
            checks.append(SignatureCheck(i, s.keyid, "invalid"))
        else:
            checks.append(SignatureCheck(i, s.keyid, "unknown-key"))
    return Verification(tuple(checks))


# --- key files ------------------------------------------------------------------------------


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(data: bytes, where: str = "key") -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{where}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{where}: an Ed25519 private key is needed")
    return key


def load_public_key(data: bytes, where: str = "key") -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        if b"PRIVATE KEY" in data:
            raise InputError(f"{where}: this is a private key; give the .pub file") from None
        raise InputError(f"{where}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{where}: an Ed25519 public key is needed")
    return key
