"""Ingest as an investigator relies on it: nothing lost, nothing doubled, resumable."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwatch.errors import ConfigError, InputError
from chainwatch.service import access
from chainwatch.settings import Settings
from chainwatch.storage.event_store import EventStore
from chainwatch.storage.session import open_session

LOGS = Path(__file__).parents[1] / "fixtures" / "logs"
S3 = LOGS / "s3" / "studio-plates-2025-10-10.log"


@pytest.fixture
def settings(db_settings, tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=db_settings.database_url)


def stored_ids(settings: Settings) -> list[str]:
    table = EventStore(settings.home).query("SELECT record_id FROM events", limit=None)
    return table.column("record_id").to_pylist()


def test_ingest_detects_format_quarantines_and_is_idempotent(settings):
    with open_session(settings) as s:
        [first] = access.ingest_paths(s, settings, [S3])
    assert (first.status, first.format) == ("ingested", "s3")
    assert first.events > 100 and first.rejects >= 1
    quarantined = list(EventStore(settings.home).read_rejects(first.ingest_id))
    assert len(quarantined) == first.rejects
    assert all(r["file"] == str(S3) and r["line"] and r["reason"] for r in quarantined)
    with open_session(settings) as s:
        [again] = access.ingest_paths(s, settings, [S3])
    assert again.status == "already_ingested"
    ids = stored_ids(settings)
    assert len(ids) == first.events == len(set(ids))


def test_killed_ingest_resumes_without_loss_or_duplicates(settings, monkeypatch):
    monkeypatch.setattr(access, "CHUNK_ROWS", 40)
    real_write = EventStore.write_chunk
    calls = {"n": 0}

    def dying_write(self, ingest_id, chunk, table):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")  # the process dies mid-ingest
        return real_write(self, ingest_id, chunk, table)

    monkeypatch.setattr(EventStore, "write_chunk", dying_write)
    with pytest.raises(KeyboardInterrupt), open_session(settings) as s:
        access.ingest_paths(s, settings, [S3])
    partial = stored_ids(settings)
    assert 0 < len(partial) < 150
    monkeypatch.setattr(EventStore, "write_chunk", real_write)
    with open_session(settings) as s:
        [resumed] = access.ingest_paths(s, settings, [S3])
    assert resumed.status == "resumed"
    ids = stored_ids(settings)
    assert len(ids) == len(set(ids)) == resumed.events
    # the same file ingested cleanly elsewhere gives exactly the same events
    clean = Settings(
        home=settings.home.parent / "clean",
        database_url=settings.database_url.replace("chainwatch.db", "clean.db"),
    )
    if clean.database_url.startswith("sqlite"):
        from chainwatch.storage.session import upgrade

        upgrade(clean)
        with open_session(clean) as s:
            [ref] = access.ingest_paths(s, clean, [S3])
        assert sorted(stored_ids(clean)) == sorted(ids) and ref.rejects == resumed.rejects


def test_errors_are_clear(settings, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\nworld\n")
    with open_session(settings) as s:
        with pytest.raises(InputError, match="cannot tell the log format"):
            access.ingest_paths(s, settings, [junk])
        with pytest.raises(InputError, match="no such file"):
            access.ingest_paths(s, settings, [tmp_path / "missing.log"])
        with pytest.raises(InputError, match="unknown detector"):
            access.detect(s, settings, only=["NET-99"])
    with pytest.raises(InputError, match="query failed"):
        access.query_events(settings, "SELECT nope FROM events")


def test_thresholds_come_from_the_detection_config(settings, tmp_path):
    from dataclasses import replace

    cfg = tmp_path / "thresholds.yaml"
    cfg.write_text("travel_speed_kmh: 500\nbulk_objects_min: 10\n")
    got = access.load_thresholds(replace(settings, detection_config=cfg))
    assert (got.travel_speed_kmh, got.bulk_objects_min) == (500, 10)
    assert access.load_thresholds(settings) == access.Thresholds()
    cfg.write_text("travel_speed: 500\n")
    with pytest.raises(ConfigError, match="unknown threshold"):
        access.load_thresholds(replace(settings, detection_config=cfg))
    cfg.write_text("bulk_objects_min: lots\n")
    with pytest.raises(ConfigError, match="must be a number"):
        access.load_thresholds(replace(settings, detection_config=cfg))


@pytest.mark.spark
def test_detect_on_spark_equals_local(settings):
    pytest.importorskip("pyspark")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("java is not installed")
    with open_session(settings) as s:
        access.ingest_paths(s, settings, [S3, LOGS / "nginx" / "access.log"])
        local = access.detect(s, settings, engine="local")
        spark = access.detect(s, settings, engine="spark")
        with pytest.raises(InputError, match="unknown engine"):
            access.detect(s, settings, engine="flink")
    assert local, "the fixtures raise findings"
    assert sorted(f.fingerprint for f in spark) == sorted(f.fingerprint for f in local)
    assert sorted(f.summary for f in spark) == sorted(f.summary for f in local)


def test_a_folder_with_an_unreadable_file_goes_on(settings, tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.log").write_bytes(S3.read_bytes())
    (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with open_session(settings) as s:
        results = access.ingest_paths(s, settings, [folder])
        assert [(Path(r.path).name, r.status) for r in results] == [
            ("a.log", "ingested"),
            ("b.png", "skipped"),
        ]
        assert results[1].reject_reasons == {"cannot tell the log format": 1}
        with pytest.raises(InputError, match="cannot tell the log format"):
            access.ingest_paths(s, settings, [folder / "b.png"])  # named: the user's mistake
