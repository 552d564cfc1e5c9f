"""CHAIN-3 from declarations: missing, unverified, omitting, stale; and when nothing is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chainwatch.domain import Engagement, EngagementStatus, Name, Party, PartyKind, Project
from chainwatch.provenance import dsse
from chainwatch.provenance.declaration import DeclaredSubcontractor, WorkLocation, new_declaration
from chainwatch.provenance.disclosure import (
    MAX_AGE_DAYS,
    StoredDeclaration,
    TrustedKey,
    chain3_findings,
)

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
A = EngagementStatus.AUTHORIZED
PROJECT = Project("show-s1", "studio", "The Show")
PARTIES = {
    k: Party(k, PartyKind.COMPANY, (Name(n),))
    for k, n in {
        "studio": "Studio",
        "vendor": "Vendor Co",
        "colour": "Colour House",
        "shadow": "Shadow Studio",
    }.items()
}


def _eng(key, contractor, sub, status=A, start=date(2026, 2, 1), end=None):
    return Engagement(key, "show-s1", contractor, sub, status, start=start, end=end)


BASE = [_eng("e1", "studio", "vendor"), _eng("e2", "vendor", "colour")]


class Vendors:
    """Each party's key, and signed declarations made with them."""

    def __init__(self):
        self.keys = {p: dsse.generate_key() for p in ("vendor", "colour", "shadow")}
        self.next_id = 1

    def trusted(self, revoked: dict[str, datetime] | None = None) -> list[TrustedKey]:
        revoked = revoked or {}
        return [
            TrustedKey(
                p,
                dsse.keyid_of(k.public_key()),
                k.public_key(),
                NOW - timedelta(days=400),
                revoked.get(p),
            )  # fmt: skip
            for p, k in self.keys.items()
        ]

    def declare(self, party, subs, as_of=date(2026, 11, 1), signer=None) -> StoredDeclaration:
        decl = new_declaration(
            project="show-s1",
            party=party,
            as_of=as_of,
            declared_at=datetime.combine(as_of, datetime.min.time(), UTC) + timedelta(hours=9),
            subcontractors=[DeclaredSubcontractor(s) for s in subs],
            work_locations=[WorkLocation("kr", "Seoul")],
        )
        env = dsse.sign(decl.to_statement().to_bytes(), signer or self.keys[party])
        self.next_id += 1
        return StoredDeclaration(self.next_id, env, f"{self.next_id:064x}", NOW)


@pytest.fixture
def v():
    return Vendors()


def _run(v, engagements, decls, **kw):
    keys = kw.pop("keys", None) or v.trusted()
    found = chain3_findings(PROJECT, engagements, PARTIES, decls, keys, NOW, **kw)
    return {f.subject_key: f for f in found}


def _kinds(f):
    return [r["kind"] for r in f.evidence["reasons"]]


def test_complete_recent_declarations_raise_nothing(v):
    decls = [v.declare("vendor", ["colour"]), v.declare("colour", [])]
    assert _run(v, BASE, decls) == {}


def test_missing_declaration(v):
    found = _run(v, BASE, [v.declare("vendor", ["colour"])])
    assert set(found) == {"colour"}  # the client never has to declare
    f = found["colour"]
    assert f.rule_id == "CHAIN-3" and f.severity.value == "H" and f.project == "show-s1"
    assert _kinds(f) == ["missing"] and f.confidence == 0.7
    assert f.evidence["required_by_engagements"] == ["e2"]


def test_omitted_subcontractor_seen_in_the_registry(v):
    chain = [*BASE, _eng("e3", "vendor", "shadow", EngagementStatus.UNDECLARED)]
    decls = [v.declare("vendor", ["colour"]), v.declare("colour", []), v.declare("shadow", [])]
    found = _run(v, chain, decls)
    assert set(found) == {"vendor"}
    f = found["vendor"]
    assert _kinds(f) == ["omits"] and f.confidence == 0.9
    assert f.evidence["reasons"][0]["omitted"] == [
        {"party": "shadow", "engagement": "e3", "status": "undeclared"}
    ]
    assert "Shadow Studio (e3)" in f.summary
    assert f.evidence["declaration"]["subcontractors"] == ["colour"]


def test_stale_by_age_and_by_a_later_engagement(v):
    old = date(2026, 11, 20) - timedelta(days=MAX_AGE_DAYS + 5)
    found = _run(v, BASE, [v.declare("vendor", ["colour"], as_of=old), v.declare("colour", [])])
    assert _kinds(found["vendor"]) == ["stale"]
    assert found["vendor"].evidence["reasons"][0]["age_days"] == MAX_AGE_DAYS + 5
    # a shorter limit is a parameter
    assert "vendor" not in _run(
        v, BASE, [v.declare("vendor", ["colour"]), v.declare("colour", [])], max_age_days=30
    )

    # a subcontract that began after the declaration's as-of day: stale, not an omission
    chain = [*BASE, _eng("e3", "vendor", "shadow", start=date(2026, 11, 10))]
    decls = [v.declare("vendor", ["colour"]), v.declare("colour", []), v.declare("shadow", [])]
    f = _run(v, chain, decls)["vendor"]
    assert _kinds(f) == ["stale"] and f.evidence["reasons"][0]["engagement"] == "e3"

    # an engagement edited in the registry after the as-of day
    changed = {"e2": datetime(2026, 11, 15, tzinfo=UTC)}
    f = _run(v, BASE, decls[:2], engagement_changes=changed)["vendor"]
    assert _kinds(f) == ["stale"] and f.evidence["reasons"][0]["changed_on"] == "2026-11-15"


def test_newest_verified_declaration_counts(v):
    chain = [*BASE, _eng("e3", "vendor", "shadow", start=date(2026, 6, 1))]
    old = v.declare("vendor", ["colour"], as_of=date(2026, 10, 1))
    new = v.declare("vendor", ["colour", "shadow"], as_of=date(2026, 11, 1))
    decls = [old, new, v.declare("colour", []), v.declare("shadow", [])]
    assert _run(v, chain, decls) == {}
    # a declaration dated after the evaluation day does not exist yet
    future = v.declare("colour", [], as_of=date(2026, 11, 19))
    found = chain3_findings(
        PROJECT, BASE, PARTIES, [old, future], v.trusted(), datetime(2026, 11, 5, tzinfo=UTC)
    )
    assert _kinds({f.subject_key: f for f in found}["colour"]) == ["missing"]


def test_unverified_when_signed_by_another_key_or_a_revoked_one(v):
    forged = v.declare("vendor", ["colour"], signer=dsse.generate_key())
    found = _run(v, BASE, [forged, v.declare("colour", [])])
    assert _kinds(found["vendor"]) == ["unverified"]
    # colour signs the vendor's declaration: still not the vendor's own key
    found = _run(
        v, BASE, [v.declare("vendor", ["colour"], signer=v.keys["colour"]), v.declare("colour", [])]
    )
    assert _kinds(found["vendor"]) == ["unverified"]
    # the vendor's key is revoked: what it alone signed no longer counts
    decls = [v.declare("vendor", ["colour"]), v.declare("colour", [])]
    keys = v.trusted(revoked={"vendor": NOW - timedelta(days=1)})
    assert _kinds(_run(v, BASE, decls, keys=keys)["vendor"]) == ["unverified"]
    # revoked only after the evaluation time: still trusted then
    keys = v.trusted(revoked={"vendor": NOW + timedelta(days=1)})
    assert _run(v, BASE, decls, keys=keys) == {}


def test_a_stored_envelope_edited_later_stops_counting(v):
    good = v.declare("vendor", ["colour", "shadow"])
    edited_payload = good.envelope.payload.replace(b'"shadow"', b'"shadov"')
    envelope = dsse.Envelope(good.envelope.payload_type, edited_payload, good.envelope.signatures)
    edited = StoredDeclaration(
        good.id, envelope, good.sha256, good.imported_at, "show-s1", "vendor"
    )
    found = _run(v, BASE, [edited, v.declare("colour", [])])
    assert _kinds(found["vendor"]) == ["unverified"]


def test_only_active_engagements_require_a_declaration(v):
    chain = [
        *BASE,
        _eng("e3", "vendor", "shadow", EngagementStatus.REFUSED),
        _eng("e4", "colour", "shadow", start=date(2027, 1, 1)),  # not begun
        _eng("e5", "vendor", "shadow", end=date(2026, 5, 1)),  # ended
    ]
    decls = [v.declare("vendor", ["colour"]), v.declare("colour", [])]
    assert _run(v, chain, decls) == {}
