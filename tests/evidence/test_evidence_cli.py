"""``chainwatch evidence`` as a user drives it: export, verify, and the mistakes users make."""

from __future__ import annotations

import json


def _registry(cli, sample_chain) -> None:
    assert cli("init").exit_code == 0
    assert cli("chain", "import", str(sample_chain)).exit_code == 0
    assert cli("analyze", "--as-of", "2026-06-01").exit_code == 0


def test_export_then_verify_then_tamper(cli, sample_chain, tmp_path):
    _registry(cli, sample_chain)
    out = tmp_path / "pack"
    r = cli("evidence", "export", "--project", "show-s1", "--out", str(out), "--no-pdf",
            "--as-of", "2026-06-01", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    made = json.loads(r.output)
    assert made["subject"] == {"type": "project", "key": "show-s1", "title": "The Show, Season 1"}
    assert made["findings"] >= 2 and made["pdf"]["made"] is False
    chain2 = [f for f in json.loads((out / "findings.json").read_text("utf-8"))["findings"]
              if f["rule_id"] == "CHAIN-2"]  # fmt: skip
    assert {f["subject"]["key"] for f in chain2} == {"middleman", "far-studio"}
    assert made["checkpoint"]["size"] >= 1
    ok = cli("evidence", "verify", str(out), "--against-db", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True
    assert "pack verified" in cli("evidence", "verify", str(out)).output

    report = out / "report.html"
    raw = bytearray(report.read_bytes())
    raw[200] ^= 0x20
    report.write_bytes(bytes(raw))
    bad = cli("evidence", "verify", str(out))
    assert bad.exit_code == 1
    assert "report.html" in bad.output and "modified" in bad.output
    assert "FAILED" in bad.output


def test_user_errors_exit_2_with_one_line(cli, sample_chain, tmp_path):
    _registry(cli, sample_chain)
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    for args, words in [
        (("--project", "nope"), "no project 'nope'"),
        (("--case", "999"), "no case #999"),
        (("--case", "abc"), "a case is named by its number"),
        ((), "exactly one of --project or --case"),
        (("--project", "show-s1", "--case", "1"), "exactly one of --project or --case"),
    ]:
        r = cli("evidence", "export", *args, "--out", str(tmp_path / "x"), "--no-pdf")
        assert r.exit_code == 2, (args, r.output)
        assert words in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "x").exists()
    r = cli("evidence", "export", "--project", "show-s1", "--out", str(full), "--no-pdf")
    assert r.exit_code == 2 and "not empty" in r.stderr and "--force" in r.stderr
    r = cli("evidence", "export", "--project", "show-s1", "--out", str(full), "--no-pdf", "--force")
    assert r.exit_code == 2 and "not an evidence pack" in r.stderr
    assert (full / "notes.txt").read_text() == "mine"
    r = cli("evidence", "verify", str(tmp_path / "missing"))
    assert r.exit_code == 2 and "no such folder" in r.stderr


def test_force_replaces_an_earlier_pack(cli, sample_chain, tmp_path):
    _registry(cli, sample_chain)
    out = tmp_path / "pack"
    args = ("evidence", "export", "--project", "show-s1", "--out", str(out), "--no-pdf")
    assert cli(*args).exit_code == 0
    assert cli(*args).exit_code == 2
    assert cli(*args, "--force").exit_code == 0
    assert cli("evidence", "verify", str(out)).exit_code == 0
    (out / "mine.txt").write_text("someone's own notes")  # not the pack's: --force refuses
    r = cli(*args, "--force")
    assert r.exit_code == 2 and "mine.txt" in r.stderr
    assert (out / "mine.txt").read_text() == "someone's own notes"
    project = tmp_path / "project"  # any folder with a manifest.json is not a pack
    (project / "src").mkdir(parents=True)
    (project / "manifest.json").write_text("{}")
    (project / "src" / "code.js").write_text("keep me")
    r = cli("evidence", "export", "--project", "show-s1", "--out", str(project), "--force")
    assert r.exit_code == 2 and "not an evidence pack" in r.stderr
    assert (project / "src" / "code.js").read_text() == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pack.")]  # no staging left


def test_verify_with_the_operator_key_held_elsewhere(cli, sample_chain, tmp_path):
    _registry(cli, sample_chain)
    out = tmp_path / "pack"
    assert (
        cli("evidence", "export", "--project", "show-s1", "--out", str(out), "--no-pdf").exit_code
        == 0
    )
    held = tmp_path / "operator.pub"
    held.write_text((out / "ledger/keys/operator.pub").read_text())
    assert cli("evidence", "verify", str(out), "--key", str(held)).exit_code == 0
    other = tmp_path / "other.key"
    assert cli("ledger", "keygen", "--name", "studio-audit", "--out", str(other)).exit_code == 0
    wrong = cli("evidence", "verify", str(out), "--key", str(other) + ".pub", "--json")
    assert wrong.exit_code == 1, wrong.output
    kinds = {p["kind"] for p in json.loads(wrong.output)["problems"]}
    assert kinds == {"signature"}
