"""Read and write chain definition files (YAML, or JSON, which YAML reads too).

Reading goes in three passes, each error naming file, line and field:
1. YAML syntax (PyYAML's own mark), with dates kept as text so the schema sees what was typed;
2. the JSON Schema in ``chain.schema.json`` (shapes, enums, patterns);
3. meaning: unique ids, references that resolve (to this file or to ``known`` keys already in
   the registry), valid CIDR ranges, IANA time zones, real dates, ``start <= end``.
All problems are collected and raised together, so one run shows everything to fix.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import yaml

from chainwatch.domain import (
    Account,
    AccountKind,
    Asset,
    Chain,
    Engagement,
    EngagementStatus,
    Identifier,
    Location,
    Name,
    NameKind,
    Ownership,
    Party,
    PartyKind,
    Project,
)
from chainwatch.errors import ChainFileError

FORMAT_VERSION = 1
Path_ = tuple[str | int, ...]


class _TextDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves ``2026-01-31`` as a string: the schema and we parse dates."""


_TextDatesLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def chain_schema() -> dict[str, Any]:
    text = (resources.files("chainwatch.registry") / "chain.schema.json").read_text("utf-8")
    return json.loads(text)


def _positions(node: yaml.Node, path: Path_, out: dict[Path_, int]) -> None:
    """Map every JSON path in the document to the 1-based line where its value starts."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            _positions(v, (*path, str(k.value)), out)
            out.setdefault((*path, str(k.value), "<key>"), k.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _positions(v, (*path, i), out)


def _field_name(path: Path_) -> str:
    parts: list[str] = []
    for p in path:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            parts.append(("." if parts else "") + p)
    return "".join(parts) or "(document)"


@dataclass
class _Problems:
    file: str
    lines: dict[Path_, int]
    items: list[ChainFileError] = field(default_factory=list)

    def add(self, path: Path_, message: str) -> None:
        line = None
        for n in range(len(path), -1, -1):  # nearest ancestor with a known line
            if path[:n] in self.lines:
                line = self.lines[path[:n]]
                break
        self.items.append(
            ChainFileError(message, file=self.file, line=line, field=_field_name(path))
        )

    def raise_if_any(self) -> None:
        if self.items:
            self.items.sort(key=lambda e: e.line or 0)
            first = self.items[0]
            first.problems = list(self.items)  # type: ignore[attr-defined]
            raise first


def parse_chain_text(
    text: str, *, file: str = "<chain>", known: Mapping[str, Iterable[str]] | None = None
) -> Chain:
    """Parse and validate a chain document.

    ``known`` holds keys that already exist in the registry (``{"parties": [...],
    "projects": [...]}``) so a file may reference parties it does not define.
    """
    try:
        loader = _TextDatesLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ChainFileError(
            f"not valid YAML: {exc.problem or exc}", file=file, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise ChainFileError(f"not valid YAML: {exc}", file=file) from None
    if node is None or data is None:
        raise ChainFileError(
            "the file is empty; expected a mapping with `chainwatch: 1`", file=file
        )
    lines: dict[Path_, int] = {}
    _positions(node, (), lines)
    problems = _Problems(file, lines)

    validator = jsonschema.Draft202012Validator(chain_schema())
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        problems.add(tuple(err.absolute_path), _schema_message(err))
    problems.raise_if_any()
    chain = _build(data, problems, known or {})
    problems.raise_if_any()
    return chain


def _schema_message(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unknown field(s)")
    if err.validator == "oneOf" and isinstance(err.instance, dict):
        return "a name is either a string or a mapping with `value` (and kind, script, lang)"
    if err.validator == "pattern":
        expected = err.schema.get("description", err.schema["pattern"])
        return f"{err.instance!r} is not in the expected form ({expected})"
    return err.message


def _date(value: str | None, path: Path_, problems: _Problems) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.add(path, f"{value!r} is not a real date")
        return None


def _lower(value: str | None) -> str | None:
    return value.lower() if value else value


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _build(data: dict[str, Any], problems: _Problems, known: Mapping[str, Iterable[str]]) -> Chain:
    party_keys = set(known.get("parties", ()))
    project_keys = set(known.get("projects", ()))
    seen: dict[str, dict[str, int]] = {}

    def unique(section: str, key: str, path: Path_) -> None:
        first = seen.setdefault(section, {})
        if key in first:
            problems.add(path, f"duplicate id {key!r} (first defined at line {first[key]})")
        else:
            first[key] = problems.lines.get(path, 0)

    parties: list[Party] = []
    for i, p in enumerate(data.get("parties", [])):
        base: Path_ = ("parties", i)
        unique("parties", p["id"], (*base, "id"))
        party_keys.add(p["id"])
        names = tuple(
            Name(value=n)
            if isinstance(n, str)
            else Name(
                value=n["value"],
                kind=NameKind(n.get("kind", "primary")),
                script=n.get("script"),
                lang=n.get("lang"),
            )
            for n in p["names"]
        )
        networks: list[str] = []
        for j, cidr in enumerate(p.get("networks", [])):
            try:
                networks.append(str(ipaddress.ip_network(cidr, strict=False)))
            except ValueError:
                problems.add((*base, "networks", j), f"{cidr!r} is not an IP network (CIDR)")
        tz = p.get("timezone")
        if tz is not None:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                problems.add((*base, "timezone"), f"{tz!r} is not an IANA time zone")
        parties.append(
            Party(
                key=p["id"],
                kind=PartyKind(p["kind"]),
                names=names,
                country=_lower(p.get("country")),
                identifiers=tuple(
                    Identifier(type=x["type"], value=x["value"], country=_lower(x.get("country")))
                    for x in p.get("identifiers", [])
                ),
                locations=tuple(
                    Location(
                        country=x["country"].lower(), region=x.get("region"), city=x.get("city")
                    )
                    for x in p.get("locations", [])
                ),
                networks=tuple(networks),
                asns=tuple(p.get("asns", [])),
                timezone=tz,
                accounts=tuple(
                    Account(kind=AccountKind(a["kind"]), value=a["value"], system=a.get("system"))
                    for a in p.get("accounts", [])
                ),
                notes=p.get("notes"),
            )
        )
    _check_accounts_unique(parties, problems)

    def ref(kind: str, keys: set[str], value: str, path: Path_) -> None:
        if value not in keys:
            section = "parties" if kind == "party" else f"{kind}s"
            problems.add(path, f"unknown {kind} {value!r}: define it under `{section}` first")

    projects: list[Project] = []
    for i, p in enumerate(data.get("projects", [])):
        base = ("projects", i)
        unique("projects", p["id"], (*base, "id"))
        ref("party", party_keys, p["client"], (*base, "client"))
        project_keys.add(p["id"])
        projects.append(
            Project(
                key=p["id"],
                client=p["client"],
                title=p["title"],
                aliases=tuple(p.get("aliases", [])),
                notes=p.get("notes"),
            )
        )

    engagements: list[Engagement] = []
    for i, e in enumerate(data.get("engagements", [])):
        base = ("engagements", i)
        key = e.get("id") or f"{e['project']}:{e['contractor']}:{e['subcontractor']}"
        unique("engagements", key, (*base, "id") if "id" in e else base)
        ref("project", project_keys, e["project"], (*base, "project"))
        ref("party", party_keys, e["contractor"], (*base, "contractor"))
        ref("party", party_keys, e["subcontractor"], (*base, "subcontractor"))
        if e["contractor"] == e["subcontractor"]:
            problems.add((*base, "subcontractor"), "a party cannot subcontract to itself")
        start = _date(e.get("start"), (*base, "start"), problems)
        end = _date(e.get("end"), (*base, "end"), problems)
        if start and end and end < start:
            problems.add((*base, "end"), f"end {end} is before start {start}")
        status = EngagementStatus(e["status"])
        if status is EngagementStatus.AUTHORIZED and not e.get("authorized_by"):
            problems.add(base, "an authorized engagement needs `authorized_by` (who approved it)")
        engagements.append(
            Engagement(
                key=key,
                project=e["project"],
                contractor=e["contractor"],
                subcontractor=e["subcontractor"],
                status=status,
                scope=e.get("scope"),
                authorized_by=e.get("authorized_by"),
                authorized_on=_date(e.get("authorized_on"), (*base, "authorized_on"), problems),
                start=start,
                end=end,
                notes=e.get("notes"),
            )
        )

    ownerships: list[Ownership] = []
    pairs: set[tuple[str, str]] = set()
    for i, o in enumerate(data.get("ownership", [])):
        base = ("ownership", i)
        ref("party", party_keys, o["owner"], (*base, "owner"))
        ref("party", party_keys, o["owned"], (*base, "owned"))
        if o["owner"] == o["owned"]:
            problems.add((*base, "owned"), "a party cannot own itself")
        if (o["owner"], o["owned"]) in pairs:
            problems.add(base, f"duplicate ownership link {o['owner']} -> {o['owned']}")
        pairs.add((o["owner"], o["owned"]))
        ownerships.append(
            Ownership(
                owner=o["owner"],
                owned=o["owned"],
                share_pct=float(o["share"]),
                source=o.get("source"),
            )
        )

    assets: list[Asset] = []
    for i, a in enumerate(data.get("assets", [])):
        base = ("assets", i)
        unique("assets", a["id"], (*base, "id"))
        ref("project", project_keys, a["project"], (*base, "project"))
        assets.append(
            Asset(
                key=a["id"],
                project=a["project"],
                uri=a.get("uri"),
                sha256=_lower(a.get("sha256")),
                episode=_opt_str(a.get("episode")),
                shot=_opt_str(a.get("shot")),
            )
        )

    return Chain(
        tuple(parties), tuple(projects), tuple(engagements), tuple(ownerships), tuple(assets)
    )


def _check_accounts_unique(parties: list[Party], problems: _Problems) -> None:
    """An account must map to one party, or log analysis could not attribute it."""
    owner: dict[tuple[str, str], str] = {}
    for i, p in enumerate(parties):
        for j, a in enumerate(p.accounts):
            k = (a.kind.value, a.value.lower())
            if k in owner and owner[k] != p.key:
                problems.add(
                    ("parties", i, "accounts", j),
                    f"account {a.value!r} is already declared by party {owner[k]!r}",
                )
            owner.setdefault(k, p.key)


# --- writing -------------------------------------------------------------------------------


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, [], ())}


def chain_to_document(chain: Chain) -> dict[str, Any]:
    """The chain as a plain document in the import format (round-trips through import)."""

    def name(n: Name) -> str | dict[str, Any]:
        if n.kind is NameKind.PRIMARY and n.script is None and n.lang is None:
            return n.value
        return _drop_none(
            {"value": n.value, "kind": n.kind.value, "script": n.script, "lang": n.lang}
        )

    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None

    doc: dict[str, Any] = {"chainwatch": FORMAT_VERSION}
    doc["parties"] = [
        _drop_none(
            {
                "id": p.key,
                "kind": p.kind.value,
                "names": [name(n) for n in p.names],
                "country": p.country,
                "identifiers": [
                    _drop_none({"type": x.type, "value": x.value, "country": x.country})
                    for x in p.identifiers
                ],
                "locations": [
                    _drop_none({"country": x.country, "region": x.region, "city": x.city})
                    for x in p.locations
                ],
                "networks": list(p.networks),
                "asns": list(p.asns),
                "timezone": p.timezone,
                "accounts": [
                    _drop_none({"kind": a.kind.value, "value": a.value, "system": a.system})
                    for a in p.accounts
                ],
                "notes": p.notes,
            }
        )
        for p in chain.parties
    ]
    doc["projects"] = [
        _drop_none(
            {
                "id": p.key,
                "client": p.client,
                "title": p.title,
                "aliases": list(p.aliases),
                "notes": p.notes,
            }
        )
        for p in chain.projects
    ]
    doc["engagements"] = [
        _drop_none(
            {
                "id": e.key,
                "project": e.project,
                "contractor": e.contractor,
                "subcontractor": e.subcontractor,
                "status": e.status.value,
                "scope": e.scope,
                "authorized_by": e.authorized_by,
                "authorized_on": iso(e.authorized_on),
                "start": iso(e.start),
                "end": iso(e.end),
                "notes": e.notes,
            }
        )
        for e in chain.engagements
    ]
    doc["ownership"] = [
        _drop_none(
            {
                "owner": o.owner,
                "owned": o.owned,
                "share": int(o.share_pct) if o.share_pct.is_integer() else o.share_pct,
                "source": o.source,
            }
        )
        for o in chain.ownerships
    ]
    doc["assets"] = [
        _drop_none(
            {
                "id": a.key,
                "project": a.project,
                "episode": a.episode,
                "shot": a.shot,
                "uri": a.uri,
                "sha256": a.sha256,
            }
        )
        for a in chain.assets
    ]
    return {k: v for k, v in doc.items() if v != []}


def chain_to_yaml(chain: Chain) -> str:
    return yaml.safe_dump(chain_to_document(chain), sort_keys=False, allow_unicode=True, width=100)
