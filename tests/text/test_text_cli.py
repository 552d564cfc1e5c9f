"""``chainwatch text analyze``: a file or stdin, a table or JSON, one-line errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from chainwatch.cli.app import app
from chainwatch.text import encode_kps9566

runner = CliRunner()
NOTE = (
    "请修改头部形状 머리모양을 수정하시오\n"
    "로동자들이 력사를 공부하였다. 일이 잘 되였다.\n"
    "주체113(2024)년\n"
)


def test_analyze_a_file_prints_lines_and_findings(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(NOTE, "utf-8")
    r = runner.invoke(app, ["text", "analyze", str(path)])
    assert r.exit_code == 0, r.output
    assert "nk_norm" in r.output
    assert "LANG-1" in r.output and "FILE-3" in r.output and "FILE-6" in r.output
    assert "Yanbian" in r.output


def test_analyze_stdin_as_json_gives_one_result_per_line_and_the_whole_text():
    r = runner.invoke(app, ["text", "analyze", "-", "--json"], input=NOTE.encode("utf-8"))
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["source"] == "<stdin>"
    assert [ln["line"] for ln in data["analysis"]["lines"]] == [1, 2, 3]
    assert data["analysis"]["orthography"]["verdict"] == "nk_norm"
    assert data["analysis"]["lines"][0]["bilingual"] is True
    assert {f["rule_id"] for f in data["findings"]} == {"FILE-3", "FILE-6", "LANG-1"}


def test_kps9566_file_is_decoded_and_raises_file4(tmp_path):
    path = tmp_path / "kps.txt"
    path.write_bytes(encode_kps9566("머리모양을 수정하시오. 선을 깨끗하게 그려주세요."))
    r = runner.invoke(app, ["text", "analyze", str(path), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["decoded"]["encoding"] == "kps9566" and data["decoded"]["kps9566"] is True
    assert "FILE-4" in {f["rule_id"] for f in data["findings"]}


def test_no_korean_vendor_flag_turns_korean_notes_into_file6(tmp_path):
    path = tmp_path / "ko.txt"
    path.write_text("머리모양을 수정하시오\n", "utf-8")
    r = runner.invoke(app, ["text", "analyze", str(path), "--no-korean-vendor", "--json"])
    assert r.exit_code == 0, r.output
    assert [f["rule_id"] for f in json.loads(r.stdout)["findings"]] == ["FILE-6"]


def test_missing_file_is_exit_2_with_one_line(tmp_path):
    r = runner.invoke(app, ["text", "analyze", str(tmp_path / "nope.txt")])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "no such file" in lines[0]
    assert "Traceback" not in r.output


def test_undecodable_input_is_exit_2_with_one_line():
    r = runner.invoke(app, ["text", "analyze", "-"], input=bytes(range(256)) * 4)
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "cannot decode" in r.stderr
