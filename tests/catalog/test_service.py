"""add_paths / match_paths on SQLite and PostgreSQL: labels, duplicates, rejects, CAT-1."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chainwatch.catalog import samples
from chainwatch.errors import InputError
from chainwatch.forensics.samples import png_pixel_bomb
from chainwatch.service import catalog as service
from chainwatch.service.chains import import_chain_file
from chainwatch.storage.models import CatalogAssetRow, CatalogFingerprintRow, FindingRow
from chainwatch.storage.session import open_session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
write_png = samples.write_png

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def home(db_settings, tmp_path):
    with open_session(db_settings) as session:
        import_chain_file(session, FIXTURES / "chain.yaml")
    return db_settings, tmp_path


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_add_match_record_and_readd(home, masters_writer):
    settings, tmp = home
    masters = masters_writer(tmp / "masters", 4)
    (tmp / "masters" / "notes.txt").write_text("not a picture", "utf-8")
    (tmp / "masters" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    (tmp / "masters" / "bomb.png").write_bytes(png_pixel_bomb(20_000, 20_000))
    with open_session(settings) as session:
        added = service.add_paths(
            session, settings, [tmp / "masters"], project="show-s1", episode="101", now=NOW
        )
    s = added.summary()
    assert (s["added"], s["rejects"]) == (4, 3)
    reasons = {Path(r.file).name: r.reason for r in added.rejects}
    assert set(reasons) == {"notes.txt", "broken.png", "bomb.png"}
    assert reasons["bomb.png"].startswith("too large")

    # same file again (and a copy of it elsewhere): labels change, no second row
    copy = write_png(tmp / "elsewhere" / "copy.png", samples.studio_image(0))
    with open_session(settings) as session:
        again = service.add_paths(
            session, settings, [masters[0], copy], project="show-s1", shot="A12"
        )
        assert [f.status for f in again.files] == ["updated", "updated"]
        assert _count(session, CatalogAssetRow) == 4
        assert _count(session, CatalogFingerprintRow) == 4
        row = session.scalar(select(CatalogAssetRow).where(CatalogAssetRow.shot == "A12"))
        assert row.episode == "101" and row.path == str(copy)
    with open_session(settings) as session:
        same = service.add_paths(session, settings, [copy], project="show-s1", shot="A12")
    assert same.files[0].status == "unchanged"

    dump = tmp / "dump"
    write_png(dump / "a.png", samples.jpeg(50)(samples.studio_image(1)))
    write_png(dump / "b.png", samples.crop(0.25, offset=True)(samples.studio_image(2)))
    write_png(dump / "c.png", samples.cel_frame(777))
    with open_session(settings) as session:
        result = service.match_paths(session, settings, [dump], record=True, now=NOW)
    by_name = {Path(f.path).name: f for f in result.files}
    assert [m.tier for m in by_name["a.png"].matches] == ["pdq"]
    assert [m.tier for m in by_name["b.png"].matches] == ["local"]
    assert by_name["c.png"].matches == []
    assert result.summary()["matched"] == 2
    assert {f.rule_id for f in result.findings} == {"CAT-1"}
    finding = next(f for f in result.findings if f.subject_key.endswith("a.png"))
    assert finding.project == "show-s1"
    assert finding.evidence["asset_sha256"] == by_name["a.png"].matches[0].sha256
    assert finding.evidence["tier"] == "pdq" and finding.evidence["episode"] == "101"
    assert result.recorded == {"new": 2, "refreshed": 0}
    with open_session(settings) as session:
        again = service.match_paths(session, settings, [dump], record=True, now=NOW)
        assert again.recorded == {"new": 0, "refreshed": 2}
        assert _count(session, FindingRow) == 2
        dry = service.match_paths(session, settings, [dump / "a.png"])
        assert dry.recorded is None and len(dry.findings) == 1


def test_new_masters_are_seen_by_the_next_match(home):
    """The cached index is keyed by the table's state: an add invalidates it."""
    settings, tmp = home
    first = write_png(tmp / "m" / "one.png", samples.studio_image(10))
    second = write_png(tmp / "m" / "two.png", samples.studio_image(11))
    leak = write_png(tmp / "leak.png", samples.jpeg(70)(samples.studio_image(11)))
    with open_session(settings) as session:
        service.add_paths(session, settings, [first], project="show-s1")
        assert service.match_paths(session, settings, [leak]).files[0].matches == []
        service.add_paths(session, settings, [second], project="show-s1")
        (m,) = service.match_paths(session, settings, [leak]).files[0].matches
        assert m.path == str(second)


def test_unknown_project_and_missing_path_are_input_errors(home):
    settings, tmp = home
    master = write_png(tmp / "m.png", samples.studio_image(0))
    with open_session(settings) as session:
        with pytest.raises(InputError, match="no project"):
            service.add_paths(session, settings, [master], project="nope")
        with pytest.raises(InputError, match="no such file"):
            service.add_paths(session, settings, [tmp / "absent.png"], project="show-s1")
        with pytest.raises(InputError, match="no such file"):
            service.match_paths(session, settings, [tmp / "absent.png"])


def test_video_without_the_extra_is_a_clear_error(home, monkeypatch):
    settings, tmp = home
    clip = tmp / "clip.mp4"
    clip.write_bytes(b"\0" * 64)
    monkeypatch.setitem(sys.modules, "av", None)  # import av -> ImportError
    with open_session(settings) as session, pytest.raises(InputError, match="video extra"):
        service.add_paths(session, settings, [clip], project="show-s1")
    folder = tmp / "clips"
    folder.mkdir()
    (folder / "clip.mov").write_bytes(b"\0" * 64)
    with open_session(settings) as session:
        result = service.match_paths(session, settings, [folder])
    assert "video extra" in result.rejects[0].reason
