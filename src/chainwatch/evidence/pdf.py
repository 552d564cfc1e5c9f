"""Print the pack's HTML report to PDF, offline: WeasyPrint first, headless Chromium second.

WeasyPrint (BSD) is a Python dependency and uses the system's Pango, so ``pip install`` is all
``make demo`` needs; Chromium is used only when WeasyPrint cannot be imported (its native
libraries missing) and a ``chromium``/``google-chrome`` binary is on PATH. Neither may fetch
anything: WeasyPrint gets a URL fetcher that refuses every URL (the report has none; this
makes sure), Chromium runs with networking pointed at a dead proxy.

When no engine works, :func:`write_pdf` returns a result saying why instead of raising: the
pack is still complete and verifiable without its PDF, and says so in README.txt and the
manifest.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_TIMEOUT_S = 120


@dataclass(frozen=True)
class PdfResult:
    made: bool
    engine: str | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"made": self.made, "engine": self.engine, "reason": self.reason}


def _refuse_urls(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"evidence reports are offline; refusing to fetch {url}")


def _weasyprint(html: Path, pdf: Path) -> PdfResult:
    import weasyprint  # noqa: PLC0415 — optional at runtime: native libraries may be absent

    document = weasyprint.HTML(
        string=html.read_text("utf-8"), base_url=None, url_fetcher=_refuse_urls
    )
    document.write_pdf(pdf)
    return PdfResult(True, f"WeasyPrint {weasyprint.__version__}")


def _chromium(binary: str, html: Path, pdf: Path) -> PdfResult:
    with tempfile.TemporaryDirectory(prefix="chainwatch-chromium-") as profile:
        cmd = [
            binary, "--headless", "--disable-gpu", "--no-sandbox", "--no-pdf-header-footer",
            f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9",
            f"--print-to-pdf={pdf}", html.resolve().as_uri(),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, timeout=CHROMIUM_TIMEOUT_S, check=False)
    if done.returncode != 0 or not pdf.is_file():
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return PdfResult(False, "chromium", f"{binary} failed: {' '.join(tail) or done.returncode}")
    return PdfResult(True, Path(binary).name)


def available_engine() -> str | None:
    """The engine :func:`write_pdf` would use, or None (for tests and ``--json`` output)."""
    try:
        import weasyprint  # noqa: F401, PLC0415
    except (ImportError, OSError):
        pass
    else:
        return "weasyprint"
    return next((b for b in CHROMIUM_NAMES if shutil.which(b)), None)


def write_pdf(html: Path, pdf: Path) -> PdfResult:
    """Write ``pdf`` from ``html``; never raises for a missing or failing engine."""
    reasons = []
    try:
        return _weasyprint(html, pdf)
    except (ImportError, OSError) as exc:
        reasons.append(f"WeasyPrint unavailable ({type(exc).__name__}: {exc})")
    except Exception as exc:  # noqa: BLE001 — a rendering bug must not lose the whole pack
        pdf.unlink(missing_ok=True)
        reasons.append(f"WeasyPrint failed ({type(exc).__name__}: {exc})")
    for name in CHROMIUM_NAMES:
        binary = shutil.which(name)
        if binary:
            try:
                result = _chromium(binary, html, pdf)
            except (OSError, subprocess.TimeoutExpired) as exc:
                result = PdfResult(False, "chromium", f"{binary} failed: {exc}")
            if result.made:
                return result
            reasons.append(result.reason or "")
            break
    else:
        reasons.append("no headless Chromium on PATH")
    return PdfResult(False, None, "; ".join(r.splitlines()[0] for r in reasons if r))
