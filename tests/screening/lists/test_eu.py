"""EU FSF 1.1, XML and CSV: the same listing must read the same from either file.

``fixtures/lists/eu/fsf_sample.xml`` and ``fsf_sample.csv`` are hand-made in the official
structures (the CSV has the 118 official columns); CHOE Myong Nam and every number are
invented, the Paekho names and address follow Regulation 2017/1509 annex XVI.B entry 8.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwatch.domain import EntityKind, Identifier, ListEntry, NameKind
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.eu import EuCsvLoader, EuXmlLoader

DIR = Path(__file__).resolve().parents[2] / "fixtures" / "lists" / "eu"
XML, CSV = DIR / "fsf_sample.xml", DIR / "fsf_sample.csv"


def load(loader, path: Path) -> tuple[dict[str, ListEntry], LoadReport]:
    report = LoadReport(loader.kind)
    return {e.entry_id: e for e in loader.read([path], report)}, report


@pytest.fixture(params=["xml", "csv"])
def entries(request) -> dict[str, ListEntry]:
    loader, path = (EuXmlLoader(), XML) if request.param == "xml" else (EuCsvLoader(), CSV)
    return load(loader, path)[0]


def test_dprk_person_as_an_analyst_reads_it(entries):
    person = entries["900101"]
    assert person.kind is EntityKind.PERSON
    assert person.name == "CHOE Myong Nam"
    assert person.birth_dates == ("1975-03-14",)
    assert person.identifiers == (Identifier("passport", "745000001", "kp"),)
    assert person.nationalities == ("kp",)
    assert person.programs == ("PRK",)
    assert person.listed_on == "2022-04-21"
    assert ("eu_reference", "EU.9001.01") in person.properties
    assert ("position", "Co-founder of the CONGO ACONDE company") in person.properties
    assert person.addresses[0].country == "cd" and person.addresses[0].city == "Kinshasa"


def test_names_keep_kind_script_and_language(entries):
    names = {n.value: n for n in entries["900101"].names}
    hangul = names["최명남"]
    assert (hangul.kind, hangul.script, hangul.lang) == (NameKind.ORIGINAL_SCRIPT, "Hang", "ko")
    assert names["CHOE Myong-Nam"].kind is NameKind.ALIAS
    assert names["Mr Choe"].kind is NameKind.WEAK_ALIAS  # strong="false" / "Low quality"


def test_dprk_entity_aliases(entries):
    paekho = entries["900102"]
    assert paekho.kind is EntityKind.COMPANY
    assert paekho.name == "Korea Paekho Trading Corporation"
    kinds = {n.value: n.kind for n in paekho.names}
    assert kinds["Joson Paekho Muyok Hoesa"] is NameKind.ALIAS
    assert kinds["조선백호무역회사"] is NameKind.ORIGINAL_SCRIPT
    assert paekho.countries == ("kp",)
    assert paekho.addresses[0].street == "Chongryu 3-dong, Taedonggang District"


def test_xml_and_csv_give_the_same_entries():
    from_xml, _ = load(EuXmlLoader(), XML)
    from_csv, _ = load(EuCsvLoader(), CSV)
    assert from_xml.keys() == from_csv.keys()
    for key, entry in from_xml.items():
        other = from_csv[key]
        assert entry.names == other.names
        assert entry.identifiers == other.identifiers
        assert entry.birth_dates == other.birth_dates
        assert entry.countries == other.countries
        assert entry.listed_on == other.listed_on


def test_xml_listing_without_logical_id_is_rejected_with_its_line():
    entries, report = load(EuXmlLoader(), XML)
    assert len(entries) == 2
    [reject] = report.rejects
    assert reject.reason.startswith("no_id")
    expected = next(
        i
        for i, text in enumerate(XML.read_text("utf-8").splitlines(), 1)
        if 'euReferenceNumber="EU.9003.03"' in text
    )
    assert reject.line == expected


def test_csv_malformed_and_out_of_order_rows_are_rejected_with_line_and_reason():
    entries, report = load(EuCsvLoader(), CSV)
    assert len(entries) == 2 and report.entries == 2
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (14, "columns"),
        (15, "out_of_order"),
    ]


def test_truncated_xml_keeps_complete_listings(tmp_path):
    text = XML.read_text("utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: text.index('wholeName="Joson Paekho')], "utf-8")
    entries, report = load(EuXmlLoader(), cut)
    assert list(entries) == ["900101"]
    assert report.rejects[-1].reason.startswith("xml_error")


def test_csv_that_is_not_an_fsf_file_is_reported(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a;b\n1;2\n", "utf-8")
    entries, report = load(EuCsvLoader(), other)
    assert entries == {}
    assert {r.reason.split(":")[0] for r in report.rejects} == {"no_id", "header"}
