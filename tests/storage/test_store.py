"""The registry store on SQLite and on PostgreSQL: idempotent import, findings, authorization."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from chainwatch.errors import ChainFileError, NotFoundError, StorageError
from chainwatch.findings.finding import FindingStatus
from chainwatch.registry.chainfile import chain_to_yaml, parse_chain_text
from chainwatch.service.analyze import run_analyzers
from chainwatch.service.authorization import is_authorized
from chainwatch.service.chains import export_chain, import_chain_file, project_view
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage.models import (
    EngagementRow,
    ImportRow,
    PartyNameRow,
    PartyRow,
)
from chainwatch.storage.session import get_engine, head_revision, open_session, upgrade

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_upgrade_is_idempotent_and_reports_head(db_settings: Settings):
    before, after = upgrade(db_settings)
    assert before == after == head_revision()


def test_uninitialised_database_is_a_clear_error(tmp_path):
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with (
        pytest.raises(StorageError, match="not initialised: run `chainwatch init`"),
        open_session(settings),
    ):
        pass


def test_reimport_changes_nothing(db_settings, sample_chain):
    with open_session(db_settings) as s:
        first = import_chain_file(s, sample_chain)
    assert first.counts["parties"]["created"] == 6
    assert first.counts["engagements"]["created"] == 4
    with open_session(db_settings) as s:
        stamps = {r.key: r.updated_at for r in s.scalars(select(PartyRow))}
        rows = (count(s, PartyRow), count(s, PartyNameRow), count(s, EngagementRow))
        exported = chain_to_yaml(export_chain(s))
    with open_session(db_settings) as s:
        second = import_chain_file(s, sample_chain)
    assert second.changed == 0
    assert all(c["unchanged"] == sum(c.values()) for c in second.counts.values())
    with open_session(db_settings) as s:
        assert (count(s, PartyRow), count(s, PartyNameRow), count(s, EngagementRow)) == rows
        assert {r.key: r.updated_at for r in s.scalars(select(PartyRow))} == stamps
        assert chain_to_yaml(export_chain(s)) == exported
        assert count(s, ImportRow) == 2  # the audit trail records both imports


def test_reimport_updates_in_place(db_settings, sample_chain):
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
    text = sample_chain.read_text("utf-8")
    sample_chain.write_text(
        text.replace(
            "status: undeclared\n    scope: in-between",
            "status: authorized\n    authorized_by: CL\n    scope: in-between",
        ).replace(
            "names: [Colour House]",
            "names: [Colour House Ltd., {value: 컬러하우스, kind: original_script, script: Hang}]",
        ),
        "utf-8",
    )
    with open_session(db_settings) as s:
        report = import_chain_file(s, sample_chain)
    assert report.counts["engagements"] == {"created": 0, "updated": 1, "unchanged": 3}
    assert report.counts["parties"] == {"created": 0, "updated": 1, "unchanged": 5}
    with open_session(db_settings) as s:
        assert count(s, EngagementRow) == 4
        chain = export_chain(s)
    colour = next(p for p in chain.parties if p.key == "colour-house")
    assert [n.value for n in colour.names] == ["Colour House Ltd.", "컬러하우스"]


def test_round_trip_through_the_database(db_settings, sample_chain):
    original = parse_chain_text(sample_chain.read_text("utf-8"))
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
        stored = export_chain(s)
    assert {p.key: p for p in stored.parties} == {p.key: p for p in original.parties}
    assert set(stored.engagements) == set(original.engagements)
    assert stored.ownerships == original.ownerships
    assert stored.assets == original.assets


def test_files_may_reference_registry_records(db_settings, sample_chain, tmp_path):
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
    extra = tmp_path / "more.yaml"
    extra.write_text(
        "chainwatch: 1\nparties:\n  - {id: new-vendor, kind: company, names: [New Vendor]}\n"
        "engagements:\n  - {project: show-s1, contractor: colour-house, "
        "subcontractor: new-vendor, status: pending}\n",
        "utf-8",
    )
    with open_session(db_settings) as s:
        report = import_chain_file(s, extra)
        assert report.counts["engagements"]["created"] == 1
        view = project_view(s, "show-s1", date(2026, 6, 1))
    colour = view["tree"]["children"][0]["children"][0]
    assert colour["party"] == "colour-house"
    assert colour["children"][0]["party"] == "new-vendor"
    assert colour["children"][0]["tier"] == 3


def test_account_claimed_by_another_party_is_refused(db_settings, sample_chain, tmp_path):
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
    clash = tmp_path / "clash.yaml"
    clash.write_text(
        "chainwatch: 1\nparties:\n  - id: impostor\n    kind: company\n    names: [Impostor]\n"
        "    accounts: [{kind: email, value: pm@seoul-vendor.example}]\n",
        "utf-8",
    )
    with (
        pytest.raises(ChainFileError, match="already declared by party 'seoul-vendor'"),
        open_session(db_settings) as s,
    ):
        import_chain_file(s, clash)
    with open_session(db_settings) as s:  # the failed import left nothing behind
        assert s.scalar(select(PartyRow).where(PartyRow.key == "impostor")) is None


def test_findings_are_upserted_and_keep_their_review(db_settings, sample_chain):
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
        first = run_analyzers(s, db_settings, NOW)
    assert first["chain"] == {"raised": 2, "new": 2, "refreshed": 0, "resolved": 0}
    assert first["screening"]["raised"] == 0  # no lists loaded
    with open_session(db_settings) as s:
        found = findings_store.list_findings(s, rule="CHAIN-2")
        assert {f.finding.subject_key for f in found} == {"middleman", "far-studio"}
        target = next(f for f in found if f.finding.subject_key == "middleman")
        findings_store.set_finding_status(s, target.id, FindingStatus.DISMISSED)
    later = datetime(2026, 7, 1, tzinfo=UTC)
    with open_session(db_settings) as s:
        second = run_analyzers(s, db_settings, later)
    assert second["chain"] == {"raised": 2, "new": 0, "refreshed": 2, "resolved": 0}
    with open_session(db_settings) as s:
        assert len(findings_store.list_findings(s, rule="CHAIN-2")) == 2  # not duplicated
        again = findings_store.get_finding(s, target.id)
        assert again.status is FindingStatus.DISMISSED
        # seen times are when we looked; the evaluation date (--as-of) is in the evidence
        assert again.first_seen < again.last_seen
        assert again.finding.evidence["evaluated_on"] == later.date().isoformat()
        assert again.finding.evidence["engagement"] == "ts1-middleman"
        assert findings_store.list_findings(s, project="other") == []
        assert len(findings_store.list_findings(s, rule="CHAIN-2", status=FindingStatus.OPEN)) == 1
        with pytest.raises(NotFoundError):
            findings_store.get_finding(s, 999)


def test_is_authorized_by_party_or_account(db_settings, sample_chain):
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
        assert is_authorized(s, "seoul-vendor", "show-s1", NOW)
        by_key = is_authorized(s, "AKIAVENDOR0000000001", "show-s1", NOW)
        assert by_key and by_key.party == "seoul-vendor"
        by_mail = is_authorized(s, "PM@Seoul-Vendor.example", "show-s1", NOW)
        assert by_mail.party == "seoul-vendor"
        expired = is_authorized(
            s, "pm@seoul-vendor.example", "show-s1", datetime(2027, 2, 1, tzinfo=UTC)
        )
        assert not expired and "not active on 2027-02-01" in expired.reason
        assert not is_authorized(s, "middleman", "show-s1", NOW)
        stranger = is_authorized(s, "someone@elsewhere.example", "show-s1", NOW)
        assert not stranger and stranger.party is None
        with pytest.raises(NotFoundError, match="no project 'nope'"):
            is_authorized(s, "seoul-vendor", "nope", NOW)


def test_postgres_and_sqlite_use_their_own_dialect(db_settings, db_url):
    assert get_engine(db_settings).dialect.name == (
        "sqlite" if db_url.startswith("sqlite") else "postgresql"
    )


def test_values_longer_than_the_columns_are_refused_the_same_on_both_databases(
    db_settings, tmp_path
):
    long = tmp_path / "long.yaml"
    long.write_text(
        "chainwatch: 1\nparties:\n  - id: x\n    kind: company\n"
        f"    names: ['{'N' * 600}']\n"
        f"    accounts: [{{kind: email, value: a@x.example, system: {'s' * 80}}}]\n",
        "utf-8",
    )
    with pytest.raises(ChainFileError) as info, open_session(db_settings) as s:
        import_chain_file(s, long)
    assert {p.field for p in info.value.problems} == {
        "parties[0].names[0]",
        "parties[0].accounts[0].system",
    }


def test_findings_that_no_longer_hold_are_resolved_and_reopen_if_they_return(
    db_settings, sample_chain
):
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
        run_analyzers(s, db_settings, NOW)
    text = sample_chain.read_text("utf-8")
    authorized = text.replace(
        "status: undeclared\n    scope: in-between",
        "status: authorized\n    authorized_by: Compliance Lead\n    scope: in-between",
    )
    sample_chain.write_text(authorized, "utf-8")
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
        report = run_analyzers(s, db_settings, NOW, ["chain"])
        chain2 = findings_store.list_findings(s, rule="CHAIN-2")
        status = {f.finding.subject_key: f.status for f in chain2}
    assert report["chain"]["resolved"] == 1
    assert status == {"middleman": FindingStatus.RESOLVED, "far-studio": FindingStatus.OPEN}
    sample_chain.write_text(text, "utf-8")  # the approval is withdrawn again
    with open_session(db_settings) as s:
        import_chain_file(s, sample_chain)
        run_analyzers(s, db_settings, NOW, ["chain"])
        assert {f.status for f in findings_store.list_findings(s)} == {FindingStatus.OPEN}
