"""service.risk on a real store (SQLite and PostgreSQL): scoping, attribution, exclusions."""

from __future__ import annotations

from datetime import timedelta

from risk_inputs import NOW

from chainwatch.findings.finding import Finding, FindingStatus, SubjectType
from chainwatch.service import cases
from chainwatch.service import risk as service
from chainwatch.service.chains import import_chain_file
from chainwatch.storage import findings_store
from chainwatch.storage.session import open_session


def _f(rule, kind, key, *, project=None, evidence=None, confidence=0.9, dedupe=""):
    return Finding.of(
        rule,
        subject_type=kind,
        subject_key=key,
        summary=f"{rule} on {key}",
        evidence=evidence or {},
        confidence=confidence,
        analyzer="test",
        project=project,
        dedupe=dedupe,
    )


def test_project_scope_attribution_and_exclusions(db_settings, sample_chain):
    findings = [
        # a sanctions hit has no project: it belongs to show-s1 through its party
        _f("SCR-2", SubjectType.PARTY, "far-studio", confidence=0.99),
        # an access finding without project, whose evidence names it; account -> seoul-vendor
        _f(
            "NET-2",
            SubjectType.ACCOUNT,
            "PM@seoul-vendor.example",
            evidence={"projects": ["show-s1"], "window": {"end": "2026-08-31T12:00:00Z"}},
        ),
        # an address in seoul-vendor's declared range
        _f("NET-9", SubjectType.IP, "203.0.113.7", project="show-s1", confidence=0.7),
        # a file in a dump: unattributed, but raised on the project
        _f("FILE-5", SubjectType.FILE, "dump/x.psd", project="show-s1"),
        # about nothing we know, on no project
        _f("NET-6", SubjectType.IP, "192.0.2.200", confidence=0.5),
        # about a registered asset of the project, raised without a project
        _f("EXPOSE-1", SubjectType.ASSET, "TS1-101-0010"),
        # dismissed by a reviewer: not counted
        _f("CHAIN-2", SubjectType.PARTY, "middleman", project="show-s1", dedupe="ts1-middleman"),
    ]
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
        findings_store.record_findings(s, findings, NOW)
        ids = {x.finding.rule_id: x.id for x in findings_store.list_findings(s)}
        findings_store.set_finding_status(s, ids["CHAIN-2"], FindingStatus.DISMISSED)
    with open_session(db_settings) as s:
        r = service.assess_project(s, db_settings, "show-s1", now=NOW)
        d = r.to_dict()
        counted = {x.input.finding_id for x in r.reasons}
        assert counted == {
            ids["SCR-2"],
            ids["NET-2"],
            ids["NET-9"],
            ids["FILE-5"],
            ids["EXPOSE-1"],
        }
        assert d["not_counted_status"] == 1 and d["suppressed"] == 0
        vendor = r.by_party["seoul-vendor"]
        vias = {x.input.finding.rule_id: x.input.parties[0].via for x in vendor.own.reasons}
        assert vias == {"NET-2": "account", "NET-9": "network"}
        # NET-2 decays from its evidence window (one day), not from when it was stored
        net2 = next(x for x in vendor.own.reasons if x.input.finding.rule_id == "NET-2")
        assert net2.age_days == 1.0
        tiers = {t["tier"]: t for t in d["by_tier"]}
        assert tiers["unattributed"]["counted_findings"] == 2  # the file and the asset
        assert tiers[3]["level"] == "critical" and d["carried_by"]["tier"] == 3
        # a suppression takes a finding out and is counted
        cases.suppress(
            s,
            rule="NET-9",
            subject="203.0.113.*",
            reason="office NAT",
            owner="ana",
            expires_at=NOW + timedelta(days=10),
            actor="ana",
            now=NOW - timedelta(days=1),
        )
        again = service.assess_project(s, db_settings, "show-s1", now=NOW)
        assert again.to_dict()["suppressed_findings"] == [ids["NET-9"]]
        expired = service.assess_project(s, db_settings, "show-s1", now=NOW + timedelta(days=11))
        assert expired.to_dict()["suppressed"] == 0
        overview = service.assess_all(s, db_settings, now=NOW)
    assert overview.unscoped == (ids["NET-6"],)
    assert [p.project for p in overview.projects] == ["show-s1"]
    levels = {p.party: p.level.value for p in overview.parties}
    assert levels["far-studio"] == "critical"
    assert levels["middleman"] == "high"  # inherits far-studio one hop up
    assert levels["acme-pictures"] == "clear"  # the client inherits nothing
