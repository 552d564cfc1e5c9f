"""Risk along a chain: the tier that carries it, inheritance up the engagement path,
no double counting, unattributed and outside-chain buckets; and attribution to parties."""

from __future__ import annotations

from dataclasses import replace

from risk_inputs import NOW

from chainwatch.domain import (
    Account,
    AccountKind,
    Engagement,
    EngagementStatus,
    Name,
    Party,
    PartyKind,
    Project,
)
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.risk import (
    Attribution,
    Level,
    PartyDirectory,
    RiskSettings,
    assess,
    assess_party_chains,
    assess_project_chain,
    attribute,
    parties_below,
)

PROJECT = Project("show-s1", "acme", "Show, Season 1")


def eng(key, contractor, sub, status=EngagementStatus.AUTHORIZED, project="show-s1"):
    return Engagement(key, project, contractor, sub, status)


# acme (T0) -> seoul (T1) -> colour (T2)
#                         -> middleman (T2, undeclared) -> far (T3, undeclared)
CHAIN = [
    eng("e-seoul", "acme", "seoul"),
    eng("e-colour", "seoul", "colour"),
    eng("e-middle", "seoul", "middleman", EngagementStatus.UNDECLARED),
    eng("e-far", "middleman", "far", EngagementStatus.UNDECLARED),
]


def test_parties_below_follow_the_engagement_path():
    assert parties_below("seoul", CHAIN) == {
        "colour": ("e-colour",),
        "middleman": ("e-middle",),
        "far": ("e-middle", "e-far"),
    }
    refused = [*CHAIN, eng("e-no", "colour", "ghost", EngagementStatus.REFUSED)]
    assert "ghost" not in parties_below("seoul", refused)


def test_the_tier_that_carries_the_risk_and_who_inherits_it(make):
    s = RiskSettings()
    listed = make("SCR-2", party="far", confidence=0.99, project=None)
    r = assess_project_chain(PROJECT, CHAIN, [listed], s, NOW)
    assert r.level is Level.CRITICAL
    assert r.carried_by.tier == 3 and r.carried_by.parties == ("far",)
    assert r.to_dict()["carried_by"]["party"] == "far"
    tiers = {t.tier: t.assessment.level for t in r.by_tier}
    assert tiers == {
        0: Level.CLEAR,
        1: Level.CLEAR,
        2: Level.CLEAR,
        3: Level.CRITICAL,
        "unattributed": Level.CLEAR,
    }
    # the tier-2 intermediary that subcontracted it inherits one hop: floor critical -> high
    middle = r.by_party["middleman"]
    assert middle.own.level is Level.CLEAR and middle.level is Level.HIGH
    inherited = [x for x in middle.combined.reasons if x.inherited_from]
    assert [(x.inherited_from, x.path) for x in inherited] == [("far", ("e-far",))]
    # the tier-1 vendor two hops up: critical -> elevated, with the whole path shown
    seoul = r.by_party["seoul"].to_dict()
    assert seoul["level"] == "elevated" and seoul["own_level"] == "clear"
    assert seoul["inherited_from"][0]["path"] == ["e-middle", "e-far"]
    assert seoul["reasons"][0]["inherited"] is True
    assert seoul["reasons"][0]["inherited_from"] == "far"
    # the colour house beside it inherits nothing; the client inherits nothing either
    assert r.by_party["colour"].level is Level.CLEAR
    assert r.by_party["acme"].level is Level.CLEAR and not r.by_party["acme"].inherited


def test_inherited_reasons_are_not_counted_again_in_the_project(make):
    s = RiskSettings()
    items = [
        make("CHAIN-2", party="far", confidence=0.9),
        make("CHAIN-2", party="middleman", confidence=0.9),
        make("NET-9", party="seoul", confidence=0.6),
    ]
    r = assess_project_chain(PROJECT, CHAIN, items, s, NOW)
    assert r.score == assess(items, s, NOW).score
    assert r.assessment.counted == 3
    seoul = r.by_party["seoul"]
    assert seoul.combined.score > seoul.own.score  # seoul does carry what it brought in
    assert r.score < sum(p.combined.score for p in r.by_party.values())


def test_unattributed_findings_count_for_the_project_in_their_own_bucket(make):
    s = RiskSettings()
    dump = make("FILE-1", confidence=0.99)  # a file: no party
    vendor = make("NET-9", party="seoul", confidence=0.6)
    r = assess_project_chain(PROJECT, CHAIN, [dump, vendor], s, NOW)
    bucket = next(t for t in r.by_tier if t.tier == "unattributed")
    assert bucket.assessment.counted == 1 and bucket.assessment.level is Level.HIGH
    assert r.level is Level.HIGH  # the project counts it
    assert r.carried_by.tier == 1  # but the chain's carrier is the party tier
    only_files = assess_project_chain(PROJECT, CHAIN, [dump], s, NOW)
    assert only_files.carried_by.tier == "unattributed"


def test_parties_outside_the_chain_have_their_own_bucket(make):
    stranger = make("CHAIN-1", party="stranger", confidence=0.85)
    r = assess_project_chain(PROJECT, CHAIN, [stranger], RiskSettings(), NOW)
    assert r.carried_by.tier == "outside_chain"
    assert r.by_party["stranger"].tier is None


def test_a_party_inherits_each_party_below_once_across_projects(make):
    other = Project("show-s2", "acme", "Show, Season 2")
    s2 = [
        eng("f-seoul", "acme", "seoul", project="show-s2"),
        eng("f-far", "seoul", "far", EngagementStatus.UNDECLARED, project="show-s2"),
    ]
    listed = make("SCR-2", party="far", confidence=0.99, project=None)
    r = assess_party_chains(
        "seoul",
        [],
        [(PROJECT, CHAIN, [listed]), (other, s2, [listed])],
        RiskSettings(),
        NOW,
    )
    assert len(r.inherited) == 1
    assert r.inherited[0].project == "show-s2" and r.inherited[0].path == ("f-far",)
    assert r.level is Level.HIGH  # one hop on season 2: critical -> high
    assert r.tiers == {"show-s1": 1, "show-s2": 1}
    assert r.combined.inherited_score == 49.5 * 0.5


def _party(key, accounts=(), networks=()):
    return Party(
        key,
        PartyKind.COMPANY,
        (Name(key),),
        accounts=tuple(Account(AccountKind.EMAIL, a) for a in accounts),
        networks=tuple(networks),
    )


def _finding(kind, key, evidence=None, rule="NET-9"):
    return Finding.of(
        rule,
        subject_type=kind,
        subject_key=key,
        summary="x",
        evidence=evidence or {},
        confidence=0.6,
        analyzer="test",
    )


def test_attribution_reads_subjects_accounts_networks_and_evidence():
    d = PartyDirectory(
        [_party("seoul", ["PM@seoul.example"], ["203.0.113.0/24"]), _party("dasol")],
        [eng("e-dasol", "seoul", "dasol")],
    )

    def who(f):
        return [(a.party, a.via) for a in attribute(f, d)]

    assert who(_finding(SubjectType.PARTY, "dasol")) == [("dasol", "subject")]
    assert who(_finding(SubjectType.PARTY, "nobody")) == []
    assert who(_finding(SubjectType.ENGAGEMENT, "e-dasol")) == [("dasol", "engagement")]
    assert who(_finding(SubjectType.ACCOUNT, "pm@seoul.example")) == [("seoul", "account")]
    assert who(_finding(SubjectType.IP, "203.0.113.77")) == [("seoul", "network")]
    assert who(_finding(SubjectType.IP, "203.0.113.0/24")) == [("seoul", "network")]
    assert who(_finding(SubjectType.IP, "198.51.100.7")) == []
    assert who(_finding(SubjectType.IP, "not an address")) == []
    leak = _finding(SubjectType.FILE, "dump/a.jpg", {"recipient": "dasol"}, rule="MARK-1")
    assert who(leak) == [("dasol", "evidence.recipient")]
    access = _finding(SubjectType.IP, "192.0.2.1", {"parties": ["dasol", None, "ghost"]})
    assert who(access) == [("dasol", "evidence.parties")]
    assert who(_finding(SubjectType.FILE, "notes.txt")) == []


def test_a_finding_naming_a_vendor_and_its_subcontractor_is_inherited_once(make):
    s = RiskSettings()
    both = (Attribution("seoul", "evidence.parties"), Attribution("far", "evidence.parties"))
    shared = replace(make("NET-3", party="seoul"), parties=both)  # one account, two parties
    listed = make("CHAIN-2", party="far", confidence=0.9)
    r = assess_project_chain(PROJECT, CHAIN, [shared, listed], s, NOW)
    seoul = r.by_party["seoul"]
    # seoul holds NET-3 itself; from far (two hops) it inherits only CHAIN-2
    assert seoul.own.score == 8.0
    assert seoul.combined.score == 8.0 + 18.0 * 0.25
    inherited_ids = {x.input.finding_id for x in seoul.combined.reasons if x.inherited_from}
    assert inherited_ids == {listed.finding_id}
    # the intermediary holds neither: it inherits both from far, once each
    far_score = r.by_party["far"].own.score
    assert far_score == (18.0 + 8.0) * 1.25
    assert r.by_party["middleman"].combined.score == far_score * 0.5
