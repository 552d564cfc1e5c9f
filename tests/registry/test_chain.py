"""Tiers, authorization over time, and CHAIN-2: the chain rules as an investigator reads them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from chainwatch.domain import Engagement, EngagementStatus
from chainwatch.registry.chain import ChainGraph, chain2_findings
from chainwatch.registry.chainfile import parse_chain_text

CHAIN = parse_chain_text(
    (Path(__file__).parents[1] / "fixtures" / "chain.yaml").read_text("utf-8"), file="chain.yaml"
)
PROJECT = CHAIN.projects[0]
PARTIES = {p.key: p for p in CHAIN.parties}
ON = date(2026, 6, 1)


def graph(*extra: Engagement) -> ChainGraph:
    return ChainGraph(PROJECT, CHAIN.engagements + extra)


def test_tiers_are_derived_from_links():
    assert graph().tiers() == {
        "acme-pictures": 0,
        "seoul-vendor": 1,
        "colour-house": 2,
        "middleman": 2,
        "far-studio": 3,
    }


def test_authorization_follows_authorized_active_links():
    g = graph()
    assert g.authorization("acme-pictures", ON)
    ok = g.authorization("colour-house", ON)
    assert ok and ok.path == ("ts1-vendor", "ts1-colour")
    # before the colour house's engagement started, it was not authorized
    early = g.authorization("colour-house", date(2026, 2, 1))
    assert not early and "not active on 2026-02-01" in early.reason
    # after the vendor's engagement ended, nobody below it is authorized either
    late = g.authorization("colour-house", date(2027, 1, 15))
    assert not late and "contractor seoul-vendor is not authorized" in late.reason
    assert not g.authorization("middleman", ON)
    assert "undeclared" in g.authorization("middleman", ON).reason
    assert g.authorization("holding", ON).reason == "no engagement on this project"


def test_chain2_flags_undeclared_tiers_and_what_hangs_below_them():
    found = {f.subject_key: f for f in chain2_findings(PROJECT, CHAIN.engagements, PARTIES, ON)}
    assert set(found) == {"middleman", "far-studio"}
    mid = found["middleman"]
    assert mid.rule_id == "CHAIN-2" and mid.severity.value == "H"
    assert mid.evidence["tier"] == 2 and mid.evidence["status"] == "undeclared"
    assert "Seoul Vendor Co., Ltd. re-subcontracted Shenyang Middleman" in mid.summary
    far = found["far-studio"]
    assert len(far.evidence["reasons"]) == 2  # undeclared, and its contractor is unauthorized
    assert far.evidence["tier"] == 3


def test_authorized_link_under_unauthorized_contractor_is_flagged():
    sneaky = Engagement(
        "ts1-sneaky",
        "show-s1",
        "middleman",
        "colour-house",
        EngagementStatus.AUTHORIZED,
        authorized_by="someone",
    )
    found = [
        f
        for f in chain2_findings(PROJECT, CHAIN.engagements + (sneaky,), PARTIES, ON)
        if f.dedupe == "ts1-sneaky"
    ]
    assert len(found) == 1
    assert found[0].evidence["reasons"] == [
        "its contractor Shenyang Middleman Trading Co., Ltd. is itself not authorized"
    ]


def test_pending_and_refused():
    started = Engagement(
        "p1", "show-s1", "seoul-vendor", "holding", EngagementStatus.PENDING, start=date(2026, 5, 1)
    )
    future = Engagement(
        "p2", "show-s1", "colour-house", "holding", EngagementStatus.PENDING, start=date(2026, 9, 1)
    )
    refused = Engagement("r1", "show-s1", "acme-pictures", "holding", EngagementStatus.REFUSED)
    keys = {
        f.dedupe: f
        for f in chain2_findings(
            PROJECT, (*CHAIN.engagements, started, future, refused), PARTIES, ON
        )
    }
    assert "p1" in keys and keys["p1"].confidence == 0.6
    assert "p2" not in keys and "r1" not in keys


def test_detached_engagements_are_found_and_flagged():
    orphan = Engagement(
        "o1", "show-s1", "holding", "far-studio", EngagementStatus.AUTHORIZED, authorized_by="x"
    )
    g = graph(orphan)
    assert [e.key for e in g.detached()] == ["o1"]
    f = [
        f
        for f in chain2_findings(PROJECT, CHAIN.engagements + (orphan,), PARTIES, ON)
        if f.dedupe == "o1"
    ]
    assert f and "tier 3" in f[0].summary  # far-studio is reachable via the middleman


def test_tree_marks_each_link():
    root = graph().tree(ON)
    assert root.party == "acme-pictures" and root.authorized
    vendor = root.children[0]
    kids = {c.party: c for c in vendor.children}
    assert kids["colour-house"].authorized and not kids["middleman"].authorized
    assert kids["middleman"].children[0].party == "far-studio"
    assert kids["middleman"].children[0].tier == 3


def test_findings_are_stable_across_runs():
    a = chain2_findings(PROJECT, CHAIN.engagements, PARTIES, ON)
    b = chain2_findings(PROJECT, CHAIN.engagements, PARTIES, date(2026, 7, 1))
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]


def test_engagements_not_active_on_the_date_raise_nothing():
    before = {
        f.dedupe for f in chain2_findings(PROJECT, CHAIN.engagements, PARTIES, date(2020, 1, 1))
    }
    assert before == {"ts1-middleman", "ts1-far"}  # undeclared, open-ended: always active
    ended = Engagement(
        "e1",
        "show-s1",
        "middleman",
        "holding",
        EngagementStatus.UNDECLARED,
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
    )
    later = {f.dedupe for f in chain2_findings(PROJECT, (*CHAIN.engagements, ended), PARTIES, ON)}
    assert "e1" not in later
