from __future__ import annotations

from pathlib import Path

import pytest

from chainwatch.errors import ConfigError
from chainwatch.settings import load_settings


def test_defaults_put_sqlite_in_home(tmp_path):
    s = load_settings({"CHAINWATCH_HOME": str(tmp_path)})
    assert s.home == tmp_path
    assert s.database_url == f"sqlite:///{tmp_path / 'chainwatch.db'}"
    assert load_settings({}).home.name == "chainwatch"  # the platform's user data dir


def test_postgres_urls_use_psycopg3():
    s = load_settings({"CHAINWATCH_DATABASE_URL": "postgresql://u@db/x"})
    assert s.database_url == "postgresql+psycopg://u@db/x"
    assert load_settings({"CHAINWATCH_DATABASE_URL": "postgres://db/x"}).database_url == (
        "postgresql+psycopg://db/x"
    )


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"CHAINWATCH_DATABASE_URL": "localhost:5432"}, "not a database URL"),
        ({"CHAINWATCH_ECHO_SQL": "maybe"}, "expected 0 or 1"),
    ],
)
def test_bad_values_are_config_errors(env, words):
    with pytest.raises(ConfigError, match=words):
        load_settings(env)


def test_home_expands_user():
    assert load_settings({"CHAINWATCH_HOME": "~/cw"}).home == Path("~/cw").expanduser()


def test_screening_threshold_setting():
    assert load_settings({}).screening_threshold == 0.80
    assert load_settings({"CHAINWATCH_SCREENING_THRESHOLD": "0.9"}).screening_threshold == 0.9
    with pytest.raises(ConfigError, match=r"in \[0, 1\]"):
        load_settings({"CHAINWATCH_SCREENING_THRESHOLD": "high"})
