"""The rule catalogue: complete against SIGNALS.md, strict about bad records, docs in sync."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from chainwatch.errors import NotFoundError, UnknownRuleError
from chainwatch.findings.catalogue import (
    RULES,
    CatalogueError,
    Rule,
    Severity,
    get_rule,
    load_catalogue,
    render_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "rules.md"

# Every id in SIGNALS.md, in its order. Ids are never reused, so this list only grows.
ALL_IDS = [
    *(f"SCR-{n}" for n in range(1, 7)),
    *(f"CHAIN-{n}" for n in range(1, 6)),
    *(f"NET-{n}" for n in range(1, 10)),
    *(f"FILE-{n}" for n in range(1, 7)),
    "LANG-1",
    "MARK-1",
    "CAT-1",
    *(f"EXPOSE-{n}" for n in range(1, 4)),
    "PAY-1",
    *(f"ID-{n}" for n in range(1, 4)),
    "SHIP-1",
]

_SIGNAL_ROW = re.compile(r"^\|\s*([A-Z]+-\d+)\s*\|.*\|\s*([^|]*?)\s*\|\s*$", re.MULTILINE)


def _signals_md() -> Path | None:
    for candidate in (ROOT / "shared" / "SIGNALS.md", ROOT.parent / "shared" / "SIGNALS.md"):
        if candidate.is_file():
            return candidate
    return None


def _record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "TEST-1",
        "category": "network",
        "title": "A test signal",
        "severity": "M",
        "severity_range": ["H", "M"],
        "rationale": "Because tests need one.",
        "source": "tests/findings/test_catalogue.py",
        "caveats": "None.",
    }
    record.update(overrides)
    return record


def _text(*records: dict[str, Any]) -> str:
    return yaml.safe_dump(list(records), allow_unicode=True, sort_keys=False)


# --- completeness ------------------------------------------------------------------------


def test_catalogue_holds_exactly_the_known_ids_in_order() -> None:
    assert list(RULES) == ALL_IDS


@pytest.mark.shared
def test_every_signals_md_id_is_catalogued_with_its_severity() -> None:
    path = _signals_md()
    if path is None:
        pytest.skip("../shared/SIGNALS.md not present")
    rows = _SIGNAL_ROW.findall(path.read_text(encoding="utf-8"))
    assert len(rows) >= len(ALL_IDS)
    ids = [rule_id for rule_id, _ in rows]
    assert sorted(set(ids)) == sorted(RULES), "SIGNALS.md and rules.yaml disagree on ids"
    for rule_id, sev in rows:
        if sev in {"C", "H", "M", "L"}:  # a single letter is the default severity
            assert RULES[rule_id].severity.value == sev, rule_id


def test_every_rule_has_its_text() -> None:
    for rule in RULES.values():
        for name in ("title", "rationale", "source", "caveats"):
            value = getattr(rule, name)
            assert value.strip() == value and value, (rule.id, name)
        assert "\n" not in rule.title, rule.id
        assert "reference/" in rule.source, rule.id
        assert rule.allows(rule.severity)


@pytest.mark.parametrize(
    ("rule_id", "fact"),
    [
        ("NET-1", "175.45.176.0/22"),
        ("NET-1", "AS131279"),
        ("NET-1", "210.52.109.0/24"),
        ("NET-1", "77.94.35.0/24"),
        ("FILE-1", "07 06 05 04 03 02 01 00"),
        ("FILE-1", "`WM` + 13 characters"),
        ("FILE-1", "`EOF`"),
        ("FILE-2", "+08:30"),
        ("FILE-2", "2015-08-15"),
        ("FILE-2", "2018-05-04"),
        ("FILE-3", "N + 1911 = YYYY"),
        ("LANG-1", "Yanbian"),
        ("NET-7", "900 km/h"),
        ("SCR-3", "50"),
    ],
)
def test_key_facts_are_stated_exactly(rule_id: str, fact: str) -> None:
    rule = RULES[rule_id]
    assert fact in " ".join((rule.title, rule.rationale, rule.caveats))


def test_no_rule_is_described_by_ethnicity_or_name_sound() -> None:
    banned = re.compile(r"\b(ethnic\w*|race|racial|sounding|surname)\b", re.IGNORECASE)
    for rule in RULES.values():
        text = " ".join(str(v) for v in rule.to_dict().values())
        assert not banned.search(text), rule.id


# --- severities --------------------------------------------------------------------------


def test_severity_rank_and_label() -> None:
    assert [s.rank for s in Severity] == [4, 3, 2, 1]
    assert [s.label for s in Severity] == ["critical", "high", "medium", "low"]
    assert str(Severity.H) == "H"


def test_ranges_from_signals_md() -> None:
    assert RULES["SCR-1"].severity_range == (Severity.C, Severity.H, Severity.M)
    assert RULES["SCR-6"].severity_range == (Severity.C, Severity.H, Severity.M)
    assert RULES["NET-5"].severity is Severity.H
    assert RULES["NET-5"].severity_range == (Severity.H, Severity.M)
    assert RULES["NET-6"].severity_range == (Severity.M, Severity.L)
    assert RULES["LANG-1"].severity_range == (Severity.H, Severity.M)
    assert RULES["NET-1"].severity_range == (Severity.C,)


def test_scr1_allows_c_and_m_but_not_l() -> None:
    rule = RULES["SCR-1"]
    assert rule.allows(Severity.C)
    assert rule.allows("M")
    assert not rule.allows(Severity.L)
    assert not rule.allows("L")


def test_allows_rejects_a_letter_that_is_no_severity() -> None:
    with pytest.raises(ValueError):
        RULES["SCR-1"].allows("X")


def test_to_dict_is_json_ready_and_round_trips() -> None:
    record = RULES["SCR-1"].to_dict()
    assert record["severity"] == "C"
    assert record["severity_range"] == ["C", "H", "M"]
    json.dumps(record)
    assert load_catalogue(_text(record))["SCR-1"] == RULES["SCR-1"]


def test_rules_are_frozen() -> None:
    with pytest.raises(AttributeError):
        RULES["NET-1"].severity = Severity.L  # type: ignore[misc]


# --- get_rule ----------------------------------------------------------------------------


def test_get_rule_returns_the_catalogued_rule() -> None:
    assert get_rule("NET-7") is RULES["NET-7"]


def test_get_rule_unknown_raises_unknown_rule_error() -> None:
    with pytest.raises(UnknownRuleError) as info:
        get_rule("X-9")
    assert isinstance(info.value, NotFoundError)
    assert "'X-9'" in str(info.value)
    assert "chainwatch rules" in str(info.value)


# --- validation --------------------------------------------------------------------------


def test_a_minimal_valid_catalogue_loads_in_order() -> None:
    rules = load_catalogue(_text(_record(id="B-2"), _record(id="A-1")))
    assert list(rules) == ["B-2", "A-1"]
    assert isinstance(rules["A-1"], Rule)
    assert rules["A-1"].severity is Severity.M


def test_duplicate_id_is_rejected() -> None:
    with pytest.raises(CatalogueError, match="duplicate rule id 'TEST-1'"):
        load_catalogue(_text(_record(), _record(title="Another")))


@pytest.mark.parametrize("value", ["X", "c", "critical", 3, None])
def test_unknown_severity_is_rejected(value: object) -> None:
    with pytest.raises(CatalogueError, match="unknown severity"):
        load_catalogue(_text(_record(severity=value)))


def test_unknown_severity_in_range_is_rejected() -> None:
    with pytest.raises(CatalogueError, match="unknown severity 'Z'"):
        load_catalogue(_text(_record(severity_range=["M", "Z"])))


def test_default_severity_outside_range_is_rejected() -> None:
    with pytest.raises(CatalogueError, match="TEST-1: default severity C is not in"):
        load_catalogue(_text(_record(severity="C", severity_range=["H", "M"])))


@pytest.mark.parametrize("bad_range", [[], "M", ["M", "M"]])
def test_bad_severity_range_is_rejected(bad_range: object) -> None:
    with pytest.raises(CatalogueError, match="severity_range"):
        load_catalogue(_text(_record(severity_range=bad_range)))


@pytest.mark.parametrize(
    "field",
    ["id", "category", "title", "severity", "severity_range", "rationale", "source", "caveats"],
)
def test_missing_field_is_rejected(field: str) -> None:
    record = _record()
    del record[field]
    with pytest.raises(CatalogueError, match=f"missing field '{field}'"):
        load_catalogue(_text(record))


@pytest.mark.parametrize("field", ["title", "rationale", "source", "caveats"])
def test_empty_text_is_rejected(field: str) -> None:
    with pytest.raises(CatalogueError, match=f"'{field}' must be non-empty text"):
        load_catalogue(_text(_record(**{field: "  "})))


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(CatalogueError, match="unknown field 'severty'"):
        load_catalogue(_text(_record(severty="M")))


@pytest.mark.parametrize("category", ["ethics", "Network", ["network"]])
def test_unknown_category_is_rejected(category: object) -> None:
    with pytest.raises(CatalogueError, match="unknown category"):
        load_catalogue(_text(_record(category=category)))


@pytest.mark.parametrize("bad_id", ["net-7", "NET7", "NET-7a", "NET-", "-7", "NET-7\n", "N_T-7", 7])
def test_bad_id_format_is_rejected(bad_id: object) -> None:
    with pytest.raises(CatalogueError, match="bad id"):
        load_catalogue(_text(_record(id=bad_id)))


@pytest.mark.parametrize("text", ["", "id: NET-1", "[1, 2]", "- [unclosed", "[]"])
def test_malformed_documents_are_rejected(text: str) -> None:
    with pytest.raises(CatalogueError):
        load_catalogue(text)


def test_error_names_the_line_of_the_bad_record() -> None:
    text = _text(_record(id="A-1"), _record(id="B-2", severity="Q"))
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "B-2" in s)
    with pytest.raises(CatalogueError, match=rf"<text>:{line}: B-2: unknown severity 'Q'"):
        load_catalogue(text)


# --- docs --------------------------------------------------------------------------------


def test_render_markdown_groups_by_category_with_a_section_per_rule() -> None:
    text = render_markdown(RULES.values())
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == [
        "Sanctions and parties",
        "Chain",
        "Network (access logs)",
        "Files (artifacts)",
        "Assets",
        "Exposure",
        "Payments and people",
    ]
    assert re.findall(r"^### (\S+)$", text, re.MULTILINE) == ALL_IDS
    assert "| [SCR-1](#scr-1) |" in text
    assert text.index("### LANG-1") < text.index("## Assets")


def test_render_markdown_escapes_pipes_in_the_table() -> None:
    rule = load_catalogue(_text(_record(title="a | b")))["TEST-1"]
    assert "| a \\| b |" in render_markdown([rule])


def test_docs_rules_md_matches_the_catalogue() -> None:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("]]] -->\n") + len("]]] -->\n")
    end = text.index("<!-- [[[end]]] -->")
    assert text[start:end] == render_markdown(RULES.values()) + "\n", (
        "docs/rules.md is stale: run `PYTHONPATH=src cog -r docs/rules.md`"
    )


def test_cog_check_passes_on_docs_rules_md() -> None:
    cogapp = pytest.importorskip("cogapp")
    assert cogapp.Cog().main(["cog", "--check", str(DOCS)]) == 0
