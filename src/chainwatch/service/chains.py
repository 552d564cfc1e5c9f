"""Import, export and view chains: the registry use cases."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chainwatch.domain import Chain, Engagement
from chainwatch.errors import ChainFileError, InputError
from chainwatch.registry.chain import ChainGraph, ChainNode
from chainwatch.registry.chainfile import parse_chain_text
from chainwatch.service import ledger
from chainwatch.storage import registry_store as store
from chainwatch.storage.models import ImportRow

MAX_CHAIN_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ImportReport:
    path: str
    sha256: str
    counts: dict[str, dict[str, int]]

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] for c in self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "changed": self.changed,
            "counts": self.counts,
        }


def read_chain_file(path: Path, session: Session | None = None) -> Chain:
    """Parse a chain file; with a session, references may point at registry records."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size > MAX_CHAIN_FILE_BYTES:
        raise InputError(f"{path}: larger than {MAX_CHAIN_FILE_BYTES} bytes; split it")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ChainFileError(f"not UTF-8 text (byte {exc.start})", file=str(path)) from None
    known = store.known_keys(session) if session is not None else None
    return parse_chain_text(text, file=str(path), known=known)


def import_chain_file(session: Session, path: Path) -> ImportReport:
    """Idempotent import: records are upserted by id; the same file twice changes nothing."""
    chain = read_chain_file(path, session)
    _check_accounts_against_registry(session, chain, str(path))
    counts = store.save_chain(session, chain)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    stamp = datetime.now(UTC)
    session.add(ImportRow(path=str(path), sha256=digest, imported_at=stamp, counts=counts))
    session.flush()
    ledger.append(
        session,
        "import",
        f"chain:{path.name}",
        {"path": str(path), "sha256": digest, "counts": counts},
        at=stamp,
    )
    return ImportReport(str(path), digest, counts)


def _check_accounts_against_registry(session: Session, chain: Chain, file: str) -> None:
    for party in chain.parties:
        for account in party.accounts:
            owner = store.find_account_owner(session, account.value)
            if owner is not None and owner.key != party.key:
                raise ChainFileError(
                    f"account {account.value!r} is already declared by party {owner.key!r}",
                    file=file,
                    field=f"parties.{party.key}.accounts",
                )


def export_chain(session: Session, project: str | None = None) -> Chain:
    """The whole registry, or one project with every party it involves."""
    chain = store.load_chain(session)
    if project is None:
        return chain
    proj = store.get_project(session, project)
    engagements = tuple(e for e in chain.engagements if e.project == proj.key)
    keys = (
        {proj.client} | {e.contractor for e in engagements} | {e.subcontractor for e in engagements}
    )
    ownerships = tuple(o for o in chain.ownerships if o.owner in keys or o.owned in keys)
    keys |= {o.owner for o in ownerships} | {o.owned for o in ownerships}
    return Chain(
        parties=tuple(p for p in chain.parties if p.key in keys),
        projects=(proj,),
        engagements=engagements,
        ownerships=ownerships,
        assets=tuple(a for a in chain.assets if a.project == proj.key),
    )


def _engagement_dict(e: Engagement) -> dict[str, Any]:
    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "key": e.key,
        "status": e.status.value,
        "scope": e.scope,
        "authorized_by": e.authorized_by,
        "authorized_on": iso(e.authorized_on),
        "start": iso(e.start),
        "end": iso(e.end),
        "notes": e.notes,
    }


def project_view(
    session: Session, project: str, on: date, finding_counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """A project's chain as JSON-ready data: the tree with tiers and authorization status."""
    proj = store.get_project(session, project)
    parties = {p.key: p for p in store.list_parties(session)}
    graph = ChainGraph(proj, store.list_engagements(session, project))
    counts = finding_counts or {}

    def node(n: ChainNode) -> dict[str, Any]:
        party = parties[n.party]
        return {
            "party": n.party,
            "name": party.name,
            "country": party.country,
            "tier": n.tier,
            "authorized": n.authorized,
            "findings": counts.get(n.party, 0),
            "engagement": _engagement_dict(n.engagement) if n.engagement else None,
            "children": [node(c) for c in n.children],
        }

    client = parties[proj.client]
    return {
        "key": proj.key,
        "title": proj.title,
        "aliases": list(proj.aliases),
        "client": {"key": client.key, "name": client.name},
        "evaluated_on": on.isoformat(),
        "tree": node(graph.tree(on)),
        "detached": [
            {
                **_engagement_dict(e),
                "contractor": e.contractor,
                "contractor_name": parties[e.contractor].name,
                "subcontractor": e.subcontractor,
                "subcontractor_name": parties[e.subcontractor].name,
            }
            for e in graph.detached()
        ],
    }


def list_projects(session: Session) -> list[dict[str, Any]]:
    out = []
    for p in store.list_projects(session):
        graph = ChainGraph(p, store.list_engagements(session, p.key))
        tiers = graph.tiers()
        out.append(
            {
                "key": p.key,
                "title": p.title,
                "client": p.client,
                "aliases": list(p.aliases),
                "engagements": len(graph.engagements),
                "max_tier": max(tiers.values()),
            }
        )
    return out


def list_parties(session: Session) -> list[dict[str, Any]]:
    engagements = store.list_engagements(session)
    clients = {p.client: p.key for p in store.list_projects(session)}
    out = []
    for p in store.list_parties(session):
        projects = sorted(
            {e.project for e in engagements if p.key in (e.contractor, e.subcontractor)}
            | ({clients[p.key]} if p.key in clients else set())
        )
        out.append(
            {
                "key": p.key,
                "name": p.name,
                "kind": p.kind.value,
                "country": p.country,
                "projects": projects,
            }
        )
    return out


def party_detail(session: Session, key: str) -> dict[str, Any]:
    """A party as the chain file states it, plus its engagements and ownership links."""
    from chainwatch.registry.chainfile import chain_to_document

    party = store.get_party(session, key)
    doc = chain_to_document(Chain(parties=(party,)))["parties"][0]
    names = [n if isinstance(n, dict) else {"value": n, "kind": "primary"} for n in doc["names"]]
    engagements = [
        {
            "project": e.project,
            "engagement": e.key,
            "status": e.status.value,
            "role": "subcontractor of" if e.subcontractor == key else "contractor of",
            "other": e.contractor if e.subcontractor == key else e.subcontractor,
        }
        for e in store.list_engagements(session)
        if key in (e.contractor, e.subcontractor)
    ]
    ownership = [
        {
            "direction": "by" if o.owned == key else "owns",
            "other": o.owner if o.owned == key else o.owned,
            "share": o.share_pct,
        }
        for o in store.list_ownerships(session)
        if key in (o.owner, o.owned)
    ]
    return {
        "key": party.key,
        "name": party.name,
        "kind": party.kind.value,
        "country": party.country,
        "names": names,
        "identifiers": doc.get("identifiers", []),
        "locations": doc.get("locations", []),
        "networks": list(party.networks),
        "asns": list(party.asns),
        "timezone": party.timezone,
        "accounts": doc.get("accounts", []),
        "notes": party.notes,
        "engagements": engagements,
        "ownership": ownership,
    }
