"""EU Financial Sanctions Files (FSF) 1.1, XML and CSV; reference: sanctions-screening.md §3.4.

Sources (same data, two layouts), from https://webgate.ec.europa.eu/fsd/fsf:

- ``xmlFullSanctionsList_1_1``: ``export`` (namespace ``http://eu.europa.ec/fpi/fsd/export``)
  with one ``sanctionEntity`` per listing; read by ``EuXmlLoader`` (kind ``eu``).
- ``csvFullSanctionsList_1_1``: ``;``-separated, 118 columns, one row per name / address /
  birth date / identification / citizenship detail, the rows of one listing sharing
  ``Entity_LogicalId``; read by ``EuCsvLoader`` (kind ``eu_csv``).

Both map the same way, so an entry reads the same whichever file a snapshot holds:

- ``entry_id`` is the ``logicalId`` (stable across files); ``euReferenceNumber`` and
  ``unitedNationId`` (a UN reference such as "KPi.001": the cross-list link) are properties.
- ``subjectType`` code person -> Person, enterprise -> Company (else Any).
- Names: the first strong Latin-script ``nameAlias`` is the primary name; ``strong="false"``
  or a remark saying "low quality" makes a weak alias; a non-Latin name (``nameLanguage`` such
  as KO with Hangul) is an original-script name with its language. ``function``, ``title``
  and ``gender`` become properties.
- ``identification`` codes map to identifier types (passport, national_id,
  company_registration, tax_id, swift_bic, imo; others keep their code); ``latinNumber`` is
  added when it differs; knownFalse/knownExpired/diplomatic... flags become a property.
- ``regulation@programme`` ("PRK") is the program; ``listed_on`` is ``designationDate``,
  else the earliest regulation ``entryIntoForceDate``.

The CSV must come grouped by ``Entity_LogicalId`` (the official file is); rows of an id seen
earlier in the file are rejected as ``out_of_order`` rather than emitted twice.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainwatch.domain import EntityKind, Identifier, ListAddress, ListEntry, Name, NameKind
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.values import (
    CsvRows,
    clean_country,
    clean_date,
    collapse,
    iter_xml_records,
    make_name,
    slug,
    unique,
    unique_names,
)

_KINDS = {
    "person": EntityKind.PERSON,
    "p": EntityKind.PERSON,
    "enterprise": EntityKind.COMPANY,
    "e": EntityKind.COMPANY,
}
_ID_TYPES = {
    "passport": "passport",
    "id": "national_id",
    "regnumber": "company_registration",
    "fiscalcode": "tax_id",
    "swiftbic": "swift_bic",
    "imo": "imo",
    "ssn": "national_id",
}
_ADDRESS_PARTS = ("street", "poBox", "city", "zipCode", "region", "place")
_ID_FLAGS = ("diplomatic", "knownExpired", "knownFalse", "reportedLost", "revokedByIssuer")

Attrs = Callable[[str], str]  # attribute name -> collapsed value ("" when absent)


@dataclass
class _Listing:
    """One listing being assembled from XML children or grouped CSV rows."""

    logical_id: str
    kind: EntityKind = EntityKind.ANY
    names: list[Name | None] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    birth_dates: list[str | None] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    nationalities: list[str | None] = field(default_factory=list)
    countries: list[str | None] = field(default_factory=list)
    addresses: list[ListAddress] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    force_dates: list[str | None] = field(default_factory=list)
    designation_date: str | None = None
    remarks: list[str] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)

    def entity(self, get: Attrs) -> None:
        self.properties += [
            (key, get(attr))
            for key, attr in (
                ("eu_reference", "euReferenceNumber"),
                ("un_reference", "unitedNationId"),
                ("designation_details", "designationDetails"),
            )
            if get(attr)
        ]
        self.designation_date = self.designation_date or clean_date(get("designationDate"))

    def subject(self, get: Attrs) -> None:
        self.kind = _KINDS.get(get("code").lower()) or _KINDS.get(
            get("classificationCode").lower(), EntityKind.ANY
        )

    def regulation(self, get: Attrs) -> None:
        self.programs.append(get("programme"))
        self.force_dates.append(clean_date(get("entryIntoForceDate")))

    def name(self, get: Attrs, remark: str) -> None:
        whole = get("wholeName") or " ".join(
            p for p in (get("firstName"), get("middleName"), get("lastName")) if p
        )
        weak = get("strong").lower() == "false" or "low quality" in remark.lower()
        lang = get("nameLanguage").lower() or None
        name = make_name(whole, NameKind.WEAK_ALIAS if weak else NameKind.ALIAS, lang)
        if name is not None and name.script not in (None, "Latn"):
            name = Name(name.value, NameKind.ORIGINAL_SCRIPT, name.script, name.lang)
        self.names.append(name)
        for key in ("function", "title", "gender"):
            if get(key):
                self.properties.append(("position" if key == "function" else key, get(key)))

    def citizenship(self, get: Attrs) -> None:
        self.nationalities.append(_country(get))

    def birth(self, get: Attrs) -> None:
        date = clean_date(get("birthdate"))
        if date is None and get("year"):  # a partial date: year, year-month or all three
            parts = [get("year"), get("monthOfYear") or get("month")]
            parts += [get("dayOfMonth") or get("day")] if parts[1] else []
            date = clean_date("-".join(p.zfill(2) for p in parts if p))
        self.birth_dates.append(date)
        for year in (get("yearRangeFrom"), get("yearRangeTo")):
            self.birth_dates.append(clean_date(year))
        if date and get("circa").lower() == "true":
            self.properties.append(("birth_date_approximate", date))
        place = [get(k) for k in ("place", "city", "region", "countryDescription")]
        self.birth_places.append(", ".join(p for p in place if p and p != "UNKNOWN"))
        self.countries.append(_country(get))

    def identification(self, get: Attrs) -> None:
        code = get("identificationTypeCode")
        id_type = _ID_TYPES.get(code.lower()) or slug(code or get("identificationTypeDescription"))
        country = _country(get)
        for number in unique([get("number"), get("latinNumber")]):
            self.identifiers.append(Identifier(id_type, number, country))
        flags = [f for f in _ID_FLAGS if get(f).lower() == "true"]
        if flags and get("number"):
            self.properties.append(("identifier_flags", f"{get('number')}: {', '.join(flags)}"))

    def address(self, get: Attrs) -> None:
        parts = {k: get(k) for k in _ADDRESS_PARTS}
        country_name = get("countryDescription")
        if country_name == "UNKNOWN":
            country_name = ""
        full = ", ".join(p for p in (*parts.values(), country_name) if p)
        if not full:
            return
        address = ListAddress(
            full=full,
            street=parts["street"] or None,
            city=parts["city"] or None,
            region=parts["region"] or None,
            postal_code=parts["zipCode"] or None,
            country=_country(get),
            country_name=country_name or None,
        )
        self.addresses.append(address)
        self.countries.append(address.country)

    def finish(self, source: str) -> ListEntry | None:
        names = unique_names(self.names)
        primary = next((n for n in names if n.kind is NameKind.ALIAS), None)
        if primary is None:
            primary = next((n for n in names if n.kind is not NameKind.ORIGINAL_SCRIPT), None)
        if primary is None and names:
            primary = names[0]
        if primary is None:
            return None
        promoted = Name(primary.value, NameKind.PRIMARY, primary.script, primary.lang)
        forces = [d for d in self.force_dates if d]
        return ListEntry(
            source=source,
            entry_id=self.logical_id,
            kind=self.kind,
            names=(promoted, *(n for n in names if n is not primary)),
            identifiers=tuple(dict.fromkeys(self.identifiers)),
            birth_dates=unique(self.birth_dates),
            birth_places=unique(self.birth_places),
            nationalities=unique(self.nationalities),
            countries=unique(self.nationalities + self.countries),
            addresses=tuple(dict.fromkeys(self.addresses)),
            programs=unique(self.programs),
            listed_on=self.designation_date or (min(forces) if forces else None),
            remarks="\n".join(unique(self.remarks)) or None,
            properties=tuple(dict.fromkeys(self.properties)),
        )


def _country(get: Attrs) -> str | None:
    code = get("countryIso2Code")
    if code and code != "00":
        return clean_country(code)
    description = get("countryDescription")
    return clean_country(description) if description != "UNKNOWN" else None


class EuXmlLoader:
    """EU FSF XML 1.1 (``export/sanctionEntity``)."""

    kind = "eu"
    title = "EU Financial Sanctions Files (XML 1.1)"

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        for path in paths:
            for elem, line in iter_xml_records(Path(path), frozenset({"sanctionEntity"}), report):
                raw = ET.tostring(elem, encoding="unicode")[:300]
                logical_id = collapse(elem.get("logicalId"))
                if not logical_id:
                    report.reject(path, line, "no_id: sanctionEntity without logicalId", raw)
                    continue
                try:
                    entry = _from_xml(elem, logical_id).finish(self.kind)
                except Exception as exc:  # one bad listing must not stop the list
                    report.reject(path, line, f"bad_record: {exc!r}", raw)
                    continue
                if entry is None:
                    report.reject(path, line, f"no_name: logicalId {logical_id}", raw)
                    continue
                report.entries += 1
                yield entry


def _from_xml(elem: ET.Element, logical_id: str) -> _Listing:
    listing = _Listing(logical_id)
    listing.entity(_attrs(elem))
    for child in elem:
        get = _attrs(child)
        if child.tag == "remark":
            listing.remarks.append(collapse(child.text))
        elif child.tag == "subjectType":
            listing.subject(get)
        elif child.tag == "regulation":
            listing.regulation(get)
        elif child.tag == "nameAlias":
            listing.name(get, " ".join(collapse(r.text) for r in child.iterfind("remark")))
        elif child.tag == "citizenship":
            listing.citizenship(get)
        elif child.tag == "birthdate":
            listing.birth(get)
        elif child.tag == "identification":
            listing.identification(get)
        elif child.tag == "address":
            listing.address(get)
            for info in child.iterfind("contactInfo"):
                if info.get("value"):
                    listing.properties.append(
                        (f"contact_{info.get('key', '').lower()}", info.get("value", ""))
                    )
    return listing


def _attrs(elem: ET.Element) -> Attrs:
    return lambda name: collapse(elem.get(name))


# CSV column prefix -> the XML element whose attributes the columns carry.
_CSV_GROUPS = {
    "NameAlias_": "nameAlias",
    "Address_": "address",
    "BirthDate_": "birthdate",
    "Identification_": "identification",
    "Citizenship_": "citizenship",
}
# CSV suffixes that differ from the XML attribute names.
_CSV_RENAMES = {
    "TypeCode": "identificationTypeCode",
    "TypeDescription": "identificationTypeDescription",
    "Day": "dayOfMonth",
    "Month": "monthOfYear",
    "BirthDate": "birthdate",
    "YearRangeFrom": "yearRangeFrom",
    "YearRangeTo": "yearRangeTo",
    "Number": "number",
    "LatinNumber": "latinNumber",
}


class EuCsvLoader:
    """EU FSF CSV 1.1 (``;``-separated, rows grouped by ``Entity_LogicalId``)."""

    kind = "eu_csv"
    title = "EU Financial Sanctions Files (CSV 1.1)"

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        for path in paths:
            yield from self._read_file(Path(path), report)

    def _read_file(self, path: Path, report: LoadReport) -> Iterator[ListEntry]:
        seen: set[str] = set()
        listing: _Listing | None = None
        first_line = 0
        rows = CsvRows(path, report, delimiter=";")
        for line, row in rows:
            logical_id = collapse(row.get("Entity_LogicalId"))
            if not logical_id:
                report.reject(path, line, "no_id: empty Entity_LogicalId", ";".join(row.values()))
                continue
            if listing is None or logical_id != listing.logical_id:
                if listing is not None:
                    yield from self._emit(listing, path, first_line, report)
                if logical_id in seen:
                    report.reject(path, line, f"out_of_order: Entity_LogicalId {logical_id}")
                    listing = None
                    continue
                seen.add(logical_id)
                listing, first_line = _Listing(logical_id), line
                _csv_entity(listing, row)
            try:
                _csv_details(listing, row)
            except Exception as exc:  # one bad row must not stop the list
                report.reject(path, line, f"bad_row: {exc!r}", ";".join(row.values()))
        if listing is not None:
            yield from self._emit(listing, path, first_line, report)
        if rows.header is not None and "Entity_LogicalId" not in rows.header:
            report.reject(path, 1, "header: no Entity_LogicalId column, not an FSF CSV")

    def _emit(
        self, listing: _Listing, path: Path, line: int, report: LoadReport
    ) -> Iterator[ListEntry]:
        entry = listing.finish(self.kind)
        if entry is None:
            report.reject(path, line, f"no_name: Entity_LogicalId {listing.logical_id}")
            return
        report.entries += 1
        yield entry


def _csv_entity(listing: _Listing, row: dict[str, str]) -> None:
    def get(name: str) -> str:
        key = "Entity_" + name[0].upper() + name[1:]
        aliases = {
            "euReferenceNumber": "Entity_EU_ReferenceNumber",
            "unitedNationId": "Entity_UnitedNationId",
        }
        return collapse(row.get(aliases.get(name, key)))

    listing.entity(get)
    listing.kind = _KINDS.get(
        collapse(row.get("Entity_SubjectType_ClassificationCode")).lower()
    ) or _KINDS.get(collapse(row.get("Entity_SubjectType")).lower(), EntityKind.ANY)
    if remark := collapse(row.get("Entity_Remark")):
        listing.remarks.append(remark)


def _csv_details(listing: _Listing, row: dict[str, str]) -> None:
    programme = collapse(row.get("Entity_Regulation_Programme"))
    force = collapse(row.get("Entity_Regulation_EntryIntoForceDate"))
    if programme or force:
        listing.regulation(lambda n: programme if n == "programme" else force)
    for prefix, element in _CSV_GROUPS.items():
        get = _csv_attrs(row, prefix)
        if element == "nameAlias" and (get("wholeName") or get("lastName")):
            listing.name(get, get("remark"))
        elif element == "address" and any(
            get(k) for k in (*_ADDRESS_PARTS, "countryIso2Code", "countryDescription")
        ):
            listing.address(get)
            if contact := get("contactInfo"):
                listing.properties.append(("contact", contact))
        elif element == "birthdate" and (get("birthdate") or get("year") or get("city")):
            listing.birth(get)
        elif element == "identification" and get("number"):
            listing.identification(get)
        elif element == "citizenship" and (get("countryIso2Code") or get("countryDescription")):
            listing.citizenship(get)


def _csv_attrs(row: dict[str, str], prefix: str) -> Attrs:
    """Read a CSV column group with the XML attribute names: ``NameAlias_WholeName`` is
    ``wholeName``, ``Identification_TypeCode`` is ``identificationTypeCode``..."""

    def get(name: str) -> str:
        for suffix, attr in _CSV_RENAMES.items():
            if attr == name:
                value = row.get(prefix + suffix)
                if value is not None:
                    return collapse(value)
        return collapse(row.get(prefix + name[0].upper() + name[1:]))

    return get
