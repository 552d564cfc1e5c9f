"""Any CSV list, read through a small YAML mapping: national lists without a loader of their
own (a South Korean MOFA/MOEF list, a client's internal deny list, an annex republished as
CSV) become ``ListEntry`` records without code.

``read(paths, report)`` takes the CSV file(s) and one mapping (recognised by its ``.yaml`` /
``.yml`` suffix). The mapping is checked before any entry is made: an unknown key, a wrong
type or a column missing from the CSV header is an ``InputError`` naming the mapping file
and the key (and listing the header). Rows are then streamed; a row without id or name, or
with an id seen before, is a reject with its line.

Mapping format (``mappings/eu_dprk_2017_1509.yaml`` is a complete, working example)::

    source: kr_mofa                 # required; entries get source "custom:kr_mofa"
    title: ...                      # optional, for reports
    delimiter: ","                  # default ","
    encoding: utf-8                 # default utf-8-sig (a BOM is skipped)
    id_column: id                   # or id_columns: [annex, recordId] -> "XV.A-1"
    fallback_id_columns: [annex, imoNumber]   # used when a part of the id is empty
    kind: Person                    # fixed kind (Person, Company, Vessel, Aircraft, Any), or
    kind_column: schema             #   a column, mapped by
    kind_map: {Person: Person, LegalEntity: Company}   # unmapped values give Any (warned)
    name_columns: [name]            # required: primary names (first one is primary)
    alias_columns: [alias]          # also: weak_alias_columns, former_name_columns,
    original_script_columns: []     #   original_script_columns
    split: ";"                      # separator(s) of multi-valued cells (string or list)
    split_comma_lists: false        # alias "KIM Yong-Nam, KIM Young-Nam" -> two names when
                                    #   every part has two words ("Ri, Chae-Il" stays whole)
    split_mixed_script: false       # "KIM Kwang Yon 김광연" -> Latin name + original script
    non_latin_as_original_script: false   # a Hangul/Han/Cyrillic... alias is original script
    identifier_columns:             # column: type, or column: {type, pattern, country}
      passportNumber: {type: passport, pattern: '\\b[A-Z]{0,2}[ -]{0,2}\\d{6,}\\b'}
      imoNumber: imo
    birth_date_column: birthDate    # dates found in prose too: "19.1.1963 or 8.5.1966"
    date_formats: ["%d.%m.%Y", "%Y"]   # strptime; ISO dates always accepted
    birth_place_column: birthPlace
    nationality_column: nationality # names or codes -> ISO alpha-2 ("DPRK" -> kp)
    country_column: country
    address_columns: [address]      # one-line addresses; country read from the last part
    program: EU-PRK                 # fixed program, or program_column: programKey
    listed_on_column: startDate
    remarks_column: reason          # or remarks_columns: [reason, notes]
    property_columns: {gender: gender}   # column: property key, shown to analysts

Text that cannot be parsed (a nationality, a birth date) is kept as a property
(``nationality_text``, ``birth_date_text``) rather than dropped.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chainwatch.domain import EntityKind, Identifier, ListEntry, Name, NameKind
from chainwatch.errors import InputError
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.values import (
    CsvRows,
    address_from_text,
    clean_country,
    collapse,
    find_dates,
    make_name,
    split_by_script,
    split_cell,
    split_name_list,
    unique,
    unique_names,
)

_NAME_KEYS = {
    "name_columns": NameKind.PRIMARY,
    "alias_columns": NameKind.ALIAS,
    "weak_alias_columns": NameKind.WEAK_ALIAS,
    "former_name_columns": NameKind.FORMER,
    "original_script_columns": NameKind.ORIGINAL_SCRIPT,
}
# Every mapping key and the YAML type it takes (a list key also takes one string).
_KEYS: dict[str, type] = {
    **dict.fromkeys(("source", "title", "delimiter", "encoding", "kind", "kind_column"), str),
    **dict.fromkeys(("id_column", "program", "program_column", "listed_on_column"), str),
    **dict.fromkeys(("birth_date_column", "birth_place_column", "nationality_column"), str),
    **dict.fromkeys(("country_column", "remarks_column"), str),
    **dict.fromkeys((*_NAME_KEYS, "id_columns", "fallback_id_columns", "address_columns"), list),
    **dict.fromkeys(("remarks_columns", "date_formats", "split"), list),
    **dict.fromkeys(
        ("split_comma_lists", "split_mixed_script", "non_latin_as_original_script"), bool
    ),
    **dict.fromkeys(("kind_map", "identifier_columns", "property_columns"), dict),
}
_TYPE_NAMES = {
    str: "a string",
    list: "a string or a list of strings",
    bool: "true or false",
    dict: "a mapping of column: value",
}
# Scalar keys naming one CSV column, kept as they are (id/remarks become lists).
_COLUMN_KEYS = tuple(
    k
    for k, t in _KEYS.items()
    if t is str and k.endswith("_column") and k not in ("id_column", "remarks_column")
)
_KINDS = {k.value.lower(): k for k in EntityKind}
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class IdentifierColumn:
    type: str
    pattern: re.Pattern[str] | None = None
    country: str | None = None


@dataclass(frozen=True)
class CsvMapping:
    """A validated mapping file; ``columns()`` lists every CSV column it names."""

    path: Path
    source: str
    title: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    id_columns: tuple[str, ...] = ()
    fallback_id_columns: tuple[str, ...] = ()
    kind: EntityKind | None = None
    kind_column: str | None = None
    kind_map: dict[str, EntityKind] = field(default_factory=dict)
    names: tuple[tuple[str, NameKind], ...] = ()
    split: tuple[str, ...] = ()
    split_comma_lists: bool = False
    split_mixed_script: bool = False
    non_latin_as_original_script: bool = False
    identifiers: dict[str, IdentifierColumn] = field(default_factory=dict)
    birth_date_column: str | None = None
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    birth_place_column: str | None = None
    nationality_column: str | None = None
    country_column: str | None = None
    address_columns: tuple[str, ...] = ()
    program: str | None = None
    program_column: str | None = None
    listed_on_column: str | None = None
    remarks_columns: tuple[str, ...] = ()
    property_columns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> CsvMapping:
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InputError(f"{path}: cannot read mapping: {exc}") from exc
        if not isinstance(data, dict):
            raise InputError(f"{path}: a mapping must be a YAML object of keys")
        return cls(path=path, **_parse(path, data))

    def columns(self) -> list[tuple[str, str]]:
        """(key, column) for every column the mapping reads."""
        cols = [("id_columns", c) for c in self.id_columns]
        cols += [("fallback_id_columns", c) for c in self.fallback_id_columns]
        cols += [(_key_of(kind), c) for c, kind in self.names]
        cols += [("identifier_columns", c) for c in self.identifiers]
        cols += [("address_columns", c) for c in self.address_columns]
        cols += [("remarks_columns", c) for c in self.remarks_columns]
        cols += [("property_columns", c) for c in self.property_columns]
        cols += [(key, getattr(self, key)) for key in _COLUMN_KEYS if getattr(self, key)]
        return cols

    def check_columns(self, header: list[str], csv_path: Path) -> None:
        for key, column in self.columns():
            if column not in header:
                raise InputError(
                    f"{self.path}: key '{key}': column '{column}' is not in {csv_path} "
                    f"(header: {', '.join(header)})"
                )


def _key_of(kind: NameKind) -> str:
    return next(k for k, v in _NAME_KEYS.items() if v is kind)


def _parse(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Check types and values key by key; return the ``CsvMapping`` fields."""

    def fail(key: str, problem: str) -> InputError:
        return InputError(f"{path}: key '{key}': {problem}")

    for key, value in data.items():
        expected = _KEYS.get(str(key))
        if expected is None:
            raise fail(str(key), f"unknown key; known keys: {', '.join(sorted(_KEYS))}")
        if expected is list and isinstance(value, str):
            value = data[key] = [value]
        if not isinstance(value, expected) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            raise fail(key, f"must be {_TYPE_NAMES[expected]}")

    out: dict[str, Any] = {}
    source = data.get("source")
    if not source or not _SOURCE.match(source):
        raise fail("source", "required: a short lower-case name such as kr_mofa")
    out["source"] = source
    for key in ("title", "program", *_COLUMN_KEYS):
        if data.get(key):
            out[key] = data[key]
    for key in ("split_comma_lists", "split_mixed_script", "non_latin_as_original_script"):
        if key in data:
            out[key] = data[key]
    if "delimiter" in data:
        if len(data["delimiter"]) != 1:
            raise fail("delimiter", "must be one character")
        out["delimiter"] = data["delimiter"]
    if "encoding" in data:
        try:
            codecs.lookup(data["encoding"])
        except LookupError as exc:
            raise fail("encoding", f"unknown encoding {data['encoding']!r}") from exc
        out["encoding"] = data["encoding"]

    ids = data.get("id_columns") or ([data["id_column"]] if data.get("id_column") else [])
    if not ids:
        raise fail("id_column", "required (or id_columns)")
    out["id_columns"] = tuple(ids)
    out["fallback_id_columns"] = tuple(data.get("fallback_id_columns", []))

    if "kind" in data and "kind_column" in data:
        raise fail("kind", "give kind or kind_column, not both")
    if "kind" in data:
        if data["kind"].lower() not in _KINDS:
            raise fail("kind", f"one of {', '.join(k.value for k in EntityKind)}")
        out["kind"] = _KINDS[data["kind"].lower()]
    elif "kind_column" in data:
        kind_map = {}
        for value, kind in data.get("kind_map", {}).items():
            if not isinstance(kind, str) or kind.lower() not in _KINDS:
                raise fail(
                    "kind_map", f"{value!r}: one of {', '.join(k.value for k in EntityKind)}"
                )
            kind_map[str(value)] = _KINDS[kind.lower()]
        out["kind_map"] = kind_map
    else:
        raise fail("kind", "required: a fixed kind, or kind_column (with kind_map)")

    if not data.get("name_columns"):
        raise fail("name_columns", "required: at least one column of primary names")
    out["names"] = tuple((c, kind) for key, kind in _NAME_KEYS.items() for c in data.get(key, []))
    if any(not s for s in data.get("split", [])):
        raise fail("split", "separators cannot be empty")
    out["split"] = tuple(data.get("split", []))

    formats = data.get("date_formats")
    if formats is not None:
        if not all("%Y" in f or "%y" in f for f in formats):
            raise fail("date_formats", "every format needs a year (%Y)")
        out["date_formats"] = tuple(formats)

    identifiers = {}
    for column, spec in data.get("identifier_columns", {}).items():
        spec = {"type": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or not _TYPE.match(str(spec.get("type", ""))):
            raise fail("identifier_columns", f"{column}: type must look like passport, imo...")
        if unknown := set(spec) - {"type", "pattern", "country"}:
            raise fail("identifier_columns", f"{column}: unknown {', '.join(sorted(unknown))}")
        try:
            pattern = re.compile(spec["pattern"]) if spec.get("pattern") else None
        except re.error as exc:
            raise fail("identifier_columns", f"{column}: bad pattern: {exc}") from exc
        country = clean_country(spec["country"]) if spec.get("country") else None
        identifiers[str(column)] = IdentifierColumn(spec["type"], pattern, country)
    out["identifiers"] = identifiers

    out["address_columns"] = tuple(data.get("address_columns", []))
    remarks = data.get("remarks_columns") or (
        [data["remarks_column"]] if data.get("remarks_column") else []
    )
    out["remarks_columns"] = tuple(remarks)
    props = data.get("property_columns", {})
    if not all(isinstance(v, str) and _TYPE.match(v) for v in props.values()):
        raise fail("property_columns", "values are property keys such as gender, position")
    out["property_columns"] = {str(k): v for k, v in props.items()}
    return out


class CustomCsvLoader:
    """Any CSV plus a YAML mapping (see the module docstring for the mapping format)."""

    kind = "custom"
    title = "Custom CSV list (YAML mapping)"

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        paths = [Path(p) for p in paths]
        mappings = [p for p in paths if p.suffix.lower() in (".yaml", ".yml")]
        data_files = [p for p in paths if p not in mappings]
        if len(mappings) != 1 or not data_files:
            raise InputError(
                "a custom list needs CSV file(s) and exactly one .yaml mapping, got "
                + ", ".join(str(p) for p in paths)
            )
        mapping = CsvMapping.load(mappings[0])
        for path in data_files:
            yield from _read_csv(path, mapping, report)


def _read_csv(path: Path, mapping: CsvMapping, report: LoadReport) -> Iterator[ListEntry]:
    rows = CsvRows(path, report, delimiter=mapping.delimiter, encoding=mapping.encoding)
    seen_ids: dict[str, int] = {}
    unknown_kinds: set[str] = set()
    checked = False
    for line, row in rows:
        if not checked:
            mapping.check_columns(rows.header or [], path)
            checked = True
        raw = mapping.delimiter.join(row.values())
        entry_id = _join(row, mapping.id_columns) or _join(row, mapping.fallback_id_columns)
        if not entry_id:
            report.reject(path, line, "missing_id", raw)
            continue
        if entry_id in seen_ids:
            report.reject(
                path, line, f"duplicate_id: {entry_id} (first at line {seen_ids[entry_id]})", raw
            )
            continue
        try:
            entry = _entry(entry_id, row, mapping, unknown_kinds, report)
        except Exception as exc:  # one bad row must not stop the list
            report.reject(path, line, f"bad_row: {exc!r}", raw)
            continue
        if entry is None:
            report.reject(path, line, f"no_name: {entry_id}", raw)
            continue
        seen_ids[entry_id] = line
        report.entries += 1
        yield entry
    if not checked and rows.header is not None:
        mapping.check_columns(rows.header, path)


def _join(row: dict[str, str], columns: tuple[str, ...]) -> str:
    parts = [collapse(row.get(c)) for c in columns]
    return "-".join(parts) if parts and all(parts) else ""


def _names(row: dict[str, str], mapping: CsvMapping) -> list[Name | None]:
    names: list[Name | None] = []
    primary_taken = False
    for column, kind in mapping.names:
        values = split_cell(row.get(column), mapping.split)
        if mapping.split_comma_lists and kind is not NameKind.PRIMARY:
            values = [v for value in values for v in split_name_list(value)]
        for value in values:
            parts = split_by_script(value) if mapping.split_mixed_script else [value]
            for part in parts:
                name_kind = kind
                if kind is NameKind.PRIMARY:
                    name_kind = NameKind.ALIAS if primary_taken else NameKind.PRIMARY
                name = make_name(part, name_kind)
                if name is None:
                    continue
                non_latin = name.script not in (None, "Latn")
                if non_latin and (len(parts) > 1 or mapping.non_latin_as_original_script):
                    name = Name(name.value, NameKind.ORIGINAL_SCRIPT, name.script)
                primary_taken = primary_taken or name.kind is NameKind.PRIMARY
                names.append(name)
    return names


def _entry(
    entry_id: str,
    row: dict[str, str],
    mapping: CsvMapping,
    unknown_kinds: set[str],
    report: LoadReport,
) -> ListEntry | None:
    names = unique_names(_names(row, mapping))
    if not names:
        return None
    kind = mapping.kind or EntityKind.ANY
    if mapping.kind_column:
        value = collapse(row.get(mapping.kind_column))
        kind = mapping.kind_map.get(value) or _KINDS.get(value.lower(), EntityKind.ANY)
        known = value in mapping.kind_map or value.lower() in _KINDS
        if not known and value not in unknown_kinds:
            unknown_kinds.add(value)
            report.warnings.append(f"{mapping.path}: kind_map has no {value!r}; kind Any")

    identifiers: list[Identifier] = []
    for column, spec in mapping.identifiers.items():
        cell = collapse(row.get(column))
        values = spec.pattern.findall(cell) if spec.pattern else split_cell(cell, mapping.split)
        identifiers += [Identifier(spec.type, collapse(v), spec.country) for v in values if v]

    properties: list[tuple[str, str]] = []
    birth_dates: list[str] = []
    if mapping.birth_date_column:
        for piece in split_cell(row.get(mapping.birth_date_column), mapping.split):
            found = find_dates(piece, mapping.date_formats)
            birth_dates += found
            if not found:
                properties.append(("birth_date_text", piece))
    nationalities: list[str | None] = []
    if mapping.nationality_column:
        for piece in split_cell(row.get(mapping.nationality_column), mapping.split):
            nationalities.append(clean_country(piece))
            if nationalities[-1] is None:
                properties.append(("nationality_text", piece))
    countries = [
        clean_country(p) for p in split_cell(row.get(mapping.country_column or ""), mapping.split)
    ]
    addresses = [
        a
        for column in mapping.address_columns
        for a in (address_from_text(p) for p in split_cell(row.get(column), mapping.split))
        if a is not None
    ]
    programs = [mapping.program] if mapping.program else []
    if mapping.program_column:
        programs += split_cell(row.get(mapping.program_column), mapping.split)
    listed = find_dates(row.get(mapping.listed_on_column or ""), mapping.date_formats)
    remarks = "\n".join(unique(collapse(row.get(c)) for c in mapping.remarks_columns))
    properties += [
        (key, collapse(row.get(column)))
        for column, key in mapping.property_columns.items()
        if collapse(row.get(column))
    ]
    return ListEntry(
        source=f"custom:{mapping.source}",
        entry_id=entry_id,
        kind=kind,
        names=names,
        identifiers=tuple(dict.fromkeys(identifiers)),
        birth_dates=unique(birth_dates),
        birth_places=unique(split_cell(row.get(mapping.birth_place_column or ""), mapping.split)),
        nationalities=unique(nationalities),
        countries=unique(nationalities + countries + [a.country for a in addresses]),
        addresses=tuple(dict.fromkeys(addresses)),
        programs=unique(programs),
        listed_on=listed[0] if listed else None,
        remarks=remarks or None,
        properties=tuple(dict.fromkeys(properties)),
    )
