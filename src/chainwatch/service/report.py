"""Gather what the HTML report shows: chains with tiers, findings, parties, cited rules."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chainwatch import __version__
from chainwatch.findings.catalogue import RULES
from chainwatch.registry.chain import evaluation_date
from chainwatch.service.chains import project_view
from chainwatch.service.findings import findings_for_project
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store


def build_report_data(
    session: Session, now: datetime, *, title: str, home: str, attributions: list[str] | None = None
) -> dict[str, Any]:
    stored = findings_store.list_findings(session)
    findings = [s.to_dict() for s in stored]
    projects = []
    for p in store.list_projects(session):
        ids = {s.id for s in findings_for_project(session, p.key)}
        mine = [f for f in findings if f["id"] in ids]
        per_party = Counter(f["subject"]["key"] for f in mine if f["subject"]["type"] == "party")
        view = project_view(session, p.key, evaluation_date(now), dict(per_party))
        view["findings"] = mine
        projects.append(view)
    parties = [
        {
            "key": p.key,
            "name": p.name,
            "kind": p.kind.value,
            "country": p.country,
            "names": [
                {"value": n.value, "kind": n.kind.value, "script": n.script} for n in p.names
            ],
            "identifiers": [
                {"type": i.type, "value": i.value, "country": i.country} for i in p.identifiers
            ],
        }
        for p in store.list_parties(session)
    ]
    counts = Counter(f["severity"] for f in findings)
    cited = sorted({f["rule_id"] for f in findings}, key=list(RULES).index)
    return {
        "title": title,
        "generated_at": now.isoformat(),
        "version": __version__,
        "home": home,
        "counts": {s: counts.get(s, 0) for s in "CHML"},
        "attributions": attributions or [],
        "projects": projects,
        "findings": findings,
        "parties": parties,
        "rules": {r: RULES[r].to_dict() for r in cited},
    }
