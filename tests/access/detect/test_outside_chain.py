"""CHAIN-1: a project's object touched outside the authorized chain."""

from __future__ import annotations

from datetime import UTC, datetime

from chainwatch.access.detect import outside_chain
from chainwatch.findings.catalogue import Severity
from chainwatch.findings.finding import SubjectType


def test_undeclared_party_unknown_account_and_anonymous_address(enrich, dctx):
    events = enrich(
        [
            {"ts": 0, "principal": "yf_render01", "src_ip": "123.184.0.1"},
            {
                "ts": 60,
                "principal": "yf_render01",
                "src_ip": "123.184.0.1",
                "action": "upload",
                "object": "bluehollow-lanternfall/LF-S1/ep105/sh0420/key_v003.png",
            },
            {"ts": 120, "principal": "stranger@x.example", "src_ip": "8.8.8.8"},
            {"ts": 180, "principal": None, "src_ip": "45.76.1.1"},
            {"ts": 240, "principal": None, "src_ip": "45.76.1.200"},
            {"ts": 300, "principal": None, "src_ip": "2001:db8::7"},
        ]
    )
    found = {f.subject_key: f for f in outside_chain.detect(events, dctx)}
    assert set(found) == {"yuanfang", "stranger@x.example", "45.76.1.0/24", "2001:db8::7"}
    party = found["yuanfang"]
    assert party.rule_id == "CHAIN-1" and party.severity is Severity.H
    assert party.subject_type is SubjectType.PARTY and party.project == "lanternfall-s1"
    assert party.evidence["authorization"] == [
        {"reason": "lf1-yuanfang is undeclared", "dates": ["2026-07-06"], "days": 1}
    ]
    assert party.evidence["distinct_objects"] == 2 and party.evidence["actions"] == [
        "download",
        "upload",
    ]
    assert party.evidence["accounts"] == ["yf_render01"]
    assert party.summary.startswith(
        "Shenyang Yuanfang Digital touched 2 objects of Lanternfall, Season 1 (lanternfall-s1)"
    )
    assert "lf1-yuanfang is undeclared" in party.summary
    assert found["stranger@x.example"].subject_type is SubjectType.ACCOUNT
    block = found["45.76.1.0/24"]  # one unknown /24: one finding naming both addresses
    assert block.subject_type is SubjectType.IP and block.evidence["ips"] == [
        "45.76.1.1",
        "45.76.1.200",
    ]
    assert block.summary.startswith("addresses in 45.76.1.0/24 touched")
    assert found["2001:db8::7"].summary.startswith("address 2001:db8::7 touched")


def test_access_before_the_engagement_starts(enrich, dctx):
    events = enrich([{"ts": datetime(2026, 1, 15, 9, tzinfo=UTC)}])
    [f] = outside_chain.detect(events, dctx)
    assert f.subject_key == "hanbit-motion"
    assert f.evidence["authorization"][0]["reason"] == "lf1-hanbit is not active on 2026-01-15"


def test_authorized_refused_and_unowned_objects_do_not_fire(enrich, dctx):
    events = enrich(
        [
            {"principal": "pm@hanbit-motion.example"},  # authorized tier 1
            {"principal": "color@dasol.example"},  # authorized tier 2
            {"principal": "yf_render01", "status": 403},  # refused: nothing moved
            {"principal": "yf_render01", "object": "unrelated-bucket/file.txt"},  # no project
        ]
    )
    assert outside_chain.detect(events, dctx) == []
