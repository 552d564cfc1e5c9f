"""The demo's case work: a case on the critical findings and one recorded suppression.

Called by ``service.demo.run_demo`` after every analyzer ran. The case stays open (assigned,
with a comment), as a compliance lead's queue would show it on day one. The suppression is a
real false positive of the demo data: the IP databases place the DPRK range of AS131279 in
Italy, so the access NET-1 already raises from 175.45.178.x also raises NET-9 ("outside its
declared locations: IT"); that NET-9 says nothing NET-1 does not say better, and its country
is wrong. It is suppressed by fingerprint, with that reason, for 90 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chainwatch.findings.catalogue import Severity
from chainwatch.findings.finding import FindingStatus
from chainwatch.service import cases
from chainwatch.settings import Settings
from chainwatch.storage import findings_store

DEMO_PROJECT = "lanternfall-s1"
ACTOR = "chainwatch-demo"
LEAD = "dana.whitfield"  # the client's VP Content Security in the demo chain file
SUPPRESSION_DAYS = 90


def seed_cases(
    session: Session, settings: Settings, *, now: datetime, project: str = DEMO_PROJECT
) -> dict[str, Any]:
    """Open the demo case and record the suppression; returns their ids (None if nothing
    in the data called for one)."""
    found = findings_store.list_findings(session, status=FindingStatus.OPEN)
    critical = [
        s.id
        for s in found
        if s.finding.severity is Severity.C and s.finding.project in (project, None)
    ]
    out: dict[str, Any] = {"case": None, "suppression": None}
    if critical:
        view = cases.open_case(
            session,
            "Lanternfall S1: sanctioned studio and DPRK access in the chain",
            critical,
            project=project,
            assignee=LEAD,
            actor=ACTOR,
            now=now,
        )
        cases.comment(
            session,
            view.id,
            "Hanbit Motion's undeclared subcontracting reaches an OFAC-listed studio (SDN 34023); "
            "Hanbit's own storage key was used from DPRK address space. Ask Hanbit for its full "
            "subcontractor list and freeze deliveries from episodes 104-106.",
            actor=ACTOR,
            now=now,
        )
        out["case"] = view.id
    dprk_ips = {
        ip
        for s in found
        if s.finding.rule_id == "NET-1"
        for ip in s.finding.evidence.get("ips", [])
    }
    for s in found:
        ips = set(s.finding.evidence.get("ips", []))
        if s.finding.rule_id == "NET-9" and ips and ips <= dprk_ips:
            made = cases.suppress(
                session,
                finding_id=s.id,
                reason=(
                    "Geo database places AS131279 (DPRK space) in IT; the same access is "
                    "raised as NET-1, so this NET-9 adds nothing and names the wrong country."
                ),
                owner=LEAD,
                expires_at=now + timedelta(days=SUPPRESSION_DAYS),
                actor=ACTOR,
                now=now,
            )
            out["suppression"] = made.id
            break
    return out
