"""The Alembic history creates exactly the tables the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from chainwatch.storage.models import Base
from chainwatch.storage.session import get_engine


def test_migrations_match_the_models(db_settings):
    with get_engine(db_settings).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ; add a revision: {diff}"
