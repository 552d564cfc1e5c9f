"""Run the analyzers over the registry and store their findings.

``ANALYZERS`` is the one list of what runs; later capabilities (screening, access, files)
add their entry here the same way the chain rules do, and ``chainwatch demo`` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from chainwatch.findings.finding import Finding
from chainwatch.registry.chain import chain2_findings, evaluation_date
from chainwatch.service.access import analyze_access
from chainwatch.service.provenance import analyze_declarations
from chainwatch.service.screening import analyze_screening
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store

Analyzer = Callable[[Session, Settings, datetime], list[Finding]]


def analyze_chains(session: Session, settings: Settings, now: datetime) -> list[Finding]:
    """CHAIN-2 over every project's engagements."""
    parties = {p.key: p for p in store.list_parties(session)}
    findings: list[Finding] = []
    for project in store.list_projects(session):
        engagements = store.list_engagements(session, project.key)
        findings += chain2_findings(project, engagements, parties, evaluation_date(now))
    return findings


ANALYZERS: dict[str, Analyzer] = {
    "chain": analyze_chains,
    "screening": analyze_screening,
    "access": analyze_access,
    "declarations": analyze_declarations,  # CHAIN-3: vendor declarations
}


def run_analyzers(
    session: Session, settings: Settings, now: datetime, names: list[str] | None = None
) -> dict[str, dict[str, int]]:
    """Run the named analyzers (all by default); counts of new/refreshed findings each."""
    report: dict[str, dict[str, int]] = {}
    for name in names or list(ANALYZERS):
        findings = ANALYZERS[name](session, settings, now)
        seen = datetime.now(UTC)  # when we looked; `now` may be an --as-of evaluation date
        report[name] = {
            "raised": len(findings),
            **findings_store.record_findings(session, findings, seen),
            "resolved": findings_store.resolve_missing(
                session, name, (f.fingerprint for f in findings)
            ),
        }
    return report
