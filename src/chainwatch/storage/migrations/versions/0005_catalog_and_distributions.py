"""catalog of masters, their fingerprints, and marked distributions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("episode", sa.String(length=100), nullable=True),
        sa.Column("shot", sa.String(length=100), nullable=True),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("media", sa.String(length=10), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("frames", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_assets")),
        sa.UniqueConstraint("sha256", name=op.f("uq_catalog_assets_sha256")),
    )
    op.create_index(op.f("ix_catalog_assets_project"), "catalog_assets", ["project"])
    op.create_table(
        "catalog_fingerprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("time_s", sa.Float(), nullable=True),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("hash", sa.String(length=128), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["catalog_assets.id"],
            name=op.f("fk_catalog_fingerprints_asset_id_catalog_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_fingerprints")),
    )
    op.create_index(op.f("ix_catalog_fingerprints_asset_id"), "catalog_fingerprints", ["asset_id"])
    op.create_table(
        "distributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.String(length=64), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("master_sha256", sa.String(length=64), nullable=False),
        sa.Column("marked_sha256", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["catalog_assets.id"],
            name=op.f("fk_distributions_asset_id_catalog_assets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distributions")),
        sa.UniqueConstraint("issue_id", name=op.f("uq_distributions_issue_id")),
    )
    for column in ("asset_id", "master_sha256", "marked_sha256", "project", "recipient"):
        op.create_index(op.f(f"ix_distributions_{column}"), "distributions", [column])


def downgrade() -> None:
    op.drop_table("distributions")
    op.drop_table("catalog_fingerprints")
    op.drop_table("catalog_assets")
