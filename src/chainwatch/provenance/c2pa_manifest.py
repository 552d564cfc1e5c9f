"""C2PA manifests on delivered assets, with ``c2pa-python`` (MIT OR Apache-2.0), offline.

Each manifest records what the studio delivered and to whom: a ``c2pa.actions`` assertion
(``c2pa.created``; C2PA requires a first created/opened action) and the custom assertion
``dev.chainwatch.delivery`` ``{project, recipient, issue_id, master_sha256, issued_at}``.

*Where it goes.* Formats c2pa-rs can embed into (PNG, JPEG, TIFF, WebP, GIF, HEIC/AVIF,
MP4/MOV/M4V, PDF, WAV/MP3...) carry the manifest inside the file. Everything else (EXR, DPX,
PSD, USD, ZIP...) gets a *sidecar*: ``NAME.c2pa`` beside the asset, whose hard binding is a
``c2pa.hash.data`` over the asset's bytes, so one changed byte of the asset breaks it just
as it breaks an embedded manifest (reference/vendor-chain-and-evidence.md §5.3). ``--sidecar``
asks for a sidecar for any format (the delivered file stays byte-identical).

*Verification* reports c2pa-rs's validation state: ``Trusted`` (signature and hashes good,
certificate chains to the studio's trust anchor), ``Valid`` (good, but signed by a certificate
this verifier does not trust: ``signingCredential.untrusted``), ``Invalid`` (a hash or
signature does not match; the failure codes say which, e.g. ``assertion.dataHash.mismatch``).
No network is used: OCSP fetching is skipped and there is no remote manifest or TSA.

Thumbnails are off: a sidecar would otherwise hold a second copy of the picture it describes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from chainwatch import __version__
from chainwatch.errors import ChainwatchError, InputError

if TYPE_CHECKING:  # x509 costs ~0.1 s to import; scan never signs
    from chainwatch.provenance.studio_identity import StudioIdentity

DELIVERY_LABEL = "dev.chainwatch.delivery"
SIDECAR_SUFFIX = ".c2pa"
SIDECAR_MIME = "application/octet-stream"  # a sidecar's data hash covers the raw bytes
MAX_SIDECAR_BYTES = 16 * 1024 * 1024
DIGITAL_CREATION = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation"

# file suffix -> MIME type c2pa-rs embeds into. ZIP is left out on purpose: embedding into a
# plain ZIP failed in c2pa-python 0.38.1 (UntrackedPointer), so archives get a sidecar.
EMBED_MIME: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".avif": "image/avif",
    ".dng": "image/dng",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".avi": "video/avi",
    ".pdf": "application/pdf",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".flac": "audio/flac",
}
# forensics.sniff types -> MIME, to read manifests in what a scan finds
KIND_MIME: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "webp": "image/webp",
    "gif": "image/gif",
    "heic": "image/heic",
    "pdf": "application/pdf",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "avi": "video/avi",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


class C2paUnavailable(ChainwatchError):
    """c2pa-python is not installed (or its native library did not load)."""


@cache
def _c2pa():
    try:
        import c2pa  # noqa: PLC0415 - a 23 MB native library: load it only when needed
    except Exception as exc:  # noqa: BLE001 - ImportError or OSError from ctypes
        raise C2paUnavailable(
            f"C2PA needs the c2pa-python package ({exc.__class__.__name__}: {exc}); "
            "install it with `pip install 'c2pa-python>=0.38.1,<0.39'`"
        ) from None
    return c2pa


def c2pa_available() -> bool:
    try:
        _c2pa()
    except C2paUnavailable:
        return False
    return True


def c2pa_version() -> str | None:
    try:
        return _c2pa().sdk_version()
    except C2paUnavailable:
        return None


def trust_anchor_file(home: Path) -> Path:
    """Where the studio CA lives in a data dir (``chainwatch attest c2pa-init`` makes it)."""
    return home / "secrets" / "c2pa" / "ca.pem"


def read_trust_anchor(home: Path) -> str | None:
    try:
        return trust_anchor_file(home).read_text("ascii")
    except (OSError, UnicodeDecodeError):
        return None


def sidecar_path_for(asset: Path) -> Path:
    """``shot.exr`` -> ``shot.c2pa``, the C2PA convention (c2pa-rs writes the same)."""
    return asset.with_suffix(SIDECAR_SUFFIX)


def sidecar_candidates(asset: Path) -> list[Path]:
    """Where a sidecar of ``asset`` may be, the more specific name first: ``shot.exr.c2pa``
    (written when ``shot.c2pa`` was taken by a sibling, e.g. ``shot.dpx``), then ``shot.c2pa``."""
    return [asset.with_name(asset.name + SIDECAR_SUFFIX), asset.with_suffix(SIDECAR_SUFFIX)]


def embed_mime(path: Path) -> str | None:
    """The MIME type to embed into ``path``, or None when it needs a sidecar."""
    return EMBED_MIME.get(path.suffix.lower())


@dataclass(frozen=True)
class Delivery:
    """What the custom assertion records about one delivered file."""

    project: str
    recipient: str
    master_sha256: str  # the file as the studio had it before signing
    issued_at: str  # ISO time
    issue_id: str | None = None  # a marked copy's issue (chainwatch mark embed)
    asset: str | None = None  # file name as delivered

    def to_assertion(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "project": self.project,
            "recipient": self.recipient,
            "master_sha256": self.master_sha256,
            "issued_at": self.issued_at,
        }
        if self.issue_id:
            data["issue_id"] = self.issue_id
        if self.asset:
            data["asset"] = self.asset
        return data


def manifest_definition(delivery: Delivery, *, title: str, organization: str) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "chainwatch", "version": __version__}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": DIGITAL_CREATION,
                            "softwareAgent": {"name": "chainwatch", "version": __version__},
                            "description": f"delivered by {organization} to "
                            f"{delivery.recipient} for {delivery.project}",
                        }
                    ]
                },
            },
            {"label": DELIVERY_LABEL, "data": delivery.to_assertion()},
        ],
    }


def _context(trust_pem: str | None):
    c2pa = _c2pa()
    config: dict[str, Any] = {"builder": {"thumbnail": {"enabled": False}}}
    if trust_pem:
        config["trust"] = {"trust_anchors": trust_pem}
        config["verify"] = {"verify_trust": True}
    return c2pa.Context.from_dict(config)


def _signer(identity: StudioIdentity):
    c2pa = _c2pa()
    info = c2pa.C2paSignerInfo(
        c2pa.C2paSigningAlg.ES256, identity.chain_pem, identity.key_pem, None
    )  # ta_url None: no timestamp authority, nothing leaves the machine
    return c2pa.Signer.from_info(info)


@dataclass(frozen=True)
class SignedAsset:
    mode: str  # "embedded" or "sidecar"
    mime: str
    manifest_bytes: bytes = field(repr=False)
    note: str | None = None  # e.g. why an embeddable type fell back to a sidecar


def sign_stream(
    source: IO[bytes],
    dest: IO[bytes],
    *,
    identity: StudioIdentity,
    delivery: Delivery,
    title: str,
    organization: str,
    mime: str | None,
    sidecar: bool,
) -> SignedAsset:
    """Sign ``source`` into ``dest`` (opened ``w+b``). Embedded: ``dest`` is the signed
    asset. Sidecar: ``dest`` receives the asset unchanged and the manifest store comes back
    as bytes for the caller to write. An embeddable type whose embedding fails falls back to
    a sidecar, with a note."""
    c2pa = _c2pa()
    definition = manifest_definition(delivery, title=title, organization=organization)
    ctx = _context(None)
    note = None
    if mime is not None and not sidecar:
        start = source.tell()
        try:
            builder = c2pa.Builder(definition, context=ctx)
            manifest = builder.sign(_signer(identity), mime, source, dest)
            return SignedAsset("embedded", mime, manifest)
        except c2pa.C2paError as exc:
            note = f"could not embed into {mime} ({_short(exc)}); wrote a sidecar instead"
            source.seek(start)
            dest.seek(0)
            dest.truncate()
    # A sidecar binds the raw bytes whatever the format (no exclusions): it verifies even
    # for a file c2pa-rs cannot parse, and reading it needs no format handler either.
    builder = c2pa.Builder(definition, context=ctx)
    builder.set_no_embed()
    try:
        manifest = builder.sign(_signer(identity), SIDECAR_MIME, source, dest)
    except c2pa.C2paError as exc:
        raise InputError(f"C2PA signing failed: {_short(exc)}") from None
    return SignedAsset("sidecar", SIDECAR_MIME, manifest, note)


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


@dataclass(frozen=True)
class ManifestReport:
    """What a reader learns about one asset's C2PA manifest."""

    present: bool
    binding: str | None = None  # "embedded" | "sidecar"
    state: str | None = None  # "Trusted" | "Valid" | "Invalid"
    failures: tuple[Mapping[str, str], ...] = ()  # {code, explanation}
    delivery: Mapping[str, Any] | None = None  # the dev.chainwatch.delivery assertion
    actions: tuple[str, ...] = ()
    signer: Mapping[str, Any] | None = None  # common name, issuer, serial, alg
    label: str | None = None
    title: str | None = None
    claim_generator: str | None = None
    sidecar: str | None = None  # path of the sidecar that was read
    trust_anchor: bool = False  # whether a trust anchor was configured for the check
    error: str | None = None  # a manifest that could not be parsed at all

    @property
    def project(self) -> str | None:
        return (self.delivery or {}).get("project")

    @property
    def recipient(self) -> str | None:
        return (self.delivery or {}).get("recipient")

    @property
    def failure_codes(self) -> list[str]:
        return [f["code"] for f in self.failures]

    def summary(self) -> str:
        """One line for notes and tables."""
        if not self.present:
            return "no C2PA manifest"
        bits = [f"C2PA manifest ({self.binding}): {self.state}"]
        if self.project or self.recipient:
            bits.append(f"project {self.project}, recipient {self.recipient}")
        if self.failure_codes:
            bits.append("failures: " + ", ".join(self.failure_codes))
        return "; ".join(bits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "binding": self.binding,
            "state": self.state,
            "project": self.project,
            "recipient": self.recipient,
            "delivery": dict(self.delivery) if self.delivery else None,
            "failures": [dict(f) for f in self.failures],
            "actions": list(self.actions),
            "signer": dict(self.signer) if self.signer else None,
            "label": self.label,
            "title": self.title,
            "claim_generator": self.claim_generator,
            "sidecar": self.sidecar,
            "trust_anchor": self.trust_anchor,
            "error": self.error,
        }


def has_manifest_marker(data: bytes) -> bool:
    """Cheap pre-check before loading c2pa: a manifest store is a JUMBF box labelled c2pa."""
    return b"c2pa" in data


def read_manifest(
    asset: IO[bytes] | bytes,
    mime: str | None,
    *,
    sidecar: bytes | None = None,
    sidecar_name: str | None = None,
    trust_pem: str | None = None,
) -> ManifestReport:
    """Read and validate the manifest of ``asset`` (embedded, or ``sidecar`` bytes).

    Never raises for bad content: a manifest that cannot be parsed is ``Invalid`` with the
    reader's error. Raises ``C2paUnavailable`` only when c2pa-python is missing.
    """
    c2pa = _c2pa()
    stream = io.BytesIO(asset) if isinstance(asset, bytes | bytearray) else asset
    binding = "sidecar" if sidecar is not None else "embedded"
    fmt = SIDECAR_MIME if sidecar is not None else (mime or SIDECAR_MIME)
    anchored = bool(trust_pem)
    try:
        ctx = _context(trust_pem)
        if sidecar is not None:
            reader = c2pa.Reader(fmt, stream, sidecar, context=ctx)
        else:
            if mime is None:
                return ManifestReport(present=False)
            reader = c2pa.Reader.try_create(fmt, stream, None, context=ctx)
            if reader is None:
                return ManifestReport(present=False)
    except c2pa.C2paError as exc:
        text = _short(exc)
        if "ManifestNotFound" in exc.__class__.__name__ or "no JUMBF data" in text:
            return ManifestReport(present=False)
        if "NotSupported" in exc.__class__.__name__ and sidecar is None:
            return ManifestReport(present=False)
        return ManifestReport(
            present=True,
            binding=binding,
            state="Invalid",
            failures=({"code": "manifest.unreadable", "explanation": text},),
            sidecar=sidecar_name,
            trust_anchor=anchored,
            error=text,
        )
    with reader:
        state = reader.get_validation_state() or "Invalid"
        results = reader.get_validation_results() or {}
        active = reader.get_active_manifest() or {}
    failures = tuple(
        {"code": f.get("code", ""), "explanation": f.get("explanation", "")}
        for f in (results.get("activeManifest") or {}).get("failure", [])
    )
    delivery = None
    actions: list[str] = []
    for a in active.get("assertions", []):
        label = a.get("label", "")
        if label == DELIVERY_LABEL:
            delivery = a.get("data")
        elif label.startswith("c2pa.actions"):
            actions += [x.get("action", "") for x in (a.get("data") or {}).get("actions", [])]
    generator = None
    info = active.get("claim_generator_info") or []
    if info:
        generator = " ".join(str(info[0].get(k, "")) for k in ("name", "version")).strip()
    return ManifestReport(
        present=True,
        binding=binding,
        state=state,
        failures=failures,
        delivery=delivery,
        actions=tuple(actions),
        signer=active.get("signature_info"),
        label=active.get("label"),
        title=active.get("title"),
        claim_generator=generator,
        sidecar=sidecar_name,
        trust_anchor=anchored,
    )


def read_file_manifest(path: Path, *, trust_pem: str | None = None) -> ManifestReport:
    """The manifest of a file on disk: embedded if its type can hold one, else (or when it
    holds none) a sidecar beside it."""
    mime = embed_mime(path)
    report = ManifestReport(present=False)
    if mime is not None:
        with open(path, "rb") as fh:
            report = read_manifest(fh, mime, trust_pem=trust_pem)
    if report.present and report.error is None:
        return report  # an embedded manifest that c2pa could not even parse: try a sidecar
    for candidate in sidecar_candidates(path):
        if candidate == path or not candidate.is_file():
            continue
        size = candidate.stat().st_size
        if size > MAX_SIDECAR_BYTES:
            raise InputError(f"{candidate}: {size} bytes is too large for a C2PA sidecar")
        with open(path, "rb") as fh:
            return read_manifest(
                fh,
                mime,
                sidecar=candidate.read_bytes(),
                sidecar_name=str(candidate),
                trust_pem=trust_pem,
            )
    return report


def is_sidecar_file(path: Path) -> bool:
    return path.suffix.lower() == SIDECAR_SUFFIX and os.path.isfile(path)
