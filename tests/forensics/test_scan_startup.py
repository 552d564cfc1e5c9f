"""What ``chainwatch scan`` pays before its first file: only the modules it uses, and a
forkserver that can be started ahead of the pool."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from chainwatch.forensics import samples

SRC = str(Path(__file__).resolve().parents[2] / "src")
HEAVY = ["pyarrow", "duckdb", "followthemoney", "rapidfuzz", "pypinyin", "alembic", "lingua"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_the_scan_command_imports_no_analytics_stack():
    loaded = _modules_after(
        "import click\n"
        "from typer.main import get_command\n"
        "from chainwatch.cli.app import app\n"
        "group = get_command(app)\n"
        "with click.Context(group) as ctx:\n"
        "    assert group.get_command(ctx, 'scan').name == 'scan'\n"
        "import chainwatch.service.scan"
    )
    assert not [m for m in HEAVY if m in loaded]
    assert "chainwatch.cli.chain" not in loaded  # other commands stay unimported


def test_every_command_is_still_listed_and_built(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for name in ("scan", "init", "analyze", "chain", "lists", "screen", "text"):
        assert f" {name} " in result.output


def test_a_scan_after_an_early_forkserver_start_finds_the_artifacts(tmp_path):
    from chainwatch.forensics.pool import start_forkserver
    from chainwatch.service.scan import scan_paths

    (tmp_path / "a.jpg").write_bytes(samples.jpeg(date="2016:03:01 10:00:00", offset="+08:30"))
    (tmp_path / "note.txt").write_text("로동자들이 할수 있다\nFix the head shape", "utf-8")
    start_forkserver()
    result = scan_paths([tmp_path], workers=2)
    assert result.summary()["findings_by_rule"].get("FILE-2") == 1
    assert result.summary()["findings_by_rule"].get("LANG-1") == 1
    note = next(r for r in result.records if r.path.endswith("note.txt"))
    assert {s["lang"] for s in note.languages} == {"ko", "en"}
