"""Engines, sessions and schema upgrades. The only place that knows how to reach a database.

SQLite (the default, a file in ``CHAINWATCH_HOME``) and PostgreSQL (by URL) are both
first-class: the store's tests run against both. The schema is owned by Alembic; a database
that was never initialised gives a one-line error that says to run ``chainwatch init``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from chainwatch.errors import StorageError
from chainwatch.settings import Settings


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


_live_engines: list[Engine] = []


@cache
def _engine_for(url: str, echo: bool) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, echo=echo, future=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StorageError(f"cannot use database {_redacted(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # foreign keys are off by default in SQLite
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    _live_engines.append(engine)
    return engine


def get_engine(settings: Settings) -> Engine:
    return _engine_for(settings.database_url, settings.echo_sql)


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("chainwatch.storage") / "migrations")
    )
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise StorageError(
            f"cannot connect to {_redacted(str(engine.url))}: {exc.orig}".splitlines()[0]
        ) from None


def upgrade(settings: Settings) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest revision; returns (before, after)."""
    engine = get_engine(settings)
    before = current_revision(engine)
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, head_revision()


def ensure_current(engine: Engine) -> None:
    rev = current_revision(engine)
    if rev is None:
        raise StorageError(
            f"database {_redacted(str(engine.url))} is not initialised: run `chainwatch init`"
        )
    if rev != head_revision():
        raise StorageError(
            f"database schema is at revision {rev}, this chainwatch needs {head_revision()}: "
            "run `chainwatch init` to upgrade"
        )


@contextmanager
def open_session(settings: Settings, *, check_schema: bool = True) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    engine = get_engine(settings)
    if check_schema:
        ensure_current(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_engines() -> None:
    """Close every pooled connection (tests drop databases; servers reload settings)."""
    for engine in list(_live_engines):
        engine.dispose()
    _live_engines.clear()
    _engine_for.cache_clear()
