"""Screening use cases: the index over the current lists, ad-hoc queries, the registry sweep
(SCR-1…5, an analyzer like any other) and re-screening after a list update (SCR-6)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chainwatch.domain import Identifier, Party
from chainwatch.errors import InputError
from chainwatch.findings.finding import Finding
from chainwatch.screening.compare import Match, as_query, screen
from chainwatch.screening.index import ScreeningIndex
from chainwatch.screening.lists.snapshot import read_snapshot
from chainwatch.screening.rules import rescreen_findings, screening_findings
from chainwatch.screening.scorer import MatchQuery
from chainwatch.service import ledger
from chainwatch.service.lists import ListImportResult, current_snapshots
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store

_cache: dict[tuple[str, ...], ScreeningIndex] = {}


def load_index(session: Session) -> ScreeningIndex:
    """An index over every current list version; rebuilt only when a version changes."""
    key = tuple(sorted(r.path for r in current_snapshots(session)))
    if key not in _cache:
        _cache.clear()
        entries = (e for path in key for e in read_snapshot(Path(path)).read_entries())
        _cache[key] = ScreeningIndex.build(entries)
    return _cache[key]


def screen_name(
    session: Session,
    name: str,
    *,
    kind: str = "Any",
    countries: Sequence[str] = (),
    identifiers: Sequence[str] = (),
    birth_dates: Sequence[str] = (),
    limit: int = 10,
    threshold: float | None = None,
) -> list[Match]:
    """Ranked matches for one name against everything loaded (``--id`` as TYPE:VALUE or VALUE)."""
    index = load_index(session)
    if len(index) == 0:
        raise InputError(
            "no sanctions lists loaded: run `chainwatch lists update` or "
            "`chainwatch lists import PATH --source KIND`"
        )
    ids = []
    for raw in identifiers:
        t, _, v = raw.partition(":") if ":" in raw else ("id", "", raw)
        ids.append(Identifier(t.strip() or "id", v.strip()))
    query = MatchQuery(
        (name,),
        identifiers=tuple(ids),
        birth_dates=tuple(birth_dates),
        countries=tuple(c.lower() for c in countries),
    )
    matches = screen(as_query(query, kind), index, limit=limit, threshold=threshold)
    ledger.append(
        session,
        "screening",
        f"name:{name.strip()[:400]}",
        {
            "screened": "name",
            "query": {
                "name": name,
                "kind": kind,
                "countries": list(countries),
                "identifiers": list(identifiers),
                "birth_dates": list(birth_dates),
            },
            "threshold": threshold,
            "lists": list_versions(session),
            "hits": [_hit(m) for m in matches if m.result.decision],
            "candidates": len(matches),
        },
    )
    return matches


def _hit(m: Match) -> dict[str, Any]:
    return {"list": m.entry.source, "entry_id": m.entry.entry_id, "name": m.entry.name,
            "score": round(m.score, 4)}  # fmt: skip


def list_versions(session: Session) -> dict[str, dict[str, Any]]:
    """The current version of every list: what a screening was run against."""
    return {
        r.source: {"snapshot": Path(r.path).name, "sha256": r.sha256, "entries": r.entries}
        for r in current_snapshots(session)
    }


def _record_sweep(
    session: Session, subject: str, screened: dict[str, Any], threshold: float,
    found: list[Finding], now: datetime,
) -> None:  # fmt: skip
    """One ``screening`` ledger entry for a registry sweep or a re-screen."""
    ledger.append(
        session,
        "screening",
        subject,
        {
            **screened,
            "threshold": threshold,
            "lists": list_versions(session),
            "hits": [
                {"rule_id": f.rule_id, "subject": f.subject_key, "fingerprint": f.fingerprint}
                for f in found
            ],
            "as_of": now,
        },
    )


def screen_party(
    session: Session, party: str | Party, *, limit: int = 10, threshold: float | None = None
) -> list[Match]:
    """Ranked matches for a registry party (by key or record) against everything loaded."""
    record = store.get_party(session, party) if isinstance(party, str) else party
    return screen(record, load_index(session), limit=limit, threshold=threshold)


def analyze_screening(session: Session, settings: Settings, now: datetime) -> list[Finding]:
    """SCR-1…SCR-5 for every registry party against the current lists."""
    index = load_index(session)
    parties = store.list_parties(session)
    threshold = settings.screening_threshold
    if len(index) == 0:
        return [
            f
            for f in screening_findings(parties, store.list_ownerships(session), index, threshold)
            if f.rule_id == "SCR-5"
        ]
    found = screening_findings(parties, store.list_ownerships(session), index, threshold)
    keys = sorted(p.key for p in parties)
    screened = {
        "screened": "registry",
        "parties": len(keys),
        "parties_sha256": hashlib.sha256("\n".join(keys).encode()).hexdigest(),
    }
    _record_sweep(session, "registry", screened, threshold, found, now)
    return with_list_versions(session, found, threshold)


def with_list_versions(session: Session, found: list[Finding], threshold: float) -> list[Finding]:
    """Record in each finding which list versions were screened, and at what threshold:
    "we screened it against these lists, as published then, and here is why"."""
    versions = list_versions(session)
    return [
        replace(f, evidence={**f.evidence, "lists_screened": versions, "threshold": threshold})
        for f in found
    ]


def rescreen_after_update(
    session: Session,
    settings: Settings,
    results: Sequence[ListImportResult],
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """SCR-6: screen every party against only the entries a list update added or changed.

    A list imported for the first time has no previous version to compare with: the whole
    registry is swept against everything loaded instead (SCR-1…SCR-5), so a new list is
    never loaded without being used."""
    now = now or datetime.now(UTC)
    parties = store.list_parties(session)
    findings: list[Finding] = []
    touched = False
    if any(r.status == "imported" and r.previous is None for r in results):
        touched = True
        findings += analyze_screening(session, settings, now)
    for r in results:
        if r.status != "imported" or r.previous is None or not (r.added or r.changed):
            continue
        touched = True
        row = next(x for x in current_snapshots(session) if x.source == r.source)
        wanted = {**dict.fromkeys(r.added, "added"), **dict.fromkeys(r.changed, "changed")}
        entries = [e for e in read_snapshot(Path(row.path)).read_entries() if e.entry_id in wanted]
        change_of = {(e.source, e.entry_id): wanted[e.entry_id] for e in entries}
        findings += rescreen_findings(
            parties,
            ScreeningIndex.build(entries),
            change_of,
            r.snapshot or "",
            settings.screening_threshold,
        )
    if not touched:
        return None
    updated = [
        {"list": r.source, "snapshot": r.snapshot, "previous": r.previous,
         "added": len(r.added), "changed": len(r.changed)}
        for r in results
        if r.status == "imported" and r.previous is not None and (r.added or r.changed)
    ]  # fmt: skip
    if updated:  # a first version was recorded by the registry sweep above
        rescreened = [f for f in findings if f.rule_id == "SCR-6"]
        _record_sweep(
            session, "rescreen", {"screened": "list-update", "updates": updated},
            settings.screening_threshold, rescreened, now,
        )  # fmt: skip
    counts = findings_store.record_findings(session, findings, now)
    return {"raised": len(findings), **counts}
