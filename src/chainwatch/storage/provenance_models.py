"""Tables of vendor declarations (signed in-toto statements) and C2PA manifests issued.

- ``provenance_keys``: Ed25519 public keys the studio trusts for a party's signatures;
  revoking sets ``revoked_at`` (the row stays: old verifications remain explainable).
- ``vendor_declarations``: each imported DSSE envelope as received, with its predicate and
  the keyids that verified it at import. Analyzers re-verify from ``envelope`` each run.
- ``c2pa_manifests``: each delivered file the studio signed: hashes before and after,
  whether the manifest is embedded or a sidecar, for whom and which project.
Party and project columns hold registry keys (like ``distributions``), not foreign keys, so
a record of what was signed or declared outlives a registry edit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chainwatch.storage.models import KEY, Base


class ProvenanceKeyRow(Base):
    __tablename__ = "provenance_keys"
    __table_args__ = (UniqueConstraint("party", "keyid", name="uq_provenance_keys_party_keyid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party: Mapped[str] = mapped_column(KEY, index=True)
    keyid: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the raw key, hex
    public_key: Mapped[str] = mapped_column(Text)  # PEM (SubjectPublicKeyInfo)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)


class VendorDeclarationRow(Base):
    __tablename__ = "vendor_declarations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the envelope bytes
    project: Mapped[str] = mapped_column(KEY, index=True)
    party: Mapped[str] = mapped_column(KEY, index=True)
    predicate_sha256: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    predicate: Mapped[dict] = mapped_column(JSON)
    envelope: Mapped[dict] = mapped_column(JSON)
    verified_keyids: Mapped[list] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(String(2000))  # file it was imported from


class C2paManifestRow(Base):
    __tablename__ = "c2pa_manifests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(KEY, index=True)
    recipient: Mapped[str] = mapped_column(KEY, index=True)
    source_path: Mapped[str] = mapped_column(String(2000))
    path: Mapped[str] = mapped_column(String(2000))  # the delivered file
    sidecar_path: Mapped[str | None] = mapped_column(String(2000))
    mode: Mapped[str] = mapped_column(String(10))  # embedded | sidecar
    mime: Mapped[str] = mapped_column(String(120))
    sha256_before: Mapped[str] = mapped_column(String(64), index=True)
    sha256_after: Mapped[str] = mapped_column(String(64), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    issue_id: Mapped[str | None] = mapped_column(String(64))  # a marked copy's issue
    signer: Mapped[str] = mapped_column(String(500))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
