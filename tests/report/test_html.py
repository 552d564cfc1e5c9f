"""The HTML report: what an auditor reads off the page, escaped, offline, self-contained."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chainwatch.report.html import TEMPLATE, environment, render_report, write_report

HANGUL_NAME = "한빛모션"
HAN_NAME = "沈阳明帧动画有限公司"
XSS = "<script>alert(1)</script>"

CHAIN_2 = {
    "id": "CHAIN-2",
    "category": "chain",
    "title": "Vendor re-subcontracted without authorization (a tier appears that no one approved)",
    "severity": "H",
    "severity_range": ["H"],
    "rationale": "DPRK work enters through subcontracting: an unapproved tier is where "
    "visibility ends.",
    "source": "reference/dprk-signals.md §1.3; MPA CSBP OR-8",
    "caveats": "Approval may exist on paper but not yet in the registry.",
}
SCR_1 = {
    "id": "SCR-1",
    "category": "screening",
    "title": "Party name or alias matches a sanctions-list entry",
    "severity": "C",
    "severity_range": ["C", "H", "M"],
    "rationale": "Listed parties operate under many names and scripts.",
    "source": "OFAC SDN; UN 1718 list",
    "caveats": "Common names collide.",
}
CHAIN_3 = {
    "id": "CHAIN-3",
    "category": "chain",
    "title": "Vendor refuses or fails to disclose its subcontractors",
    "severity": "H",
    "severity_range": ["H"],
    "rationale": "Non-disclosure keeps an undisclosed tier hidden.",
    "source": "reference/dprk-signals.md",
    "caveats": "None.",
}


def _engagement(key: str, status: str, *, by: str | None, on: str | None) -> dict[str, Any]:
    return {
        "key": key,
        "status": status,
        "scope": "in-between animation, ep. 1-12",
        "authorized_by": by,
        "authorized_on": on,
        "start": "2026-02-01",
        "end": "2026-09-30",
        "notes": None,
    }


def _finding(fid: int, *, project: str | None, summary: str, **over: Any) -> dict[str, Any]:
    finding = {
        "id": fid,
        "rule_id": "CHAIN-2",
        "severity": "H",
        "confidence": 0.9,
        "subject": {"type": "party", "key": "shenyang-brightframe"},
        "project": project,
        "summary": summary,
        "evidence": {
            "contractor": "hanbit-motion",
            "subcontractor": "shenyang-brightframe",
            "engagement": "hanbit-to-brightframe",
            "invoice": {"number": "BF-2026-0413", "amount": 18400, "currency": "USD"},
            "approved": False,
            "note": "송장 사본 (invoice copy)",
        },
        "source": "chain analyzer; invoice BF-2026-0413",
        "analyzer": "chain",
        "status": "open",
        "first_seen": "2026-11-20T08:30:00+00:00",
        "last_seen": "2026-11-25T09:59:00+00:00",
        "fingerprint": "9f2c" * 16,
    }
    finding.update(over)
    return finding


def sample_data() -> dict[str, Any]:
    chain_2 = _finding(
        41,
        project="moonlit-harbor",
        summary=f"Hanbit Motion re-subcontracted to Shenyang BrightFrame without approval {XSS}",
    )
    screening = _finding(
        42,
        project=None,
        rule_id="SCR-1",
        severity="C",
        confidence=0.72,
        summary="Alias 조선4.26만화영화촬영소 resembles listed SEK Studio",
        evidence={"list": "OFAC SDN", "entry": "SEK STUDIO", "score": 0.72},
    )
    return {
        "title": "Vendor chain report — Aurora Pictures",
        "generated_at": "2026-11-25T10:00:00+00:00",
        "version": "0.1.0",
        "home": "/home/compliance/.local/share/chainwatch",
        "counts": {"C": 1, "H": 1, "M": 0, "L": 0},
        "attributions": [
            "Sanctions data: OpenSanctions (CC BY-NC 4.0), retrieved 2026-11-24.",
        ],
        "projects": [
            {
                "key": "moonlit-harbor",
                "title": "Moonlit Harbor (season 1)",
                "aliases": ["달빛 항구", "MH-S1"],
                "client": {"key": "aurora-pictures", "name": "Aurora Pictures"},
                "tree": {
                    "party": "aurora-pictures",
                    "name": "Aurora Pictures",
                    "country": "US",
                    "tier": 0,
                    "authorized": True,
                    "findings": 0,
                    "engagement": None,
                    "children": [
                        {
                            "party": "hanbit-motion",
                            "name": HANGUL_NAME,
                            "country": "KR",
                            "tier": 1,
                            "authorized": True,
                            "findings": 0,
                            "engagement": _engagement(
                                "aurora-to-hanbit",
                                "authorized",
                                by="J. Park (Aurora compliance)",
                                on="2026-01-15",
                            ),
                            "children": [
                                {
                                    "party": "seoul-ink",
                                    "name": "Seoul Ink & Paint",
                                    "country": "KR",
                                    "tier": 2,
                                    "authorized": True,
                                    "findings": 0,
                                    "engagement": _engagement(
                                        "hanbit-to-seoul-ink",
                                        "authorized",
                                        by="J. Park (Aurora compliance)",
                                        on="2026-01-20",
                                    ),
                                    "children": [],
                                },
                                {
                                    "party": "shenyang-brightframe",
                                    "name": "Shenyang BrightFrame Animation",
                                    "country": "CN",
                                    "tier": 2,
                                    "authorized": False,
                                    "findings": 1,
                                    "engagement": _engagement(
                                        "hanbit-to-brightframe", "undeclared", by=None, on=None
                                    ),
                                    "children": [],
                                },
                            ],
                        }
                    ],
                },
                "detached": [
                    {
                        "key": "brightframe-to-dalian",
                        "contractor": "dalian-pixel",
                        "contractor_name": "Dalian Pixel Works",
                        "subcontractor": "seoul-ink",
                        "subcontractor_name": "Seoul Ink & Paint",
                        "status": "pending",
                        "scope": "colour keys",
                    }
                ],
                "findings": [chain_2],
            }
        ],
        "findings": [chain_2, screening],
        "parties": [
            {
                "key": "aurora-pictures",
                "name": "Aurora Pictures",
                "kind": "company",
                "country": "US",
                "names": [],
                "identifiers": [],
            },
            {
                "key": "hanbit-motion",
                "name": HANGUL_NAME,
                "kind": "company",
                "country": "KR",
                "names": [
                    {"value": "Hanbit Motion Co., Ltd.", "kind": "alias", "script": "Latn"},
                ],
                "identifiers": [{"type": "kr_brn", "value": "220-81-12345", "country": "KR"}],
            },
            {
                "key": "seoul-ink",
                "name": "Seoul Ink & Paint",
                "kind": "company",
                "country": "KR",
                "names": [],
                "identifiers": [],
            },
            {
                "key": "shenyang-brightframe",
                "name": "Shenyang BrightFrame Animation",
                "kind": "company",
                "country": "CN",
                "names": [
                    {"value": HAN_NAME, "kind": "original_script", "script": "Hani"},
                    {"value": "조선4.26만화영화촬영소", "kind": "weak_alias", "script": "Hang"},
                ],
                "identifiers": [
                    {"type": "cn_uscc", "value": "91210100MA0XXXXX1Y", "country": "CN"}
                ],
            },
        ],
        "rules": {"SCR-1": SCR_1, "CHAIN-2": CHAIN_2, "CHAIN-3": CHAIN_3},
    }


class _Page(HTMLParser):
    """Collects the tree's node cards (own text only), ids, and src/href attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: dict[str, str] = {}
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []
        self._party: str | None = None
        self._depth = 0
        self._text: list[str] = []
        self.script_tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "script":
            self.script_tags += 1
        if attr.get("id"):
            self.ids.add(attr["id"] or "")
        for name in ("src", "href"):
            if attr.get(name) is not None:
                self.links.append((name, attr[name] or ""))
        if self._party is not None and tag == "div":
            self._depth += 1
        elif tag == "div" and attr.get("data-party"):
            self._party, self._depth, self._text = attr["data-party"], 1, []

    def handle_endtag(self, tag: str) -> None:
        if self._party is not None and tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self.nodes[self._party] = " ".join(" ".join(self._text).split())
                self._party = None

    def handle_data(self, data: str) -> None:
        if self._party is not None:
            self._text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def page() -> str:
    return render_report(sample_data())


@pytest.fixture(scope="module")
def parsed(page: str) -> _Page:
    return _parse(page)


def test_template_is_autoescaped() -> None:
    env = environment()
    assert env.autoescape(TEMPLATE) is True
    assert env.get_template(TEMPLATE).render(data={}).count("<script") == 0


def test_page_is_a_complete_english_document(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    assert '<meta charset="utf-8">' in page
    assert "<title>Vendor chain report — Aurora Pictures</title>" in page
    assert "@media print" in page
    assert "2026-11-25 10:00 UTC" in page
    assert "0.1.0" in page
    assert "/home/compliance/.local/share/chainwatch" in page


def test_each_party_sits_at_its_tier(parsed: _Page) -> None:
    expected = {
        "aurora-pictures": ("T0", "Aurora Pictures"),
        "hanbit-motion": ("T1", HANGUL_NAME),
        "seoul-ink": ("T2", "Seoul Ink & Paint"),
        "shenyang-brightframe": ("T2", "Shenyang BrightFrame Animation"),
    }
    assert set(parsed.nodes) == set(expected)
    for party, (tier, name) in expected.items():
        assert parsed.nodes[party].startswith(f"{tier} {name}"), parsed.nodes[party]


def test_tree_is_nested_lists(page: str) -> None:
    tree = page[page.index('<ul class="tree">') :]
    hanbit = tree.index('data-party="hanbit-motion"')
    brightframe = tree.index('data-party="shenyang-brightframe"')
    # The intermediary's <li> opens inside the vendor's nested <ul>, before that <li> closes.
    assert "<ul>" in tree[hanbit:brightframe]
    assert tree[hanbit:brightframe].count("</li>") == 1  # only Seoul Ink's closes in between


def test_undeclared_intermediary_is_marked_and_the_authorized_vendor_is_not(
    parsed: _Page,
) -> None:
    intermediary = parsed.nodes["shenyang-brightframe"]
    assert "undeclared" in intermediary
    assert "not authorized" in intermediary
    assert "1 finding" in intermediary
    assert "CN" in intermediary
    for party in ("hanbit-motion", "seoul-ink"):
        vendor = parsed.nodes[party]
        assert "authorized" in vendor
        assert "undeclared" not in vendor
        assert "not authorized" not in vendor
        assert "J. Park (Aurora compliance)" in vendor
        assert "2026-02-01" in vendor and "2026-09-30" in vendor
    assert "not authorized" not in parsed.nodes["aurora-pictures"]


def test_status_badges_carry_their_colour_class(page: str) -> None:
    assert 'class="status status-undeclared"' in page
    assert 'class="status status-authorized"' in page
    assert 'class="status status-pending"' in page  # the detached engagement
    for status, colour in (
        ("authorized", "--ok"),
        ("pending", "--warn"),
        ("refused", "--off"),
        ("undeclared", "--bad"),
    ):
        assert re.search(rf"\.status-{status} \{{[^}}]*var\({colour}\)", page), status


def test_chain_2_rule_is_listed_and_the_finding_links_to_it(page: str, parsed: _Page) -> None:
    assert "rule-CHAIN-2" in parsed.ids
    rules = page[page.index('<section id="rules">') :]
    assert 'id="rule-CHAIN-2"' in rules
    assert CHAIN_2["title"] in rules
    assert "MPA CSBP OR-8" in rules
    row = page[page.index('id="finding-41"') :]
    row = row[: row.index("</tr>")]
    assert 'href="#rule-CHAIN-2"' in row
    assert "90%" in row
    assert "status-open" in row


def test_only_referenced_rules_are_listed(parsed: _Page) -> None:
    assert {"rule-CHAIN-2", "rule-SCR-1"} <= parsed.ids
    assert "rule-CHAIN-3" not in parsed.ids


def test_every_rule_link_lands_on_an_anchor(parsed: _Page) -> None:
    targets = [href[1:] for name, href in parsed.links if name == "href" and href.startswith("#")]
    assert targets
    assert set(targets) <= parsed.ids


def test_summary_is_escaped(page: str, parsed: _Page) -> None:
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert parsed.script_tags == 0


def test_hangul_and_han_survive(page: str) -> None:
    for text in (HANGUL_NAME, HAN_NAME, "달빛 항구", "송장 사본", "조선4.26만화영화촬영소"):
        assert text in page


def test_evidence_is_a_definition_list_with_nested_json(page: str) -> None:
    row = page[page.index('id="finding-41"') :]
    row = row[: row.index("</tr>")]
    assert "<details" in row
    assert "<dt>invoice</dt>" in row
    assert "&#34;number&#34;: &#34;BF-2026-0413&#34;" in row  # pretty JSON, escaped quotes
    assert "<dt>approved</dt>\n<dd>false</dd>" in row


def test_findings_without_a_project_have_their_own_section(page: str) -> None:
    section = page[page.index('<section id="unattached">') :]
    section = section[: section.index("</section>")]
    assert "Findings not tied to a project" in section
    assert 'id="finding-42"' in section
    assert 'id="finding-41"' not in section


def test_summary_cards_and_parties_table(page: str) -> None:
    summary = page[page.index('<section id="summary"') : page.index("</section>")]
    # C, H, M, L, then projects, parties, findings.
    numbers = re.findall(r'<div class="n">(\d+)</div>', summary)
    assert numbers == ["1", "1", "0", "0", "1", "4", "2"]
    parties = page[page.index('<section id="parties">') :]
    assert "cn_uscc:91210100MA0XXXXX1Y" in parties
    assert "original_script" in parties
    assert 'id="party-shenyang-brightframe"' in parties


def test_footer_caveat_and_attribution(page: str) -> None:
    footer = page[page.index('<footer class="page">') :]
    assert "Absence of a signal proves nothing" in footer
    assert "OpenSanctions" in footer


def test_no_external_resources(parsed: _Page, page: str) -> None:
    external = [(n, v) for n, v in parsed.links if re.match(r"\s*(https?:)?//", v, re.I)]
    assert external == []
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)


def test_empty_findings_render_no_findings() -> None:
    data = copy.deepcopy(sample_data())
    data["findings"] = []
    data["counts"] = {"C": 0, "H": 0, "M": 0, "L": 0}
    data["attributions"] = []
    for project in data["projects"]:
        project["findings"] = []
    page = render_report(data)
    assert "No findings" in page
    assert "No findings for this project." in page
    assert 'id="unattached"' not in page
    assert 'class="rule ' not in page
    assert "Absence of a signal proves nothing" in page


def test_minimal_data_renders() -> None:
    page = render_report({"title": "Empty", "projects": [], "findings": [], "parties": []})
    assert "<title>Empty</title>" in page
    assert "No findings" in page


def test_write_report_writes_utf8_and_creates_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "out" / "nested" / "report.html"
    written = write_report(sample_data(), target)
    assert written == target
    text = target.read_text(encoding="utf-8")
    assert text == render_report(sample_data())
    assert HANGUL_NAME.encode("utf-8") in target.read_bytes()
