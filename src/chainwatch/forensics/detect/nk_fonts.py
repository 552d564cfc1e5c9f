"""FILE-5: North Korean fonts and software named in font tables or metadata (§4.3).

Font names are matched only in font fields (DOCX fontTable/theme, PDF /BaseFont, ASS styles,
PSD text layers), software names only in application/producer/creator/software fields, never
in body text, where "Chollima" or "Red Star" can be ordinary words. Choices against false
positives, following the rule's caveat ("match whole font family names, not a bare KP
prefix"):

- a bare ``KP`` or ``KCC`` is not enough: South Korea's Copyright Commission publishes free
  fonts named ``KCC-Ganpan``, ``KCC-Hanbit``…; a name must hold a DPRK family word
  (CheonRiMa/Chollima, CheongPong/Chongbong, Kwangmyong, Okryu and their Hangul forms) or be
  a ``KP … KCC`` family (``KP CheonRiMa KCC``, ``KPCheongPongKCC``);
- PDF subset prefixes (``ABCDEF+``) and spaces, hyphens and underscores are ignored, since
  PostScript names drop the spaces.
"""

from __future__ import annotations

import re

from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.forensics.detect.summary import one_line

_FAMILY = re.compile(
    r"ch(?:e)?onri-?ma|chollima|che?ong-?pong|chongbong|kwangmyong|okryu|"
    r"천리마|청봉|광명체|옥류체",
    re.I,
)
_KP_KCC = re.compile(r"^KP[A-Z가-힣].*KCC$")  # after removing spaces, hyphens, underscores
_SOFTWARE = re.compile(
    r"changdeok|changdok|창덕|red\s?star|붉은별|pulgunbyol|korea computer cent(?:er|re)", re.I
)


def _squash(name: str) -> str:
    name = re.sub(r"^[A-Z]{6}\+", "", name.strip())  # PDF font subset tag
    return re.sub(r"[\s_\-]+", "", name)


def is_nk_font(name: str) -> bool:
    squashed = _squash(name)
    return bool(_FAMILY.search(squashed) or _KP_KCC.match(squashed))


def nk_font_findings(
    fonts: list[tuple[str, str]],
    software: list[tuple[str, str]],
    *,
    subject_key: str,
    sha256: str,
    project: str | None,
    analyzer: str,
) -> list[Finding]:
    font_hits = [{"field": f, "value": v} for f, v in fonts if is_nk_font(v)]
    soft_hits = [{"field": f, "value": v} for f, v in software if _SOFTWARE.search(v)]
    if not font_hits and not soft_hits:
        return []
    hits = font_hits + soft_hits
    names = sorted({h["value"] for h in hits})
    return [
        Finding.of(
            "FILE-5",
            subject_type=SubjectType.FILE,
            subject_key=subject_key,
            summary=one_line(
                f"North Korean font/software named in {hits[0]['field']}: {', '.join(names)}"
            ),
            evidence={
                "path": subject_key,
                "sha256": sha256,
                "fonts": font_hits[:50],
                "software": soft_hits[:50],
            },
            confidence=0.8 if font_hits else 0.7,
            analyzer=analyzer,
            project=project,
            dedupe=sha256,
        )
    ]
