"""A real evidence pack (the Lanternfall demo, exported once per module), checked the way an
auditor would: contents, manifest, offline proofs, and every kind of tampering named."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chainwatch.evidence.manifest import MANIFEST
from chainwatch.evidence.pdf import available_engine, write_pdf
from chainwatch.service.demo import PACK_DIR, run_demo
from chainwatch.service.evidence import check_against_db, check_pack
from chainwatch.settings import Settings
from chainwatch.storage.session import dispose_engines, open_session

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, NOW, pdf=False)
    dispose_engines()
    return out


@pytest.fixture
def pack(demo, tmp_path) -> Path:
    """A private copy of the demo's pack, free to tamper with."""
    copy = tmp_path / "pack"
    shutil.copytree(demo / PACK_DIR, copy)
    return copy


def _settings(demo: Path) -> Settings:
    home = demo / "data"
    return Settings(home=home, database_url=f"sqlite:///{home / 'chainwatch.db'}")


def _flip_byte(path: Path, offset: int = 10) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))


def _where(report) -> set[str]:
    return {p.where for p in report.problems}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.values += [(tag, k, v or "") for k, v in attrs]


def test_pack_holds_every_part(demo: Path) -> None:
    root = demo / PACK_DIR
    for name in (
        "report.html", "findings.json", "accesses.json", "screening.json", "chain.json",
        "chain.ftm.jsonl", "evidence/index.json", "ledger/checkpoint.note",
        "ledger/keys/operator.pub", "ledger/entries.jsonl", "README.txt", MANIFEST,
    ):  # fmt: skip
        assert (root / name).is_file(), name
    manifest = json.loads((root / MANIFEST).read_text("utf-8"))
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == on_disk - {MANIFEST}
    assert manifest["pdf"]["made"] is False and "--no-pdf" in manifest["pdf"]["reason"]
    assert manifest["checkpoint"]["size"] >= 1 and len(manifest["checkpoint"]["root"]) == 64
    assert "NOT MADE" in (root / "README.txt").read_text("utf-8")


def test_findings_json_and_accesses_carry_the_evidence(demo: Path) -> None:
    root = demo / PACK_DIR
    findings = json.loads((root / "findings.json").read_text("utf-8"))["findings"]
    rules = {(f["rule_id"], f["subject"]["key"]) for f in findings}
    assert ("CHAIN-2", "nings-cartoon") in rules
    assert ("SCR-2", "nings-cartoon") in rules  # project-less sanctions hit on a chain party
    net1 = next(f for f in findings if f["rule_id"] == "NET-1")  # project-less, vendor's account
    events = json.loads((root / "accesses.json").read_text("utf-8"))["events"]
    behind = [e for e in events if net1["id"] in e["finding_ids"]]
    assert [e["record_id"] for e in behind] == net1["evidence"]["record_ids"]
    assert behind[0]["src_ip"] == "175.45.178.20" and behind[0]["is_dprk"] is True
    assert behind[0]["source_line"] == 68


def test_evidence_files_are_copied_with_their_hash(demo: Path) -> None:
    root = demo / PACK_DIR
    index = json.loads((root / "evidence/index.json").read_text("utf-8"))
    by_path = {Path(f["path"]).name: f for f in index["files"]}
    zip_row = by_path["LF-S1_ep105_delivery.zip"]
    assert "frames/LF-S1_ep105_sh0420_key_v003.jpg" in zip_row["members"]
    copy = root / zip_row["stored"]
    assert copy.is_file()
    assert (demo / "delivery" / "LF-S1_ep105_delivery.zip").read_bytes() == copy.read_bytes()
    assert by_path["IMG_20260812_0931.jpg"]["stored"]


def test_screening_names_list_versions(demo: Path) -> None:
    screening = json.loads((demo / PACK_DIR / "screening.json").read_text("utf-8"))
    (lst,) = screening["lists"]
    assert lst["source"] == "ofac_sdn" and lst["entries"] == 484 and len(lst["sha256"]) == 64
    nings = next(p for p in screening["parties"] if p["key"] == "nings-cartoon")
    assert nings["hit"] and nings["candidates"][0]["entry_id"] == "34023"
    hanbit = next(p for p in screening["parties"] if p["key"] == "hanbit-motion")
    assert not hanbit["hit"]


def test_report_shows_chain_map_findings_and_loads_nothing(demo: Path) -> None:
    html = (demo / PACK_DIR / "report.html").read_text("utf-8")
    assert 'class="chain-graph"' in html
    assert re.search(r'class="node node-bad" data-party="nings-cartoon"', html)
    assert re.search(r'class="node node-ok" data-party="hanbit-motion"', html)
    assert 'class="access-map"' in html and 'class="dprk" data-iso2="KP"' in html
    assert 'data-hub="Liaoning"' in html
    assert 'class="timeline"' in html
    for text in ("NET-1", "175.45.178.20", "SCR-2", "34023", "Natural Earth", "ofac_sdn"):
        assert text in html, text
    assert 'id="risk"' in html and 'id="ledger"' in html and "chainwatch-operator" in html
    findings = json.loads((demo / PACK_DIR / "findings.json").read_text("utf-8"))["findings"]
    shown = re.findall(r'<tr class="finding [^"]*" id="finding-(\d+)"', html)
    assert sorted(map(int, shown)) == sorted(f["id"] for f in findings)  # each once
    parser = _Links()
    parser.feed(html)
    external = [(t, k, v) for t, k, v in parser.values
                if k in {"src", "href", "xlink:href", "action", "data", "poster"}
                and re.match(r"\s*(https?:)?//", v, re.I)]  # fmt: skip
    assert external == []
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html, re.I)
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)


def test_untouched_pack_verifies_offline_with_its_proofs(pack: Path) -> None:
    report = check_pack(pack)
    assert report.ok, report.problems
    assert report.files_checked >= 12
    assert report.entries_checked >= 1
    assert report.signed_by == ["chainwatch-operator"]


def test_one_changed_byte_names_the_file(pack: Path) -> None:
    _flip_byte(pack / "findings.json")
    report = check_pack(pack)
    assert not report.ok
    assert _where(report) == {"findings.json"}
    assert {p.kind for p in report.problems} == {"modified"}


def test_changing_a_file_and_its_manifest_line_is_still_caught(pack: Path) -> None:
    target = pack / "accesses.json"
    target.write_text(target.read_text("utf-8").replace("175.45.178.20", "175.45.178.21"))
    manifest = json.loads((pack / MANIFEST).read_text("utf-8"))
    from chainwatch.hashing import sha256_file

    manifest["files"]["accesses.json"]["sha256"] = sha256_file(target)
    (pack / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    report = check_pack(pack)
    assert not report.ok
    assert "accesses.json" in _where(report)
    assert any("signed ledger entry" in p.detail for p in report.problems)


def _relist(pack: Path, *names: str) -> None:
    """Rewrite the manifest lines of ``names`` to their new sha256 (a careful forger)."""
    from chainwatch.hashing import sha256_file

    manifest = json.loads((pack / MANIFEST).read_text("utf-8"))
    for name in names:
        manifest["files"][name]["sha256"] = sha256_file(pack / name)
    (pack / MANIFEST).write_text(json.dumps(manifest), "utf-8")


def test_the_commitment_cannot_be_switched_off_in_the_manifest(pack: Path) -> None:
    target = pack / "findings.json"
    target.write_text(target.read_text("utf-8").replace("NET-1", "NET-2"), "utf-8")
    _relist(pack, "findings.json")
    manifest = json.loads((pack / MANIFEST).read_text("utf-8"))
    manifest["commitment_seq"] = None  # the manifest is not signed: it decides nothing
    (pack / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    report = check_pack(pack)
    assert ("modified", "findings.json") in {(p.kind, p.where) for p in report.problems}


def test_a_pack_without_its_signed_commitment_fails(pack: Path) -> None:
    entries = pack / "ledger" / "entries.jsonl"
    lines = entries.read_text("utf-8").splitlines()
    kept = [line for line in lines if "contents" not in json.loads(line)["payload_text"]]
    assert len(kept) < len(lines)
    entries.write_text("\n".join(kept) + "\n", "utf-8")
    _relist(pack, "ledger/entries.jsonl")
    report = check_pack(pack)
    assert any("signed commitment" in p.detail for p in report.problems), report.problems


def test_a_damaged_proof_file_is_a_named_problem(pack: Path) -> None:
    entries = pack / "ledger" / "entries.jsonl"
    data = bytearray(entries.read_bytes())
    data[100] = 0xFF  # not UTF-8 any more
    entries.write_bytes(bytes(data))
    report = check_pack(pack)
    assert not report.ok
    assert any(p.where.startswith("ledger/entries.jsonl") for p in report.problems)


def test_missing_and_extra_files_are_named(pack: Path) -> None:
    (pack / "screening.json").unlink()
    (pack / "evidence" / "planted.txt").write_text("not from chainwatch")
    report = check_pack(pack)
    kinds = {(p.kind, p.where) for p in report.problems}
    assert ("missing", "screening.json") in kinds
    assert ("extra", "evidence/planted.txt") in kinds


def test_a_tampered_proof_or_signature_is_named(pack: Path) -> None:
    entries = pack / "ledger" / "entries.jsonl"
    lines = entries.read_text("utf-8").splitlines()
    record = json.loads(lines[0])
    record["subject"] += "x"
    entries.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n", "utf-8")
    # re-list the file so only the proof check can catch it
    manifest = json.loads((pack / MANIFEST).read_text("utf-8"))
    from chainwatch.hashing import sha256_file

    manifest["files"]["ledger/entries.jsonl"]["sha256"] = sha256_file(entries)
    (pack / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    report = check_pack(pack)
    assert any(p.kind == "proof" and f"#{record['seq']}" in p.where for p in report.problems)

    note = pack / "ledger" / "checkpoint.note"
    lines = note.read_text("utf-8").split("\n")
    lines[1] = "999"  # the tree size: the operator's signature no longer covers the body
    note.write_text("\n".join(lines), "utf-8")
    report = check_pack(pack)
    assert any(p.kind == "signature" for p in report.problems)


def test_pack_checks_against_the_live_ledger(demo: Path, pack: Path) -> None:
    settings = _settings(demo)
    report = check_pack(pack)
    with open_session(settings) as session:
        check_against_db(session, settings, pack, report)
    assert report.ok, report.problems
    assert any("export recorded as ledger entry" in n for n in report.notes)
    # a changed ledger row in the database: its entry no longer matches the pack's proof
    db = sqlite3.connect(demo / "data" / "chainwatch.db")
    try:
        seq = json.loads((pack / "ledger/entries.jsonl").read_text("utf-8").splitlines()[0])["seq"]
        old = db.execute("SELECT leaf_hash FROM ledger_entries WHERE seq = ?", (seq,)).fetchone()[0]
        db.execute("UPDATE ledger_entries SET leaf_hash = ? WHERE seq = ?", ("0" * 64, seq))
        db.commit()
        report = check_pack(pack)
        with open_session(settings) as session:
            check_against_db(session, settings, pack, report)
        assert not report.ok
        assert f"ledger entry #{seq}" in _where(report)
    finally:
        db.execute("UPDATE ledger_entries SET leaf_hash = ? WHERE seq = ?", (old, seq))
        db.commit()
        db.close()
        dispose_engines()


def test_pdf_is_printed_from_the_report(demo: Path, tmp_path: Path) -> None:
    if available_engine() is None:
        pytest.skip("no PDF engine here: WeasyPrint cannot load and no headless Chromium")
    html = tmp_path / "small.html"
    page = (demo / PACK_DIR / "report.html").read_text("utf-8")
    # the chain section and its graph are enough to show printing works (the whole pack is
    # printed by the CLI demo test); keep the test quick on a loaded machine
    head, body = page.split("<main>", 1)
    chain = body[body.index('<section class="project"') :]
    chain = chain[: chain.index("<h3>Findings</h3>")]
    html.write_text(f"{head}<main>{chain}</section></main></body></html>", "utf-8")
    result = write_pdf(html, tmp_path / "small.pdf")
    assert result.made, result.reason
    data = (tmp_path / "small.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 2000


def test_case_pack_carries_the_case_and_verifies(demo: Path, tmp_path: Path) -> None:
    settings = _settings(demo)
    from chainwatch.service.evidence import export_pack

    with open_session(settings) as session:
        from chainwatch.service.cases import list_cases

        cases = list_cases(session, project="lanternfall-s1")
        if not cases:
            pytest.skip("the demo opened no case in this chainwatch")
        case_id = cases[0].id
        result = export_pack(
            session, settings, out=tmp_path / "case-pack", case=str(case_id), pdf=False,
            file_roots=[demo], now=NOW,
        )  # fmt: skip
    dispose_engines()
    assert result.subject["type"] == "case" and result.subject["key"] == str(case_id)
    case = json.loads((tmp_path / "case-pack" / "case.json").read_text("utf-8"))
    assert case["id"] == case_id and case["comments"]
    findings = json.loads((tmp_path / "case-pack" / "findings.json").read_text("utf-8"))
    assert {f["id"] for f in findings["findings"]} == set(case["finding_ids"])
    html = (tmp_path / "case-pack" / "report.html").read_text("utf-8")
    assert 'id="case"' in html and case["title"] in html.replace("&#39;", "'")
    entries = (tmp_path / "case-pack" / "ledger" / "entries.jsonl").read_text("utf-8")
    assert f'"subject": "case:{case_id}"' in entries
    assert check_pack(tmp_path / "case-pack").ok


def test_a_pack_stripped_of_its_proofs_fails(pack: Path) -> None:
    shutil.rmtree(pack / "ledger")
    manifest = json.loads((pack / MANIFEST).read_text("utf-8"))
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith("ledger/")}
    manifest.pop("checkpoint")
    (pack / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    report = check_pack(pack)
    assert ("missing", "ledger") in {(p.kind, p.where) for p in report.problems}
