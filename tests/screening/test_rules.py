"""SCR-1…SCR-5 over a registry, against real OFAC rows (tests/fixtures/lists/ofac)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwatch.domain import Identifier, Location, Name, Ownership, Party, PartyKind
from chainwatch.screening.index import ScreeningIndex
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.ofac import OfacLegacyLoader
from chainwatch.screening.rules import screening_findings, severity_for
from chainwatch.screening.scorer import DEFAULT_THRESHOLD

OFAC = Path(__file__).parents[1] / "fixtures" / "lists" / "ofac"


@pytest.fixture(scope="module")
def index() -> ScreeningIndex:
    paths = [OFAC / n for n in ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")]
    entries = list(OfacLegacyLoader(kind="ofac_sdn").read(paths, LoadReport("ofac_sdn")))
    return ScreeningIndex.build(entries)


def company(key: str, name: str, **kw) -> Party:
    return Party(key=key, kind=PartyKind.COMPANY, names=(Name(name),), **kw)


def by_rule(findings, key):
    return {f.rule_id for f in findings if f.subject_key == key}


def test_identifier_name_and_list_link(index):
    vendor = company(
        "cq",
        "Chongqing Ningse Animation",
        identifiers=(Identifier("uscc", "91500118582829838H", "cn"),),
    )
    found = screening_findings([vendor], [], index, DEFAULT_THRESHOLD)
    rules = {f.rule_id: f for f in found}
    assert set(rules) >= {"SCR-2", "SCR-4"}
    assert rules["SCR-2"].severity.value == "C"
    assert "91500118582829838H" in rules["SCR-2"].summary
    assert rules["SCR-4"].evidence["related_name"] == "SEK STUDIO"
    assert rules["SCR-4"].evidence["related_entry_id"] == "34022"


def test_name_only_match_is_scr1_with_severity_by_score(index):
    found = screening_findings([company("sek", "S.E.K. Studio")], [], index, DEFAULT_THRESHOLD)
    scr1 = [f for f in found if f.rule_id == "SCR-1"]
    assert scr1 and scr1[0].evidence["entry_id"] == "34022"
    assert scr1[0].severity == severity_for(scr1[0].confidence)
    assert scr1[0].evidence["explanation"]


def test_fictional_vendors_raise_nothing(index):
    parties = [
        company("a", "Hanbit Motion Co., Ltd."),
        company("b", "Dasol Ink & Paint"),
        company("c", "Bluehollow Pictures, Inc."),
    ]
    assert screening_findings(parties, [], index, DEFAULT_THRESHOLD) == []


def test_ownership_fifty_percent_rule_and_minority_stake(index):
    sek = company("sek", "SEK Studio")
    sub = company("sub", "Riverside Ink Co.")
    part = company("part", "Lakeside Colour Co.")
    links = [Ownership("sek", "sub", 60), Ownership("sek", "part", 30)]
    found = screening_findings([sek, sub, part], links, index, DEFAULT_THRESHOLD)
    assert "SCR-3" in by_rule(found, "sub")
    scr3 = next(f for f in found if f.rule_id == "SCR-3")
    assert scr3.evidence["total_pct"] == 60
    assert by_rule(found, "part") == {"SCR-4"}


def test_dprk_jurisdiction_without_a_listing(index):
    p = company("pyo", "Taedonggang Art Works", locations=(Location("kp", None, "Pyongyang"),))
    found = screening_findings([p], [], index, DEFAULT_THRESHOLD)
    assert [f.rule_id for f in found] == ["SCR-5"]
    assert "Pyongyang" in found[0].summary


def test_findings_are_stable(index):
    vendor = company("cq", "Nings Cartoon Studio")
    a = screening_findings([vendor], [], index, DEFAULT_THRESHOLD)
    b = screening_findings([vendor], [], index, DEFAULT_THRESHOLD)
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b] and a


def test_dprk_government_parties_count_for_the_fifty_percent_rule(index):
    kp = company("kp", "Taedonggang Trading", country="kp")
    b, c = company("b", "Riverside Ink Co."), company("c", "Lakeside Colour Co.")
    links = [Ownership("kp", "b", 60), Ownership("kp", "c", 25), Ownership("b", "c", 30)]
    found = screening_findings([kp, b, c], links, index, DEFAULT_THRESHOLD)
    assert "SCR-3" in by_rule(found, "b") and "SCR-3" in by_rule(found, "c")
