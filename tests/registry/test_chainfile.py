"""Chain files: what a vendor manager writes, and the errors they get back."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwatch.domain import EngagementStatus, NameKind
from chainwatch.errors import ChainFileError
from chainwatch.registry.chainfile import chain_to_yaml, parse_chain_text

FIXTURE = (Path(__file__).parents[1] / "fixtures" / "chain.yaml").read_text("utf-8")


def parse(text: str, **kw):
    return parse_chain_text(text, file="chain.yaml", **kw)


def error_of(text: str, **kw) -> ChainFileError:
    with pytest.raises(ChainFileError) as info:
        parse(text, **kw)
    return info.value


def test_fixture_parses_into_records():
    chain = parse(FIXTURE)
    assert [p.key for p in chain.parties][:2] == ["acme-pictures", "seoul-vendor"]
    vendor = chain.parties[1]
    assert vendor.names[1].value == "서울벤더"
    assert vendor.names[1].kind is NameKind.ORIGINAL_SCRIPT
    assert vendor.networks == ("203.0.113.0/24",)
    assert vendor.asns == (64500,)
    assert chain.engagements[2].status is EngagementStatus.UNDECLARED
    assert str(chain.engagements[0].start) == "2026-01-10"
    # asset: integer episode kept as text, sha256 normalised to lower case
    assert chain.assets[0].episode == "101"
    assert chain.assets[0].sha256 == chain.assets[0].sha256.lower()


def test_export_round_trips():
    chain = parse(FIXTURE)
    again = parse(chain_to_yaml(chain))
    assert again == chain


def test_engagement_without_id_gets_a_stable_key():
    text = FIXTURE.replace("  - id: ts1-far\n", "  -\n")
    chain = parse(text)
    assert chain.engagements[3].key == "show-s1:middleman:far-studio"


def line_of(text: str, anchor: str) -> int:
    return text[: text.index(anchor)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "anchor", "field", "words"),
    [
        (
            "status: undeclared\n    scope: in-between",
            "status: maybe\n    scope: in-between",
            "status: maybe",
            "engagements[2].status",
            "'maybe'",
        ),
        (
            "subcontractor: far-studio",
            "subcontractor: nobody",
            "subcontractor: nobody",
            "engagements[3].subcontractor",
            "unknown party 'nobody'",
        ),
        (
            "networks: [203.0.113.0/24]",
            "networks: [203.0.113.0/33]",
            "networks: [203",
            "parties[1].networks[0]",
            "not an IP network",
        ),
        (
            "start: 2026-03-01",
            "start: 2026-02-30",
            "start: 2026-02-30",
            "engagements[1].start",
            "not a real date",
        ),
        (
            "timezone: Asia/Seoul",
            "timezone: Asia/Pyeongyang",
            "timezone: Asia/P",
            "parties[1].timezone",
            "IANA",
        ),
        (
            "  - id: colour-house",
            "  - id: seoul-vendor",
            "seoul-vendor\n    kind: company\n    names: [Colour",
            "parties[2].id",
            "duplicate id",
        ),
        (
            "    country: us\n    accounts",
            "    countr: us\n    accounts",
            "id: acme-pictures",
            "parties[0]",
            "unknown field",
        ),
        (
            "authorized_by: Compliance Lead\n    authorized_on",
            "authorized_on",
            "id: ts1-vendor",
            "engagements[0]",
            "authorized_by",
        ),
    ],
)
def test_errors_name_file_line_and_field(old, new, anchor, field, words):
    assert old in FIXTURE
    text = FIXTURE.replace(old, new, 1)
    line = line_of(text, anchor)
    err = error_of(text)
    assert err.file == "chain.yaml"
    assert err.line == line, str(err)
    assert err.field == field
    assert words in str(err)
    assert str(err).startswith(f"chain.yaml:{line}: {field}: ")


def test_all_problems_are_reported_together():
    text = FIXTURE.replace("subcontractor: far-studio", "subcontractor: nobody").replace(
        "share: 60", "share: 160"
    )
    err = error_of(text)
    # the schema pass stops before the reference pass, so the share is reported first
    assert [p.field for p in err.problems] == ["ownership[0].share"]
    err2 = error_of(
        FIXTURE.replace("subcontractor: far-studio", "subcontractor: nobody").replace(
            "owned: seoul-vendor", "owned: ghost"
        )
    )
    assert {p.field for p in err2.problems} == {
        "engagements[3].subcontractor",
        "ownership[0].owned",
    }


def test_yaml_syntax_error_has_a_line():
    err = error_of("chainwatch: 1\nparties:\n  - id: [unclosed\n")
    assert err.line is not None and err.line >= 3
    assert "not valid YAML" in str(err)


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_file(text):
    assert "empty" in str(error_of(text))


def test_wrong_version_and_not_a_mapping():
    assert "chainwatch" in str(error_of("chainwatch: 2\n"))
    assert error_of("- a\n- b\n").line == 1


def test_references_may_point_at_the_registry():
    text = """chainwatch: 1
engagements:
  - {project: show-s1, contractor: acme-pictures, subcontractor: new-vendor, status: pending}
"""
    with pytest.raises(ChainFileError):
        parse(text)
    chain = parse(text, known={"parties": ["acme-pictures", "new-vendor"], "projects": ["show-s1"]})
    assert chain.engagements[0].status is EngagementStatus.PENDING


def test_an_account_belongs_to_one_party():
    text = FIXTURE.replace("value: ops@acme.example", "value: PM@seoul-vendor.example")
    err = error_of(text)
    assert "already declared by party 'acme-pictures'" in str(err)
    assert err.field == "parties[1].accounts[0]"
