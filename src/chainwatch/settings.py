"""Every setting, its default and its ``CHAINWATCH_`` environment variable, in one place.

``docs/settings.md`` is generated from :data:`SETTINGS` and a test fails when a setting is
undocumented. Read settings with :func:`load_settings`; nothing else reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from chainwatch.errors import ConfigError


@dataclass(frozen=True)
class SettingSpec:
    name: str
    env: str
    default: str
    doc: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "home",
        "CHAINWATCH_HOME",
        "the platform's user data dir (platformdirs: ~/.local/share/chainwatch on Linux)",
        "Data directory: the SQLite registry, event Parquet files, list snapshots, quarantine.",
    ),
    SettingSpec(
        "database_url",
        "CHAINWATCH_DATABASE_URL",
        "sqlite:///$CHAINWATCH_HOME/chainwatch.db",
        "SQLAlchemy URL of the registry. Use postgresql+psycopg://user@host/db for a shared "
        "server; a bare postgresql:// URL is read as psycopg 3.",
    ),
    SettingSpec(
        "list_sources",
        "CHAINWATCH_LIST_SOURCES",
        "(none: the built-in official URLs)",
        "YAML file that overrides or adds sanctions list sources for `chainwatch lists update` "
        "(same shape as screening/lists/sources.yaml).",
    ),
    SettingSpec(
        "screening_threshold",
        "CHAINWATCH_SCREENING_THRESHOLD",
        "0.80",
        "Match decision threshold in [0, 1] for the registry sweep (`screen parties`, "
        "`analyze`) and re-screening; tune it with `chainwatch screen pairs`.",
    ),
    SettingSpec(
        "detection_config",
        "CHAINWATCH_DETECTION_CONFIG",
        "(none: the documented defaults)",
        "YAML file of access-detection thresholds (names as in `access.detect.Thresholds`, "
        "e.g. `travel_speed_kmh: 900`, `bulk_objects_min: 25`); unknown names are an error.",
    ),
    SettingSpec(
        "risk_config",
        "CHAINWATCH_RISK_CONFIG",
        "(none: the documented defaults)",
        "YAML file of risk-aggregation settings (level thresholds, weights, recency half-life; "
        "names as in `risk.RiskSettings`); unknown names are an error.",
    ),
    SettingSpec(
        "echo_sql",
        "CHAINWATCH_ECHO_SQL",
        "0",
        "Set to 1 to log every SQL statement (debugging).",
    ),
)


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    echo_sql: bool = False
    list_sources: Path | None = None
    detection_config: Path | None = None
    screening_threshold: float = 0.80
    risk_config: Path | None = None


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("chainwatch", appauthor=False))


def normalize_database_url(url: str) -> str:
    """Read ``postgres://`` and ``postgresql://`` as psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default ``os.environ``); bad values raise ConfigError."""
    env = os.environ if environ is None else environ
    home_raw = env.get("CHAINWATCH_HOME", "").strip()
    home = Path(home_raw).expanduser() if home_raw else _default_home()
    url = env.get("CHAINWATCH_DATABASE_URL", "").strip()
    if url:
        url = normalize_database_url(url)
        if "://" not in url:
            raise ConfigError(
                f"CHAINWATCH_DATABASE_URL={url!r} is not a database URL "
                "(expected e.g. postgresql+psycopg://user@host/db or sqlite:///path.db)"
            )
    else:
        url = f"sqlite:///{home / 'chainwatch.db'}"
    echo_raw = env.get("CHAINWATCH_ECHO_SQL", "0").strip().lower()
    if echo_raw not in {"0", "1", "true", "false", "yes", "no", ""}:
        raise ConfigError(f"CHAINWATCH_ECHO_SQL={echo_raw!r}: expected 0 or 1")
    sources_raw = env.get("CHAINWATCH_LIST_SOURCES", "").strip()
    sources = Path(sources_raw).expanduser() if sources_raw else None
    if sources is not None and not sources.is_file():
        raise ConfigError(f"CHAINWATCH_LIST_SOURCES={sources_raw!r}: no such file")
    det_raw = env.get("CHAINWATCH_DETECTION_CONFIG", "").strip()
    detection = Path(det_raw).expanduser() if det_raw else None
    if detection is not None and not detection.is_file():
        raise ConfigError(f"CHAINWATCH_DETECTION_CONFIG={det_raw!r}: no such file")
    risk_raw = env.get("CHAINWATCH_RISK_CONFIG", "").strip()
    risk = Path(risk_raw).expanduser() if risk_raw else None
    if risk is not None and not risk.is_file():
        raise ConfigError(f"CHAINWATCH_RISK_CONFIG={risk_raw!r}: no such file")
    thr_raw = env.get("CHAINWATCH_SCREENING_THRESHOLD", "").strip()
    try:
        threshold = float(thr_raw) if thr_raw else 0.80
    except ValueError:
        threshold = -1.0
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(
            f"CHAINWATCH_SCREENING_THRESHOLD={thr_raw!r}: expected a number in [0, 1]"
        )
    return Settings(
        screening_threshold=threshold,
        detection_config=detection,
        risk_config=risk,
        home=home,
        database_url=url,
        echo_sql=echo_raw in {"1", "true", "yes"},
        list_sources=sources,
    )


def render_settings_markdown() -> str:
    """The table in docs/settings.md."""
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        rows.append(f"| `{s.env}` | {s.default} | {s.doc} |")
    return "\n".join(rows)
