"""OpenSanctions FollowTheMoney entities (``entities.ftm.json``, one JSON object per line).

Licence: OpenSanctions data is free for non-commercial use only (CC BY-NC 4.0). A studio or
vendor screening its suppliers is commercial use and needs an OpenSanctions data licence
(https://www.opensanctions.org/licensing/). The loader does not check this; whoever
configures the source must hold the licence. The official lists (OFAC, UN, EU, UK) need none.

Why read it: one file brings many lists (and the links between listed parties) already in
one model. What is read (FtM 4 schema names):

- Entities of schema Person, Company, Organization, LegalEntity, PublicBody, Vessel and
  Airplane. By default only sanctioned ones: ``topics`` holding "sanction" or
  "sanction.linked", or no topics but a ``Sanction`` entity naming them. "sanction.counter"
  (counter-sanctions, e.g. Russia's lists of Western officials) alone does not qualify.
  ``OpenSanctionsLoader(sanctioned_only=False)`` takes every such entity.
- Names: ``name`` (first is primary), ``alias``, ``weakAlias``, ``previousName``; script from
  the characters, so a Hangul alias is an original-script name.
- Identifiers: registrationNumber, idNumber, passportNumber, taxNumber, vatCode, uscCode,
  innCode, ogrnCode, kppCode, okpoCode, bikCode, leiCode, dunsCode, swiftBic, imoNumber,
  mmsi, icaoCode, serialNumber, callSign; plus ``Passport``/``Identification`` entities
  (``holder``, ``number``, ``country``).
- birthDate, birthPlace, nationality, citizenship, country, jurisdiction, mainCountry, flag,
  ``address`` (text), position/gender (properties), notes (remarks), datasets (properties).
- Programs and listing date: the entity's own ``programId``/``program``, and every
  ``Sanction`` entity's ``programId`` (else ``program``), earliest ``listingDate``/``startDate``.
- Relations: Ownership (on the asset: owned_by owner), Directorship (on the organization:
  controlled_by director; on the director: acts_for), Representation and Employment
  (acts_for), Membership, UnknownLink, Associate, Family (linked_to, both sides), and a
  Vessel's or Airplane's ``owner`` (owned_by). ``target_entry_id`` is set when the other
  party is itself emitted from the same file, so screening can follow the link.

Streaming in three passes over the file, so memory holds no entity bodies: (1) index link,
sanction and identification entities (ids and short strings only); (2) read the caption of
every party a link points at; (3) emit entries. Memory therefore grows with the number of
links and sanctions, not of entities: prefer the ``sanctions`` collection over ``default``.
A line that is not JSON, or not an entity, is a reject with its line number (counted once).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainwatch.domain import (
    EntityKind,
    Identifier,
    ListEntry,
    ListRelation,
    Name,
    NameKind,
    RelationKind,
)
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.values import (
    address_from_text,
    clean_country,
    clean_date,
    collapse,
    make_name,
    unique,
    unique_names,
)

_KINDS = {
    "Person": EntityKind.PERSON,
    "Company": EntityKind.COMPANY,
    "Organization": EntityKind.COMPANY,
    "LegalEntity": EntityKind.COMPANY,
    "PublicBody": EntityKind.COMPANY,
    "Vessel": EntityKind.VESSEL,
    "Airplane": EntityKind.AIRCRAFT,
}
_NAMES = (
    ("name", NameKind.PRIMARY),
    ("alias", NameKind.ALIAS),
    ("weakAlias", NameKind.WEAK_ALIAS),
    ("previousName", NameKind.FORMER),
)
_IDENTIFIERS = {
    "registrationNumber": "company_registration",
    "idNumber": "national_id",
    "passportNumber": "passport",
    "taxNumber": "tax_id",
    "vatCode": "vat",
    "uscCode": "uscc",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "kppCode": "kpp",
    "okpoCode": "okpo",
    "bikCode": "bik",
    "leiCode": "lei",
    "dunsCode": "duns",
    "swiftBic": "swift_bic",
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "icaoCode": "icao",
    "serialNumber": "serial_number",
    "callSign": "call_sign",
}
_COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction", "mainCountry", "flag")
# link schema -> (holder property, other-party property, relation on the holder)
_LINKS: dict[str, tuple[tuple[str, str, RelationKind], ...]] = {
    "Ownership": (("asset", "owner", RelationKind.OWNED_BY),),
    "Directorship": (
        ("organization", "director", RelationKind.CONTROLLED_BY),
        ("director", "organization", RelationKind.ACTS_FOR),
    ),
    "Representation": (("agent", "client", RelationKind.ACTS_FOR),),
    "Employment": (("employee", "employer", RelationKind.ACTS_FOR),),
    "Membership": (("member", "organization", RelationKind.LINKED_TO),),
    "UnknownLink": (
        ("subject", "object", RelationKind.LINKED_TO),
        ("object", "subject", RelationKind.LINKED_TO),
    ),
    "Associate": (
        ("person", "associate", RelationKind.LINKED_TO),
        ("associate", "person", RelationKind.LINKED_TO),
    ),
    "Family": (
        ("person", "relative", RelationKind.LINKED_TO),
        ("relative", "person", RelationKind.LINKED_TO),
    ),
}
_SANCTION_TOPICS = frozenset({"sanction", "sanction.linked"})


@dataclass
class _Index:
    """What pass 1 learns: small records keyed by entity id."""

    links: dict[str, list[tuple[RelationKind, str, str]]] = field(default_factory=dict)
    sanctions: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    documents: dict[str, list[Identifier]] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)  # linked parties, pass 2
    emitted: set[str] = field(default_factory=set)  # linked parties that are entries


def _props(entity: dict[str, Any]) -> dict[str, list[str]]:
    props = entity.get("properties")
    if not isinstance(props, dict):
        return {}
    return {
        k: [v for v in vals if isinstance(v, str)]
        for k, vals in props.items()
        if isinstance(vals, list)
    }


class OpenSanctionsLoader:
    """OpenSanctions / FollowTheMoney JSON lines (``entities.ftm.json``)."""

    kind = "opensanctions"
    title = "OpenSanctions (FollowTheMoney entities; commercial use needs a data licence)"

    def __init__(self, sanctioned_only: bool = True) -> None:
        self.sanctioned_only = sanctioned_only

    def read(self, paths: Sequence[Path], report: LoadReport) -> Iterator[ListEntry]:
        for path in paths:
            path = Path(path)
            index = self._index(path, report)
            if index.links:
                self._captions(path, index)
            yield from self._entries(path, index, report)

    def _lines(
        self, path: Path, report: LoadReport | None
    ) -> Iterator[tuple[int, dict[str, Any], dict[str, list[str]]]]:
        """(line, entity, properties) per line; bad lines are rejected when ``report``."""
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                for number, text in enumerate(fh, start=1):
                    if not text.strip():
                        continue
                    if "\ufffd" in text:
                        if report is not None:
                            report.reject(path, number, "encoding: undecodable bytes", text)
                        continue
                    try:
                        entity = json.loads(text)
                    except ValueError as exc:
                        if report is not None:
                            report.reject(path, number, f"json_error: {exc}", text)
                        continue
                    if not (
                        isinstance(entity, dict)
                        and isinstance(entity.get("id"), str)
                        and isinstance(entity.get("schema"), str)
                    ):
                        if report is not None:
                            report.reject(path, number, "not_entity: no id or schema", text)
                        continue
                    yield number, entity, _props(entity)
        except OSError as exc:
            if report is not None:
                report.reject(path, None, f"unreadable: {exc}")

    def _selected(self, entity: dict[str, Any], props: dict[str, list[str]], index: _Index) -> bool:
        if entity["schema"] not in _KINDS:
            return False
        if not self.sanctioned_only:
            return True
        topics = set(props.get("topics", []))
        return bool(topics & _SANCTION_TOPICS) or (not topics and entity["id"] in index.sanctions)

    def _index(self, path: Path, report: LoadReport) -> _Index:
        index = _Index()
        for _, entity, props in self._lines(path, report):
            schema = entity["schema"]
            if schema == "Sanction":
                label = (props.get("programId") or props.get("program") or [""])[0]
                dates = [
                    clean_date(d) for k in ("listingDate", "startDate") for d in props.get(k, [])
                ]
                listed = min((d for d in dates if d), default=None)
                for target in props.get("entity", []):
                    index.sanctions.setdefault(target, []).append((collapse(label), listed))
            elif schema in ("Passport", "Identification"):
                id_type = "passport" if schema == "Passport" else "national_id"
                country = clean_country((props.get("country") or [""])[0])
                for holder in props.get("holder", []):
                    for number in props.get("number", []):
                        index.documents.setdefault(holder, []).append(
                            Identifier(id_type, collapse(number), country)
                        )
            elif schema in _LINKS:
                text = _link_text(schema, props)
                for holder_prop, other_prop, kind in _LINKS[schema]:
                    for holder in props.get(holder_prop, []):
                        for other in props.get(other_prop, []):
                            index.links.setdefault(holder, []).append((kind, other, text))
            elif schema in ("Vessel", "Airplane"):
                for owner in props.get("owner", []):
                    index.links.setdefault(entity["id"], []).append(
                        (RelationKind.OWNED_BY, owner, "owner")
                    )
        return index

    def _captions(self, path: Path, index: _Index) -> None:
        wanted = {other for links in index.links.values() for _, other, _ in links}
        for _, entity, props in self._lines(path, None):
            if entity["id"] in wanted:
                caption = entity.get("caption") or (props.get("name") or [entity["id"]])[0]
                index.captions[entity["id"]] = collapse(str(caption))
                if self._selected(entity, props, index):
                    index.emitted.add(entity["id"])

    def _entries(self, path: Path, index: _Index, report: LoadReport) -> Iterator[ListEntry]:
        for line, entity, props in self._lines(path, None):
            if not self._selected(entity, props, index):
                continue
            try:
                entry = self._entry(entity, props, index)
            except Exception as exc:  # one bad entity must not stop the file
                report.reject(path, line, f"bad_record: {exc!r}", json.dumps(entity)[:300])
                continue
            if entry is None:
                report.reject(path, line, f"no_name: {entity['id']}", json.dumps(entity)[:300])
                continue
            report.entries += 1
            yield entry

    def _entry(
        self, entity: dict[str, Any], props: dict[str, list[str]], index: _Index
    ) -> ListEntry | None:
        entity_id = entity["id"]
        schema = entity["schema"]
        names: list[Name | None] = []
        for prop, kind in _NAMES:
            for i, value in enumerate(props.get(prop, [])):
                name = make_name(
                    value, kind if (kind is not NameKind.PRIMARY or i == 0) else NameKind.ALIAS
                )
                if (
                    name is not None
                    and name.script not in (None, "Latn")
                    and kind is not NameKind.WEAK_ALIAS
                ):
                    name = Name(name.value, NameKind.ORIGINAL_SCRIPT, name.script)
                names.append(name)
        clean_names = unique_names(names)
        if not clean_names:
            return None

        identifiers = [
            Identifier(
                "registration"
                if prop == "registrationNumber" and schema in ("Vessel", "Airplane")
                else id_type,
                collapse(value),
            )
            for prop, id_type in _IDENTIFIERS.items()
            for value in props.get(prop, [])
            if collapse(value)
        ]
        identifiers += index.documents.get(entity_id, [])
        nationalities = [
            clean_country(v) for k in ("nationality", "citizenship") for v in props.get(k, [])
        ]
        countries = [clean_country(v) for k in _COUNTRY_PROPS for v in props.get(k, [])]
        addresses = [a for a in (address_from_text(v) for v in props.get("address", [])) if a]
        sanctions = index.sanctions.get(entity_id, [])
        listed = [d for _, d in sanctions if d]
        relations = [
            ListRelation(
                kind,
                index.captions.get(other, other),
                other if other in index.emitted else None,
                text or None,
            )
            for kind, other, text in index.links.get(entity_id, [])
        ]
        properties = [(k, collapse(v)) for k in ("position", "gender") for v in props.get(k, [])]
        properties += [
            ("dataset", str(d)) for d in entity.get("datasets", []) if isinstance(d, str)
        ]
        properties += [("topic", t) for t in props.get("topics", [])]
        return ListEntry(
            source=self.kind,
            entry_id=entity_id,
            kind=_KINDS[schema],
            names=clean_names,
            identifiers=tuple(dict.fromkeys(identifiers)),
            birth_dates=unique(clean_date(v) for v in props.get("birthDate", [])),
            birth_places=unique(collapse(v) for v in props.get("birthPlace", [])),
            nationalities=unique(nationalities),
            countries=unique(nationalities + countries + [a.country for a in addresses]),
            addresses=tuple(dict.fromkeys(addresses)),
            programs=unique(
                [collapse(v) for k in ("programId", "program") for v in props.get(k, [])]
                + [label for label, _ in sanctions]
            ),
            relations=tuple(dict.fromkeys(relations)),
            listed_on=min(listed) if listed else None,
            remarks="\n".join(unique(collapse(v) for v in props.get("notes", []))) or None,
            properties=tuple(dict.fromkeys(properties)),
        )


def _link_text(schema: str, props: dict[str, list[str]]) -> str:
    """The link's own words: "Ownership: 51%", "Family: brother"."""
    details = [
        collapse(v)
        for k in ("role", "relationship", "percentage")
        for v in props.get(k, [])
        if collapse(v)
    ]
    if details and props.get("percentage") and not details[-1].endswith("%"):
        details[-1] += "%"
    return f"{schema}: {', '.join(details)}" if details else schema
