"""Structure the Remarks column of OFAC's legacy CSV files.

In SDN.CSV most of what an analyst needs sits in one free-text field: dates and places of
birth, nationalities, ID numbers, USCC codes, "Linked To:" references and the weak a.k.a.s,
which appear nowhere else. ``parse_remarks`` turns it into a :class:`Remarks` record.

The text is a list of fragments separated by ";" and closed by ".". Semicolons inside
parentheses do not separate (a few remarks nest a whole sub-list in brackets). A fragment
that matches no known form is kept in ``Remarks.unparsed``: a remark is evidence, and a
parser that silently drops what it does not understand hides it from the analyst.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chainwatch.domain import Identifier
from chainwatch.screening.lists.ofac_fields import (
    IDENTIFIER_LABEL_RE,
    RAW_VALUE_TYPES,
    country_code,
    generic_identifier,
    identifier_type,
    normalize_identifier,
    parse_dates,
    snake,
)


@dataclass(frozen=True)
class Remarks:
    """What one remarks text says, field by field. Dates are ISO 8601, possibly partial."""

    birth_dates: tuple[str, ...] = ()
    birth_places: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()  # ISO alpha-2; unmappable names go to properties
    citizenships: tuple[str, ...] = ()
    gender: str | None = None  # "male" / "female"
    identifiers: tuple[Identifier, ...] = ()
    weak_aliases: tuple[str, ...] = ()  # a.k.a. 'X' (and n.k.a. 'X')
    weak_former_names: tuple[str, ...] = ()  # f.k.a. 'X': OFAC marks these weak too
    linked_to: tuple[str, ...] = ()  # names as written, the closing "." removed
    target_type: str | None = None
    organization_type: str | None = None
    established: str | None = None
    countries: tuple[str, ...] = ()  # every ISO country the remarks mention
    properties: tuple[tuple[str, str], ...] = ()
    unparsed: tuple[str, ...] = ()


def split_remarks(text: str) -> list[str]:
    """Fragments of a remarks text: split on ";" outside parentheses, final "." removed.

    When parentheses do not balance (a remark cut at OFAC's 1,000-character limit), the
    unbalanced fragment is split on every ";" instead, so one stray "(" cannot swallow the
    rest of the remark.
    """
    text = text.strip()
    if text.endswith("."):
        text = text[:-1]
    out: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    result: list[str] = []
    for frag in out:
        if ";" in frag and frag.count("(") != frag.count(")"):
            result.extend(frag.split(";"))
        else:
            result.append(frag)
    return [f.strip() for f in result if f.strip()]


_ALT_RE = re.compile(r"^alt\.\s+", re.IGNORECASE)
_WEAK_RE = re.compile(r"^(?P<kind>[afn])\.k\.a\.?\s*(?P<name>.+)$", re.IGNORECASE)
_LINKED_RE = re.compile(r"^Linked To:\s*(?P<name>.+)$", re.IGNORECASE)
_LABELLED_RE = re.compile(
    r"^(?P<label>DOB|POB|nationality|citizen|Gender|Organization Established Date"
    r"|Organization Type|Target Type)\b[\s:]*(?P<value>.*)$",
    re.IGNORECASE,
)
_CURRENCY_RE = re.compile(r"^Digital Currency Address - (?P<cur>\w+)[\s:]+(?P<addr>\S+)$")
_URL_RE = re.compile(r"^(?P<url>(?:https?://|www\.)\S+)(?:\s*\(website\))?$", re.IGNORECASE)
_ID_VALUE_RE = re.compile(
    r"^(?P<value>.*?)(?:\s+issued\s+(?P<issued>[^()]+?))?(?:\s+expires\s+(?P<expires>.+?))?$"
)
_COUNTRY_TAIL_RE = re.compile(r"^(?P<value>.*\S)\s*\((?P<country>[^()]+)\)$")
_NUMBER_WORD_RE = re.compile(r"^(?:No\.?|Number|#)\s*:?\s*", re.IGNORECASE)
# Properties whose value names a country (vessel flags, aircraft registration).
_COUNTRY_PROPERTIES = frozenset(
    {
        "vessel_flag",
        "other_vessel_flag",
        "former_vessel_flag",
        "nationality_of_registration",
        "registration_country",
    }
)
_PROPERTY_LABEL_RE = re.compile(
    r"^(?P<label>Aircraft Model|Aircraft Operator|Aircraft Manufacture Date|Vessel Flag"
    r"|Other Vessel Flag|Former Vessel Flag|Other Vessel Type|Vessel Year of Build"
    r"|Nationality of Registration"
    r"|Registration Country|Issuer Name|Vessel Type|Vessel Owner)\b[\s:]*(?P<value>.+)$",
    re.IGNORECASE,
)
# "Secondary sanctions risk: ...", "Additional Sanctions Information - ...",
# "Listing Date (EO 14024 Directive 2): 24 Feb 2022", "Executive Order 13722 information: ..."
_COLON_RE = re.compile(
    r"^(?P<label>[A-Z][^:;]{1,110}?):\s*(?P<value>\S.*)$"
    r"|^(?P<dlabel>Additional Sanctions Information|Executive Order \d+[\w ]*?"
    r"|IFCA Determination|PEESA Information)\s+-\s+(?P<dvalue>\S.*)$"
)
_DATED_RE = re.compile(
    r"^(?P<label>(?:Listing|Effective|Purchase/Sales For Divestment) Date \([^)]*\)):?"
    r"\s+(?P<value>.+)$"
)


class _Builder:
    """Mutable accumulator behind :func:`parse_remarks`; frozen into ``Remarks`` at the end."""

    def __init__(self) -> None:
        self.fields: dict[str, list] = {
            k: []
            for k in (
                "birth_dates",
                "birth_places",
                "nationalities",
                "citizenships",
                "identifiers",
                "weak_aliases",
                "weak_former_names",
                "linked_to",
                "countries",
                "properties",
                "unparsed",
            )
        }
        self.single: dict[str, str | None] = {
            "gender": None,
            "target_type": None,
            "organization_type": None,
            "established": None,
        }

    def add(self, key: str, value: object) -> None:
        if value not in self.fields[key]:
            self.fields[key].append(value)

    def country(self, text: str, key: str | None = None, unmapped: str = "") -> str | None:
        """Record a country mention; a name that maps to no ISO code stays as a property."""
        code = country_code(text)
        if code is not None:
            self.add("countries", code)
            if key is not None:
                self.add(key, code)
        elif unmapped:
            self.add("properties", (unmapped, text))
        return code

    def set_once(self, key: str, value: str) -> None:
        """First value fills the field; any later one is kept as a property."""
        if self.single[key] is None:
            self.single[key] = value
        else:
            self.add("properties", (key, value))

    def build(self) -> Remarks:
        f = {k: tuple(v) for k, v in self.fields.items()}
        return Remarks(**f, **self.single)


def _dates(b: _Builder, label: str, value: str, frag: str, alt: bool) -> None:
    parsed = parse_dates(value)
    if parsed is None:
        b.add("unparsed", frag)
        return
    dates, circa, is_range = parsed
    if label == "established":
        if alt or b.single["established"] is not None:
            for d in dates:
                b.add("properties", ("established", d))
        else:
            b.single["established"] = dates[0]
    else:
        for d in dates:
            b.add("birth_dates", d)
    if circa:
        b.add("properties", (f"{label}_circa", "/".join(dates)))
    if is_range:
        b.add("properties", (f"{label}_range", "/".join(dates)))


def _labelled(b: _Builder, label: str, value: str, frag: str, alt: bool) -> None:
    label = label.casefold()
    value = value.strip().rstrip(".").strip()
    if not value:
        b.add("unparsed", frag)
    elif label == "dob":
        _dates(b, "birth_date", value, frag, alt)
    elif label == "organization established date":
        _dates(b, "established", value, frag, alt)
    elif label == "pob":
        b.add("birth_places", value)
        b.country(value.rsplit(",", 1)[-1])
    elif label == "nationality":
        b.country(value, "nationalities", "nationality_text")
    elif label == "citizen":
        b.country(value, "citizenships", "citizenship_text")
    elif label == "gender":
        b.set_once("gender", value.casefold())
    elif label == "organization type":
        b.set_once("organization_type", value)
    else:
        b.set_once("target_type", value)


def _identifier(b: _Builder, type_: str, rest: str) -> None:
    rest = _NUMBER_WORD_RE.sub("", rest.strip()).strip()
    if type_ in RAW_VALUE_TYPES:
        value, country, issued, expires = rest, None, None, None
    else:
        m = _ID_VALUE_RE.match(rest)
        value, issued, expires = (
            (m.group("value"), m.group("issued"), m.group("expires")) if m else (rest, None, None)
        )
        country = None
        tail = _COUNTRY_TAIL_RE.match(value)
        if tail is not None:
            code = country_code(tail.group("country"))
            if code is not None:
                value, country = tail.group("value"), code
                b.add("countries", code)
    type_, value = normalize_identifier(type_, value.rstrip("."))
    if not value:
        return
    b.add("identifiers", Identifier(type_, value, country))
    for word, date in (("issued", issued), ("expires", expires)):
        if date:
            parsed = parse_dates(date)
            iso = parsed[0][0] if parsed else date.strip()
            b.add("properties", (f"{type_}_{word}", f"{value}: {iso}"))


def _fragment(b: _Builder, frag: str) -> None:
    body = _ALT_RE.sub("", frag)
    alt = body != frag
    if m := _WEAK_RE.match(body):
        name = m.group("name").strip()
        if name.endswith("."):
            name = name[:-1]
        # quoted 'X'; a quote may be missing where OFAC's 1,000-character cut fell
        name = name[1:] if name.startswith("'") else name
        name = (name[:-1] if name.endswith("'") else name).strip()
        key = "weak_former_names" if m.group("kind").casefold() == "f" else "weak_aliases"
        b.add(key, name)
    elif m := _LINKED_RE.match(body):
        name = m.group("name").strip()
        b.add("linked_to", name[:-1].strip() if name.endswith(".") else name)
    elif m := _CURRENCY_RE.match(body.rstrip(".")):
        b.add("identifiers", Identifier("digital_currency_address", m.group("addr")))
        b.add("properties", ("digital_currency", f"{m.group('cur')} {m.group('addr')}"))
    elif m := _URL_RE.match(body.rstrip(".")):
        b.add("identifiers", Identifier("website", m.group("url")))
    elif m := _PROPERTY_LABEL_RE.match(body):
        label, value = m.group("label"), m.group("value").rstrip(".").strip()
        b.add("properties", (snake(label), value))
        if snake(label) in _COUNTRY_PROPERTIES:
            b.country(value)
    elif m := IDENTIFIER_LABEL_RE.match(body):
        _identifier(b, identifier_type(m.group("label")) or "other", m.group("rest"))
    elif m := _LABELLED_RE.match(body):
        _labelled(b, m.group("label"), m.group("value"), frag, alt)
    elif m := _DATED_RE.match(body):
        parsed = parse_dates(m.group("value"))
        value = parsed[0][0] if parsed else m.group("value").strip()
        b.add("properties", (snake(m.group("label")), value))
    elif m := _COLON_RE.match(body):
        label, value = m.group("label") or m.group("dlabel"), m.group("value") or m.group("dvalue")
        b.add("properties", (snake(label), value.strip()))
    elif g := generic_identifier(body):
        _identifier(b, snake(g[0]), g[1])
    else:
        b.add("unparsed", frag)


def parse_remarks(text: str | None) -> Remarks:
    """Parse one remarks text (SDN remarks plus any SDN_COMMENTS continuation)."""
    b = _Builder()
    if text:
        text = " ".join(text.split())  # a stray line break or tab is just a space
        for frag in split_remarks(text):
            _fragment(b, frag)
    return b.build()
