"""Loaders for OFAC's official list files: the legacy CSV set and SDN_ADVANCED.XML.

Legacy CSV (``OfacLegacyLoader``): SDN.CSV (or CONS_PRIM.CSV) holds one row per listing;
ADD, ALT and SDN_COMMENTS hold addresses, aliases and the overflow of remarks longer than
1,000 characters, joined on ``ent_num``. No header, ``-0-`` for empty, CRLF, a 0x1A byte at
the end, and historically cp1252 bytes.

How memory stays bounded: the three side files are read first into dicts keyed by
``ent_num`` (on the real list ~2.5 MB of text; the whole SDN load peaks at ~30 MB traced),
and they shrink as entries are emitted; the main file, the big one, is streamed twice.
The first pass only records ``ent_num`` and the primary name of each row, so the second can
resolve "Linked To: SEK STUDIO." to entry 34022 whatever the order of the rows, and so
side-file rows with no entry (orphans: OFAC's files are of different dates) are known and
reported before the first entry is yielded. Only one ``ListEntry`` is alive at a time.

Names are kept as the list writes them ("LU, Hezheng"): no re-ordered "Hezheng LU" is added,
because it would be a name OFAC never published and the matcher compares tokens without
regard to order anyway.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from chainwatch.domain import (
    EntityKind,
    Identifier,
    ListAddress,
    ListEntry,
    ListRelation,
    Name,
    NameKind,
    RelationKind,
)
from chainwatch.errors import InputError
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.ofac_advanced import OfacAdvancedLoader
from chainwatch.screening.lists.ofac_fields import country_code
from chainwatch.screening.lists.ofac_remarks import parse_remarks
from chainwatch.screening.lists.values import detect_script, unique_names

__all__ = ["OfacAdvancedLoader", "OfacLegacyLoader", "split_programs"]

_NULL = "-0-"
_COLUMNS = {"main": 12, "add": 6, "alt": 5, "comments": 2}
_FAMILIES: dict[str, dict[str, str]] = {
    "ofac_sdn": {"sdn": "main", "add": "add", "alt": "alt", "sdn_comments": "comments"},
    "ofac_cons": {
        "cons_prim": "main",
        "cons_add": "add",
        "cons_alt": "alt",
        "cons_comments": "comments",
    },
}
_TITLES = {
    "ofac_sdn": "OFAC Specially Designated Nationals (SDN) list, legacy CSV",
    "ofac_cons": "OFAC Consolidated (non-SDN) list, legacy CSV",
}
_KINDS = {
    "individual": EntityKind.PERSON,
    "vessel": EntityKind.VESSEL,
    "aircraft": EntityKind.AIRCRAFT,
}
_ALT_KINDS = {"aka": NameKind.ALIAS, "fka": NameKind.FORMER, "nka": NameKind.ALIAS}
_PROGRAM_SPLIT = re.compile(r"\]\s*\[")

# (line where the record starts, fields). Fields are not stripped: the remarks and their
# SDN_COMMENTS continuation are cut at an arbitrary character, possibly a space.
Row = tuple[int, list[str]]


def _value(text: str | None) -> str | None:
    """``-0-`` (often with a trailing space) and blanks are the legacy files' null."""
    if text is None:
        return None
    text = text.strip()
    return None if not text or text == _NULL else text


def split_programs(text: str | None) -> tuple[str, ...]:
    """``"SDGT] [IFSR"`` -> ``("SDGT", "IFSR")``; OFAC joins programs with ``] [``."""
    if not text:
        return ()
    parts = (p.strip(" []") for p in _PROGRAM_SPLIT.split(text))
    return tuple(p for p in parts if p)


def _decoded_lines(path: Path, report: LoadReport, quiet: bool) -> Iterator[str]:
    """Lines as text. UTF-8 first; a line that is not UTF-8 is cp1252 (OFAC's historical
    encoding), then latin-1, which decodes anything. The 0x1A end-of-file byte is dropped."""
    fallbacks = 0
    with path.open("rb") as fh:
        for n, raw in enumerate(fh):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                fallbacks += 1
                try:
                    line = raw.decode("cp1252")
                except UnicodeDecodeError:
                    line = raw.decode("latin-1")
            if n == 0:
                line = line.lstrip("\ufeff")
            yield line.replace("\x1a", "")
    if fallbacks and not quiet:
        report.warnings.append(f"{path}: {fallbacks} line(s) were not UTF-8, read as cp1252")


def _rows(path: Path, role: str, report: LoadReport, *, quiet: bool = False) -> Iterator[Row]:
    """Well-formed rows of one file; malformed ones become rejects (unless ``quiet``, used
    on the second pass over the main file, whose rejects the first pass already counted)."""
    reader = csv.reader(_decoded_lines(path, report, quiet))
    last = 0
    for fields in reader:
        line, last = last + 1, reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        raw = ",".join(fields)
        if len(fields) != _COLUMNS[role]:
            if not quiet:
                report.reject(
                    path,
                    line,
                    f"malformed: expected {_COLUMNS[role]} columns, got {len(fields)}",
                    raw,
                )
            continue
        if not fields[0].strip().isdigit():
            if not quiet:
                report.reject(path, line, f"malformed: ent_num {fields[0]!r} is not a number", raw)
            continue
        yield line, [fields[0].strip(), *fields[1:]]


class OfacLegacyLoader:
    """OFAC's legacy CSV files: ``kind="ofac_sdn"`` (SDN.CSV, ADD.CSV, ALT.CSV,
    SDN_COMMENTS.CSV) or ``kind="ofac_cons"`` (CONS_PRIM/CONS_ADD/CONS_ALT/CONS_COMMENTS).

    Files are recognised by name, case-insensitively; a directory stands for its files.
    """

    def __init__(self, kind: str = "ofac_sdn") -> None:
        if kind not in _FAMILIES:
            raise InputError(f"unknown OFAC legacy list {kind!r}: use ofac_sdn or ofac_cons")
        self.kind = kind
        self.title = _TITLES[kind]
        self.files = tuple(f"{stem}.csv" for stem in _FAMILIES[kind])

    # -- file discovery ---------------------------------------------------------------------

    def classify(self, paths: Iterable[Path], report: LoadReport) -> dict[str, Path]:
        """Role ("main", "add", "alt", "comments") -> path, from the file names."""
        family = _FAMILIES[self.kind]
        found: dict[str, Path] = {}
        expanded: list[Path] = []
        for p in map(Path, paths):
            if p.is_dir():
                expanded.extend(sorted(c for c in p.iterdir() if c.is_file()))
            elif p.is_file():
                expanded.append(p)
            else:
                raise InputError(f"{self.kind}: file not found: {p}")
        for p in expanded:
            stem = p.name.lower().split(".")[0]
            role = family.get(stem)
            if role is None:
                report.warnings.append(f"{self.kind}: ignored {p} (not one of {self.files})")
                continue
            if role in found:
                raise InputError(f"{self.kind}: two {stem} files given: {found[role]} and {p}")
            found[role] = p
        if "main" not in found:
            main = self.files[0].upper()
            raise InputError(
                f"{self.kind}: the main file {main} is missing "
                f"(given: {', '.join(str(p) for p in expanded) or 'nothing'})"
            )
        return found

    # -- reading ------------------------------------------------------------------------------

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        files = self.classify(paths, report)
        main = files["main"]
        side = {
            role: self._side(files[role], role, report)
            for role in ("add", "alt", "comments")
            if role in files
        }
        ids, names = self._index(main, report)
        for role, rows in side.items():
            for ent, items in rows.items():
                if ent not in ids:
                    for line, fields in items:
                        report.reject(
                            files[role],
                            line,
                            f"orphan: {role} row for ent_num {ent}, which is not in {main.name}",
                            ",".join(fields),
                        )
        linked = unresolved = 0
        seen: set[str] = set()
        for _line, f in _rows(main, "main", report, quiet=True):
            ent = f[0]
            if ent in seen or not _value(f[1]):
                continue
            seen.add(ent)
            entry = self._entry(f, side, names)
            for rel in entry.relations:
                if rel.kind is RelationKind.LINKED_TO:
                    linked += 1
                    unresolved += rel.target_entry_id is None
            report.entries += 1
            yield entry
        if unresolved:
            report.warnings.append(
                f"{self.kind}: {unresolved} of {linked} 'Linked To' references name no entry "
                f"of {main.name} (kept with target_entry_id=None)"
            )

    def _side(self, path: Path, role: str, report: LoadReport) -> dict[str, list[Row]]:
        rows: dict[str, list[Row]] = {}
        for line, fields in _rows(path, role, report):
            rows.setdefault(fields[0], []).append((line, fields))
        return rows

    def _index(self, main: Path, report: LoadReport) -> tuple[set[str], dict[str, str | None]]:
        """First pass: the set of ent_nums and a primary-name index (None = ambiguous)."""
        ids: dict[str, int] = {}
        names: dict[str, str | None] = {}
        for line, f in _rows(main, "main", report):
            ent, name = f[0], _value(f[1])
            if ent in ids:
                report.reject(
                    main, line, f"duplicate: ent_num {ent} already on line {ids[ent]}", ",".join(f)
                )
                continue
            if name is None:
                report.reject(main, line, f"malformed: ent_num {ent} has no name", ",".join(f))
                continue
            ids[ent] = line
            key = name.casefold()
            names[key] = ent if key not in names else None
        return set(ids), names

    @staticmethod
    def _resolve(name: str, names: dict[str, str | None]) -> tuple[str | None, str]:
        """Entry id for a "Linked To" name. The remark's closing "." may also end the name
        ("... CO., LTD."), so both spellings are tried. Ambiguous names stay unresolved."""
        for candidate in (name, name + ".", name.rstrip(".")):
            ent = names.get(candidate.casefold())
            if ent is not None:
                return ent, candidate
        return None, name

    def _entry(
        self, f: list[str], side: dict[str, dict[str, list[Row]]], names: dict[str, str | None]
    ) -> ListEntry:
        ent, name = f[0], _value(f[1]) or ""
        parts = [f[11], *(c[1] for _line, c in side.get("comments", {}).pop(ent, []))]
        text = "".join(p for p in parts if _value(p)).strip() or None
        rm = parse_remarks(text)

        out_names = [Name(name, NameKind.PRIMARY, detect_script(name))]
        for _line, alt in side.get("alt", {}).pop(ent, []):
            alias = _value(alt[3])
            if alias:
                kind = _ALT_KINDS.get((_value(alt[2]) or "").casefold(), NameKind.ALIAS)
                out_names.append(Name(alias, kind, detect_script(alias)))
        for alias in (*rm.weak_aliases, *rm.weak_former_names):
            out_names.append(Name(alias, NameKind.WEAK_ALIAS, detect_script(alias)))

        countries: list[str] = []
        addresses, props = [], []
        for _line, a in side.get("add", {}).pop(ent, []):
            address = self._address(a)
            if address is not None:
                addresses.append(address)
                countries.append(address.country or "")
            if _value(a[5]):
                props.append(("address_remarks", _value(a[5]) or ""))

        identifiers = list(rm.identifiers)
        if _value(f[5]):
            identifiers.append(Identifier("call_sign", _value(f[5]) or ""))
        for key, col in (
            ("title", 4),
            ("vessel_type", 6),
            ("tonnage", 7),
            ("gross_registered_tonnage", 8),
            ("vessel_flag", 9),
            ("vessel_owner", 10),
        ):
            if _value(f[col]):
                props.append((key, _value(f[col]) or ""))
        countries.append(country_code(_value(f[9])) or "")

        relations = []
        for target in rm.linked_to:
            target_id, spelled = self._resolve(target, names)
            relations.append(
                ListRelation(RelationKind.LINKED_TO, spelled, target_id, f"Linked To: {target}")
            )
        owner = _value(f[10])
        if owner:
            target_id, spelled = self._resolve(owner, names)
            relations.append(
                ListRelation(RelationKind.OWNED_BY, spelled, target_id, f"Vessel owner: {owner}")
            )

        for key, value in (
            ("gender", rm.gender),
            ("target_type", rm.target_type),
            ("organization_type", rm.organization_type),
            ("established", rm.established),
        ):
            if value:
                props.append((key, value))
        props.extend(rm.properties)
        props.extend(("remark", u) for u in rm.unparsed)

        return ListEntry(
            source=self.kind,
            entry_id=ent,
            kind=_KINDS.get((_value(f[2]) or "").casefold(), EntityKind.COMPANY),
            names=unique_names(out_names),
            identifiers=tuple(dict.fromkeys(identifiers)),
            birth_dates=rm.birth_dates,
            birth_places=rm.birth_places,
            nationalities=tuple(dict.fromkeys([*rm.nationalities, *rm.citizenships])),
            countries=tuple(c for c in dict.fromkeys([*countries, *rm.countries]) if c),
            addresses=tuple(addresses),
            programs=split_programs(_value(f[3])),
            relations=tuple(relations),
            remarks=text,
            properties=tuple(dict.fromkeys(props)),
        )

    @staticmethod
    def _address(a: list[str]) -> ListAddress | None:
        street, city, country = _value(a[2]), _value(a[3]), _value(a[4])
        if not (street or city or country):
            return None
        full = ", ".join(p for p in (street, city, country) if p)
        return ListAddress(
            full=full, street=street, city=city, country=country_code(country), country_name=country
        )
