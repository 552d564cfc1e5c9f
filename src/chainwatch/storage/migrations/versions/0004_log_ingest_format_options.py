"""log ingest format options

The options a format was built with (a custom nginx ``log_format``, a mapping file, the
year and time zone of Aspera syslog lines) are kept with the ingest, so a killed ingest
resumes with the very same parser.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log_ingests") as batch:
        batch.add_column(sa.Column("format_options", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("log_ingests") as batch:
        batch.drop_column("format_options")
