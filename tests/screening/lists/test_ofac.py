"""OFAC loaders, checked the way a compliance analyst would check a list load.

Fixtures (tests/fixtures/lists/ofac, see its README): real SDN.CSV/ADD/ALT/SDN_COMMENTS rows
for SEK STUDIO and its network, plus one hand-made malformed row and one real orphan ALT
row; real cons_* rows; and a hand-made SDN_ADVANCED.XML in the official structure (no real
advanced file is available here). The ``shared`` tests load the real files in
../shared/data/sanctions and skip when they are absent.
"""

from __future__ import annotations

import inspect
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest

from chainwatch.domain import EntityKind, Identifier, ListEntry, NameKind, RelationKind
from chainwatch.errors import InputError
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.ofac import (
    OfacAdvancedLoader,
    OfacLegacyLoader,
    split_programs,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lists" / "ofac"
SDN_FILES = [FIXTURES / n for n in ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")]
CONS_FILES = [FIXTURES / f"cons_{n}.csv" for n in ("prim", "add", "alt", "comments")]
ADVANCED = FIXTURES / "sdn_advanced_sample.xml"


def load(loader, paths) -> tuple[dict[str, ListEntry], LoadReport]:
    report = LoadReport(loader.kind)
    entries = {e.entry_id: e for e in loader.read(paths, report)}
    return entries, report


@pytest.fixture(scope="module")
def sdn() -> tuple[dict[str, ListEntry], LoadReport]:
    return load(OfacLegacyLoader("ofac_sdn"), SDN_FILES)


def names(entry: ListEntry, kind: NameKind) -> list[str]:
    return [n.value for n in entry.names if n.kind is kind]


# --- legacy CSV: what the analyst checks -----------------------------------------------------


def test_sek_studio_is_a_dprk3_company_in_pyongyang(sdn):
    sek = sdn[0]["34022"]
    assert sek.source == "ofac_sdn" and sek.kind is EntityKind.COMPANY
    assert sek.name == "SEK STUDIO"
    assert "APRIL 26 CHILDREN'S ANIMATION FILM STUDIO" in names(sek, NameKind.ALIAS)
    assert "SCIENTIFIC EDUCATION KOREA STUDIO" in names(sek, NameKind.ALIAS)
    assert sek.programs == ("DPRK3",)
    assert any(a.city == "Pyongyang" and a.country == "kp" for a in sek.addresses)
    assert sek.countries == ("kp", "cn")
    props = dict(sek.properties)
    assert props["target_type"] == "State-Owned Enterprise"
    assert props["organization_type"].startswith("Motion picture")


def test_nings_uscc_and_link_to_sek_studio(sdn):
    nings = sdn[0]["34023"]
    assert Identifier("uscc", "91500118582829838H", "cn") in nings.identifiers
    (rel,) = nings.relations
    assert rel.kind is RelationKind.LINKED_TO
    assert (rel.target_name, rel.target_entry_id) == ("SEK STUDIO", "34022")
    assert len(names(nings, NameKind.ALIAS)) == 3


def test_lu_hezheng_person_with_dob_nationality_national_id(sdn):
    lu = sdn[0]["34024"]
    assert lu.kind is EntityKind.PERSON
    assert lu.name == "LU, Hezheng"  # the list's own form, not re-ordered
    assert lu.birth_dates == ("1974-04-06",)
    assert lu.nationalities == ("cn",)
    assert Identifier("national_id", "31010619740406283X", "cn") in lu.identifiers
    assert ("gender", "male") in lu.properties
    assert [a.city for a in lu.addresses] == ["Shanghai", "Guangzhou, Guangdong"]


def test_links_to_a_person_resolve_by_the_list_form_of_the_name(sdn):
    (rel,) = sdn[0]["34025"].relations
    assert (rel.target_name, rel.target_entry_id) == ("LU, Hezheng", "34024")


def test_weak_akas_from_remarks_become_weak_aliases(sdn):
    paekho = sdn[0]["39499"]
    assert names(paekho, NameKind.WEAK_ALIAS) == ["KPTC", "DEPARTMENT 30"]
    assert "WHITE TIGER TRADING COMPANY" in names(paekho, NameKind.ALIAS)
    assert paekho.programs == ("DPRK2",)
    kim = sdn[0]["40205"]
    assert names(kim, NameKind.ALIAS) == ["KIM, Myo'ng-Ch'o'l"]
    assert Identifier("passport", "836210080", "kp") in kim.identifiers


def test_sdn_comments_continue_the_remarks(sdn):
    tian = sdn[0]["28263"]
    assert tian.remarks is not None and tian.remarks.endswith("Linked To: LAZARUS GROUP.")
    assert names(tian, NameKind.WEAK_ALIAS) == ["tianyinyin0404", "snowsjohn"]
    assert tian.programs == ("DPRK3", "CYBER2")
    (rel,) = tian.relations
    assert rel.target_entry_id == "27307"
    lazarus = sdn[0]["27307"]
    assert "APPLEWORM" in names(lazarus, NameKind.WEAK_ALIAS)


def test_vessel(sdn):
    ship = sdn[0]["17069"]
    assert ship.kind is EntityKind.VESSEL
    assert Identifier("imo", "7937317") in ship.identifiers
    assert ("vessel_type", "General Cargo") in ship.properties
    assert ship.countries == ("kp",)  # the flag
    assert ship.addresses == ()  # ADD row of -0- only


def test_orphan_and_malformed_rows_are_reported_not_fatal(sdn):
    entries, report = sdn
    assert report.entries == len(entries) == 9
    by_reason = {r.reason.split(":")[0]: r for r in report.rejects}
    assert set(by_reason) == {"orphan", "malformed"}
    orphan = by_reason["orphan"]
    assert Path(orphan.file).name == "ALT.CSV" and orphan.line == 15
    assert "17016" in orphan.reason and orphan.raw.startswith("17016,54916")
    bad = by_reason["malformed"]
    assert Path(bad.file).name == "SDN.CSV" and bad.line == 6
    assert "expected 12 columns, got 6" in bad.reason
    assert report.to_dict()["reject_reasons"] == {"orphan": 1, "malformed": 1}


def test_all_names_are_latin_script_and_ids_are_ent_nums(sdn):
    for ent, entry in sdn[0].items():
        assert entry.entry_id == ent and ent.isdigit()
        assert all(n.script == "Latn" for n in entry.names)
        assert sum(n.kind is NameKind.PRIMARY for n in entry.names) == 1


def test_consolidated_non_sdn_files():
    entries, report = load(OfacLegacyLoader("ofac_cons"), CONS_FILES)
    assert report.entries == 2 and report.rejects == []
    bank = entries["17014"]
    assert bank.source == "ofac_cons"
    assert bank.programs == ("UKRAINE-EO13662", "RUSSIA-EO14024")
    # "Registration Numbe" + "r 1027700342890 (Russia)" across CONS_PRIM and CONS_COMMENTS
    assert Identifier("company_registration", "1027700342890", "ru") in bank.identifiers
    assert names(bank, NameKind.WEAK_ALIAS) == ["RUSAG"]
    assert entries["9639"].birth_dates == ("1962",)


# --- legacy CSV: file handling ---------------------------------------------------------------


def test_directory_and_case_insensitive_names(tmp_path):
    for p in SDN_FILES:
        shutil.copy(p, tmp_path / p.name.lower())
    entries, report = load(OfacLegacyLoader(), [tmp_path])
    assert len(entries) == 9 and len(report.rejects) == 2


def test_missing_main_file_is_a_clear_input_error():
    with pytest.raises(InputError, match="SDN.CSV is missing"):
        list(OfacLegacyLoader().read(SDN_FILES[1:], LoadReport("ofac_sdn")))
    with pytest.raises(InputError, match="ofac_sdn or ofac_cons"):
        OfacLegacyLoader("ofac_nope")
    with pytest.raises(InputError, match="not found"):
        list(OfacLegacyLoader().read([FIXTURES / "nope.csv"], LoadReport("ofac_sdn")))


def test_read_is_lazy():
    assert inspect.isgenerator(OfacLegacyLoader().read(SDN_FILES, LoadReport("ofac_sdn")))


def test_cp1252_lf_no_eof_byte_fka_and_bad_ent_num(tmp_path):
    (tmp_path / "sdn.csv").write_bytes(
        b'1,"CAF\xc9 NOIR, S.A.",-0- ,"SDGT] [IFSR",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        b'"Linked To: OTHER CO., LTD."\n'
        b'2,"OTHER CO., LTD.",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
        b'x3,"BAD ID",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
    )
    (tmp_path / "alt.csv").write_bytes(b'1,10,"fka","OLD CAF\xc9",-0- \n1,11,"nka","NEW",-0- \n')
    entries, report = load(OfacLegacyLoader(), [tmp_path / "sdn.csv", tmp_path / "alt.csv"])
    cafe = entries["1"]
    assert cafe.name == "CAF\u00c9 NOIR, S.A." and cafe.names[0].script == "Latn"
    assert names(cafe, NameKind.FORMER) == ["OLD CAF\u00c9"]
    assert names(cafe, NameKind.ALIAS) == ["NEW"]
    assert cafe.programs == ("SDGT", "IFSR")
    # the remark's closing "." is also the end of "LTD.": both spellings are tried
    assert cafe.relations[0].target_entry_id == "2"
    assert cafe.relations[0].target_name == "OTHER CO., LTD."
    assert [r.line for r in report.rejects] == [3]
    assert "not a number" in report.rejects[0].reason
    assert any("cp1252" in w for w in report.warnings)


def test_helpers():
    assert split_programs("SDGT] [IFSR") == ("SDGT", "IFSR")
    assert split_programs("DPRK3") == ("DPRK3",)
    assert split_programs(None) == ()


# --- advanced XML (hand-made fixture) --------------------------------------------------------


@pytest.fixture(scope="module")
def advanced() -> tuple[dict[str, ListEntry], LoadReport]:
    return load(OfacAdvancedLoader(), [ADVANCED])


def test_advanced_sek_studio_with_hangul_name(advanced):
    sek = advanced[0]["34022"]
    assert sek.source == "ofac_advanced" and sek.kind is EntityKind.COMPANY
    assert sek.names[0].value == "SEK STUDIO" and sek.names[0].kind is NameKind.PRIMARY
    hangul = [n for n in sek.names if n.script == "Hang"]
    assert [(n.value, n.kind) for n in hangul] == [
        ("조선4.26아동영화촬영소", NameKind.ORIGINAL_SCRIPT)
    ]
    assert "APRIL 26 CHILDREN'S ANIMATION FILM STUDIO" in names(sek, NameKind.ALIAS)
    assert sek.programs == ("DPRK3",) and sek.listed_on == "2021-12-10"
    assert sek.addresses[0].city == "Pyongyang" and sek.addresses[0].country == "kp"
    assert ("target_type", "State-Owned Enterprise") in sek.properties


def test_advanced_nings_uscc_and_relationship(advanced):
    nings = advanced[0]["34023"]
    assert Identifier("uscc", "91500118582829838H", "cn") in nings.identifiers
    (rel,) = nings.relations
    assert (rel.kind, rel.target_entry_id, rel.target_name) == (
        RelationKind.LINKED_TO,
        "34022",
        "SEK STUDIO",
    )


def test_advanced_person_matches_the_legacy_entry(advanced, sdn):
    lu, legacy = advanced[0]["34024"], sdn[0]["34024"]
    assert lu.kind is EntityKind.PERSON
    for field in ("name", "birth_dates", "birth_places", "nationalities", "identifiers"):
        assert getattr(lu, field) == getattr(legacy, field), field


def test_advanced_passport_dates_year_of_birth_weak_and_former(advanced):
    p = advanced[0]["99001"]
    assert Identifier("passport", "X0000001", "kp") in p.identifiers
    assert ("passport_issued", "X0000001: 2015-03-01") in p.properties
    assert ("passport_expires", "X0000001: 2025-02-28") in p.properties
    assert p.birth_dates == ("1970",)  # a period covering the whole year
    assert names(p, NameKind.WEAK_ALIAS) == ["FICTO"]
    assert names(p, NameKind.FORMER) == ["SAMPLE, Fictional"]


def test_advanced_report(advanced):
    entries, report = advanced
    assert report.entries == len(entries) == 4
    (orphan,) = report.rejects
    assert orphan.reason.startswith("orphan: IDRegDocument 'ORPHAN0001'")
    assert (
        orphan.line
        == ADVANCED.read_text("utf-8")
        .splitlines()
        .index(
            '    <IDRegDocument ID="99999" IDRegDocTypeID="1571" IdentityID="88888" ValidityID="1">'
        )
        + 1
    )


def test_advanced_old_namespace_and_owned_by(tmp_path):
    text = ADVANCED.read_text("utf-8")
    text = text.replace(
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML",
        "http://www.un.org/sanctions/1.0",
    ).replace('RelationTypeID="1555"', 'RelationTypeID="15003"')
    path = tmp_path / "SDN_ADVANCED.XML"
    path.write_text(text, "utf-8")
    entries, _ = load(OfacAdvancedLoader(), [tmp_path])
    assert entries["34023"].relations[0].kind is RelationKind.OWNED_BY


def test_advanced_rejects_files_that_are_not_the_format(tmp_path):
    bad = tmp_path / "sdn_advanced.xml"
    bad.write_text("<sdnList><sdnEntry/></sdnList>")
    with pytest.raises(InputError, match="not an OFAC advanced XML"):
        list(OfacAdvancedLoader().read([bad], LoadReport("ofac_advanced")))
    bad.write_text("<Sanctions><DistinctParties>")
    with pytest.raises(InputError, match="xml_error"):
        list(OfacAdvancedLoader().read([bad], LoadReport("ofac_advanced")))


def test_advanced_truncated_file_keeps_complete_parties(tmp_path):
    text = ADVANCED.read_text("utf-8")
    cut = tmp_path / "sdn_advanced.xml"
    cut.write_text(text[: text.index('<DistinctParty FixedRef="34024">') + 40], "utf-8")
    entries, report = load(OfacAdvancedLoader(), [cut])
    assert sorted(entries) == ["34022", "34023"]
    xml_errors = [r for r in report.rejects if r.reason.startswith("xml_error")]
    assert len(xml_errors) == 1 and xml_errors[0].line is not None


# --- the real files in ../shared/data (skipped when absent) ----------------------------------


@pytest.mark.shared
def test_real_sdn_loads_completely_in_bounded_memory(shared_data):
    folder = shared_data / "sanctions" / "ofac"
    rows = (folder / "sdn.csv").read_bytes().count(b"\n")  # the 0x1A line has no newline
    report = LoadReport("ofac_sdn")
    count, dprk3, kinds = 0, 0, set()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        for entry in OfacLegacyLoader("ofac_sdn").read([folder], report):
            count += 1
            kinds.add(entry.kind)
            if "DPRK3" in entry.programs:
                dprk3 += 1
                assert entry.names and entry.names[0].value, entry.entry_id
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    main_rejects = [r for r in report.rejects if Path(r.file).name == "sdn.csv"]
    assert count == report.entries == rows - len(main_rejects)
    reasons = report.to_dict()["reject_reasons"]
    assert reasons.get("orphan", 0) > 0
    assert all(
        Path(r.file).name in ("add.csv", "alt.csv", "sdn_comments.csv")
        for r in report.rejects
        if r.reason.startswith("orphan")
    )
    assert dprk3 > 100 and kinds == {
        EntityKind.PERSON,
        EntityKind.COMPANY,
        EntityKind.VESSEL,
        EntityKind.AIRCRAFT,
    }
    assert peak < 200 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    print(
        f"\nofac_sdn: {count} entries, {reasons}, {elapsed:.1f}s (traced), peak {peak / 1e6:.0f} MB"
    )


@pytest.mark.shared
def test_real_sek_studio_network(shared_data):
    folder = shared_data / "sanctions" / "ofac"
    report = LoadReport("ofac_sdn")
    linked = sorted(
        e.entry_id
        for e in OfacLegacyLoader().read([folder], report)
        if any(r.target_entry_id == "34022" for r in e.relations)
    )
    # the twelve entries "Linked To: SEK STUDIO" in the May 2024 SDN list
    assert linked == [
        "31042",
        "34023",
        "34024",
        "40201",
        "40202",
        "40203",
        "40205",
        "40207",
        "40209",
        "40210",
        "40212",
        "40213",
    ]


@pytest.mark.shared
def test_real_consolidated_list(shared_data):
    folder = shared_data / "sanctions" / "ofac-nonsdn"
    rows = (folder / "cons_prim.csv").read_bytes().count(b"\n")
    entries, report = load(OfacLegacyLoader("ofac_cons"), [folder])
    main_rejects = [r for r in report.rejects if Path(r.file).name == "cons_prim.csv"]
    assert len(entries) == report.entries == rows - len(main_rejects)
    assert all(e.names for e in entries.values())
