"""UK Sanctions List (FCDO XML): names, placeholders in dates, ships and rejects.

``fixtures/lists/uk/uk_sample.xml`` is hand-made in the FCDO structure; its comment says
which values are invented.
"""

from __future__ import annotations

from pathlib import Path

from chainwatch.domain import EntityKind, Identifier, ListEntry, NameKind, RelationKind
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.uk import UkLoader

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "lists" / "uk" / "uk_sample.xml"


def load(path: Path) -> tuple[dict[str, ListEntry], LoadReport]:
    report = LoadReport("uk")
    return {e.entry_id: e for e in UkLoader().read([path], report)}, report


def test_dprk_person_as_an_analyst_reads_it():
    entries, _ = load(SAMPLE)
    person = entries["DPR9001"]
    assert person.kind is EntityKind.PERSON
    assert person.name == "Myong Nam CHOE"  # Name1..Name5, then Name6 (the surname)
    assert person.birth_dates == ("1975-03-14", "1974")  # "dd/mm/1974" = year only
    assert person.identifiers == (Identifier("passport", "745000001"),)
    assert ("passport_information", "745000001: North Korean passport, expires 2027") in (
        person.properties
    )
    assert person.nationalities == ("kp",)
    assert person.birth_places == ("Pyongyang, North Korea",)
    assert person.programs == ("Democratic People's Republic of Korea",)
    assert person.listed_on == "2022-04-21"
    assert person.remarks == "Co-founder of a front company of the Paekho Trading Corporation."
    assert person.addresses[0].country == "cd"  # "Congo (Democratic Republic)"
    assert ("ofsi_group_id", "99001") in person.properties
    assert ("last_updated", "2026-02-01") in person.properties


def test_name_types_strength_and_non_latin_names():
    entries, _ = load(SAMPLE)
    names = {n.value: n for n in entries["DPR9001"].names}
    assert names["CHOE Myong-Nam"].kind is NameKind.ALIAS  # Primary Name Variation
    assert names["Mr Choe"].kind is NameKind.WEAK_ALIAS  # "ALias", Low quality
    hangul = names["최명남"]
    assert (hangul.kind, hangul.script, hangul.lang) == (NameKind.ORIGINAL_SCRIPT, "Hang", "ko")


def test_entity_aliases_registration_and_parent():
    entries, _ = load(SAMPLE)
    mansudae = entries["DPR9002"]
    assert mansudae.kind is EntityKind.COMPANY
    assert {n.value: n.kind for n in mansudae.names}["Mansudae Art Studio"] is NameKind.ALIAS
    assert ("un_reference", "KPe.050") in mansudae.properties
    assert Identifier("company_registration", "REG-TEST-0001") in mansudae.identifiers
    [parent] = mansudae.relations
    assert (parent.kind, parent.target_name) == (RelationKind.OWNED_BY, "Test Parent Holding")
    assert mansudae.addresses[0].full == (
        "Yanggakdo International Hotel, RYUS, Pyongyang, North Korea"
    )


def test_ship_imo_owner_and_flag():
    entries, _ = load(SAMPLE)
    ship = entries["DPR9003"]
    assert ship.kind is EntityKind.VESSEL
    assert ship.identifiers == (Identifier("imo", "9000001"),)
    assert ship.relations[0].target_name == "Test Shipping Co"
    assert ship.countries == ("kp",)


def test_designation_without_unique_id_is_rejected_with_its_line():
    entries, report = load(SAMPLE)
    assert len(entries) == 3
    [reject] = report.rejects
    assert reject.reason.startswith("no_id")
    lines = SAMPLE.read_text("utf-8").splitlines()
    assert "<Designation>" in lines[reject.line - 1]
    assert "RECORD WITHOUT UNIQUE ID" in reject.raw


def test_truncated_file_keeps_complete_designations(tmp_path):
    text = SAMPLE.read_text("utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: text.index("<UniqueID>DPR9003")], "utf-8")
    entries, report = load(cut)
    assert list(entries) == ["DPR9001", "DPR9002"]
    assert report.rejects[-1].reason.startswith("xml_error")
