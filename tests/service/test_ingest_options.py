"""Format options reach the parser, stay with the ingest, and a resume uses them again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainwatch.errors import InputError
from chainwatch.service import access
from chainwatch.settings import Settings
from chainwatch.storage.event_store import EventStore
from chainwatch.storage.models import LogIngestRow
from chainwatch.storage.session import open_session

# a file server that logs the client behind its proxy last, and ISO times
CUSTOM = (
    '$remote_addr - $remote_user [$time_iso8601] "$request" $status $body_bytes_sent '
    '"$http_x_forwarded_for"'
)


def custom_log(path: Path, lines: int = 30) -> Path:
    rows = [
        f"10.0.0.{i % 200} - vendor{i % 3} [2026-11-0{1 + i % 9}T0{i % 10}:00:00+09:00] "
        f'"GET /LF-S1/ep10{i % 5}/sh{i:04d}.exr HTTP/1.1" 200 {1000 + i} "175.45.176.{i % 4}"'
        for i in range(lines)
    ]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path


@pytest.fixture
def settings(db_settings, tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=db_settings.database_url)


def test_custom_log_format_is_kept_and_used_on_resume(settings, tmp_path, monkeypatch):
    log = custom_log(tmp_path / "proxy.log")
    options = {"log_format": CUSTOM}
    monkeypatch.setattr(access, "CHUNK_ROWS", 10)
    monkeypatch.setattr(access, "BLOCK_BYTES", 1024)
    real_write = EventStore.write_rejects  # called in this process for every block

    calls = {"n": 0}

    def dying_write(self, ingest_id, chunk, rejects):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")
        return real_write(self, ingest_id, chunk, rejects)

    monkeypatch.setattr(EventStore, "write_rejects", dying_write)
    with pytest.raises(KeyboardInterrupt), open_session(settings) as s:
        access.ingest_file(s, settings, log, fmt="nginx", options=options)
    monkeypatch.setattr(EventStore, "write_rejects", real_write)
    with open_session(settings) as s:
        row = s.query(LogIngestRow).one()
        assert (row.format, row.format_options) == ("nginx", options)
        # resumed without any option: the ledger's parser is used, not detection or defaults
        resumed = access.ingest_file(s, settings, log)
    assert (resumed.status, resumed.events, resumed.rejects) == ("resumed", 30, 0)
    table = EventStore(settings.home).query(
        "SELECT forwarded_for, ts FROM events ORDER BY source_line", limit=None
    )
    assert table.column("forwarded_for").to_pylist()[:2] == ["175.45.176.0", "175.45.176.1"]
    assert str(table.column("ts")[0].as_py()) == "2026-10-31 15:00:00+00:00"


def test_options_without_a_format_or_for_another_format_are_refused(settings, tmp_path):
    log = custom_log(tmp_path / "x.log", 3)
    with open_session(settings) as s:
        with pytest.raises(InputError, match="need --format"):
            access.ingest_file(s, settings, log, options={"log_format": CUSTOM})
        with pytest.raises(InputError, match="bad options"):
            access.ingest_file(s, settings, log, fmt="s3", options={"log_format": CUSTOM})


def test_cli_log_format_option(cli, tmp_path):
    cli("init")
    log = custom_log(tmp_path / "proxy.log", 12)
    r = cli("logs", "ingest", str(log), "--log-format", CUSTOM, "--json")
    assert r.exit_code == 0, r.output
    [result] = json.loads(r.output)
    assert (result["format"], result["events"], result["rejects"]) == ("nginx", 12, 0)
    r = cli("logs", "ingest", str(log), "--log-format", CUSTOM, "--format", "s3")
    assert r.exit_code == 2 and "does not apply to --format s3" in r.output
    r = cli("logs", "ingest", str(log), "--log-format", CUSTOM, "--year", "2025")
    assert r.exit_code == 2 and "different formats" in r.output
    r = cli("logs", "ingest", str(log), "--timezone", "Mars/Olympus")
    assert r.exit_code == 2 and "unknown timezone" in r.output
