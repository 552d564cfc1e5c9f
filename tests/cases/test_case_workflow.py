"""Cases and suppressions through the service, on SQLite and PostgreSQL, with the real ledger."""

from __future__ import annotations

import hashlib
import stat
from datetime import timedelta

import pytest
from case_world import NOW

from chainwatch.errors import InputError, NotFoundError
from chainwatch.findings.finding import FindingStatus
from chainwatch.service import cases, ledger
from chainwatch.service import risk as risk_service
from chainwatch.storage import findings_store
from chainwatch.storage.session import open_session

LATER = NOW + timedelta(hours=1)


def test_a_case_from_open_to_closed_with_history_and_ledger(world, tmp_path):
    settings, ids = world
    evidence = tmp_path / "invoice HB-0611.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% payee: far-studio\n" + bytes(range(256)))
    before = (evidence.read_bytes(), evidence.stat().st_mtime_ns)
    with open_session(settings) as s:
        view = cases.open_case(
            s, "Undeclared tier 3", [ids["CHAIN-2"], ids["SCR-2"]], actor="ana", now=NOW
        )
        case_id = view.id
        assert view.case.project == "show-s1"  # the one project among its findings
        cases.assign(s, case_id, "bo", actor="ana", now=LATER)
        cases.comment(
            s, case_id, "Asked the vendor for its subcontractor list.", actor="bo", now=LATER
        )
        cases.attach(s, settings, case_id, evidence, actor="bo", now=LATER)
        closed = cases.close(
            s, case_id, "confirmed", actor="bo", reason="invoice names far-studio", now=LATER
        )
    assert closed.status == "closed" and closed.case.disposition == "confirmed"
    with open_session(settings) as s:
        d = cases.get_case(s, case_id).to_dict()
        entries = ledger.entries(s, kinds=["case", "decision"])
    assert d["assignee"] == "bo" and d["closed_by"] == "bo"
    assert [f["status"] for f in d["findings"]] == ["acknowledged", "acknowledged"]
    assert d["comments"][0]["text"] == "Asked the vendor for its subcontractor list."
    assert [e["action"] for e in d["history"]] == [
        "opened",
        "assigned",
        "commented",
        "attached",
        "closed",
    ]
    # every step is in the ledger, under the case, and the history points at its entry
    mine = [e for e in entries if e["subject"] == f"case:{case_id}"]
    assert [e["payload"]["action"] for e in mine] == [h["action"] for h in d["history"]]
    assert [e["seq"] for e in mine] == [h["ledger_seq"] for h in d["history"]]
    assert mine[-1]["kind"] == "decision" and mine[0]["kind"] == "case"
    assert mine[-1]["payload"]["disposition"] == "confirmed"
    # the attachment is a read-only copy named by its hash; the original is untouched
    att = d["attachments"][0]
    digest = hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert att["sha256"] == digest and att["name"] == "invoice HB-0611.pdf"
    stored = settings.home / att["stored_path"]
    assert stored == settings.home / "attachments" / digest
    assert stored.read_bytes() == before[0] and att["size"] == len(before[0])
    assert stat.S_IMODE(stored.stat().st_mode) == 0o444  # evidence copies are read-only
    assert (evidence.read_bytes(), evidence.stat().st_mtime_ns) == before
    assert mine[3]["payload"]["sha256"] == digest


def test_the_same_file_attached_twice_is_stored_once(world, tmp_path):
    settings, ids = world
    f = tmp_path / "a.txt"
    f.write_text("same bytes", "utf-8")
    with open_session(settings) as s:
        case_id = cases.open_case(s, "t", [ids["NET-2"]], actor="ana", now=NOW).id
        cases.attach(s, settings, case_id, f, actor="ana", now=NOW)
        view = cases.attach(s, settings, case_id, f, actor="ana", now=NOW)
    assert len(view.attachments) == 2
    assert len(list((settings.home / "attachments").iterdir())) == 1


def test_confirmed_findings_raise_the_risk_and_dismissed_ones_leave_it(world):
    settings, ids = world
    with open_session(settings) as s:
        before = risk_service.assess_party(s, settings, "seoul-vendor", now=NOW)
        case_id = cases.open_case(s, "VPN", [ids["NET-2"]], actor="ana", now=NOW).id
        cases.close(s, case_id, "confirmed", actor="ana", now=NOW)
        confirmed = risk_service.assess_party(s, settings, "seoul-vendor", now=NOW)
        cases.reopen(s, case_id, actor="ana", now=NOW)
        cases.close(s, case_id, "false_positive", actor="ana", reason="studio VPN", now=NOW)
        dismissed = risk_service.assess_party(s, settings, "seoul-vendor", now=NOW)
    own = [r for r in before.reasons if r.inherited_from is None]
    assert own[0].confidence == 0.7
    own = [r for r in confirmed.reasons if r.inherited_from is None]
    assert own[0].confidence == 1.0 and "confirmed in case" in own[0].input.note
    assert confirmed.own.score > before.own.score
    assert dismissed.own.counted == 0 and dismissed.to_dict()["not_counted_status"] == 1


def test_false_positive_with_suppression_then_reopen(world):
    settings, ids = world
    expires = NOW + timedelta(days=30)
    with open_session(settings) as s:
        case_id = cases.open_case(s, "VPN", [ids["NET-2"]], actor="ana", now=NOW).id
        view = cases.close(
            s,
            case_id,
            "false_positive",
            actor="ana",
            reason="the studio's own VPN egress",
            suppress_findings=True,
            expires_at=expires,
            now=NOW,
        )
        assert findings_store.get_finding(s, ids["NET-2"]).status is FindingStatus.DISMISSED
        (sup,) = view.suppressions
        assert sup.rule_id == "NET-2" and sup.subject_pattern == "pm@seoul-vendor.example"
        assert sup.case_id == case_id and sup.owner == "ana"
        assert [x.id for x in cases.active_suppressions(s, NOW)] == [sup.id]
        reopened = cases.reopen(s, case_id, actor="ana", reason="new evidence", now=LATER)
        assert findings_store.get_finding(s, ids["NET-2"]).status is FindingStatus.OPEN
        assert reopened.case.disposition is None and reopened.status == "open"
        assert cases.active_suppressions(s, LATER) == []
        kinds = [
            (e["kind"], e["payload"]["action"])
            for e in ledger.entries(s, kinds=["case", "decision", "suppression"])
        ]
    assert kinds == [
        ("case", "opened"),
        ("suppression", "created"),
        ("decision", "closed"),
        ("suppression", "revoked"),
        ("decision", "reopened"),
    ]
    with open_session(settings) as s:
        check = ledger.verify(s, settings)
    assert check.ok, check.problems  # the decisions chain onto the ledger like any entry


def test_reopen_keeps_a_status_someone_changed_since(world):
    settings, ids = world
    with open_session(settings) as s:
        case_id = cases.open_case(s, "t", [ids["NET-2"]], actor="ana", now=NOW).id
        cases.close(s, case_id, "false_positive", actor="ana", now=NOW)
        findings_store.set_finding_status(s, ids["NET-2"], FindingStatus.RESOLVED)
        cases.reopen(s, case_id, actor="ana", now=NOW)
        assert findings_store.get_finding(s, ids["NET-2"]).status is FindingStatus.RESOLVED


def test_suppressions_expire_by_themselves_and_can_be_revoked(world):
    settings, ids = world
    with open_session(settings) as s:
        sup = cases.suppress(
            s,
            rule="net-2",
            subject="*@seoul-vendor.example",
            reason="studio VPN, ticket SEC-12",
            owner="ana",
            expires_at=NOW + timedelta(days=7),
            actor="ana",
            now=NOW,
        )
        stored = findings_store.get_finding(s, ids["NET-2"])
        other = findings_store.get_finding(s, ids["CHAIN-2"])
        active = cases.active_suppressions(s, NOW)
        assert sup.rule_id == "NET-2"
        assert cases.is_suppressed(stored, active, NOW)
        assert not cases.is_suppressed(other, active, NOW)
        later = NOW + timedelta(days=7)
        assert not cases.is_suppressed(stored, active, later)  # expired: applies no more
        assert cases.active_suppressions(s, later) == []
        assert cases.list_suppressions(s, active_only=False, now=later)[0].state(later) == "expired"
        # the risk engine sees the suppression, then its expiry
        during = risk_service.assess_party(s, settings, "seoul-vendor", now=NOW + timedelta(days=1))
        after = risk_service.assess_party(s, settings, "seoul-vendor", now=later)
        assert during.to_dict()["suppressed"] == 1 and during.own.counted == 0
        assert after.to_dict()["suppressed"] == 0 and after.own.counted == 1
        by_finding = cases.suppress(
            s,
            finding_id=ids["CHAIN-2"],
            reason="r",
            owner="bo",
            expires_at=later,
            actor="bo",
            now=NOW,
        )
        assert cases.is_suppressed(other, cases.active_suppressions(s, NOW), NOW)
        revoked = cases.revoke_suppression(s, by_finding.id, actor="bo", now=LATER)
        assert revoked.revoked_by == "bo"
        assert not cases.is_suppressed(other, cases.active_suppressions(s, LATER), LATER)
        with pytest.raises(InputError, match="already revoked"):
            cases.revoke_suppression(s, by_finding.id, actor="bo", now=LATER)
        entries = ledger.entries(s, kinds=["suppression"])
    assert [(e["subject"], e["payload"]["action"]) for e in entries] == [
        (f"suppression:{sup.id}", "created"),
        (f"suppression:{by_finding.id}", "created"),
        (f"suppression:{by_finding.id}", "revoked"),
    ]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s, i: cases.open_case(s, "t", [], actor="a"), InputError, "at least one finding"),
        (lambda s, i: cases.open_case(s, "t", [999], actor="a"), NotFoundError, "no finding #999"),
        (
            lambda s, i: cases.open_case(s, " ", [i["NET-2"]], actor="a"),
            InputError,
            "title is empty",
        ),
        (
            lambda s, i: cases.open_case(s, "t", [i["NET-2"]], project="nope", actor="a"),
            NotFoundError,
            "nope",
        ),
        (lambda s, i: cases.open_case(s, "t", [i["NET-2"]], actor=" "), InputError, "acting user"),
        (lambda s, i: cases.get_case(s, 42), NotFoundError, "no case #42"),
        (
            lambda s, i: cases.suppress(
                s,
                finding_id=i["NET-2"],
                reason="r",
                owner="o",
                expires_at=NOW - timedelta(days=1),
                actor="a",
                now=NOW,
            ),
            InputError,
            "not in the future",
        ),
        (
            lambda s, i: cases.suppress(
                s, rule="NET-2", reason="r", owner="o", expires_at=LATER, actor="a", now=NOW
            ),
            InputError,
            "needs both",
        ),
        (
            lambda s, i: cases.suppress(
                s,
                finding_id=i["NET-2"],
                rule="NET-2",
                subject="x",
                reason="r",
                owner="o",
                expires_at=LATER,
                actor="a",
                now=NOW,
            ),
            InputError,
            "either one finding",
        ),
        (
            lambda s, i: cases.suppress(
                s,
                rule="NET-99",
                subject="x",
                reason="r",
                owner="o",
                expires_at=LATER,
                actor="a",
                now=NOW,
            ),
            NotFoundError,
            "NET-99",
        ),
        (
            lambda s, i: cases.suppress(
                s,
                finding_id=i["NET-2"],
                reason=" ",
                owner="o",
                expires_at=LATER,
                actor="a",
                now=NOW,
            ),
            InputError,
            "reason is empty",
        ),
        (
            lambda s, i: cases.revoke_suppression(s, 7, actor="a"),
            NotFoundError,
            "no suppression #7",
        ),
    ],
)
def test_user_mistakes_are_one_clear_error(world, call, error, message):
    settings, ids = world
    with open_session(settings) as s, pytest.raises(error, match=message):
        call(s, ids)


def test_closing_rules(world):
    settings, ids = world
    with open_session(settings) as s:
        case_id = cases.open_case(s, "t", [ids["NET-2"]], actor="ana", now=NOW).id
        with pytest.raises(InputError, match="needs an approver"):
            cases.close(s, case_id, "accepted_risk", actor="ana", now=NOW)
        with pytest.raises(InputError, match="someone else"):
            cases.close(s, case_id, "accepted_risk", actor="ana", approver="ana", now=NOW)
        with pytest.raises(InputError, match="unknown disposition"):
            cases.close(s, case_id, "maybe", actor="ana", now=NOW)
        with pytest.raises(InputError, match="false_positive only"):
            cases.close(s, case_id, "confirmed", actor="ana", suppress_findings=True, now=NOW)
        with pytest.raises(InputError, match="needs a reason"):
            cases.close(
                s,
                case_id,
                "false_positive",
                actor="ana",
                suppress_findings=True,
                expires_at=LATER,
                now=NOW,
            )
        with pytest.raises(InputError, match="needs an expiry"):
            cases.close(
                s,
                case_id,
                "false_positive",
                actor="ana",
                suppress_findings=True,
                reason="r",
                now=NOW,
            )
        with pytest.raises(InputError, match="only a closed case"):
            cases.reopen(s, case_id, actor="ana", now=NOW)
        view = cases.close(
            s,
            case_id,
            "accepted-risk",
            actor="ana",
            approver="cfo",
            reason="short engagement",
            now=NOW,
        )
        assert view.case.disposition == "accepted_risk" and view.case.approver == "cfo"
        with pytest.raises(InputError, match="already closed"):
            cases.close(s, case_id, "confirmed", actor="ana", now=NOW)
        with pytest.raises(InputError, match="reopen it"):
            cases.assign(s, case_id, "bo", actor="ana", now=NOW)
        cases.comment(s, case_id, "noted after closing", actor="bo", now=LATER)
        party = risk_service.assess_party(s, settings, "seoul-vendor", now=NOW)
    note = party.own.reasons[0].input.note
    assert note == f"accepted risk in case #{case_id}, approved by cfo"  # still counted


def test_list_cases_filters(world):
    settings, ids = world
    with open_session(settings) as s:
        a = cases.open_case(s, "one", [ids["NET-2"]], actor="ana", assignee="bo", now=NOW).id
        b = cases.open_case(s, "two", [ids["SCR-2"]], actor="ana", now=NOW).id
        cases.close(s, b, "confirmed", actor="ana", now=NOW)
        assert [c.id for c in cases.list_cases(s)] == [b, a]
        assert [c.id for c in cases.list_cases(s, status="open")] == [a]
        assert [c.id for c in cases.list_cases(s, project="show-s1")] == [a]
        assert [c.id for c in cases.list_cases(s, assignee="bo")] == [a]
        with pytest.raises(InputError, match="unknown case status"):
            cases.list_cases(s, status="pending")
