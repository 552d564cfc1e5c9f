"""UN consolidated list: what an analyst checks on a DPRK listing, and bad input handling.

``fixtures/lists/un/un_sample.xml`` is hand-made in the official structure (its comment
says which values are invented); the ``shared`` tests read the real 2026-02-27 copy.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from chainwatch.domain import EntityKind, Identifier, ListEntry, NameKind
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.un import UnLoader

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "lists" / "un" / "un_sample.xml"


def load(path: Path) -> tuple[dict[str, ListEntry], LoadReport]:
    report = LoadReport("un")
    entries = {e.entry_id: e for e in UnLoader().read([path], report)}
    return entries, report


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    lines = [i for i, text in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in text]
    return lines[occurrence - 1]


def test_dprk_person_as_an_analyst_reads_it():
    entries, report = load(SAMPLE)
    person = entries["KPi.901"]
    assert person.source == "un" and person.kind is EntityKind.PERSON
    assert person.name == "CHOE MYONG NAM"
    assert "1975-03-14" in person.birth_dates
    assert Identifier("passport", "745000001", "kp") in person.identifiers
    assert person.nationalities == ("kp",)
    assert person.programs == ("DPRK",)
    assert person.listed_on == "2017-08-05"
    assert person.remarks == "Representative of a DPRK trading company abroad; invented for tests."
    assert ("un_dataid", "9900001") in person.properties
    assert ("last_updated", "2023-06-29") in person.properties
    assert person.birth_places == ("Pyongyang, Democratic People's Republic of Korea",)
    assert person.addresses[0].city == "Pyongyang" and person.addresses[0].country == "kp"


def test_names_keep_kind_and_script():
    entries, _ = load(SAMPLE)
    kinds = {n.value: (n.kind, n.script) for n in entries["KPi.901"].names}
    assert kinds["최명남"] == (NameKind.ORIGINAL_SCRIPT, "Hang")
    assert kinds["Choe Myong-nam"] == (NameKind.ALIAS, "Latn")  # QUALITY Good
    assert kinds["Director Choe"] == (NameKind.WEAK_ALIAS, "Latn")  # QUALITY Low
    assert all(n.script for n in entries["KPi.901"].names)


def test_between_dates_give_every_year_flagged_approximate():
    entries, _ = load(SAMPLE)
    person = entries["KPi.901"]
    assert {"1973", "1974"} <= set(person.birth_dates)
    assert ("birth_date_approximate", "1973") in person.properties


def test_entity_aliases_and_former_names():
    entries, _ = load(SAMPLE)
    mansudae = entries["KPe.050"]
    assert mansudae.kind is EntityKind.COMPANY
    assert mansudae.name == "MANSUDAE OVERSEAS PROJECT GROUP OF COMPANIES"
    kinds = {n.value: n.kind for n in mansudae.names}
    assert kinds["Mansudae Art Studio"] is NameKind.ALIAS  # QUALITY a.k.a.
    assert kinds["Mansudae Test Former Name"] is NameKind.FORMER  # QUALITY f.k.a.
    assert mansudae.countries == ("kp",)
    assert mansudae.addresses[0].street == "Yanggakdo International Hotel, RYUS"


def test_missing_reference_number_falls_back_to_dataid_with_a_warning():
    entries, report = load(SAMPLE)
    assert "dataid:9900002" in entries
    assert any("no REFERENCE_NUMBER" in w for w in report.warnings)
    assert entries["dataid:9900002"].birth_dates == ("1960",)


def test_record_without_id_or_name_is_rejected_with_its_line():
    entries, report = load(SAMPLE)
    assert len(entries) == 3 and report.entries == 3
    [reject] = report.rejects
    assert reject.reason.startswith("no_id")
    assert reject.line == line_of(SAMPLE, "<INDIVIDUAL>", occurrence=3)
    assert "<LISTED_ON>2017-08-05</LISTED_ON>" in reject.raw


def test_truncated_file_keeps_complete_records_and_reports_the_break(tmp_path):
    text = SAMPLE.read_text("utf-8")
    cut = tmp_path / "truncated.xml"
    cut.write_text(text[: text.index("<ENTITY_ALIAS>")], "utf-8")  # inside KPe.050
    entries, report = load(cut)
    assert set(entries) == {"KPi.901", "dataid:9900002"}  # complete records only
    reasons = [r.reason for r in report.rejects]
    assert reasons[-1].startswith("xml_error")
    assert report.rejects[-1].line == len(cut.read_text("utf-8").splitlines())  # the cut line
    assert any("truncated" in w for w in report.warnings)


def test_not_xml_and_missing_file_are_rejects_not_tracebacks(tmp_path):
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"\x00\x01 this is not xml")
    entries, report = load(junk)
    assert entries == {} and report.rejects[0].reason.startswith("xml_error")
    entries, report = load(tmp_path / "absent.xml")
    assert entries == {} and report.rejects[0].reason.startswith("unreadable")


@pytest.mark.shared
def test_real_un_list_loads_completely(shared_data):
    path = shared_data / "sanctions" / "un" / "consolidated.xml"
    entries, report = load(path)
    assert report.rejects == [] and report.warnings == []
    kinds = [e.kind for e in entries.values()]
    assert kinds.count(EntityKind.PERSON) == 730 and kinds.count(EntityKind.COMPANY) == 273
    dprk = [e for e in entries.values() if "DPRK" in e.programs]
    assert len([e for e in dprk if e.entry_id.startswith("KPi.")]) == 80
    assert len([e for e in dprk if e.entry_id.startswith("KPe.")]) == 75
    yun = entries["KPi.001"]
    assert yun.name == "YUN HO-JIN" and yun.birth_dates == ("1944-10-13",)
    assert yun.nationalities == ("kp",) and yun.listed_on == "2009-07-16"
    assert "Mansudae Art Studio" in {n.value for n in entries["KPe.050"].names}
    assert all(n.script for e in entries.values() for n in e.names)
    arabic = [n for e in entries.values() for n in e.names if n.kind is NameKind.ORIGINAL_SCRIPT]
    assert len(arabic) > 300 and {n.script for n in arabic} >= {"Arab"}


@pytest.mark.shared
def test_real_un_list_streams_in_small_memory(shared_data):
    path = shared_data / "sanctions" / "un" / "consolidated.xml"  # 2 MB
    load(path)  # warm the country cache
    tracemalloc.start()
    try:
        count = sum(1 for _ in UnLoader().read([path], LoadReport("un")))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1003
    assert peak < 2_000_000, f"peak {peak} bytes"
