"""Custom CSV lists through a YAML mapping, and the shipped EU DPRK 2017/1509 mapping.

``fixtures/lists/custom/kr_sample.csv`` (+ ``kr_sample.yaml``) is an invented list in the
shape of a national list; the ``shared`` tests read the real EU DPRK CSV with the mapping
shipped in ``chainwatch/screening/lists/mappings``.
"""

from __future__ import annotations

import tracemalloc
from importlib.resources import files
from pathlib import Path

import pytest

from chainwatch.domain import EntityKind, Identifier, ListEntry, NameKind
from chainwatch.errors import InputError
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.custom import CustomCsvLoader

DIR = Path(__file__).resolve().parents[2] / "fixtures" / "lists" / "custom"
CSV, MAPPING = DIR / "kr_sample.csv", DIR / "kr_sample.yaml"
EU_MAPPING = Path(
    str(files("chainwatch.screening.lists").joinpath("mappings/eu_dprk_2017_1509.yaml"))
)


def load(*paths: Path) -> tuple[dict[str, ListEntry], LoadReport]:
    report = LoadReport("custom")
    return {e.entry_id: e for e in CustomCsvLoader().read(list(paths), report)}, report


def test_dprk_person_as_an_analyst_reads_it():
    entries, _ = load(CSV, MAPPING)
    person = entries["KR-P-001"]
    assert person.source == "custom:kr_test" and person.kind is EntityKind.PERSON
    assert person.name == "CHOE Myong Nam"
    assert person.birth_dates == ("1975-03-14",)  # "1975.03.14" with %Y.%m.%d
    assert person.identifiers == (Identifier("passport", "745000001", "kp"),)
    assert person.nationalities == ("kp",)
    assert person.programs == ("KR-DPRK",) and person.listed_on == "2022-04-21"
    names = {n.value: n for n in person.names}
    assert (names["최명남"].kind, names["최명남"].script) == (NameKind.ORIGINAL_SCRIPT, "Hang")
    assert names["CHOE Myong-Nam"].kind is NameKind.ALIAS
    assert names["Mr Choe"].kind is NameKind.WEAK_ALIAS


def test_entity_and_multi_valued_cells():
    entries, _ = load(MAPPING, CSV)  # order of the two paths does not matter
    assert entries["KR-E-001"].kind is EntityKind.COMPANY
    other = entries["KR-P-003"]
    assert {n.value for n in other.names} >= {"PARK Test-One", "PARK Test-Two"}
    assert [i.value for i in other.identifiers] == ["P 100000002", "100000003"]
    assert other.birth_dates == ("1960", "1961-05-02")
    assert other.nationalities == () and ("nationality_text", "Atlantis") in other.properties


def test_bad_rows_are_rejected_with_line_and_reason():
    entries, report = load(CSV, MAPPING)
    assert len(entries) == 3 and report.entries == 3
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (4, "missing_id"),
        (5, "duplicate_id"),
        (6, "no_name"),
    ]


def write_mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING.read_text("utf-8") + text, "utf-8")
    return path


def test_unknown_key_names_the_file_and_key(tmp_path):
    mapping = write_mapping(tmp_path, "alias_colums: [aliases]\n")
    with pytest.raises(InputError, match=r"mapping\.yaml: key 'alias_colums': unknown key"):
        load(CSV, mapping)


def test_unknown_column_lists_the_csv_header(tmp_path):
    mapping = write_mapping(tmp_path, "birth_place_column: place_of_birth\n")
    with pytest.raises(InputError) as err:
        load(CSV, mapping)
    message = str(err.value)
    assert "key 'birth_place_column'" in message and "'place_of_birth'" in message
    assert "header: list_id, type, name_en, name_ko" in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("kind: Dragon\n", "kind"),
        ("split_mixed_script: maybe\n", "split_mixed_script"),
        ("date_formats: ['%d.%m']\n", "date_formats"),
        (
            "identifier_columns: {passport_no: {type: passport, pattern: '('}}\n",
            "identifier_columns",
        ),
        ("delimiter: ';;'\n", "delimiter"),
    ],
)
def test_bad_values_name_the_key(tmp_path, text, key):
    with pytest.raises(InputError, match=f"key '{key}'"):
        load(CSV, write_mapping(tmp_path, text))


def test_required_keys_and_paths(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("source: x\nid_column: list_id\nkind: Person\n", "utf-8")
    with pytest.raises(InputError, match="key 'name_columns'"):
        load(CSV, mapping)
    with pytest.raises(InputError, match="exactly one .yaml mapping"):
        load(CSV)


@pytest.mark.shared
def test_real_eu_dprk_csv_with_the_shipped_mapping(shared_data):
    path = shared_data / "sanctions" / "eu" / "eu_dprk_2017_1509.csv"
    entries, report = load(path, EU_MAPPING)
    assert report.rejects == [] and report.warnings == []
    assert len(entries) == 326
    kinds = [e.kind for e in entries.values()]
    assert kinds.count(EntityKind.PERSON) == 157 and kinds.count(EntityKind.VESSEL) == 75
    hangul = [e for e in entries.values() if any(n.script == "Hang" for n in e.names)]
    assert len(hangul) == 77
    pak = entries["XVI.A-25"]
    assert pak.name == "PAK Hwa Song" and Identifier("passport", "654331357") in pak.identifiers
    assert any(n.value == "박화성" and n.kind is NameKind.ORIGINAL_SCRIPT for n in pak.names)
    assert pak.nationalities == ("kp",) and pak.listed_on == "2022-04-21"
    paekho = entries["XVI.B-8"]
    assert paekho.kind is EntityKind.COMPANY
    assert "조선백호무역회사" in {n.value for n in paekho.names}
    assert paekho.addresses[0].country == "kp"
    kim = entries["XV.A-32"]  # "KIM Kwang Yon 김광연" in the name cell
    assert kim.name == "KIM Kwang Yon" and "김광연" in {n.value for n in kim.names}
    assert entries["XIII.A-1"].birth_dates == ("1944-10-13",)
    assert "XIII.B-8606173" in entries  # a vessel without recordId: annex + IMO


@pytest.mark.shared
def test_real_eu_dprk_csv_streams_in_small_memory(shared_data):
    path = shared_data / "sanctions" / "eu" / "eu_dprk_2017_1509.csv"
    load(path, EU_MAPPING)  # warm the country cache
    tracemalloc.start()
    try:
        count = sum(1 for _ in CustomCsvLoader().read([path, EU_MAPPING], LoadReport("c")))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 326
    assert peak < 1_000_000, f"peak {peak} bytes"
