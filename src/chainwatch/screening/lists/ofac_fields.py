"""Vocabulary shared by OFAC's two formats: labels, countries, dates.

The legacy CSV remarks ("National ID No. 31010619740406283X (China)") and the advanced XML
(``IDRegDocType`` "National ID No.", ``FeatureType`` "Birthdate") use the same OFAC labels, so
one table maps both onto chainwatch identifier types and property keys; an SDN entry loaded
from either file then screens the same way.
"""

from __future__ import annotations

import re

from chainwatch.screening.lists.values import clean_country

# --- identifiers ---------------------------------------------------------------------------

_IDENTIFIER_LABELS: dict[str, tuple[str, ...]] = {
    "uscc": (
        "Unified Social Credit Code (USCC)",
        "United Social Credit Code Certificate (USCCC)",
    ),
    "company_registration": (
        "Registration Number",
        "Registration ID",
        "Company Number",
        "UK Company Number",
        "Commercial Registry Number",
        "Certificate of Incorporation Number",
        "Business Registration Document #",
        "Chamber of Commerce Number",
        "Enterprise Number",
        "Economic Register Number (CBLS)",
        "Central Registration System Number",
        "Istanbul Chamber of Comm. No.",
        "Dubai Chamber of Commerce Membership No.",
        "Folio Mercantil No.",
        "Matricula Mercantil No.",
        "Matricula Mercantil No",
        "C.R. No.",
        "Romanian C.R.",
        "Public Registration Number",
        "Registered Charity No.",
        "Government Gazette Number",
        "Branch Unit Number",
        "Organization Code",
        "RSIN",
    ),
    "business_registration": ("Business Registration Number", "Business Number"),
    "lei": ("Legal Entity Number",),
    "tax_id": (
        "Tax ID No.",
        "RUC #",
        "R.F.C.",
        "RFC",
        "NIT #",
        "RIF #",
        "RTN",
        "C.U.I.T.",
        "C.I.F.",
        "N.I.F.",
        "Italian Fiscal Code",
        "Fiscal Code",
        "Paraguayan tax identification number",
        "Romanian Tax Registration",
        "Numero Unico de Identificacao Tributaria (NUIT)",
        "US FEIN",
    ),
    "vat": ("V.A.T. Number",),
    "national_id": (
        "National ID No.",
        "Cedula No.",
        "C.U.R.P.",
        "C.U.R.P",
        "D.N.I.",
        "Personal ID Card",
        "Citizen's Card Number",
        "Kenyan ID No.",
        "Turkish Identification Number",
        "Numero de Identidad",
        "C.U.I.",
        "C.U.I.P.",
        "CNP (Personal Numerical Code)",
        "Bosnian Personal ID No.",
        "Moroccan Personal ID No.",
        "Tazkira National ID Card",
        "UAE Identification",
        "Credencial electoral",
        "I.F.E.",
        "Electoral Registry No.",
        "National Foreign ID Number",
        "N.I.E.",
        "LE Number",  # Peru: Libreta Electoral
    ),
    "identification_number": ("Identification Number",),
    "passport": (
        "Passport",
        "Diplomatic Passport",
        "British National Overseas Passport",
        "Stateless Person Passport",
    ),
    "travel_document": (
        "Travel Document Number",
        "Stateless Person ID Card",
        "Seafarer's Identification Document",
    ),
    "residency_permit": ("Residency Number", "Romanian Permanent Resident"),
    "ssn": ("SSN",),
    "birth_certificate": ("Birth Certificate Number",),
    "drivers_license": ("Driver's License No.",),
    "military_id": ("Cartilla de Servicio Militar Nacional", "Military Registration Number"),
    "refugee_id": ("Refugee ID Card",),
    "immigration_number": ("Immigration No.", "Public Security and Immigration No."),
    "visa": ("VisaNumberID",),
    "permit": ("SRE Permit No.", "SRE Permit No", "Permit Number"),
    "license": ("Trade License No.", "License", "Tourism License No.", "Pilot License Number"),
    "msb_registration": (
        "MSB Registration Number",
        "Afghan Money Service Provider License Number",
    ),
    "file_number": ("File Number",),
    "swift_bic": ("SWIFT/BIC",),
    "duns": ("D-U-N-S Number",),
    "bik": ("BIK (RU)",),
    "isin": ("ISIN",),
    "ticker": ("Equity Ticker",),
    "mmsi": ("MMSI",),
    "chinese_commercial_code": ("Chinese Commercial Code",),
    "call_sign": ("Vessel Call Sign", "Other Vessel Call Sign"),
    "imo": ("Vessel Registration Identification",),  # value "IMO 1234567"; see normalize
    "aircraft_serial": ("Aircraft Serial Identification",),
    "aircraft_msn": (
        "Aircraft Manufacturer's Serial Number (MSN)",
        "Aircraft Manufacturer\u2019s Serial Number (MSN)",
    ),
    "aircraft_construction_number": (
        "Aircraft Construction Number (also called L/N or S/N or F/N)",
    ),
    "aircraft_tail_number": ("Aircraft Tail Number", "Previous Aircraft Tail Number"),
    "aircraft_mode_s": ("Aircraft Mode S Transponder Code",),
    "email": ("Email Address", "Email"),
    "website": ("Website",),
    "phone": ("Phone Number", "Telephone No.", "Telephone", "Phone"),
    "fax": ("Fax No.", "Fax"),
}
#: Types whose value is kept whole: a "(98)(21)" in a phone number is no country.
RAW_VALUE_TYPES = frozenset({"email", "website", "phone", "fax"})

IDENTIFIER_TYPES: dict[str, str] = {
    label.casefold(): type_ for type_, labels in _IDENTIFIER_LABELS.items() for label in labels
}
# Longest label first so "Registration Number" never shadows "Business Registration Number".
IDENTIFIER_LABEL_RE = re.compile(
    r"(?P<label>"
    + "|".join(re.escape(lb) for lb in sorted(IDENTIFIER_TYPES, key=len, reverse=True))
    + r")(?=[\s:]|$)[\s:]*(?P<rest>.*)$",
    re.IGNORECASE,
)
_GENERIC_ID_RE = re.compile(
    r"(?P<label>[A-Z][\w.'/()&-]*(?: [\w.'/()&-]+){0,5}? (?:No\.?|Number|#|ID|Card|Code))"
    r"[\s:]+(?P<rest>\S.*)$"
)
_IMO_RE = re.compile(r"^IMO\s*(\d{7})$", re.IGNORECASE)


def identifier_type(label: str) -> str | None:
    """The chainwatch type of an OFAC identifier label, or None when it is not one."""
    return IDENTIFIER_TYPES.get(label.strip().casefold())


def generic_identifier(text: str) -> tuple[str, str] | None:
    """Label and value of an unknown "<Something> No. <value>" fragment, else None.

    OFAC adds new document labels every year; a number with an unlisted label is still an
    identifier, so it is kept under the snake_case of its label rather than dropped.
    """
    m = _GENERIC_ID_RE.match(text)
    if m is None or not any(ch.isdigit() for ch in m.group("rest")):
        return None
    return m.group("label"), m.group("rest")


def normalize_identifier(type_: str, value: str) -> tuple[str, str]:
    """Per-type clean-ups: "IMO 1234567" under any label is type imo with the bare number;
    D-U-N-S numbers lose their dashes; everything is stripped."""
    value = value.strip()
    m = _IMO_RE.match(value)
    if m:  # "Identification Number IMO 5528362" is an IMO number too
        return "imo", m.group(1)
    if type_ == "imo":
        return "vessel_registration", value
    if type_ == "duns":
        return type_, value.replace("-", "")
    return type_, value


def snake(label: str) -> str:
    """``"Organization Type:"`` -> ``"organization_type"``: property keys from OFAC labels."""
    return re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")


# --- countries -----------------------------------------------------------------------------

# OFAC's own spellings for territories and unknowns; everything else goes to the shared
# cleaner, which pins "Korea, North" to kp for every list.
_OFAC_COUNTRIES: dict[str, str | None] = {
    "region: west bank": "ps",
    "region: gaza": "ps",
    "region: crimea": "ua",
    "region: kafia kingi": None,  # disputed between Sudan and South Sudan
    "undetermined": None,
    "none identified": None,
}


def country_code(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (lower case) for an OFAC country name, or None."""
    if not text:
        return None
    key = " ".join(text.split()).strip(" .").casefold()
    if key in _OFAC_COUNTRIES:
        return _OFAC_COUNTRIES[key]
    if key.startswith("region: "):
        key = key[len("region: ") :]
    return clean_country(key)


# --- dates ---------------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_DATE_RE = re.compile(r"^(?:(?P<d>\d{1,2})\s+)?(?:(?P<m>[A-Za-z]{3,9})\.?\s+)?(?P<y>\d{4})$")


def iso_date(text: str) -> str | None:
    """ "06 Apr 1974" -> "1974-04-06", "Apr 1974" -> "1974-04", "1974" -> "1974"; else None."""
    m = _DATE_RE.match(text.strip().rstrip("."))
    if m is None:
        return None
    year = m.group("y")
    if m.group("m") is None:
        return year if m.group("d") is None else None
    month = _MONTHS.get(m.group("m").casefold())
    if month is None:
        return None
    if m.group("d") is None:
        return f"{year}-{month:02d}"
    day = int(m.group("d"))
    return f"{year}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None


def parse_dates(text: str) -> tuple[tuple[str, ...], bool, bool] | None:
    """A remark date expression -> (ISO dates, circa, is_range), or None if not a date.

    "circa 1965" -> (("1965",), True, False); "1960 to 1962" -> (("1960", "1962"), False,
    True). Both ends of a range are kept: a screening match on either year is relevant.
    """
    text = text.strip().rstrip(".").strip()
    circa = False
    if text.casefold().startswith("circa "):
        circa, text = True, text[6:].strip()
    parts = re.split(r"\s+to\s+|(?<=\d{4})\s*-\s*(?=\d{4}$)", text)
    dates = tuple(iso_date(p) for p in parts)
    if not dates or any(d is None for d in dates) or len(dates) > 2:
        return None
    return tuple(d for d in dates if d is not None), circa, len(dates) == 2
