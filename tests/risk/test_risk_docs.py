"""docs/risk.md cannot drift from RiskSettings: its table is generated, its names are real."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from cogapp import Cog

from chainwatch.risk import RiskSettings

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "risk.md"


def test_the_settings_table_is_current(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "src"))
    assert Cog().main(["cog", "--check", str(PAGE)]) == 0, "run `cog -r docs/risk.md`"


def test_every_setting_is_documented_with_its_default():
    text = PAGE.read_text("utf-8")
    for f in fields(RiskSettings):
        assert f"| `{f.name}` |" in text
    assert "| `half_life_days` | 180 |" in text
    assert "| `thresholds` | watch 5, elevated 15, high 35, critical 70 |" in text
