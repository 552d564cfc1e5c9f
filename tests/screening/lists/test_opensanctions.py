"""OpenSanctions FtM JSON lines: selection, names, identifiers and relations between entries.

``fixtures/lists/opensanctions/sample.ftm.json`` is hand-made (5 lines) in the
``entities.ftm.json`` format: CHOE Myong Nam, Test Animation Studio, the ownership and all
numbers are invented; the Paekho names follow the EU annex.
"""

from __future__ import annotations

import json
from pathlib import Path

from chainwatch.domain import EntityKind, Identifier, ListEntry, NameKind, RelationKind
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.opensanctions import OpenSanctionsLoader

SAMPLE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "lists" / "opensanctions" / "sample.ftm.json"
)


def load(path: Path, **options) -> tuple[dict[str, ListEntry], LoadReport]:
    report = LoadReport("opensanctions")
    loader = OpenSanctionsLoader(**options)
    return {e.entry_id: e for e in loader.read([path], report)}, report


def test_dprk_person_as_an_analyst_reads_it():
    entries, report = load(SAMPLE)
    assert report.rejects == []
    person = entries["NK-test-choe-myong-nam"]
    assert person.kind is EntityKind.PERSON and person.source == "opensanctions"
    assert person.name == "CHOE Myong Nam"
    assert person.birth_dates == ("1975-03-14",)
    assert person.identifiers == (Identifier("passport", "745000001"),)
    assert person.nationalities == ("kp",)
    names = {n.value: n for n in person.names}
    assert (names["최명남"].kind, names["최명남"].script) == (NameKind.ORIGINAL_SCRIPT, "Hang")
    assert names["Mr Choe"].kind is NameKind.WEAK_ALIAS
    assert person.addresses[0].country == "cd"


def test_programs_and_listing_date_come_from_sanction_entities():
    entries, _ = load(SAMPLE)
    paekho = entries["NK-test-paekho"]
    assert paekho.kind is EntityKind.COMPANY
    assert paekho.programs == ("EU-PRK",) and paekho.listed_on == "2022-04-21"
    assert {n.value: n.kind for n in paekho.names}["KPTC"] is NameKind.WEAK_ALIAS


def test_ownership_becomes_a_relation_on_the_owned_party_with_the_owner_entry_id():
    entries, _ = load(SAMPLE)
    studio = entries["NK-test-studio"]  # topic sanction.linked
    [relation] = studio.relations
    assert relation.kind is RelationKind.OWNED_BY
    assert relation.target_name == "Korea Paekho Trading Corporation"
    assert relation.target_entry_id == "NK-test-paekho"
    assert relation.text == "Ownership: 51%"
    assert Identifier("company_registration", "TEST-0001") in studio.identifiers
    assert entries["NK-test-paekho"].relations == ()  # the owner side is derivable


def test_links_and_sanctions_are_not_entries():
    entries, report = load(SAMPLE)
    assert set(entries) == {"NK-test-choe-myong-nam", "NK-test-paekho", "NK-test-studio"}
    assert report.entries == 3


def test_selection_bad_lines_and_identification_entities(tmp_path):
    extra = [
        "this is not json",
        json.dumps({"no": "id"}),
        json.dumps(
            {
                "id": "counter",
                "schema": "Person",
                "properties": {"name": ["Counter Sanctioned"], "topics": ["sanction.counter"]},
            }
        ),
        json.dumps({"id": "nameless", "schema": "Person", "properties": {"topics": ["sanction"]}}),
        json.dumps(
            {
                "id": "pp1",
                "schema": "Passport",
                "properties": {
                    "holder": ["NK-test-choe-myong-nam"],
                    "number": ["PP-2"],
                    "country": ["kp"],
                },
            }
        ),
    ]
    path = tmp_path / "entities.ftm.json"
    path.write_text(SAMPLE.read_text("utf-8") + "\n".join(extra) + "\n", "utf-8")
    entries, report = load(path)
    assert "counter" not in entries
    assert Identifier("passport", "PP-2", "kp") in entries["NK-test-choe-myong-nam"].identifiers
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (6, "json_error"),
        (7, "not_entity"),
        (9, "no_name"),
    ]
    everything, _ = load(path, sanctioned_only=False)
    assert "counter" in everything
