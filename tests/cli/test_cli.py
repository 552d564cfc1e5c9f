"""The command line as a user drives it: real app, real SQLite in a temporary CHAINWATCH_HOME."""

from __future__ import annotations

import json

from chainwatch.findings.catalogue import RULES


def test_init_then_import_show_and_reimport(cli, sample_chain):
    r = cli("init", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["from_revision"] is None
    assert "up to date" in cli("init").output

    r = cli("chain", "import", str(sample_chain), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["changed"] == 13
    again = json.loads(cli("chain", "import", str(sample_chain), "--json").output)
    assert again[0]["changed"] == 0

    r = cli("chain", "show", "show-s1", "--as-of", "2026-06-01")
    assert r.exit_code == 0
    assert "T2 Shenyang Middleman Trading Co., Ltd." in r.output
    assert "undeclared" in r.output and "NOT AUTHORIZED" in r.output

    view = json.loads(cli("chain", "show", "show-s1", "--as-of", "2026-06-01", "--json").output)
    vendor = view["tree"]["children"][0]
    assert (vendor["party"], vendor["tier"], vendor["authorized"]) == ("seoul-vendor", 1, True)


def test_malformed_file_is_one_precise_line_per_problem(cli, tmp_path):
    cli("init")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "chainwatch: 1\nparties:\n  - id: a\n    kind: company\n    names: [A]\n"
        "projects:\n  - {id: p, client: a, title: P}\nengagements:\n"
        "  - {project: p, contractor: a, subcontractor: ghost, status: undeclared}\n",
        "utf-8",
    )
    r = cli("chain", "import", str(bad))
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [
        f"error: {bad}:9: engagements[0].subcontractor: unknown party 'ghost': define it "
        "under `parties` first"
    ]
    assert "Traceback" not in r.output
    assert cli("projects", "list", "--json").output.strip() == "[]"  # nothing half-imported


def test_user_errors_exit_2_without_traceback(cli, tmp_path):
    r = cli("findings", "list")
    assert r.exit_code == 2 and "run `chainwatch init`" in r.stderr
    cli("init")
    for args, words in [
        (("chain", "import", str(tmp_path / "missing.yaml")), "no such file"),
        (("chain", "show", "nope"), "no project 'nope'"),
        (("parties", "show", "nope"), "no party 'nope'"),
        (("findings", "list", "--rule", "NOPE-1"), "unknown rule id"),
        (("findings", "list", "--status", "bogus"), "unknown finding status"),
        (("chain", "show", "x", "--as-of", "yesterday"), "not a date"),
        (("chain", "export", "--format", "xml"), "unknown format"),
        (("analyze", "--only", "astrology"), "unknown analyzer"),
    ]:
        r = cli(*args)
        assert r.exit_code == 2, (args, r.output)
        assert words in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1


def test_browse_export_and_check(cli, sample_chain, tmp_path):
    cli("init")
    cli("chain", "import", str(sample_chain))
    projects = json.loads(cli("projects", "list", "--json").output)
    assert projects == [
        {
            "key": "show-s1",
            "title": "The Show, Season 1",
            "client": "acme-pictures",
            "aliases": ["TS1"],
            "engagements": 4,
            "max_tier": 3,
        }
    ]
    party = json.loads(cli("parties", "show", "seoul-vendor", "--json").output)
    assert party["names"][1] == {
        "value": "서울벤더",
        "kind": "original_script",
        "script": "Hang",
        "lang": "ko",
    }
    assert {"direction": "by", "other": "holding", "share": 60.0} in party["ownership"]
    assert "서울벤더" in cli("parties", "show", "seoul-vendor").output
    parties = json.loads(cli("parties", "list", "--json").output)
    assert {p["key"]: p["projects"] for p in parties}["holding"] == []

    out = tmp_path / "export.yaml"
    assert cli("chain", "export", "--out", str(out)).exit_code == 0
    assert "서울벤더" in out.read_text("utf-8")
    # the export is itself an importable chain file that changes nothing
    assert json.loads(cli("chain", "import", str(out), "--json").output)[0]["changed"] == 0

    ftm = tmp_path / "export.ftm.json"
    assert cli("chain", "export", "--format", "ftm", "--out", str(ftm)).exit_code == 0
    entities = [json.loads(line) for line in ftm.read_text("utf-8").splitlines()]
    assert {e["schema"] for e in entities} >= {"Company", "Project", "Ownership", "UnknownLink"}

    ok = cli("chain", "check", "pm@seoul-vendor.example", "-p", "show-s1", "--at", "2026-06-01")
    assert ok.exit_code == 0 and "authorized" in ok.output
    no = cli("chain", "check", "middleman", "-p", "show-s1", "--at", "2026-06-01", "--json")
    assert no.exit_code == 1 and json.loads(no.output)["authorized"] is False


def test_analyze_and_findings(cli, sample_chain):
    cli("init")
    cli("chain", "import", str(sample_chain))
    r = cli("analyze", "--as-of", "2026-06-01", "--json")
    assert json.loads(r.output) == {
        "chain": {"raised": 2, "new": 2, "refreshed": 0, "resolved": 0},
        "screening": {"raised": 0, "new": 0, "refreshed": 0, "resolved": 0},  # no lists
        "access": {"raised": 0, "new": 0, "refreshed": 0, "resolved": 0},  # no logs
        # CHAIN-3: none of the four engaged vendors has a signed declaration
        "declarations": {"raised": 4, "new": 4, "refreshed": 0, "resolved": 0},
    }
    listed = json.loads(cli("findings", "list", "--rule", "chain-2", "--json").output)
    assert [f["subject"]["key"] for f in listed] == ["middleman", "far-studio"]
    unknown = cli("findings", "list", "--project", "other", "--json")
    assert unknown.exit_code == 2 and "no project 'other'" in unknown.stderr
    fid = str(listed[0]["id"])
    shown = cli("findings", "show", fid)
    assert "CHAIN-2" in shown.output and "ts1-middleman" in shown.output
    assert cli("findings", "set-status", fid, "acknowledged").exit_code == 0
    assert json.loads(cli("findings", "show", fid, "--json").output)["status"] == "acknowledged"


def test_rules_lists_the_catalogue(cli):
    rules = json.loads(cli("rules", "--json").output)
    assert [r["id"] for r in rules] == list(RULES)
    assert "CHAIN-2" in cli("rules").output


def test_demo_raises_chain2_and_writes_the_report(cli, tmp_path):
    out = tmp_path / "demo"
    r = cli("demo", "--out", str(out), "--as-of", "2026-11-25", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    chain2 = {f["subject"]["key"] for f in data["findings"] if f["rule_id"] == "CHAIN-2"}
    assert chain2 == {"yuanfang-digital", "nings-cartoon"}
    # the real hit: the undeclared tier-3 studio is OFAC's NINGS CARTOON STUDIO, by USCC,
    # and the list links it to SEK STUDIO; no fictional vendor matches anything
    scr = {
        (f["rule_id"], f["subject"]["key"])
        for f in data["findings"]
        if f["rule_id"].startswith("SCR-")
    }
    assert {("SCR-2", "nings-cartoon"), ("SCR-4", "nings-cartoon")} <= scr
    assert {key for _, key in scr} == {"nings-cartoon"}
    scr2 = next(f for f in data["findings"] if f["rule_id"] == "SCR-2")
    assert scr2["evidence"]["entry_id"] == "34023"
    screened = scr2["evidence"]["lists_screened"]["ofac_sdn"]
    assert screened["entries"] == 484 and len(screened["sha256"]) == 64
    # access logs in two formats: a DPRK-range access, the undeclared party pulling project
    # files from a hub region, and Hanbit's key jumping from Seoul to Shenyang in 10 minutes
    rules = {(f["rule_id"], f["subject"]["key"]) for f in data["findings"]}
    assert ("NET-1", "arn:aws:iam::111122223333:user/hanbit-motion") in rules
    assert ("CHAIN-1", "yuanfang-digital") in rules
    assert ("NET-6", "yf_render01") in rules
    assert ("NET-7", "arn:aws:iam::111122223333:user/hanbit-motion") in rules
    assert ("NET-8", "arn:aws:iam::111122223333:user/hanbit-motion") in rules
    sources = {
        src.split(":")[0].rsplit("/", 1)[-1]
        for f in data["findings"]
        for src in f["evidence"].get("sources", [])
    }
    assert sources == {"bluehollow-lanternfall.s3.log", "hanbit-delivery.access.log"}
    # the returned delivery: retake notes in Chinese with NK-norm Korean, a Red Star mark
    # stack on a key frame, a model sheet dated in Pyongyang time
    zip_name = "delivery/LF-S1_ep105_delivery.zip"
    files = {(f["rule_id"], f["subject"]["key"]): f for f in data["findings"]}
    frame = files[("FILE-1", f"{zip_name}!frames/LF-S1_ep105_sh0420_key_v003.jpg")]
    assert frame["evidence"]["serials"] == ["WM4B1D07E2K91QA", "WM0C7F3A9D2X5RB"]
    assert ("FILE-2", f"{zip_name}!reference/LF-S1_model_sheet_hero.pdf") in files
    notes = f"{zip_name}!notes/retake_ep105_sh0420.txt"
    assert ("FILE-6", notes) in files and ("LANG-1", notes) in files
    assert all(f["project"] == "lanternfall-s1" for (rule, _), f in files.items() if "FILE" in rule)
    # a marked frame issued to Dasol turns up in a dump: the catalog names the shot, the
    # mark names the recipient
    leak = str(out / "dump" / "IMG_20260812_0931.jpg")
    cat1 = files[("CAT-1", leak)]
    assert (cat1["evidence"]["episode"], cat1["evidence"]["shot"]) == ("105", "sh0420")
    mark1 = files[("MARK-1", leak)]
    assert mark1["evidence"]["recipient"] == "dasol-inkpaint" and mark1["severity"] == "C"
    assert mark1["project"] == "lanternfall-s1"
    html = (out / "report.html").read_text("utf-8")
    for text in ("FILE-1", "WM4B1D07E2K91QA", "FILE-2", "LANG-1", "retake_ep105_sh0420.txt"):
        assert text in html
    for text in ("MARK-1", "CAT-1", "dasol-inkpaint", "sh0420"):
        assert text in html
    for text in (
        "Hanbit Motion Co., Ltd.",
        "Dasol Ink &amp; Paint",
        "T3",
        "undeclared",
        "CHAIN-2",
        "Shenyang Yuanfang Digital Animation Co., Ltd.",
    ):
        assert text in html
    _demo_pack_and_ledger_verify_and_catch_one_byte(cli, out, data)
    # run twice: the demo rebuilds its own data dir instead of piling up findings
    again = json.loads(cli("demo", "--out", str(out), "--as-of", "2026-11-25", "--json").output)
    assert len(again["findings"]) == len(data["findings"])
    assert cli("evidence", "verify", str(out / "evidence-pack")).exit_code == 0  # replaced


def _demo_pack_and_ledger_verify_and_catch_one_byte(cli, out, data):
    """The issue's "done when": the demo's evidence pack and ledger verify, and each fails,
    naming the file or the record, after a one-byte change."""
    import sqlite3

    pack = out / "evidence-pack"
    assert data["pack"]["out"] == str(pack)
    for name in ("report.html", "report.pdf", "findings.json", "manifest.json", "README.txt"):
        assert (pack / name).is_file(), name
    assert data["pack"]["pdf"]["made"], data["pack"]["pdf"]
    assert (pack / "report.pdf").read_bytes().startswith(b"%PDF-")
    page = (pack / "report.html").read_text("utf-8")
    assert 'class="dprk" data-iso2="KP"' in page and 'class="chain-graph"' in page
    assert "NET-1" in page and "175.45.178.20" in page

    ok = cli("evidence", "verify", str(pack))
    assert ok.exit_code == 0, ok.output
    assert "pack verified" in ok.output
    target = pack / "screening.json"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    target.write_bytes(bytes(raw))
    bad = cli("evidence", "verify", str(pack))
    assert bad.exit_code == 1
    assert "screening.json" in bad.output and "modified" in bad.output
    raw[len(raw) // 2] ^= 0x01
    target.write_bytes(bytes(raw))  # restored: verifies again
    assert cli("evidence", "verify", str(pack)).exit_code == 0

    # the ledger, in the demo's own database
    import os

    home = out / "data"
    os.environ["CHAINWATCH_HOME"] = str(home)  # the cli fixture restores it afterwards
    good = cli("ledger", "verify", "--json")
    assert good.exit_code == 0, good.output
    db = sqlite3.connect(home / "chainwatch.db")
    try:
        seq, payload = db.execute(
            "SELECT seq, payload FROM ledger_entries ORDER BY seq LIMIT 1"
        ).fetchone()
        changed = payload[:-2] + chr(ord(payload[-2]) ^ 1) + payload[-1]  # one byte
        db.execute("UPDATE ledger_entries SET payload = ? WHERE seq = ?", (changed, seq))
        db.commit()
        broken = cli("ledger", "verify", "--json")
        assert broken.exit_code == 1
        problems = json.loads(broken.output)["problems"]
        assert seq in {p["seq"] for p in problems}
        assert cli("evidence", "verify", str(pack), "--against-db").exit_code == 1
    finally:
        db.execute("UPDATE ledger_entries SET payload = ? WHERE seq = ?", (payload, seq))
        db.commit()
        db.close()


def test_demo_refuses_a_foreign_directory(cli, tmp_path):
    (tmp_path / "x" / "data").mkdir(parents=True)
    (tmp_path / "x" / "data" / "precious.txt").write_text("keep me")
    r = cli("demo", "--out", str(tmp_path / "x"))
    assert r.exit_code == 2 and "was not made by `chainwatch demo`" in r.stderr
    assert (tmp_path / "x" / "data" / "precious.txt").exists()
