"""UN Security Council consolidated list (XML), reference: sanctions-screening.md §3.3.

Source: https://scsanctions.un.org/resources/xml/en/consolidated.xml, layout
``CONSOLIDATED_LIST/{INDIVIDUALS/INDIVIDUAL, ENTITIES/ENTITY}``. The UN 1718 committee's DPRK
listings (``KPi.*`` persons, ``KPe.*`` entities) are what SEK Studio screening needs from it.

What the analyst can rely on:

- ``entry_id`` is ``REFERENCE_NUMBER`` ("KPi.001"), the id the UN and every national list
  cite; ``DATAID`` is kept as property ``un_dataid``. A record without a reference number
  falls back to ``dataid:<DATAID>`` (with a warning) rather than being dropped.
- Names: FIRST..FOURTH_NAME joined is the primary name; alias ``QUALITY`` "Good", "a.k.a."
  or empty is an alias, "Low" a weak alias (too broad to screen alone), "f.k.a." a former
  name; ``NAME_ORIGINAL_SCRIPT`` is an original-script name. None of the DPRK records has one
  in the 2026-02 copy: DPRK names are romanised only.
- Birth dates: ``EXACT``/``APPROXIMATELY`` give ``DATE`` or ``YEAR``; ``BETWEEN`` gives every
  year from ``FROM_YEAR`` to ``TO_YEAR`` (span of 15 years at most, else the two ends) so a
  year comparison still works; approximate dates are flagged in properties.
- Documents become identifiers (passport, national_id, ...) with the issuing country.
- ``UN_LIST_TYPE`` ("DPRK") is the program, ``LISTED_ON`` the listing date, ``COMMENTS1`` the
  remarks; titles, designations, gender and last-updated dates are properties.

A record that cannot be mapped is a reject with its line; a truncated file yields every
complete record and one ``xml_error`` reject (see ``values.iter_xml_records``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path

from chainwatch.domain import (
    EntityKind,
    Identifier,
    ListAddress,
    ListEntry,
    Name,
    NameKind,
)
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.values import (
    clean_country,
    clean_date,
    collapse,
    iter_xml_records,
    make_name,
    slug,
    text_of,
    texts_of,
    unique,
    unique_names,
)

_RECORDS = frozenset({"INDIVIDUAL", "ENTITY"})

_ALIAS_KINDS = {
    "good": NameKind.ALIAS,
    "a.k.a.": NameKind.ALIAS,
    "": NameKind.ALIAS,
    "low": NameKind.WEAK_ALIAS,
    "f.k.a.": NameKind.FORMER,
}

_DOCUMENT_TYPES = {
    "passport": "passport",
    "numéro de passeport": "passport",
    "número de pasaporte": "passport",
    "national identification number": "national_id",
    "national identity card": "national_id",
    "identification number": "national_id",
}

_MAX_YEAR_SPAN = 15


class UnLoader:
    """UN Security Council consolidated list, XML."""

    kind = "un"
    title = "UN Security Council Consolidated List"

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        for path in paths:
            for elem, line in iter_xml_records(Path(path), _RECORDS, report):
                try:
                    entry = self._entry(elem, report, path, line)
                except Exception as exc:  # a record we cannot map must not stop the list
                    report.reject(path, line, f"bad_record: {exc!r}", _raw(elem))
                    continue
                if entry is not None:
                    report.entries += 1
                    yield entry

    def _entry(
        self, elem: ET.Element, report: LoadReport, path: Path, line: int
    ) -> ListEntry | None:
        is_person = elem.tag == "INDIVIDUAL"
        prefix = "INDIVIDUAL" if is_person else "ENTITY"
        dataid = text_of(elem, "DATAID")
        entry_id = text_of(elem, "REFERENCE_NUMBER")
        if not entry_id:
            if not dataid:
                report.reject(path, line, "no_id: neither REFERENCE_NUMBER nor DATAID", _raw(elem))
                return None
            entry_id = f"dataid:{dataid}"
            report.warnings.append(f"{path}:{line}: no REFERENCE_NUMBER, using DATAID {dataid}")

        primary = " ".join(
            t
            for t in (text_of(elem, f"{n}_NAME") for n in ("FIRST", "SECOND", "THIRD", "FOURTH"))
            if t
        )
        names: list[Name | None] = [make_name(primary, NameKind.PRIMARY)]
        names += [
            make_name(t, NameKind.ORIGINAL_SCRIPT) for t in texts_of(elem, "NAME_ORIGINAL_SCRIPT")
        ]
        birth_dates: list[str | None] = []
        birth_places: list[str] = []
        properties: list[tuple[str, str]] = [("un_dataid", dataid)] if dataid else []
        for alias in elem.iterfind(f"{prefix}_ALIAS"):
            quality = text_of(alias, "QUALITY").lower()
            kind = _ALIAS_KINDS.get(quality, NameKind.ALIAS)
            names.append(make_name(text_of(alias, "ALIAS_NAME"), kind))
            birth_dates.append(clean_date(text_of(alias, "DATE_OF_BIRTH")))
            birth_places.append(
                ", ".join(
                    t
                    for t in (text_of(alias, "CITY_OF_BIRTH"), text_of(alias, "COUNTRY_OF_BIRTH"))
                    if t
                )
            )
        clean_names = unique_names(names)
        if not clean_names:
            report.reject(path, line, f"no_name: {entry_id}", _raw(elem))
            return None

        countries: list[str | None] = []
        addresses = [a for a in (_address(a) for a in elem.iterfind(f"{prefix}_ADDRESS")) if a]
        countries += [a.country for a in addresses]

        nationalities = [clean_country(t) for t in texts_of(elem, "NATIONALITY/VALUE")]
        for raw in texts_of(elem, "NATIONALITY/VALUE"):
            if clean_country(raw) is None:
                properties.append(("nationality_text", raw))

        for dob in elem.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
            dates, approximate = _birth_dates(dob)
            birth_dates += dates
            if approximate:
                properties += [("birth_date_approximate", d) for d in dates]
        for pob in elem.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
            parts = [text_of(pob, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")]
            birth_places.append(", ".join(p for p in parts if p))
            countries.append(clean_country(text_of(pob, "COUNTRY")))

        identifiers = [
            i for i in (_identifier(d) for d in elem.iterfind("INDIVIDUAL_DOCUMENT")) if i
        ]
        countries += [i.country for i in identifiers]

        properties += [("title", t) for t in texts_of(elem, "TITLE/VALUE")]
        properties += [("position", t) for t in texts_of(elem, "DESIGNATION/VALUE")]
        properties += [("gender", t) for t in texts_of(elem, "GENDER")]
        updated = [clean_date(t) for t in texts_of(elem, "LAST_DAY_UPDATED/VALUE")]
        if any(updated):
            properties.append(("last_updated", max(u for u in updated if u)))

        return ListEntry(
            source=self.kind,
            entry_id=entry_id,
            kind=EntityKind.PERSON if is_person else EntityKind.COMPANY,
            names=clean_names,
            identifiers=tuple(dict.fromkeys(identifiers)),
            birth_dates=unique(birth_dates),
            birth_places=unique(birth_places),
            nationalities=unique(nationalities),
            countries=unique(nationalities + countries),
            addresses=tuple(dict.fromkeys(addresses)),
            programs=unique(texts_of(elem, "UN_LIST_TYPE")),
            listed_on=clean_date(text_of(elem, "LISTED_ON")),
            remarks=collapse(elem.findtext("COMMENTS1")) or None,
            properties=tuple(dict.fromkeys(properties)),
        )


def _address(node: ET.Element) -> ListAddress | None:
    street, city = text_of(node, "STREET"), text_of(node, "CITY")
    region, postal = text_of(node, "STATE_PROVINCE"), text_of(node, "ZIP_CODE")
    country_name = text_of(node, "COUNTRY")
    parts = [p for p in (street, city, region, postal, country_name) if p]
    if not parts:
        return None
    return ListAddress(
        full=", ".join(parts),
        street=street or None,
        city=city or None,
        region=region or None,
        postal_code=postal or None,
        country=clean_country(country_name),
        country_name=country_name or None,
    )


def _birth_dates(node: ET.Element) -> tuple[list[str], bool]:
    """The dates one INDIVIDUAL_DATE_OF_BIRTH gives, and whether they are approximate."""
    kind = text_of(node, "TYPE_OF_DATE").upper()
    if kind == "BETWEEN":
        start, end = text_of(node, "FROM_YEAR"), text_of(node, "TO_YEAR")
        if start.isdigit() and end.isdigit() and int(start) <= int(end):
            years = range(int(start), int(end) + 1)
            if len(years) > _MAX_YEAR_SPAN:
                years = range(int(start), int(end) + 1, int(end) - int(start))
            return [y for y in (clean_date(str(y)) for y in years) if y], True
    dates = [clean_date(text_of(node, "DATE")), clean_date(text_of(node, "YEAR"))]
    return [d for d in dates if d], kind == "APPROXIMATELY"


def _identifier(node: ET.Element) -> Identifier | None:
    number = text_of(node, "NUMBER")
    if not number:
        return None
    label = text_of(node, "TYPE_OF_DOCUMENT").lower()
    id_type = _DOCUMENT_TYPES.get(label) or slug(label)
    country = clean_country(text_of(node, "ISSUING_COUNTRY")) or clean_country(
        text_of(node, "COUNTRY_OF_ISSUE")
    )
    return Identifier(type=id_type, value=number, country=country)


def _raw(elem: ET.Element) -> str:
    return ET.tostring(elem, encoding="unicode")[:300]
