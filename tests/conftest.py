"""Fixture strategy: real databases, real files, no mocks.

- ``db_settings`` runs a test on SQLite (a file in tmp_path) and on the PostgreSQL server of
  this machine (a fresh database per test, dropped afterwards). PostgreSQL tests skip when the
  server is unreachable, unless ``CHAINWATCH_REQUIRE_POSTGRES=1`` (CI sets it) makes that a
  failure. ``CHAINWATCH_TEST_POSTGRES_URL`` points at another server.
- ``cli`` invokes the real Typer app in-process with ``CHAINWATCH_HOME`` in tmp_path.
- ``sample_chain`` is a small chain file in the official format, written to tmp_path.
- Tests that read ../shared/data are marked ``shared`` and skip when it is absent.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from chainwatch.cli.app import app
from chainwatch.settings import Settings
from chainwatch.storage.session import dispose_engines, upgrade

PG_URL = os.environ.get(
    "CHAINWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"


def _postgres_admin():
    try:
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return engine
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        if os.environ.get("CHAINWATCH_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chainwatch.db'}"
        dispose_engines()
        return
    admin = _postgres_admin()
    name = f"cw_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_settings(db_url, tmp_path) -> Settings:
    settings = Settings(home=tmp_path / "home", database_url=db_url)
    upgrade(settings)
    return settings


@pytest.fixture
def cli(tmp_path, monkeypatch):
    home = tmp_path / "cwhome"
    monkeypatch.setenv("CHAINWATCH_HOME", str(home))
    monkeypatch.delenv("CHAINWATCH_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    dispose_engines()


@pytest.fixture
def sample_chain(tmp_path) -> Path:
    path = tmp_path / "chain.yaml"
    path.write_text((FIXTURES / "chain.yaml").read_text("utf-8"), "utf-8")
    return path


@pytest.fixture
def shared_data() -> Path:
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip("../shared/data is absent")
    return data
