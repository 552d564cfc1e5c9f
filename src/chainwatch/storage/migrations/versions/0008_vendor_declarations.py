"""vendor declarations and issued provenance manifests

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provenance_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("keyid", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenance_keys")),
        sa.UniqueConstraint("party", "keyid", name="uq_provenance_keys_party_keyid"),
    )
    op.create_index(op.f("ix_provenance_keys_party"), "provenance_keys", ["party"])
    op.create_index(op.f("ix_provenance_keys_keyid"), "provenance_keys", ["keyid"])
    op.create_table(
        "vendor_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("predicate_sha256", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("predicate", sa.JSON(), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("verified_keyids", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_declarations")),
        sa.UniqueConstraint("sha256", name=op.f("uq_vendor_declarations_sha256")),
    )
    op.create_index(op.f("ix_vendor_declarations_project"), "vendor_declarations", ["project"])
    op.create_index(op.f("ix_vendor_declarations_party"), "vendor_declarations", ["party"])
    op.create_table(
        "c2pa_manifests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("source_path", sa.String(length=2000), nullable=False),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("sidecar_path", sa.String(length=2000), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("mime", sa.String(length=120), nullable=False),
        sa.Column("sha256_before", sa.String(length=64), nullable=False),
        sa.Column("sha256_after", sa.String(length=64), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("issue_id", sa.String(length=64), nullable=True),
        sa.Column("signer", sa.String(length=500), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_c2pa_manifests")),
    )
    for column in ("project", "recipient", "sha256_before", "sha256_after"):
        op.create_index(op.f(f"ix_c2pa_manifests_{column}"), "c2pa_manifests", [column])


def downgrade() -> None:
    op.drop_table("c2pa_manifests")
    op.drop_table("vendor_declarations")
    op.drop_table("provenance_keys")
