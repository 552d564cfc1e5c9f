"""``chainwatch lists`` and ``chainwatch screen`` as a compliance lead runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

OFAC = Path(__file__).parents[1] / "fixtures" / "lists" / "ofac"
LEGACY = [str(OFAC / n) for n in ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")]


def test_screen_needs_lists(cli):
    cli("init")
    r = cli("screen", "SEK Studio")
    assert r.exit_code == 2 and "no sanctions lists loaded" in r.stderr


def test_import_status_and_screen(cli, sample_chain):
    cli("init")
    r = cli("lists", "import", *LEGACY, "--source", "ofac_sdn", "--json")
    assert r.exit_code == 0, r.output
    imported = json.loads(r.output)["lists"][0]
    assert imported["status"] == "imported" and imported["rejects"] >= 2
    again = json.loads(cli("lists", "import", *LEGACY, "--source", "ofac_sdn", "--json").output)
    assert again["lists"][0]["status"] == "unchanged"
    status = json.loads(cli("lists", "status", "--json").output)
    assert [s["source"] for s in status] == ["ofac_sdn"]
    assert "ofac_sdn" in cli("lists", "status").output

    hits = json.loads(cli("screen", "김명철", "--kind", "Person", "--json").output)["matches"]
    assert hits[0]["entry_id"] == "40205" and hits[0]["decision"] is True
    by_id = json.loads(cli("screen", "Ningse", "--id", "uscc:91500118582829838H", "--json").output)[
        "matches"
    ]
    assert by_id[0]["entry_id"] == "34023"
    assert any(x["code"] == "identifier" for x in by_id[0]["explanation"])
    table = cli("screen", "SEK Studio")
    assert table.exit_code == 0 and "34022" in table.output

    cli("chain", "import", str(sample_chain))
    swept = json.loads(cli("screen", "parties", "--json").output)
    assert swept["counts"]["raised"] == 0  # the fixture's vendors are not listed


def test_bad_arguments(cli):
    cli("init")
    assert "unknown list kind" in cli("lists", "import", LEGACY[0], "--source", "x").stderr
    assert cli("screen", "x", "--kind", "Planet").exit_code == 2
    sources = json.loads(cli("lists", "sources", "--json").output)
    assert {"ofac_sdn", "un", "eu", "uk"} <= {s["id"] for s in sources}
    assert all(s["licence"] and s["files"] for s in sources)


def test_pairs_scores_and_counts_bad_rows(cli, tmp_path):
    src = tmp_path / "pairs.csv"
    src.write_text(
        "name1,name2,schema\n"
        '김명철,"KIM, Myong Chol",Person\n'
        "Hanbit Animation Studio,Hansol Animation Studio,Company\n"
        ",missing,Company\n",
        "utf-8",
    )
    out = tmp_path / "scored.csv"
    r = cli("screen", "pairs", str(src), "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["scored"] == 2 and summary["rejects"] == [{"line": 4, "reason": "empty name"}]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["match"] for row in rows] == ["1", "0"]
    assert float(rows[0]["score"]) > float(rows[1]["score"])
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\nx,y\n")
    r = cli("screen", "pairs", str(bad), "--out", str(tmp_path / "o.csv"))
    assert r.exit_code == 2 and "missing column(s) name1, name2" in r.stderr
