"""The vendor-declaration predicate: "these are all my subcontractors on project P, and our
staff (and theirs) worked from these places", as of a date, signed by the declaring party.

predicateType ``https://chainwatch.dev/vendor-declaration/v1``::

    {"project": "lanternfall-s1",
     "declarant": {"party": "hanbit-motion", "name": "Hanbit Motion Co., Ltd."},
     "as_of": "2026-11-01",                       # the list is complete as of this day
     "declared_at": "2026-11-02T09:30:00+00:00",  # when it was written
     "period": {"start": "2026-02-01", "end": "2026-11-01"},   # optional
     "subcontractors": [{"party": "dasol-inkpaint", "name": "Dasol Ink & Paint",
                         "scope": "ink & paint"}],              # [] = "I subcontract nothing"
     "work_locations": [{"country": "kr", "region": "Seoul", "city": "Mapo-gu",
                         "networks": ["203.0.113.0/25"]}],
     "notes": "..."}

The list is complete by definition of the predicate: a subcontractor left out is an omission
(CHAIN-3), not a partial answer. Party keys are the studio's registry keys (the studio tells
each vendor the keys it uses). The statement's one subject names the declaration and carries
the SHA-256 of the canonical predicate (sorted keys, compact), so a declaration can be cited
by digest in a ledger or an evidence pack.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chainwatch.errors import InputError
from chainwatch.provenance.statement import Statement, Subject

PREDICATE_TYPE = "https://chainwatch.dev/vendor-declaration/v1"
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,199}$")
_COUNTRY = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class DeclaredSubcontractor:
    party: str
    name: str | None = None
    scope: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"party": self.party}
        if self.name:
            out["name"] = self.name
        if self.scope:
            out["scope"] = self.scope
        return out


@dataclass(frozen=True)
class WorkLocation:
    country: str  # ISO 3166-1 alpha-2, lower case
    region: str | None = None
    city: str | None = None
    networks: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"country": self.country}
        if self.region:
            out["region"] = self.region
        if self.city:
            out["city"] = self.city
        if self.networks:
            out["networks"] = list(self.networks)
        return out


@dataclass(frozen=True)
class Declaration:
    project: str
    party: str
    as_of: date
    declared_at: datetime
    party_name: str | None = None
    subcontractors: tuple[DeclaredSubcontractor, ...] = ()
    work_locations: tuple[WorkLocation, ...] = ()
    period_start: date | None = None
    period_end: date | None = None
    notes: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)  # unknown keys, kept

    @property
    def subcontractor_keys(self) -> frozenset[str]:
        return frozenset(s.party for s in self.subcontractors)

    def to_predicate(self) -> dict[str, Any]:
        declarant: dict[str, Any] = {"party": self.party}
        if self.party_name:
            declarant["name"] = self.party_name
        out: dict[str, Any] = {
            "project": self.project,
            "declarant": declarant,
            "as_of": self.as_of.isoformat(),
            "declared_at": self.declared_at.isoformat(),
        }
        if self.period_start or self.period_end:
            out["period"] = {
                k: v.isoformat()
                for k, v in (("start", self.period_start), ("end", self.period_end))
                if v is not None
            }
        out["subcontractors"] = [s.to_dict() for s in self.subcontractors]
        out["work_locations"] = [loc.to_dict() for loc in self.work_locations]
        if self.notes:
            out["notes"] = self.notes
        out.update(self.extra)
        return out

    def digest(self) -> str:
        return predicate_digest(self.to_predicate())

    def to_statement(self) -> Statement:
        subject = Subject(
            f"chainwatch:vendor-declaration/{self.project}/{self.party}/{self.as_of.isoformat()}",
            {"sha256": self.digest()},
        )
        return Statement((subject,), PREDICATE_TYPE, self.to_predicate())

    def to_dict(self) -> dict[str, Any]:
        return self.to_predicate()


def predicate_digest(predicate: Mapping[str, Any]) -> str:
    canonical = json.dumps(predicate, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_location(text: str) -> WorkLocation:
    """``CC[:REGION[:CITY]][@CIDR[,CIDR...]]`` as the CLI takes it, e.g.
    ``kr:Seoul:Mapo-gu@203.0.113.0/25``."""
    place, _, nets = text.partition("@")
    parts = [p.strip() for p in place.split(":")]
    if len(parts) > 3:
        raise InputError(f"--location {text!r}: expected CC[:REGION[:CITY]][@CIDR,...]")
    loc = {"country": parts[0].lower()}
    if len(parts) > 1 and parts[1]:
        loc["region"] = parts[1]
    if len(parts) > 2 and parts[2]:
        loc["city"] = parts[2]
    raw: dict[str, Any] = dict(loc)
    if nets.strip():
        raw["networks"] = [n.strip() for n in nets.split(",") if n.strip()]
    problems: list[str] = []
    result = _location(raw, f"--location {text!r}", problems)
    if problems:
        raise InputError("; ".join(problems))
    assert result is not None
    return result


def _location(raw: Any, where: str, problems: list[str]) -> WorkLocation | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: expected an object with a country")
        return None
    country = raw.get("country")
    if not isinstance(country, str) or not _COUNTRY.match(country.lower()):
        problems.append(f"{where}: country must be an ISO 3166 two-letter code, got {country!r}")
        return None
    networks = []
    nets = raw.get("networks", [])
    if not isinstance(nets, list):
        problems.append(f"{where}: networks must be a list of CIDR ranges")
        nets = []
    for n in nets:
        try:
            networks.append(str(ipaddress.ip_network(str(n), strict=False)))
        except ValueError:
            problems.append(f"{where}: {n!r} is not a network range (CIDR)")
    region, city = raw.get("region"), raw.get("city")
    for label, value in (("region", region), ("city", city)):
        if value is not None and not isinstance(value, str):
            problems.append(f"{where}: {label} must be text")
    return WorkLocation(country.lower(), region or None, city or None, tuple(networks))


def _date(raw: Any, where: str, problems: list[str]) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        problems.append(f"{where} must be a date (YYYY-MM-DD), got {raw!r}")
        return None


def declaration_from_predicate(predicate: Mapping[str, Any]) -> Declaration:
    """Validate a predicate; every problem is named in one InputError line."""
    problems: list[str] = []
    if not isinstance(predicate, Mapping):
        raise InputError("the declaration predicate must be a JSON object")
    project = predicate.get("project")
    if not isinstance(project, str) or not _KEY.match(project):
        problems.append(f"project must be a registry key, got {project!r}")
    declarant = predicate.get("declarant")
    party = name = None
    if not isinstance(declarant, Mapping):
        problems.append("declarant must be an object with the declaring party's key")
    else:
        party, name = declarant.get("party"), declarant.get("name")
        if not isinstance(party, str) or not _KEY.match(party):
            problems.append(f"declarant.party must be a registry key, got {party!r}")
    as_of = _date(predicate.get("as_of"), "as_of", problems)
    if predicate.get("as_of") is None:
        problems.append("as_of is required: the day the list is complete as of")
    declared_raw = predicate.get("declared_at")
    declared_at = None
    try:
        declared_at = datetime.fromisoformat(str(declared_raw))
        if declared_at.tzinfo is None:
            problems.append("declared_at needs a time zone offset")
    except ValueError:
        problems.append(f"declared_at must be an ISO timestamp, got {declared_raw!r}")
    period = predicate.get("period") or {}
    if not isinstance(period, Mapping):
        problems.append("period must be an object with start and/or end")
        period = {}
    start = _date(period.get("start"), "period.start", problems)
    end = _date(period.get("end"), "period.end", problems)
    if start and end and end < start:
        problems.append("period.end is before period.start")
    subs_raw = predicate.get("subcontractors")
    subs: list[DeclaredSubcontractor] = []
    if not isinstance(subs_raw, list):
        problems.append("subcontractors must be a list ([] when there are none)")
        subs_raw = []
    seen: set[str] = set()
    for i, s in enumerate(subs_raw):
        if not isinstance(s, Mapping) or not isinstance(s.get("party"), str):
            problems.append(f"subcontractors[{i}] needs a party key")
            continue
        key = s["party"]
        if not _KEY.match(key):
            problems.append(f"subcontractors[{i}].party {key!r} is not a registry key")
            continue
        if key == party:
            problems.append(f"subcontractors[{i}]: a party cannot subcontract itself")
        if key in seen:
            problems.append(f"subcontractors[{i}]: {key} is listed twice")
        seen.add(key)
        subs.append(DeclaredSubcontractor(key, s.get("name") or None, s.get("scope") or None))
    locs_raw = predicate.get("work_locations")
    locs: list[WorkLocation] = []
    if not isinstance(locs_raw, list) or not locs_raw:
        problems.append("work_locations must list at least one place staff worked from")
        locs_raw = []
    for i, raw in enumerate(locs_raw):
        loc = _location(raw, f"work_locations[{i}]", problems)
        if loc is not None:
            locs.append(loc)
    if declared_at and as_of and declared_at.date() < as_of:
        problems.append("as_of is after declared_at: a list cannot be complete in the future")
    if problems:
        raise InputError("invalid vendor declaration: " + "; ".join(problems))
    known = {
        "project", "declarant", "as_of", "declared_at", "period", "subcontractors",
        "work_locations", "notes",
    }  # fmt: skip
    notes = predicate.get("notes")
    return Declaration(
        project=project,  # type: ignore[arg-type]
        party=party,  # type: ignore[arg-type]
        as_of=as_of,  # type: ignore[arg-type]
        declared_at=declared_at,  # type: ignore[arg-type]
        party_name=name if isinstance(name, str) and name else None,
        subcontractors=tuple(subs),
        work_locations=tuple(locs),
        period_start=start,
        period_end=end,
        notes=notes if isinstance(notes, str) and notes else None,
        extra={k: v for k, v in predicate.items() if k not in known},
    )


def declaration_from_statement(statement: Statement) -> Declaration:
    """The declaration a statement carries; its subject digest must match the predicate."""
    if statement.predicate_type != PREDICATE_TYPE:
        raise InputError(
            f"predicateType is {statement.predicate_type!r}, expected {PREDICATE_TYPE}"
        )
    decl = declaration_from_predicate(statement.predicate)
    want = predicate_digest(statement.predicate)
    if not any(s.digest.get("sha256") == want for s in statement.subjects):
        raise InputError("the statement's subject digest does not match its predicate")
    return decl


def new_declaration(
    *,
    project: str,
    party: str,
    as_of: date,
    declared_at: datetime,
    subcontractors: Sequence[DeclaredSubcontractor],
    work_locations: Sequence[WorkLocation],
    party_name: str | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    notes: str | None = None,
) -> Declaration:
    """Build a declaration and run it through the same validation an import does."""
    decl = Declaration(
        project=project,
        party=party,
        as_of=as_of,
        declared_at=declared_at,
        party_name=party_name,
        subcontractors=tuple(subcontractors),
        work_locations=tuple(work_locations),
        period_start=period_start,
        period_end=period_end,
        notes=notes,
    )
    return declaration_from_predicate(decl.to_predicate())
