"""UK Sanctions List (FCDO), XML, reference: sanctions-screening.md §3.5.

Since 28 January 2026 the FCDO's UK Sanctions List is the single official UK list; OFSI's
Consolidated List (``ConList.csv``/``ConList.xml``, one row per name variant grouped by
``Group ID``) is frozen and NOT read here. This loader reads the current XML download
(``UK-Sanctions-List.xml``, ``Designations/Designation``, no namespace), the layout shown by
the OpenSanctions ``gb_fcdo_sanctions`` crawler and other public parsers; the XSD itself was
not available to check against, so the loader looks for elements by name under each
``Designation`` and tolerates the wrapper variants seen in the wild (``PassportDetails/
Passport`` or ``/PassportDetail``; ``NonLatinNames/NonLatinName`` or bare ``NonLatinNames``).

Fields read:

- ``UniqueID`` ("DPR0001") is ``entry_id``; ``OFSIGroupID``, ``UNReferenceNumber``,
  ``DesignationSource``, ``SanctionsImposed`` and ``LastUpdated`` are properties.
- ``IndividualEntityShip``: Individual -> Person, Entity -> Company, Ship -> Vessel.
- ``Names/Name``: ``Name1``..``Name5`` then ``Name6`` (surname or entity name) make one
  name; ``NameType`` "Primary Name" is primary, "Primary Name Variation" and "Alias" are
  aliases, an ``AliasStrength`` containing "low" makes a weak alias. NameType casing varies
  ("ALias") and is compared case-blind.
- ``NonLatinNames``: ``NameNonLatinScript`` is an original-script name; its script comes from
  the characters, its language from ``NonLatinScriptLanguage`` (Korean -> ko...).
- ``RegimeName`` is the program ("Democratic People's Republic of Korea");
  ``DateDesignated`` is ``listed_on``; ``OtherInformation`` the remarks, and
  ``UKStatementofReasons`` a property.
- ``Addresses/Address``: ``AddressLine1..6``, ``AddressPostalCode``, ``AddressCountry``. The
  lines are kept as one ``full`` text with the country; which line is the city varies, so
  it is not guessed.
- ``IndividualDetails/Individual``: ``DOBs/DOB`` (dd/mm/yyyy; "dd"/"mm" mean unknown, giving
  "1945" or "1945-05"), ``Nationalities``, ``BirthDetails/Location`` (``TownOfBirth``,
  ``CountryOfBirth``), ``Positions``, ``Genders``, ``PassportDetails`` and
  ``NationalIdentifierDetails`` (number, additional information kept as a property).
- ``EntityDetails/Entity``: ``BusinessRegistrationNumbers``, ``TypeOfEntities``,
  ``ParentCompanies`` (an ``owned_by`` relation by name), ``Subsidiaries`` (property).
- ``ShipDetails/Ship``: ``IMONumbers``, ``CurrentOwnerOperators`` (``owned_by``),
  ``CurrentBelievedFlagOfShips``, ``TypeOfShipDetails``.
- ``PhoneNumbers``, ``EmailAddresses``, ``Websites`` become properties.
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
    ListRelation,
    Name,
    NameKind,
    RelationKind,
)
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.values import (
    clean_country,
    clean_date,
    iter_xml_records,
    make_name,
    text_of,
    texts_of,
    unique,
    unique_names,
)

_KINDS = {
    "individual": EntityKind.PERSON,
    "entity": EntityKind.COMPANY,
    "ship": EntityKind.VESSEL,
}
_LANGUAGES = {
    "korean": "ko",
    "chinese": "zh",
    "russian": "ru",
    "arabic": "ar",
    "persian": "fa",
    "belarusian": "be",
    "ukrainian": "uk",
    "japanese": "ja",
    "hebrew": "he",
    "greek": "el",
    "bulgarian": "bg",
    "serbian": "sr",
    "turkish": "tr",
}
# (container path, number element, additional-information element, identifier type)
_DOCUMENTS = (
    ("PassportDetails/*", "PassportNumber", "PassportAdditionalInformation", "passport"),
    (
        "NationalIdentifierDetails/*",
        "NationalIdentifierNumber",
        "NationalIdentifierAdditionalInformation",
        "national_id",
    ),
)
_SIMPLE_PROPERTIES = (
    ("ofsi_group_id", "OFSIGroupID"),
    ("un_reference", "UNReferenceNumber"),
    ("designation_source", "DesignationSource"),
    ("sanctions_imposed", "SanctionsImposed"),
    ("statement_of_reasons", "UKStatementofReasons"),
    ("phone", ".//PhoneNumbers/PhoneNumber"),
    ("email", ".//EmailAddresses/EmailAddress"),
    ("website", ".//Websites/Website"),
    ("position", ".//Positions/Position"),
    ("gender", ".//Genders/Gender"),
    ("title", ".//Title"),
    ("entity_type", ".//EntityDetails//TypeOfEntity"),
    ("subsidiary", ".//EntityDetails//Subsidiary"),
    ("ship_type", ".//ShipDetails//TypeOfShip"),
)


class UkLoader:
    """UK Sanctions List (FCDO) XML, ``Designations/Designation``."""

    kind = "uk"
    title = "UK Sanctions List (FCDO)"

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        for path in paths:
            for elem, line in iter_xml_records(Path(path), frozenset({"Designation"}), report):
                raw = ET.tostring(elem, encoding="unicode")[:300]
                try:
                    entry = self._entry(elem)
                except Exception as exc:  # one bad designation must not stop the list
                    report.reject(path, line, f"bad_record: {exc!r}", raw)
                    continue
                if isinstance(entry, str):
                    report.reject(path, line, entry, raw)
                    continue
                report.entries += 1
                yield entry

    def _entry(self, elem: ET.Element) -> ListEntry | str:
        """The entry, or the reject reason."""
        unique_id = text_of(elem, "UniqueID")
        if not unique_id:
            return "no_id: Designation without UniqueID"
        names = unique_names(_names(elem))
        if not names:
            return f"no_name: {unique_id}"
        kind = _KINDS.get(text_of(elem, "IndividualEntityShip").lower(), EntityKind.ANY)

        identifiers: list[Identifier] = []
        properties: list[tuple[str, str]] = []
        for container, number_tag, info_tag, id_type in _DOCUMENTS:
            for doc in elem.iterfind(f".//{container}"):
                number = text_of(doc, number_tag)
                if number:
                    identifiers.append(Identifier(id_type, number))
                    if info := text_of(doc, info_tag):
                        properties.append((f"{id_type}_information", f"{number}: {info}"))
        identifiers += [
            Identifier("company_registration", n)
            for n in texts_of(elem, ".//EntityDetails//BusinessRegistrationNumber")
        ]
        for imo in texts_of(elem, ".//ShipDetails//IMONumber"):
            identifiers.append(Identifier("imo", imo.upper().removeprefix("IMO").strip()))

        nationality_texts = texts_of(elem, ".//Nationalities/Nationality")
        nationalities = [clean_country(t) for t in nationality_texts]
        birth_places: list[str] = []
        countries: list[str | None] = []
        for loc in elem.iterfind(".//BirthDetails/Location"):
            town, country = text_of(loc, "TownOfBirth"), text_of(loc, "CountryOfBirth")
            birth_places.append(", ".join(p for p in (town, country) if p))
            countries.append(clean_country(country))
        flags = texts_of(elem, ".//ShipDetails//CurrentBelievedFlagOfShip")
        countries += [clean_country(f) for f in flags]
        addresses = [a for a in (_address(a) for a in elem.iterfind(".//Addresses/Address")) if a]
        countries += [a.country for a in addresses]

        relations = [
            ListRelation(RelationKind.OWNED_BY, owner, text=f"{label}: {owner}")
            for path, label in (
                (".//EntityDetails//ParentCompany", "parent company"),
                (".//ShipDetails//CurrentOwnerOperator", "current owner/operator"),
            )
            for owner in texts_of(elem, path)
        ]
        for key, path in _SIMPLE_PROPERTIES:
            properties += [(key, t) for t in texts_of(elem, path)]
        properties += [("flag", f) for f in flags]
        properties += [("nationality_text", t) for t in nationality_texts if not clean_country(t)]
        if updated := clean_date(text_of(elem, "LastUpdated")):
            properties.append(("last_updated", updated))

        return ListEntry(
            source=self.kind,
            entry_id=unique_id,
            kind=kind,
            names=names,
            identifiers=tuple(dict.fromkeys(identifiers)),
            birth_dates=unique(clean_date(t) for t in texts_of(elem, ".//DOBs/DOB")),
            birth_places=unique(birth_places),
            nationalities=unique(nationalities),
            countries=unique(nationalities + countries),
            addresses=tuple(dict.fromkeys(addresses)),
            programs=unique(texts_of(elem, "RegimeName")),
            relations=tuple(dict.fromkeys(relations)),
            listed_on=clean_date(text_of(elem, "DateDesignated")),
            remarks=text_of(elem, "OtherInformation") or None,
            properties=tuple(dict.fromkeys(properties)),
        )


def _names(elem: ET.Element) -> Iterator[Name | None]:
    for node in elem.iterfind("Names/Name"):
        parts = [text_of(node, f"Name{i}") for i in range(1, 7)]
        name_type = " ".join(text_of(node, "NameType").lower().split())
        if name_type == "primary name":
            kind = NameKind.PRIMARY
        elif "low" in text_of(node, "AliasStrength").lower():
            kind = NameKind.WEAK_ALIAS
        else:
            kind = NameKind.ALIAS
        yield make_name(" ".join(p for p in parts if p) or text_of(node, "Name"), kind)
    for node in elem.iter():
        if node.find("NameNonLatinScript") is None:
            continue
        language = text_of(node, "NonLatinScriptLanguage")
        lang = _LANGUAGES.get(language.lower().split(";")[0].strip())
        name = make_name(text_of(node, "NameNonLatinScript"), NameKind.ORIGINAL_SCRIPT, lang)
        yield name


def _address(node: ET.Element) -> ListAddress | None:
    lines = [text_of(node, f"AddressLine{i}") for i in range(1, 7)]
    postal, country_name = text_of(node, "AddressPostalCode"), text_of(node, "AddressCountry")
    parts = [p for p in (*lines, postal, country_name) if p]
    if not parts:
        return None
    return ListAddress(
        full=", ".join(parts),
        postal_code=postal or None,
        country=clean_country(country_name),
        country_name=country_name or None,
    )
