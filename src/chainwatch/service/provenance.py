"""Vendor declarations: keys, signing, import, verification, CHAIN-3.

Two sides use this module:

- *a vendor* (no registry needed): ``keygen`` makes an Ed25519 key pair, ``declare`` writes
  an unsigned in-toto statement, ``sign_statement`` wraps it in a DSSE envelope or adds a
  countersignature to one;
- *the studio*: ``trust_key`` registers a vendor's public key for a party, ``import_envelope``
  verifies a declaration against that party's trusted keys and stores it, and
  ``analyze_declarations`` raises CHAIN-3 (``chainwatch analyze`` runs it).

Every import and key change is recorded in the evidence ledger (kind ``attestation``).
C2PA manifests on deliveries are in :mod:`chainwatch.service.content_credentials`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.errors import InputError, NotFoundError
from chainwatch.findings.finding import Finding
from chainwatch.keyfiles import create_key_file
from chainwatch.provenance import dsse
from chainwatch.provenance.declaration import (
    DeclaredSubcontractor,
    WorkLocation,
    declaration_from_statement,
    new_declaration,
)
from chainwatch.provenance.disclosure import (
    MAX_AGE_DAYS,
    StoredDeclaration,
    TrustedKey,
    chain3_findings,
)
from chainwatch.provenance.dsse import Envelope, SignatureError
from chainwatch.provenance.statement import Statement, statement_of
from chainwatch.service import ledger
from chainwatch.settings import Settings
from chainwatch.storage import registry_store as store
from chainwatch.storage.models import EngagementRow
from chainwatch.storage.provenance_models import (
    ProvenanceKeyRow,
    VendorDeclarationRow,
)

LEDGER_KIND = "attestation"
MAX_ENVELOPE_BYTES = 4 * 1024 * 1024


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    """UTC, always (SQLite drops an offset it is given)."""
    if dt is None:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


# --- secrets on disk ------------------------------------------------------------------------


def write_secret(path: Path, data: bytes) -> None:
    """Create ``path`` 0600, never replacing an existing file (a lost key loses history)."""
    if not create_key_file(path, data):
        raise InputError(f"{path} exists: will not overwrite a key")


def _read(path: Path, what: str, limit: int = MAX_ENVELOPE_BYTES) -> bytes:
    if not path.is_file():
        raise InputError(f"{path}: no such {what}")
    size = path.stat().st_size
    if size > limit:
        raise InputError(f"{path}: {size} bytes is too large for a {what}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


# --- vendor keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyInfo:
    keyid: str
    private_key: str | None
    public_key: str
    party: str | None = None
    added_at: str | None = None
    revoked_at: str | None = None
    status: str = "created"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def keygen(out: Path) -> KeyInfo:
    """An Ed25519 key pair: ``out`` (private, PEM PKCS#8, 0600) and ``out.pub``."""
    pub = out.with_name(out.name + ".pub")
    for p in (out, pub):
        if p.exists():
            raise InputError(f"{p} exists; a key is never overwritten (choose another --out)")
    if not out.resolve().parent.is_dir():
        raise InputError(f"--out {out}: folder {out.resolve().parent} does not exist")
    key = dsse.generate_key()
    write_secret(out, dsse.private_key_pem(key))
    pub.write_bytes(dsse.public_key_pem(key.public_key()))
    return KeyInfo(dsse.keyid_of(key.public_key()), str(out), str(pub))


def _key_row_info(row: ProvenanceKeyRow, status: str) -> KeyInfo:
    return KeyInfo(
        keyid=row.keyid,
        private_key=None,
        public_key=row.public_key.strip(),
        party=row.party,
        added_at=_aware(row.added_at).isoformat(),
        revoked_at=_aware(row.revoked_at).isoformat() if row.revoked_at else None,
        status=status,
    )


def trust_key(
    session: Session, party: str, pubkey_path: Path, *, now: datetime | None = None
) -> KeyInfo:
    """Trust a vendor's public key for ``party``'s signatures (idempotent)."""
    store.get_party(session, party)
    pem = _read(pubkey_path, "public key file", 64 * 1024)
    key = dsse.load_public_key(pem, str(pubkey_path))
    keyid = dsse.keyid_of(key)
    row = session.scalar(
        select(ProvenanceKeyRow).where(
            ProvenanceKeyRow.party == party, ProvenanceKeyRow.keyid == keyid
        )
    )
    if row is not None and row.revoked_at is None:
        return _key_row_info(row, "already trusted")
    if row is not None:
        raise InputError(f"key {keyid[:16]} was revoked for {party}; a revoked key stays revoked")
    stamp = _now(now)
    row = ProvenanceKeyRow(
        party=party, keyid=keyid, public_key=dsse.public_key_pem(key).decode(), added_at=stamp
    )
    session.add(row)
    session.flush()
    ledger.append(
        session, LEDGER_KIND, f"key:{party}:{keyid}",
        {"action": "trust-key", "party": party, "keyid": keyid}, at=stamp,
    )  # fmt: skip
    return _key_row_info(row, "trusted")


def revoke_key(session: Session, party: str, keyid: str, *, now: datetime | None = None) -> KeyInfo:
    """Stop trusting a key: declarations verified only by it stop counting (CHAIN-3)."""
    rows = session.scalars(
        select(ProvenanceKeyRow).where(
            ProvenanceKeyRow.party == party, ProvenanceKeyRow.keyid.startswith(keyid)
        )
    ).all()
    if len(keyid) < 8 or not rows:
        raise NotFoundError(f"no trusted key {keyid!r} for {party}; see `chainwatch attest keys`")
    if len(rows) > 1:
        raise InputError(f"{keyid!r} matches {len(rows)} keys; give more of the keyid")
    row = rows[0]
    if row.revoked_at is None:
        stamp = _now(now)
        row.revoked_at = stamp
        session.flush()
        ledger.append(
            session, LEDGER_KIND, f"key:{party}:{row.keyid}",
            {"action": "revoke-key", "party": party, "keyid": row.keyid}, at=stamp,
        )  # fmt: skip
    return _key_row_info(row, "revoked")


def list_keys(session: Session, party: str | None = None) -> list[KeyInfo]:
    q = select(ProvenanceKeyRow).order_by(ProvenanceKeyRow.party, ProvenanceKeyRow.id)
    if party is not None:
        q = q.where(ProvenanceKeyRow.party == party)
    return [_key_row_info(r, "revoked" if r.revoked_at else "trusted") for r in session.scalars(q)]


def _trusted_keys(session: Session) -> list[TrustedKey]:
    out = []
    for r in session.scalars(select(ProvenanceKeyRow).order_by(ProvenanceKeyRow.id)):
        out.append(
            TrustedKey(
                r.party,
                r.keyid,
                dsse.load_public_key(r.public_key.encode(), f"trusted key {r.keyid[:16]}"),
                _aware(r.added_at),
                _aware(r.revoked_at),
            )
        )
    return out


# --- declarations: vendor side --------------------------------------------------------------


def parse_subcontractor(text: str) -> DeclaredSubcontractor:
    """``KEY`` or ``KEY=Name as registered``."""
    key, _, name = text.partition("=")
    key = key.strip()
    if not key:
        raise InputError(f"--subcontractor {text!r}: expected KEY or KEY=NAME")
    return DeclaredSubcontractor(key, name.strip() or None)


def declare(
    *,
    project: str,
    party: str,
    subcontractors: Sequence[DeclaredSubcontractor],
    locations: Sequence[WorkLocation],
    as_of: date,
    party_name: str | None = None,
    period_start: date | None = None,
    notes: str | None = None,
    now: datetime | None = None,
) -> Statement:
    """An unsigned declaration statement (validated like an import)."""
    decl = new_declaration(
        project=project,
        party=party,
        as_of=as_of,
        declared_at=_now(now).replace(microsecond=0),
        subcontractors=subcontractors,
        work_locations=locations,
        party_name=party_name,
        period_start=period_start,
        period_end=as_of if period_start else None,
        notes=notes,
    )
    return decl.to_statement()


def _load_statement_or_envelope(path: Path) -> Statement | Envelope:
    data = _read(path, "statement or envelope")
    try:
        obj = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if isinstance(obj, dict) and "payloadType" in obj:
        return Envelope.from_dict(obj)
    return Statement.from_dict(obj)


def sign_statement(path: Path, key_path: Path) -> Envelope:
    """Sign a statement (new envelope) or countersign an envelope (one more signature)."""
    key = dsse.load_private_key(_read(key_path, "private key file", 64 * 1024), str(key_path))
    doc = _load_statement_or_envelope(path)
    if isinstance(doc, Envelope):
        statement_of(doc)  # only in-toto statements are countersigned here
        return dsse.add_signature(doc, key)
    if doc.predicate_type.startswith("https://chainwatch.dev/vendor-declaration/"):
        declaration_from_statement(doc)  # a vendor learns of a bad declaration before sending
    return dsse.sign(doc.to_bytes(), key)


# --- declarations: studio side --------------------------------------------------------------


@dataclass
class EnvelopeCheck:
    """Offline verification of one envelope: the statement it carries and each signature."""

    path: str
    sha256: str
    project: str | None
    party: str | None
    as_of: str | None
    predicate_type: str
    verification: dsse.Verification
    key_parties: dict[str, str] = field(default_factory=dict)  # keyid -> party
    declaration: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.verification.ok

    def failure(self) -> str | None:
        """Why verification failed, naming the key; None when it passed."""
        bad = self.verification.invalid
        if bad:
            who = ", ".join(f"{c.keyid[:16]} ({self.key_parties.get(c.keyid, '?')})" for c in bad)
            return (
                f"{self.path}: signature does not verify with key {who}: payload or "
                "signature altered"
            )
        if not self.verification.valid_keyids:
            ids = ", ".join(c.keyid[:16] or "(no keyid)" for c in self.verification.checks)
            return f"{self.path}: no signature by a trusted key (signatures: {ids or 'none'})"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "ok": self.ok,
            "project": self.project,
            "party": self.party,
            "as_of": self.as_of,
            "predicate_type": self.predicate_type,
            "signatures": [
                {**c.to_dict(), "party": self.key_parties.get(c.verified_by or c.keyid)}
                for c in self.verification.checks
            ],
            "failure": self.failure(),
            "declaration": self.declaration,
        }


def _check_envelope(
    path: Path, keys: dict[str, tuple[str, Any]]
) -> tuple[EnvelopeCheck, Envelope, Statement]:
    raw = _read(path, "envelope")
    envelope = Envelope.from_json(raw)
    statement = statement_of(envelope)
    decl = None
    if statement.predicate_type.startswith("https://chainwatch.dev/vendor-declaration/"):
        decl = declaration_from_statement(statement)
    verification = dsse.verify(envelope, {k: v[1] for k, v in keys.items()})
    check = EnvelopeCheck(
        path=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
        project=decl.project if decl else None,
        party=decl.party if decl else None,
        as_of=decl.as_of.isoformat() if decl else None,
        predicate_type=statement.predicate_type,
        verification=verification,
        key_parties={k: v[0] for k, v in keys.items()},
        declaration=decl.to_dict() if decl else None,
    )
    return check, envelope, statement


def verify_envelope(
    session: Session | None, path: Path, pubkeys: Sequence[Path] = ()
) -> EnvelopeCheck:
    """Verify offline with the given public key files, else the studio's trusted keys."""
    keys: dict[str, tuple[str, Any]] = {}
    for p in pubkeys:
        k = dsse.load_public_key(_read(p, "public key file", 64 * 1024), str(p))
        keys[dsse.keyid_of(k)] = (p.name, k)
    if not pubkeys and session is not None:
        now = datetime.now(UTC)
        for t in _trusted_keys(session):
            if t.is_trusted(now):
                keys[t.keyid] = (t.party, t.public_key)
    if not keys:
        raise InputError("no keys to verify with: give --key PUBFILE or `attest trust` one")
    check, _, _ = _check_envelope(path, keys)
    return check


def import_envelope(session: Session, path: Path, *, now: datetime | None = None) -> dict[str, Any]:
    """Verify a signed declaration against its declarant's trusted keys and store it.

    User mistakes (not a declaration, unknown project or party, the party not engaged on the
    project, no trusted key for the party) exit 2; a signature that fails, or none by the
    declarant's key, is a ``SignatureError`` (exit 1) naming the key.
    """
    stamp = _now(now)
    raw = _read(path, "envelope")
    envelope = Envelope.from_json(raw)
    # Signatures before content: a payload altered in transit is a failed check (exit 1),
    # even when the alteration also makes the declaration itself unreadable.
    trusted = {t.keyid: t.public_key for t in _trusted_keys(session) if t.is_trusted(stamp)}
    first = dsse.verify(envelope, trusted) if trusted else None
    if first is not None and first.invalid:
        bad = ", ".join(c.keyid or f"#{c.index}" for c in first.invalid)
        raise SignatureError(f"{path}: the signature by key {bad} does not verify (altered?)")
    statement = statement_of(envelope)
    decl = declaration_from_statement(statement)
    try:
        project = store.get_project(session, decl.project)
        store.get_party(session, decl.party)
    except NotFoundError as exc:
        raise InputError(f"{path}: {exc}") from None
    engaged = {
        p for e in store.list_engagements(session, project.key)
        for p in (e.contractor, e.subcontractor)
    }  # fmt: skip
    if decl.party not in engaged or decl.party == project.client:
        raise InputError(f"{path}: {decl.party} has no engagement on {project.key} to declare")
    own = {
        t.keyid: (t.party, t.public_key)
        for t in _trusted_keys(session)
        if t.party == decl.party and t.is_trusted(stamp)
    }
    if not own:
        raise InputError(
            f"no trusted key for {decl.party}; register the vendor's public key with "
            f"`chainwatch attest trust {decl.party} KEY.pub`"
        )
    check, _, _ = _check_envelope(path, own)
    reason = check.failure()
    if reason is not None:
        raise SignatureError(reason)
    sha = check.sha256
    existing = session.scalar(
        select(VendorDeclarationRow).where(VendorDeclarationRow.sha256 == sha)
    )
    if existing is not None:
        return {**_declaration_dict(existing), "status": "already imported"}
    parties = {p.key for p in store.list_parties(session)}
    row = VendorDeclarationRow(
        sha256=sha,
        project=decl.project,
        party=decl.party,
        predicate_sha256=decl.digest(),
        as_of=decl.as_of,
        declared_at=_aware(decl.declared_at),
        imported_at=stamp,
        predicate=decl.to_predicate(),
        envelope=envelope.to_dict(),
        verified_keyids=list(check.verification.valid_keyids),
        source=str(path),
    )
    session.add(row)
    session.flush()
    ledger.append(
        session,
        LEDGER_KIND,
        f"declaration:{decl.project}:{decl.party}",
        {
            "action": "import-declaration",
            "declaration_id": row.id,
            "envelope_sha256": sha,
            "predicate_sha256": row.predicate_sha256,
            "project": decl.project,
            "party": decl.party,
            "as_of": decl.as_of.isoformat(),
            "subcontractors": sorted(decl.subcontractor_keys),
            "verified_keyids": row.verified_keyids,
            "file": path.name,
        },
        at=stamp,
    )
    out = {**_declaration_dict(row), "status": "imported"}
    unknown = sorted(decl.subcontractor_keys - parties)
    if unknown:
        out["notes"] = [f"subcontractor(s) not in the registry: {', '.join(unknown)}"]
    return out


def _declaration_dict(row: VendorDeclarationRow) -> dict[str, Any]:
    pred = row.predicate
    return {
        "id": row.id,
        "project": row.project,
        "party": row.party,
        "as_of": row.as_of.isoformat(),
        "declared_at": _aware(row.declared_at).isoformat(),
        "imported_at": _aware(row.imported_at).isoformat(),
        "subcontractors": [s["party"] for s in pred.get("subcontractors", [])],
        "work_locations": pred.get("work_locations", []),
        "verified_keyids": list(row.verified_keyids),
        "sha256": row.sha256,
        "signatures": len(row.envelope.get("signatures", [])),
    }


def list_declarations(
    session: Session, project: str | None = None, *, with_envelope: bool = False
) -> list[dict[str, Any]]:
    """Imported declarations; ``with_envelope`` adds the DSSE envelope as received, so an
    evidence pack can carry ``attestations/*.dsse.json`` that anyone can re-verify."""
    q = select(VendorDeclarationRow).order_by(
        VendorDeclarationRow.project, VendorDeclarationRow.party, VendorDeclarationRow.as_of
    )
    if project is not None:
        store.get_project(session, project)
        q = q.where(VendorDeclarationRow.project == project)
    out = []
    for r in session.scalars(q):
        row = _declaration_dict(r)
        if with_envelope:
            row["envelope"] = r.envelope
        out.append(row)
    return out


def stored_declarations(session: Session) -> list[StoredDeclaration]:
    out = []
    for r in session.scalars(select(VendorDeclarationRow).order_by(VendorDeclarationRow.id)):
        try:
            env = Envelope.from_dict(r.envelope)
        except InputError:
            env = Envelope("invalid", b"")  # a damaged row: judged unverified, not a crash
        out.append(
            StoredDeclaration(r.id, env, r.sha256, _aware(r.imported_at), r.project, r.party)
        )
    return out


def analyze_declarations(
    session: Session, settings: Settings, now: datetime, *, max_age_days: int = MAX_AGE_DAYS
) -> list[Finding]:
    """CHAIN-3 over every project (``chainwatch analyze`` runs it as ``declarations``)."""
    parties = {p.key: p for p in store.list_parties(session)}
    keys = _trusted_keys(session)
    declarations = stored_declarations(session)
    changes = {
        r.key: _aware(r.updated_at)
        for r in session.scalars(select(EngagementRow))
        if r.updated_at is not None and r.created_at is not None and r.updated_at > r.created_at
    }
    findings: list[Finding] = []
    for project in store.list_projects(session):
        findings += chain3_findings(
            project,
            store.list_engagements(session, project.key),
            parties,
            [d for d in declarations if d.project == project.key],
            keys,
            now,
            engagement_changes=changes,
            max_age_days=max_age_days,
        )
    return findings
