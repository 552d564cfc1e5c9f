"""``scan_paths`` and ``chainwatch scan`` end to end: the pool, the report, the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainwatch.errors import InputError
from chainwatch.forensics import samples
from chainwatch.service.scan import korean_vendor_engaged, scan_paths
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage.session import open_session

FIRST = "WMAC9A58CDZ364C"


def delivery(root: Path) -> Path:
    """A vendor delivery: a marked frame, a +08:30 PDF, a DOCX with a DPRK font, bad files."""
    d = root / "delivery"
    (d / "ep3").mkdir(parents=True)
    (d / "ep3" / "sc12.jpg").write_bytes(samples.jpeg(redstar=[FIRST]))
    (d / "ep3" / "layout.pdf").write_bytes(
        samples.pdf(creation_date="D:20160301100000+08'30'", text="layout")
    )
    (d / "notes.docx").write_bytes(samples.docx(fonts=["KP CheonRiMa KCC"]))
    (d / "bundle.zip").write_bytes(samples.zip_of({"../evil": "x", "a.txt": "fine"}))
    (d / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (d / "empty").write_bytes(b"")
    return d


def test_scan_through_the_pool(tmp_path):
    result = scan_paths([delivery(tmp_path)], workers=2)
    summary = result.summary()
    assert summary["files"] == 6
    assert summary["findings_by_rule"] == {"FILE-1": 1, "FILE-2": 1, "FILE-5": 1}
    assert summary["rejects_by_reason"] == {"path traversal": 1, "malformed pdf": 1}
    by_path = {Path(r.path).name: r for r in result.records}
    assert by_path["sc12.jpg"].findings[0].evidence["serials"] == [FIRST]
    assert "bundle.zip!a.txt" in by_path  # members are named inside their archive
    assert len(by_path["sc12.jpg"].sha256) == 64
    data = json.loads(json.dumps(result.to_dict()))
    assert {"summary", "records", "findings", "rejects"} <= set(data)


def test_unknown_path_and_project_are_user_errors(tmp_path, db_settings):
    with pytest.raises(InputError, match="no such file"):
        scan_paths([tmp_path / "missing"], workers=0)
    with pytest.raises(InputError, match="no project 'nope'"):
        scan_paths([tmp_path], project="nope", settings=db_settings, workers=0)


@pytest.fixture
def project_settings(db_settings, sample_chain) -> tuple[Settings, str]:
    from chainwatch.service.chains import import_chain_file

    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
    with open_session(db_settings) as s:
        from chainwatch.storage import registry_store

        project = registry_store.list_projects(s)[0].key
    return db_settings, project


def test_project_findings_are_recorded_once(tmp_path, project_settings):
    settings, project = project_settings
    folder = delivery(tmp_path)
    first = scan_paths([folder], project=project, settings=settings, workers=0)
    assert first.recorded == {"new": 3, "refreshed": 0}
    again = scan_paths([folder], project=project, settings=settings, workers=0)
    assert again.recorded == {"new": 0, "refreshed": 3}
    with open_session(settings) as s:
        stored = findings_store.list_findings(s, project=project)
    assert sorted(f.finding.rule_id for f in stored) == ["FILE-1", "FILE-2", "FILE-5"]
    assert all(f.finding.analyzer == "files" for f in stored)
    with open_session(settings) as s:  # the sample chain engages a Seoul vendor (FILE-6)
        assert korean_vendor_engaged(s, project) is True


def test_cli_json_summary_and_out(cli, tmp_path):
    folder = delivery(tmp_path)
    out = tmp_path / "report.json"
    r = cli("scan", str(folder), "--json", "--workers", "0", "--out", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["summary"]["findings_by_rule"]["FILE-1"] == 1
    assert json.loads(out.read_text("utf-8"))["summary"] == data["summary"] | {
        "elapsed_s": json.loads(out.read_text("utf-8"))["summary"]["elapsed_s"]
    }
    human = cli("scan", str(folder), "--workers", "0")
    assert human.exit_code == 0
    assert "Scan summary" in human.output and "rejected: path traversal" in human.output
    assert "FILE-1" in human.output


def test_cli_user_errors(cli, tmp_path):
    r = cli("scan", str(tmp_path / "missing"))
    assert r.exit_code == 2 and "no such file" in r.output
    cli("init")
    r = cli("scan", str(tmp_path), "--project", "nope")
    assert r.exit_code == 2 and "no project" in r.output


def test_cli_records_for_a_project(cli, tmp_path, sample_chain):
    cli("init")
    assert cli("chain", "import", str(sample_chain)).exit_code == 0
    project = json.loads(cli("projects", "list", "--json").output)[0]["key"]
    r = cli("scan", str(delivery(tmp_path)), "--project", project, "--workers", "0", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["recorded"] == {"new": 3, "refreshed": 0}
    listed = json.loads(cli("findings", "list", "--project", project, "--json").output)
    assert {f["rule_id"] for f in listed} >= {"FILE-1", "FILE-2", "FILE-5"}


def test_caller_session_for_the_demo(tmp_path, project_settings):
    """The demo records inside its own transaction by passing its session."""
    settings, project = project_settings
    with open_session(settings) as s:
        result = scan_paths([delivery(tmp_path)], project=project, session=s, workers=0)
        assert result.recorded["new"] == 3
        assert len(findings_store.list_findings(s, project=project)) == 3


def test_cli_shows_file_names_literally(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short path, so the table does not wrap the name
    Path("[bold]x.jpg").write_bytes(samples.jpeg(redstar=[FIRST]))
    r = cli("scan", "[bold]x.jpg", "--workers", "0")
    assert r.exit_code == 0 and "[bold]x.jpg" in r.output  # not swallowed as markup


def test_base_names_files_relative_to_it(tmp_path):
    folder = delivery(tmp_path)
    result = scan_paths([folder], base=tmp_path, workers=0)
    keys = {f.subject_key for f in result.findings}
    assert keys == {"delivery/ep3/sc12.jpg", "delivery/ep3/layout.pdf", "delivery/notes.docx"}
    assert "delivery/bundle.zip!../evil" in {r.file for r in result.rejects}


def test_a_link_the_user_names_is_followed_but_not_links_inside_folders(tmp_path):
    d = delivery(tmp_path)
    (tmp_path / "frame.jpg").symlink_to(d / "ep3" / "sc12.jpg")
    named = scan_paths([tmp_path / "frame.jpg"], workers=0).summary()
    assert named["files"] == 1 and named["findings_by_rule"] == {"FILE-1": 1}
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "elsewhere").symlink_to(d, target_is_directory=True)
    (tmp_path / "dump" / "frame.jpg").symlink_to(d / "ep3" / "sc12.jpg")
    walked = scan_paths([tmp_path / "dump"], workers=0)
    assert walked.summary()["findings_by_rule"] == {}
    reasons = {Path(r.file).name: r.reason for r in walked.rejects}
    assert set(reasons) == {"elsewhere", "frame.jpg"}
    assert "not followed" in reasons["elsewhere"]
    (tmp_path / "gone").symlink_to(tmp_path / "nothing-here")
    with pytest.raises(InputError, match="a link to .* which does not exist"):
        scan_paths([tmp_path / "gone"], workers=0)
