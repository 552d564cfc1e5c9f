"""Docs that cannot drift: generated pages are current, every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cogapp import Cog

from chainwatch.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("page", ["docs/cli.md", "docs/rules.md", "docs/settings.md"])
def test_generated_pages_are_current(page, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "src"))
    assert Cog().main(["cog", "--check", str(ROOT / page)]) == 0, f"run `make docs` ({page})"


def test_every_environment_variable_is_a_documented_setting():
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r"\bCHAINWATCH_[A-Z_]+\b", path.read_text("utf-8")))
    declared = {s.env for s in SETTINGS}
    assert used <= declared, f"undeclared settings: {sorted(used - declared)}"
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = [s.env for s in SETTINGS if s.env not in readme]
    assert not missing, f"README does not mention {missing}"


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "make demo" in readme and "make test" in readme
