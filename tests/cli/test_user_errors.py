"""User mistakes: one clear line on stderr, exit code 2, never a traceback or a broken file."""

from __future__ import annotations

import json

import pytest

INK_CHAIN = """\
chainwatch: 1
parties:
  - id: ink
    kind: company
    names: ["Ink [/i] Studio"]
    country: kr
  - id: client
    kind: company
    names: ["Client [bold] Co"]
projects:
  - id: p1
    client: client
    title: "Pilot [/b]"
engagements:
  - {id: e1, project: p1, contractor: client, subcontractor: ink, status: authorized,
     authorized_by: "Lead [/]", scope: "[red]"}
"""


def assert_user_error(r, *words: str) -> None:
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:"), r.stderr
    for word in words:
        assert word in lines[0], r.stderr
    assert "Traceback" not in r.output


@pytest.fixture
def pairs_csv(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("name1,name2,schema\nKim Myong Chol,Kim Myong-chol,Person\n", "utf-8")
    return path


def test_markup_in_user_data_is_shown_literally(cli, tmp_path):
    chain = tmp_path / "ink.yaml"
    chain.write_text(INK_CHAIN, "utf-8")
    assert cli("init").exit_code == 0
    r = cli("chain", "import", str(chain))
    assert r.exit_code == 0, r.output

    r = cli("parties", "list")
    assert r.exit_code == 0, r.output
    assert "Ink [/i] Studio" in r.output and "Client [bold] Co" in r.output

    r = cli("parties", "show", "ink")
    assert r.exit_code == 0, r.output
    assert "Ink [/i] Studio" in r.output

    r = cli("projects", "list")
    assert r.exit_code == 0, r.output
    assert "Pilot [/b]" in r.output

    r = cli("projects", "show", "p1")
    assert r.exit_code == 0, r.output
    assert "Pilot [/b]" in r.output and "[red]" in r.output

    r = cli("chain", "show", "p1")
    assert r.exit_code == 0, r.output
    assert "Ink [/i] Studio" in r.output and "Lead [/]" in r.output


def test_error_message_with_markup_is_escaped(cli):
    r = cli("screen", "pairs", "nope[/b].csv", "--out", "x.csv")
    assert_user_error(r, "nope[/b].csv", "no such file")


def test_screen_pairs_missing_input(cli, tmp_path):
    r = cli("screen", "pairs", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv"))
    assert_user_error(r, "no such file")
    assert not (tmp_path / "o.csv").exists()


def test_screen_pairs_input_is_a_directory(cli, tmp_path):
    r = cli("screen", "pairs", str(tmp_path), "--out", str(tmp_path / "o.csv"))
    assert_user_error(r, "not a file")


def test_screen_pairs_not_utf8(cli, tmp_path):
    src = tmp_path / "latin1.csv"
    src.write_bytes("name1,name2\nJosé,Jose\n".encode("latin-1"))
    out = tmp_path / "o.csv"
    r = cli("screen", "pairs", str(src), "--out", str(out))
    assert_user_error(r, "UTF-8")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_screen_pairs_bad_header_creates_no_output(cli, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("first,second\na,b\n", "utf-8")
    out = tmp_path / "o.csv"
    r = cli("screen", "pairs", str(src), "--out", str(out))
    assert_user_error(r, "missing column", "name1", "name2")
    assert not out.exists()


def test_screen_pairs_bad_header_keeps_existing_output(cli, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("first,second\na,b\n", "utf-8")
    out = tmp_path / "o.csv"
    out.write_text("previous results\n", "utf-8")
    r = cli("screen", "pairs", str(src), "--out", str(out))
    assert_user_error(r, "missing column")
    assert out.read_text("utf-8") == "previous results\n"


def test_screen_pairs_out_same_as_input_leaves_input_unchanged(cli, pairs_csv, monkeypatch):
    before = pairs_csv.read_bytes()
    monkeypatch.chdir(pairs_csv.parent)
    r = cli("screen", "pairs", str(pairs_csv), "--out", "./pairs.csv")
    assert_user_error(r, "input file")
    assert pairs_csv.read_bytes() == before


def test_screen_pairs_out_is_a_directory(cli, pairs_csv, tmp_path):
    r = cli("screen", "pairs", str(pairs_csv), "--out", str(tmp_path))
    assert_user_error(r, "is a directory")


def test_screen_pairs_out_parent_missing(cli, pairs_csv, tmp_path):
    r = cli("screen", "pairs", str(pairs_csv), "--out", str(tmp_path / "no" / "o.csv"))
    assert_user_error(r, "does not exist")


def test_screen_pairs_writes_output_and_counts_extra_fields(cli, tmp_path):
    src = tmp_path / "pairs.csv"
    src.write_text("name1,name2\nA,B,C\nKim,Kim\n", "utf-8")
    out = tmp_path / "o.csv"
    r = cli("screen", "pairs", str(src), "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["scored"] == 1 and summary["rejects"][0]["line"] == 2
    assert out.read_text("utf-8").startswith("name1,name2,score")
    assert {p.name for p in tmp_path.iterdir()} == {"pairs.csv", "o.csv"}


def test_chain_export_out_is_a_directory(cli, tmp_path):
    cli("init")
    r = cli("chain", "export", "--out", str(tmp_path))
    assert_user_error(r, "is a directory")


def test_chain_export_out_parent_missing(cli, tmp_path):
    cli("init")
    r = cli("chain", "export", "--out", str(tmp_path / "no" / "chain.yaml"))
    assert_user_error(r, "does not exist")


def test_chain_export_writes_file(cli, sample_chain, tmp_path):
    cli("init")
    cli("chain", "import", str(sample_chain))
    out = tmp_path / "out.yaml"
    r = cli("chain", "export", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "seoul-vendor" in out.read_text("utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_demo_out_is_a_file(cli, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("keep me", "utf-8")
    r = cli("demo", "--out", str(target))
    assert_user_error(r, "--out must be a directory")
    assert target.read_text("utf-8") == "keep me"


@pytest.mark.parametrize("name", ["", "   "])
def test_screen_empty_name(cli, name):
    assert_user_error(cli("screen", name), "empty name")


@pytest.mark.parametrize("dob", ["foo", "1970/01/01", "19700", "1970-13", "1970-02-30"])
def test_screen_bad_dob(cli, dob):
    assert_user_error(cli("screen", "Kim Myong Chol", "--dob", dob), "--dob", "YYYY-MM-DD")


@pytest.mark.parametrize("country", ["usa", "k", "1a", ""])
def test_screen_bad_country(cli, country):
    assert_user_error(cli("screen", "Kim Myong Chol", "--country", country), "two-letter")


def test_a_damaged_database_is_one_line_not_a_traceback(cli, tmp_path):
    from chainwatch.storage.session import dispose_engines

    assert cli("init").exit_code == 0
    dispose_engines()  # the in-process engine holds the file open
    db = tmp_path / "cwhome" / "chainwatch.db"
    data = bytearray(db.read_bytes())
    data[:16] = b"not a database!\0"  # the SQLite header's magic string, one run of bytes
    db.write_bytes(bytes(data))
    assert_user_error(cli("ledger", "status"), "database is damaged")
