"""SQLAlchemy 2 tables of the registry and the findings store.

Rows keep the user's keys (``key`` columns) beside integer primary keys, so a chain file can
be re-imported without duplicates and findings can name their subject without a join.
Child collections (names, identifiers...) keep the file's order in ``position``.
Schema changes go through Alembic (``storage/migrations``); never edit a released revision.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


KEY = String(200)
CASCADE = "all, delete-orphan"


class PartyRow(Base):
    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    names: Mapped[list[PartyNameRow]] = relationship(
        cascade=CASCADE, order_by="PartyNameRow.position", lazy="selectin"
    )
    identifiers: Mapped[list[PartyIdentifierRow]] = relationship(
        cascade=CASCADE, order_by="PartyIdentifierRow.position", lazy="selectin"
    )
    locations: Mapped[list[PartyLocationRow]] = relationship(
        cascade=CASCADE, order_by="PartyLocationRow.position", lazy="selectin"
    )
    networks: Mapped[list[PartyNetworkRow]] = relationship(
        cascade=CASCADE, order_by="PartyNetworkRow.position", lazy="selectin"
    )
    accounts: Mapped[list[PartyAccountRow]] = relationship(
        cascade=CASCADE, order_by="PartyAccountRow.position", lazy="selectin"
    )


class PartyNameRow(Base):
    __tablename__ = "party_names"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    script: Mapped[str | None] = mapped_column(String(4))
    lang: Mapped[str | None] = mapped_column(String(8))


class PartyIdentifierRow(Base):
    __tablename__ = "party_identifiers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(200), index=True)
    country: Mapped[str | None] = mapped_column(String(2))


class PartyLocationRow(Base):
    __tablename__ = "party_locations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))


class PartyNetworkRow(Base):
    """A declared CIDR range or ASN (exactly one of the two is set)."""

    __tablename__ = "party_networks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str | None] = mapped_column(String(64))
    asn: Mapped[int | None] = mapped_column(Integer)


class PartyAccountRow(Base):
    __tablename__ = "party_accounts"
    __table_args__ = (Index("ix_party_accounts_value", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    system: Mapped[str | None] = mapped_column(String(64))


class ProjectRow(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    client: Mapped[PartyRow] = relationship(lazy="joined")
    aliases: Mapped[list[ProjectAliasRow]] = relationship(
        cascade=CASCADE, order_by="ProjectAliasRow.position", lazy="selectin"
    )


class ProjectAliasRow(Base):
    __tablename__ = "project_aliases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    alias: Mapped[str] = mapped_column(String(500))


class EngagementRow(Base):
    __tablename__ = "engagements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    subcontractor_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str | None] = mapped_column(String(500))
    authorized_by: Mapped[str | None] = mapped_column(String(200))
    authorized_on: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    project: Mapped[ProjectRow] = relationship(lazy="joined")
    contractor: Mapped[PartyRow] = relationship(foreign_keys=[contractor_id], lazy="joined")
    subcontractor: Mapped[PartyRow] = relationship(foreign_keys=[subcontractor_id], lazy="joined")


class OwnershipRow(Base):
    __tablename__ = "ownerships"
    __table_args__ = (UniqueConstraint("owner_id", "owned_id", name="uq_ownerships_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    owned_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    share_pct: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[PartyRow] = relationship(foreign_keys=[owner_id], lazy="joined")
    owned: Mapped[PartyRow] = relationship(foreign_keys=[owned_id], lazy="joined")


class AssetRow(Base):
    __tablename__ = "assets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    uri: Mapped[str | None] = mapped_column(String(2000))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    episode: Mapped[str | None] = mapped_column(String(64))
    shot: Mapped[str | None] = mapped_column(String(64))

    project: Mapped[ProjectRow] = relationship(lazy="joined")


class FindingRow(Base):
    """One finding; ``fingerprint`` makes re-running an analyzer update, not duplicate."""

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_rule_project", "rule_id", "project_key"),
        Index("ix_findings_subject", "subject_type", "subject_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    rule_id: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(1))
    confidence: Mapped[float] = mapped_column(Float)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_key: Mapped[str] = mapped_column(String(500))
    project_key: Mapped[str | None] = mapped_column(KEY)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    analyzer: Mapped[str] = mapped_column(String(64))
    dedupe: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ImportRow(Base):
    """Audit trail of chain-file imports: what was read, its hash, and what changed."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(2000))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict] = mapped_column(JSON)


class ListSnapshotRow(Base):
    """One imported version of one sanctions list (files and entries live on disk)."""

    __tablename__ = "list_snapshots"
    __table_args__ = (Index("ix_list_snapshots_source_current", "source", "is_current"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    loader: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(2000))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entries: Mapped[int] = mapped_column(Integer)
    rejects: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    diff: Mapped[dict] = mapped_column(JSON)


class LogIngestRow(Base):
    """One log file's ingest: identity (sha256), progress for resume, counts, where it went.

    The same file (by content hash) is never ingested twice; an ingest that was killed resumes
    after ``committed_line`` and rewrites only the chunk that was in flight.
    """

    __tablename__ = "log_ingests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(2000))
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(32))
    format_options: Mapped[dict | None] = mapped_column(JSON)  # what the parser was built with
    compression: Mapped[str | None] = mapped_column(String(16))
    project: Mapped[str | None] = mapped_column(KEY)
    status: Mapped[str] = mapped_column(String(16))  # running, complete
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    committed_line: Mapped[int] = mapped_column(BigInteger, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(BigInteger, default=0)
    rejects: Mapped[int] = mapped_column(BigInteger, default=0)
    report: Mapped[dict] = mapped_column(JSON)


class CatalogAssetRow(Base):
    """A master the studio holds (image or video), fingerprinted for catalog matching.

    The content hash identifies it: adding the same file again updates its labels only.
    Fingerprints live in ``catalog_fingerprints``; the search index is rebuilt from them.
    """

    __tablename__ = "catalog_assets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    project: Mapped[str] = mapped_column(KEY, index=True)
    episode: Mapped[str | None] = mapped_column(String(100))
    shot: Mapped[str | None] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(2000))
    media: Mapped[str] = mapped_column(String(10))  # image | video
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    frames: Mapped[int | None] = mapped_column(Integer)  # video: frames fingerprinted
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)

    fingerprints: Mapped[list[CatalogFingerprintRow]] = relationship(
        cascade=CASCADE, order_by="CatalogFingerprintRow.id", lazy="selectin"
    )


class CatalogFingerprintRow(Base):
    """One perceptual hash of an asset (per sampled frame for video)."""

    __tablename__ = "catalog_fingerprints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_assets.id", ondelete="CASCADE"), index=True
    )
    frame: Mapped[int] = mapped_column(Integer, default=0)  # 0 for images
    time_s: Mapped[float | None] = mapped_column(Float)  # video: where the frame is
    algorithm: Mapped[str] = mapped_column(String(16))  # e.g. pdq
    hash: Mapped[str] = mapped_column(String(128))  # hex
    quality: Mapped[int | None] = mapped_column(Integer)


class DistributionRow(Base):
    """One issue of a marked copy to a recipient: who got which master, when, marked how.

    ``issue_id`` is the random token the recipient's mark is keyed with (with the studio
    secret): detection names the distribution, hence the recipient, from the mark alone.
    """

    __tablename__ = "distributions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[str] = mapped_column(String(64), unique=True)
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_assets.id", ondelete="SET NULL"), index=True
    )
    master_sha256: Mapped[str] = mapped_column(String(64), index=True)
    marked_sha256: Mapped[str] = mapped_column(String(64), index=True)
    project: Mapped[str] = mapped_column(KEY, index=True)
    recipient: Mapped[str] = mapped_column(KEY, index=True)  # party key
    path: Mapped[str] = mapped_column(String(2000))  # where the marked copy was written
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_version: Mapped[int] = mapped_column(Integer, default=1)
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # method version, strength, ...


# Tables of later capabilities live in modules of their own; importing them here keeps
# Base.metadata whole for Alembic and for the models-match-migrations test.
from chainwatch.storage import (  # noqa: E402, F401
    case_models,
    ledger_models,
    provenance_models,
)
