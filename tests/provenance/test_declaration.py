"""The vendor-declaration predicate: building, validating, and binding it in a statement."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chainwatch.errors import InputError
from chainwatch.provenance.declaration import (
    PREDICATE_TYPE,
    DeclaredSubcontractor,
    WorkLocation,
    declaration_from_predicate,
    declaration_from_statement,
    new_declaration,
    parse_location,
)
from chainwatch.provenance.statement import STATEMENT_TYPE, Statement

WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _decl(**kw):
    args = {
        "project": "show-s1",
        "party": "seoul-vendor",
        "as_of": date(2026, 11, 1),
        "declared_at": WHEN,
        "subcontractors": [DeclaredSubcontractor("colour-house", "Colour House")],
        "work_locations": [WorkLocation("kr", "Seoul", None, ("203.0.113.0/24",))],
    }
    args.update(kw)
    return new_declaration(**args)


def test_statement_round_trip_keeps_everything():
    decl = _decl(notes="quarterly statement", party_name="Seoul Vendor")
    st = decl.to_statement()
    data = st.to_dict()
    assert data["_type"] == STATEMENT_TYPE and data["predicateType"] == PREDICATE_TYPE
    assert data["subject"][0]["digest"]["sha256"] == decl.digest()
    again = declaration_from_statement(Statement.from_bytes(st.to_bytes()))
    assert again == decl
    assert again.subcontractor_keys == {"colour-house"}


def test_empty_subcontractor_list_is_a_declaration_too():
    decl = _decl(subcontractors=[])
    assert decl.subcontractors == () and decl.to_predicate()["subcontractors"] == []


def test_every_problem_is_named_in_one_line():
    pred = _decl().to_predicate()
    pred.update(
        {
            "project": "Not A Key!",
            "as_of": "2026-13-01",
            "subcontractors": [{"party": "seoul-vendor"}, {"name": "no key"}],
            "work_locations": [
                {"country": "Korea"},
                {"country": "kr", "networks": ["10.0.0.0/33"]},
            ],
        }
    )
    with pytest.raises(InputError) as exc:
        declaration_from_predicate(pred)
    text = str(exc.value)
    assert "\n" not in text
    for bit in (
        "project must be a registry key",
        "as_of must be a date",
        "cannot subcontract itself",
        "subcontractors[1] needs a party key",
        "two-letter code",
        "is not a network range",
    ):
        assert bit in text, bit


def test_missing_locations_duplicate_and_future_as_of_are_refused():
    with pytest.raises(InputError, match="work_locations must list"):
        _decl(work_locations=[])
    with pytest.raises(InputError, match="listed twice"):
        _decl(subcontractors=[DeclaredSubcontractor("a"), DeclaredSubcontractor("a")])
    with pytest.raises(InputError, match="complete in the future"):
        _decl(as_of=date(2026, 12, 1))


def test_subject_digest_must_match_the_predicate():
    st = _decl().to_statement()
    data = st.to_dict()
    data["predicate"]["subcontractors"] = []  # edited after the digest was taken
    with pytest.raises(InputError, match="subject digest does not match"):
        declaration_from_statement(Statement.from_dict(data))


def test_other_predicate_types_are_not_declarations():
    st = _decl().to_statement()
    other = Statement(st.subjects, "https://slsa.dev/provenance/v1", st.predicate)
    with pytest.raises(InputError, match="predicateType"):
        declaration_from_statement(other)


def test_statement_frame_is_checked():
    good = _decl().to_statement().to_dict()
    for broken, message in (
        ({**good, "_type": "x"}, "_type must be"),
        ({**good, "subject": []}, "non-empty list"),
        ({**good, "subject": [{"name": "a", "digest": {"sha256": "ABC"}}]}, "hex digest"),
    ):
        with pytest.raises(InputError, match=message):
            Statement.from_dict(broken)


def test_parse_location():
    loc = parse_location("KR:Seoul:Mapo-gu@203.0.113.7/25, 2001:db8::/32")
    assert loc == WorkLocation("kr", "Seoul", "Mapo-gu", ("203.0.113.0/25", "2001:db8::/32"))
    assert parse_location("cn") == WorkLocation("cn")
    with pytest.raises(InputError, match="two-letter"):
        parse_location("Korea:Seoul")
    with pytest.raises(InputError, match="expected CC"):
        parse_location("kr:a:b:c")
