"""Reading helpers for OFAC's SDN_ADVANCED.XML ("Sanctions Data Standard" format).

The format is relational: ``ReferenceValueSets`` maps numeric ids to words (script names,
alias types, feature types, countries, document types), ``Locations`` and
``IDRegDocuments`` are separate top-level tables, and ``DistinctParties`` refer to them by
id. These functions turn one element of each kind into chainwatch values, given the
reference tables; :mod:`chainwatch.screening.lists.ofac_advanced` drives the streaming.

Tags are matched by local name (the shared reader strips namespaces): the namespace changed
from ``http://www.un.org/sanctions/1.0`` to OFAC's own
``https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML``.
"""

from __future__ import annotations

import calendar
from xml.etree.ElementTree import Element

from chainwatch.domain import Identifier, ListAddress
from chainwatch.screening.lists.ofac_fields import (
    country_code,
    identifier_type,
    normalize_identifier,
    snake,
)

# ScriptID -> ISO 15924. OFAC's <Script ScriptCode=...> mixes ISO codes (Cyrl, Hans) and
# words (Latin, Korean); Chinese simplified/traditional fold into Hani, as in the other
# loaders, so a matcher has one code per writing system.
_SCRIPTS = {
    "latin": "Latn",
    "latn": "Latn",
    "korean": "Hang",
    "hangul": "Hang",
    "hang": "Hang",
    "kore": "Hang",
    "chinese": "Hani",
    "chinese simplified": "Hani",
    "hans": "Hani",
    "chinese traditional": "Hani",
    "hant": "Hani",
    "hani": "Hani",
    "cyrillic": "Cyrl",
    "cyrl": "Cyrl",
    "arabic": "Arab",
    "arab": "Arab",
    "persian": "Arab",
    "hebrew": "Hebr",
    "hebr": "Hebr",
    "japanese": "Jpan",
    "jpan": "Jpan",
    "greek": "Grek",
    "grek": "Grek",
    "georgian": "Geor",
    "geor": "Geor",
    "armenian": "Armn",
    "armn": "Armn",
    "thai": "Thai",
    "burmese": "Mymr",
    "mymr": "Mymr",
}
#: Scripts written without spaces between family and given name.
UNSPACED_SCRIPTS = frozenset({"Hani", "Hang", "Jpan"})


class Refs:
    """The ReferenceValueSets tables: ``refs.text("AliasType", "1400") == "A.K.A."``."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Element]] = {}

    def load(self, values: Element) -> None:
        """Add one ``<XValues>`` block (its children carry ``ID`` attributes)."""
        for item in values:
            item_id = item.get("ID")
            if item_id is not None:
                self.tables.setdefault(item.tag, {})[item_id] = item

    def get(self, table: str, ref_id: str | None) -> Element | None:
        return None if ref_id is None else self.tables.get(table, {}).get(ref_id)

    def text(self, table: str, ref_id: str | None) -> str | None:
        item = self.get(table, ref_id)
        return None if item is None else (item.text or "").strip() or None

    def country(self, ref_id: str | None) -> tuple[str | None, str | None]:
        """(ISO alpha-2, name) of a Country id; the ISO2 attribute wins when present."""
        item = self.get("Country", ref_id)
        if item is None:
            return None, None
        name = (item.text or "").strip() or None
        iso = (item.get("ISO2") or "").strip().lower()
        return (iso if len(iso) == 2 else country_code(name)), name

    def script(self, ref_id: str | None) -> str | None:
        item = self.get("Script", ref_id)
        if item is None:
            return None
        for word in (item.get("ScriptCode"), item.text):
            code = _SCRIPTS.get((word or "").strip().casefold())
            if code:
                return code
        code = (item.get("ScriptCode") or "").strip()
        return code.title() if len(code) == 4 and code.isalpha() else None


def _point(el: Element | None) -> str | None:
    """A From/To/Date element (Year, Month, Day children) -> "YYYY-MM-DD" or None."""
    if el is None or not (el.findtext("Year") or "").strip():
        return None
    try:
        y, m, d = (int((el.findtext(t) or "0").strip() or 0) for t in ("Year", "Month", "Day"))
    except ValueError:
        return None
    if not m:
        return f"{y:04d}"
    return f"{y:04d}-{m:02d}" if not d else f"{y:04d}-{m:02d}-{d:02d}"


def date_of(el: Element | None) -> str | None:
    """ISO date of an ``EntryEvent/Date`` element."""
    return _point(el)


def _boundary(el: Element | None) -> str | None:
    if el is None:
        return None
    start, end = _point(el.find("From")), _point(el.find("To"))
    return start or end


def _widen(start: str, end: str) -> str | None:
    """ "1974-01-01".."1974-12-31" -> "1974"; a whole month -> "YYYY-MM": OFAC writes a
    year of birth as a period covering the year."""
    if len(start) == len(end) == 10 and start[:4] == end[:4]:
        if start[5:] == "01-01" and end[5:] == "12-31":
            return start[:4]
        last = calendar.monthrange(int(end[:4]), int(end[5:7]))[1]
        if start[:7] == end[:7] and start[8:] == "01" and int(end[8:]) == last:
            return start[:7]
    return None


def period(el: Element | None) -> tuple[tuple[str, ...], bool]:
    """A ``DatePeriod`` -> (ISO dates, approximate). One date, or both ends of a range."""
    if el is None:
        return (), False
    start_el, end_el = el.find("Start"), el.find("End")
    start, end = _boundary(start_el), _boundary(end_el)
    approximate = any(
        (b is not None and b.get("Approximate") == "true") for b in (start_el, end_el)
    )
    if start and end and start != end:
        wide = _widen(start, end)
        return ((wide,) if wide else (start, end)), approximate
    one = start or end
    return ((one,) if one else ()), approximate


def location(el: Element, refs: Refs) -> ListAddress:
    """A ``Location`` -> ``ListAddress``; the primary value of each part is used."""
    parts: dict[str, str] = {}
    for part in el.findall("LocationPart"):
        kind = (refs.text("LocPartType", part.get("LocPartTypeID")) or "").upper()
        values = part.findall("LocationPartValue")
        chosen = next((v for v in values if v.get("Primary") == "true"), None)
        chosen = chosen if chosen is not None else (values[0] if values else None)
        text = (chosen.findtext("Value") or "").strip() if chosen is not None else ""
        if text:
            parts[kind] = text
    iso, name = None, None
    for lc in el.findall("LocationCountry"):
        iso, name = refs.country(lc.get("CountryID"))
        break
    if name is None:
        for ac in el.findall("LocationAreaCode"):
            area = refs.get("AreaCode", ac.get("AreaCodeID"))
            if area is not None:
                name = area.get("Description") or (area.text or "").strip() or None
                iso = country_code(name)
                break
    unknown = parts.pop("UNKNOWN", None)
    if name is None and unknown and country_code(unknown):
        name, iso, unknown = unknown, country_code(unknown), None
    street = ", ".join(p for p in (parts.get(f"ADDRESS{i}") for i in (1, 2, 3)) if p) or None
    city = parts.get("CITY")
    region = parts.get("STATE/PROVINCE") or parts.get("REGION")
    postal = parts.get("POSTAL CODE")
    full = ", ".join(p for p in (unknown, street, city, region, postal, name) if p) or None
    return ListAddress(
        full=full,
        street=street,
        city=city,
        region=region,
        postal_code=postal,
        country=iso,
        country_name=name,
    )


def id_document(el: Element, refs: Refs) -> tuple[Identifier, list[tuple[str, str]]]:
    """An ``IDRegDocument`` -> (Identifier, properties for issue/expiry dates)."""
    label = refs.text("IDRegDocType", el.get("IDRegDocTypeID")) or "document"
    type_ = identifier_type(label) or snake(label)
    type_, value = normalize_identifier(type_, el.findtext("IDRegistrationNo") or "")
    iso, _name = refs.country(el.get("IssuedBy-CountryID"))
    props: list[tuple[str, str]] = []
    for dd in el.findall("DocumentDate"):
        what = (refs.text("IDRegDocDateType", dd.get("IDRegDocDateTypeID")) or "").casefold()
        dates, _ = period(dd.find("DatePeriod"))
        word = "issued" if "issue" in what else "expires" if "expir" in what else snake(what)
        if dates:
            props.append((f"{type_}_{word}", f"{value}: {dates[0]}"))
    return Identifier(type_, value, iso), props


_COUNTRY_FEATURES = frozenset(
    {
        "vessel_flag",
        "other_vessel_flag",
        "former_vessel_flag",
        "nationality_of_registration",
        "registration_country",
    }
)


def apply_feature(
    feature: Element, refs: Refs, locations: dict[str, ListAddress], e: dict[str, list]
) -> None:
    """Add one ``Feature`` of a profile to the entry fields being collected in ``e``.

    Birth dates, places, nationalities and addresses go to their ``ListEntry`` fields;
    features whose label is an identifier label (SWIFT/BIC, Website, Email Address...) become
    identifiers, as they do in the legacy remarks; everything else is kept as a property
    under the snake_case of its label, the same keys the legacy loader uses.
    """
    label = (refs.text("FeatureType", feature.get("FeatureTypeID")) or "feature").strip()
    key = snake(label)
    id_type = identifier_type(label)
    for version in feature.findall("FeatureVersion"):
        dates, approx = period(version.find("DatePeriod"))
        places = [
            locations[v.get("LocationID", "")]
            for v in version.findall("VersionLocation")
            if v.get("LocationID") in locations
        ]
        texts = []
        for d in version.findall("VersionDetail"):
            ref = refs.text("DetailReference", d.get("DetailReferenceID"))
            text = ref or " ".join((d.text or "").split())
            if text:
                texts.append(text)
        if key == "birthdate":
            e["birth_dates"].extend(dates)
            if approx:
                e["properties"].append(("birth_date_circa", "/".join(dates)))
        elif key == "location":
            e["addresses"].extend(places)
            e["countries"].extend(p.country for p in places)
        elif key == "place_of_birth":
            e["birth_places"].extend([*texts, *(p.full for p in places if p.full)])
        elif key in ("nationality_country", "citizenship_country"):
            codes = [*(p.country for p in places), *map(country_code, texts)]
            e["nationalities"].extend(codes)
            e["countries"].extend(codes)
            if key == "citizenship_country":
                e["properties"].extend(("citizenship", c) for c in codes if c)
        elif label.startswith("Digital Currency Address - "):
            currency = label.removeprefix("Digital Currency Address - ")
            for t in texts:
                e["identifiers"].append(Identifier("digital_currency_address", t))
                e["properties"].append(("digital_currency", f"{currency} {t}"))
        elif id_type:
            e["identifiers"].extend(Identifier(*normalize_identifier(id_type, t)) for t in texts)
        else:
            values = [*texts, *dates, *(p.full or p.country_name or "" for p in places)]
            if key == "gender":
                values = [v.casefold() for v in values]
            prop = "established" if key == "organization_established_date" else key
            e["properties"].extend((prop, v) for v in values if v)
            if key in _COUNTRY_FEATURES:
                e["countries"].extend([*(p.country for p in places), *map(country_code, texts)])
