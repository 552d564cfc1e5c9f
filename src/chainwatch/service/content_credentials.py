"""C2PA manifests on delivered files: the studio identity, signing, verification.

``load_identity`` makes the studio's C2PA signing identity on first use (a private CA and a
signing certificate, in ``$CHAINWATCH_HOME/secrets/c2pa``, keys 0600 in a 0700 folder);
``c2pa_sign_paths`` signs each delivered file for one recipient (embedded, or a ``.c2pa``
sidecar), stores the issue (``c2pa_manifests``) and records it in the evidence ledger;
``c2pa_verify_paths`` checks files against the studio CA. The format work is in
:mod:`chainwatch.provenance.c2pa_manifest`; vendor declarations are in
:mod:`chainwatch.service.provenance`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.errors import InputError, NotFoundError
from chainwatch.hashing import sha256_file
from chainwatch.keyfiles import secrets_dir
from chainwatch.provenance.c2pa_manifest import (
    SIDECAR_SUFFIX,
    Delivery,
    ManifestReport,
    SignedAsset,
    embed_mime,
    read_file_manifest,
    read_trust_anchor,
    sidecar_path_for,
    sign_stream,
)
from chainwatch.provenance.studio_identity import StudioIdentity, generate_identity
from chainwatch.service import ledger
from chainwatch.service.provenance import LEDGER_KIND, write_secret
from chainwatch.settings import Settings
from chainwatch.storage import registry_store as store
from chainwatch.storage.models import DistributionRow
from chainwatch.storage.provenance_models import C2paManifestRow

C2PA_PREFIX = "c2pa-"  # default output folder: c2pa-RECIPIENT beside the inputs


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def c2pa_dir(settings: Settings) -> Path:
    return settings.home / "secrets" / "c2pa"


_IDENTITY_FILES = {
    "ca_pem": "ca.pem",
    "ca_key_pem": "ca.key",
    "chain_pem": "signer.pem",
    "key_pem": "signer.key",
}


def trust_anchor_pem(settings: Settings) -> str | None:
    """The studio CA (PEM) when one was made; what ``scan`` and ``c2pa-verify`` trust."""
    return read_trust_anchor(settings.home)


def _studio_name(session: Session | None) -> str:
    if session is not None:
        clients = {p.client for p in store.list_projects(session)}
        if len(clients) == 1:
            return store.get_party(session, clients.pop()).name
    return "chainwatch studio"


def load_identity(
    settings: Settings,
    session: Session | None = None,
    *,
    create: bool = True,
    organization: str | None = None,
    now: datetime | None = None,
) -> tuple[StudioIdentity, bool]:
    """The studio's C2PA identity, made on first use; (identity, created now)."""
    folder = c2pa_dir(settings)
    paths = {k: folder / name for k, name in _IDENTITY_FILES.items()}
    if all(p.is_file() for p in paths.values()):
        return StudioIdentity(**{k: p.read_bytes() for k, p in paths.items()}), False
    if any(p.exists() for p in paths.values()):
        missing = ", ".join(str(p) for p in paths.values() if not p.exists())
        raise InputError(f"C2PA identity in {folder} is incomplete (missing {missing})")
    if not create:
        raise InputError("no studio C2PA identity yet; run `chainwatch attest c2pa-init`")
    org = organization or _studio_name(session)
    identity = generate_identity(org, _now(now))
    secrets_dir(settings.home)
    folder.mkdir(exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    for k, p in paths.items():
        data = getattr(identity, k)
        if k in ("ca_pem", "chain_pem"):
            p.write_bytes(data)  # certificates are public
        else:
            write_secret(p, data)
    return identity, True


@dataclass
class SignResult:
    path: str
    out: str
    sidecar: str | None
    mode: str
    mime: str
    project: str
    recipient: str
    sha256_before: str
    sha256_after: str
    issue_id: str | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _asset_files(paths: Iterable[Path], recipient: str) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if not os.path.lexists(p):
            raise InputError(f"{p}: no such file or directory")
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(C2PA_PREFIX))
                out += [
                    Path(root) / n
                    for n in sorted(names)
                    if not n.lower().endswith(SIDECAR_SUFFIX) and not n.startswith(".")
                ]
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"{p}: not a regular file")
    if not out:
        raise InputError("no files to sign")
    return out


def c2pa_sign_paths(
    session: Session,
    settings: Settings,
    paths: Iterable[Path],
    *,
    project: str,
    recipient: str,
    out_dir: Path | None = None,
    sidecar: bool = False,
    now: datetime | None = None,
) -> list[SignResult]:
    """Sign each file for ``recipient``: a signed copy (embedded manifest) or a byte-identical
    copy with a ``.c2pa`` sidecar, in ``out_dir`` (default ``c2pa-RECIPIENT`` beside each
    input). Existing outputs are never overwritten: an issued file is evidence."""
    try:
        store.get_project(session, project)
        store.get_party(session, recipient)
    except NotFoundError as exc:
        raise InputError(str(exc)) from None
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file; give a folder")
    files = _asset_files(paths, recipient)
    plan = []
    seen: set[Path] = set()
    for f in files:
        folder = out_dir if out_dir is not None else f.parent / f"{C2PA_PREFIX}{recipient}"
        target = folder / f.name
        mime = embed_mime(f)
        side = None
        if sidecar or mime is None:
            side = sidecar_path_for(target)  # shot.c2pa; shot.exr.c2pa when that is taken
            if side.resolve() in seen or side.exists():
                side = target.with_name(target.name + SIDECAR_SUFFIX)
        for t in (target, side):
            if t is None:
                continue
            if t.resolve() == f.resolve():
                raise InputError(f"{t} is the input file; choose another --out folder")
            if t.exists():
                raise InputError(f"{t} exists; issued files are never overwritten")
            if t.resolve() in seen:
                raise InputError(f"two inputs would both write {t}; sign them separately")
            seen.add(t.resolve())
        try:
            before = sha256_file(f)
        except OSError as exc:
            raise InputError(f"{f}: cannot read ({exc.strerror})") from None
        dist = session.scalar(
            select(DistributionRow).where(DistributionRow.marked_sha256 == before)
        )
        if dist is not None and dist.recipient != recipient:
            raise InputError(
                f"{f} is the marked copy issued to {dist.recipient}; "
                f"sign it for {dist.recipient}, not {recipient}"
            )
        plan.append((f, target, mime, side, before, dist))
    identity, _ = load_identity(settings, session, now=now)
    org = identity.describe()["signer"]
    studio = _studio_name(session)
    stamp = _now(now)
    results: list[SignResult] = []
    written: list[Path] = []
    try:
        for source, target, mime, side, before, dist in plan:
            delivery = Delivery(
                project=project,
                recipient=recipient,
                master_sha256=dist.master_sha256 if dist else before,
                issued_at=stamp.isoformat(),
                issue_id=dist.issue_id if dist else None,
                asset=source.name,
            )
            signed, side = _sign_one(
                source, target, side, identity, delivery, studio, mime, sidecar, written
            )
            results.append(
                _record_issue(session, source, target, side, signed, delivery, before, org, stamp)
            )
    except BaseException:
        for path in written:  # nothing half-issued: outputs of a failed run are not recorded
            path.unlink(missing_ok=True)
        raise
    return results


def _sign_one(
    source: Path,
    target: Path,
    side: Path | None,
    identity: StudioIdentity,
    delivery: Delivery,
    studio: str,
    mime: str | None,
    sidecar: bool,
    written: list[Path],
) -> tuple[SignedAsset, Path | None]:
    """Write the signed (or copied) asset through a temporary file, and its sidecar."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "w+b") as dst:
            signed = sign_stream(
                src, dst, identity=identity, delivery=delivery, title=source.name,
                organization=studio, mime=mime, sidecar=sidecar,
            )  # fmt: skip
        if signed.mode == "sidecar":
            side = side or target.with_name(target.name + SIDECAR_SUFFIX)
            side.write_bytes(signed.manifest_bytes)
            written.append(side)
        else:
            side = None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it 0600; a delivery is not a secret
        os.replace(tmp, target)
        written.append(target)
    finally:
        tmp.unlink(missing_ok=True)
    return signed, side


def _record_issue(
    session: Session,
    source: Path,
    target: Path,
    side: Path | None,
    signed: SignedAsset,
    delivery: Delivery,
    before: str,
    signer: str,
    stamp: datetime,
) -> SignResult:
    after = sha256_file(target)
    row = C2paManifestRow(
        project=delivery.project,
        recipient=delivery.recipient,
        source_path=str(source.resolve()),
        path=str(target.resolve()),
        sidecar_path=str(side.resolve()) if side else None,
        mode=signed.mode,
        mime=signed.mime,
        sha256_before=before,
        sha256_after=after,
        manifest_sha256=hashlib.sha256(signed.manifest_bytes).hexdigest(),
        issue_id=delivery.issue_id,
        signer=signer,
        signed_at=stamp,
    )
    session.add(row)
    session.flush()
    ledger.append(
        session,
        LEDGER_KIND,
        f"c2pa:{delivery.project}:{delivery.recipient}",
        {
            "action": "c2pa-sign",
            "manifest_id": row.id,
            "file": target.name,
            "mode": signed.mode,
            "sha256_before": before,
            "sha256_after": after,
            "manifest_sha256": row.manifest_sha256,
            "project": delivery.project,
            "recipient": delivery.recipient,
            "issue_id": delivery.issue_id,
        },
        at=stamp,
    )
    return SignResult(
        str(source), str(target), str(side) if side else None, signed.mode, signed.mime,
        delivery.project, delivery.recipient, before, after, delivery.issue_id, signed.note,
    )  # fmt: skip


@dataclass
class VerifyResult:
    path: str
    report: ManifestReport
    sha256: str
    issued: dict[str, Any] | None = None  # the c2pa_manifests row for this file, if any

    @property
    def ok(self) -> bool:
        return self.report.state == "Trusted"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "sha256": self.sha256,
            **self.report.to_dict(),
            "issued": self.issued,
        }


def c2pa_verify_paths(
    settings: Settings, paths: Iterable[Path], session: Session | None = None
) -> list[VerifyResult]:
    """Read and validate each file's manifest against the studio trust anchor; with a
    session, also name the issue record when the file is one the studio signed."""
    files = []
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or directory")
        if p.is_dir():
            files += [
                f for f in sorted(p.rglob("*"))
                if f.is_file() and f.suffix.lower() != SIDECAR_SUFFIX
            ]  # fmt: skip
        else:
            files.append(p)
    trust = trust_anchor_pem(settings)
    results = []
    for f in files:
        report = read_file_manifest(f, trust_pem=trust)
        sha = sha256_file(f)
        issued = None
        if session is not None:
            row = session.scalar(
                select(C2paManifestRow)
                .where(C2paManifestRow.sha256_after == sha)
                .order_by(C2paManifestRow.id.desc())
            )
            if row is not None:
                issued = {
                    "id": row.id,
                    "project": row.project,
                    "recipient": row.recipient,
                    "signed_at": _aware(row.signed_at).isoformat(),
                    "mode": row.mode,
                }
        results.append(VerifyResult(str(f), report, sha, issued))
    return results


def list_manifests(session: Session, project: str | None = None) -> list[dict[str, Any]]:
    q = select(C2paManifestRow).order_by(C2paManifestRow.id)
    if project is not None:
        q = q.where(C2paManifestRow.project == project)
    return [
        {
            "id": r.id,
            "project": r.project,
            "recipient": r.recipient,
            "path": r.path,
            "sidecar": r.sidecar_path,
            "mode": r.mode,
            "sha256_before": r.sha256_before,
            "sha256_after": r.sha256_after,
            "issue_id": r.issue_id,
            "signed_at": _aware(r.signed_at).isoformat(),
        }
        for r in session.scalars(q)
    ]
