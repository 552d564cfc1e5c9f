"""ListEntry <-> JSON, and a content hash, for snapshots and list diffs.

Snapshots store entries as JSON lines so a later version of chainwatch can re-read them, and
the diff between two list versions compares entries by (entry_id, content hash).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

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


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, [], ())}


def entry_to_dict(e: ListEntry) -> dict[str, Any]:
    return _drop_empty(
        {
            "source": e.source,
            "entry_id": e.entry_id,
            "kind": e.kind.value,
            "names": [
                _drop_empty(
                    {"value": n.value, "kind": n.kind.value, "script": n.script, "lang": n.lang}
                )
                for n in e.names
            ],
            "identifiers": [
                _drop_empty({"type": i.type, "value": i.value, "country": i.country})
                for i in e.identifiers
            ],
            "birth_dates": list(e.birth_dates),
            "birth_places": list(e.birth_places),
            "nationalities": list(e.nationalities),
            "countries": list(e.countries),
            "addresses": [_drop_empty(vars(a).copy()) for a in e.addresses],
            "programs": list(e.programs),
            "relations": [
                _drop_empty(
                    {
                        "kind": r.kind.value,
                        "target_name": r.target_name,
                        "target_entry_id": r.target_entry_id,
                        "text": r.text,
                    }
                )
                for r in e.relations
            ],
            "listed_on": e.listed_on,
            "remarks": e.remarks,
            "properties": [list(p) for p in e.properties],
        }
    )


def entry_from_dict(d: dict[str, Any]) -> ListEntry:
    return ListEntry(
        source=d["source"],
        entry_id=d["entry_id"],
        kind=EntityKind(d["kind"]),
        names=tuple(
            Name(n["value"], NameKind(n.get("kind", "primary")), n.get("script"), n.get("lang"))
            for n in d.get("names", [])
        ),
        identifiers=tuple(
            Identifier(i["type"], i["value"], i.get("country")) for i in d.get("identifiers", [])
        ),
        birth_dates=tuple(d.get("birth_dates", [])),
        birth_places=tuple(d.get("birth_places", [])),
        nationalities=tuple(d.get("nationalities", [])),
        countries=tuple(d.get("countries", [])),
        addresses=tuple(ListAddress(**a) for a in d.get("addresses", [])),
        programs=tuple(d.get("programs", [])),
        relations=tuple(
            ListRelation(
                RelationKind(r["kind"]), r["target_name"], r.get("target_entry_id"), r.get("text")
            )
            for r in d.get("relations", [])
        ),
        listed_on=d.get("listed_on"),
        remarks=d.get("remarks"),
        properties=tuple((p[0], p[1]) for p in d.get("properties", [])),
    )


def entry_hash(e: ListEntry) -> str:
    """Content hash: equal for entries a list republished unchanged."""
    text = json.dumps(entry_to_dict(e), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
