"""The PDF step never breaks a pack: without an engine it says why instead of raising."""

from __future__ import annotations

import sys

from chainwatch.evidence.pdf import write_pdf


def test_no_engine_gives_a_reason_not_a_traceback(tmp_path, monkeypatch):
    html = tmp_path / "r.html"
    html.write_text("<!DOCTYPE html><title>x</title><p>hello</p>", "utf-8")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if its libraries were missing
    monkeypatch.setenv("PATH", str(tmp_path))  # and no Chromium on PATH
    result = write_pdf(html, tmp_path / "r.pdf")
    assert result.made is False and result.engine is None
    assert "WeasyPrint unavailable" in result.reason
    assert "no headless Chromium on PATH" in result.reason
    assert not (tmp_path / "r.pdf").exists()
