"""The demo's case seed on findings shaped like the demo's (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from case_world import NOW

from chainwatch.demo.cases import LEAD, seed_cases
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.service import cases, ledger
from chainwatch.service import risk as risk_service
from chainwatch.service.chains import import_chain_file
from chainwatch.storage import findings_store
from chainwatch.storage.session import open_session

KEY = "AKIAVENDOR0000000001"
DPRK_IP = "175.45.178.20"


def _access(rule, ips, countries, confidence):
    return Finding.of(
        rule,
        subject_type=SubjectType.ACCOUNT,
        subject_key=KEY,
        summary=f"{KEY} {rule} from {', '.join(countries)}",
        evidence={"ips": ips, "countries": countries, "parties": ["seoul-vendor"]},
        confidence=confidence,
        analyzer="access",
        dedupe=",".join(ips),
    )


def test_seed_opens_a_case_on_critical_findings_and_suppresses_the_geo_artefact(
    db_settings, sample_chain
):
    findings = [
        _access("NET-1", [DPRK_IP], ["kp"], 0.95),
        _access("NET-9", [DPRK_IP], ["it"], 0.6),  # the DB's country for DPRK space: wrong
        _access("NET-9", ["198.51.100.4"], ["cn"], 0.6),  # a real one: stays
        Finding.of(
            "SCR-2",
            subject_type=SubjectType.PARTY,
            subject_key="far-studio",
            summary="far-studio: listed identifier",
            evidence={},
            confidence=0.99,
            analyzer="screening",
        ),
    ]
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
        findings_store.record_findings(s, findings, NOW)
        out = seed_cases(s, db_settings, now=NOW, project="show-s1")
    with open_session(db_settings) as s:
        view = cases.get_case(s, out["case"])
        rules = sorted(f.finding.rule_id for f in view.findings)
        assert rules == ["NET-1", "SCR-2"]
        assert view.case.assignee == LEAD and view.status == "open" and view.comments
        (sup,) = cases.list_suppressions(s, now=NOW)
        assert sup.id == out["suppression"]
        assert sup.expires_at == NOW + timedelta(days=90) and "AS131279" in sup.reason
        suppressed = findings_store.get_finding(s, sup.finding_id)
        assert suppressed.finding.rule_id == "NET-9"
        assert suppressed.finding.evidence["countries"] == ["it"]
        kinds = [e["kind"] for e in ledger.entries(s, kinds=["case", "decision", "suppression"])]
        assert kinds == ["case", "case", "suppression"]
        party = risk_service.assess_party(s, db_settings, "seoul-vendor", now=NOW)
    assert party.to_dict()["suppressed"] == 1
