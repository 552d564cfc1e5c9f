"""CHAIN-1: a project's object touched by a party or account with no authorized engagement on
that project at that time, or by a principal/address no party declared (severity H).

Why: the 38 North server held work for productions whose studios never approved the tiers
that did it (dprk-signals §1.3). Comparing who actually touched each asset with the authorized
chain is the direct test of "our work stayed in the chain"; Panther's S3
``UnknownRequester`` and ``IPWhitelist`` rules are the bucket-level analogues (access-logs
§4.5, §4.7).

Decided by ``enrich_batch``: ``authorized`` is False when the event's project is known and
its party is not authorized on that UTC date (``ChainGraph.authorization``, the same code that
raises CHAIN-2), or when no party is known at all. Counted: successful events (no status, or
below 400) of any action; a refused request moved nothing. Evidence names the chain's reason
for each distinct date's decision, e.g. "lf1-yuanfang is undeclared".

One finding per (project, party); for unknown principals, per (project, account), else per
(project, IPv4 /24 or IPv6 address): one unknown office is one finding, its addresses listed.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa

from chainwatch.access.detect.evidence import (
    ANALYZER,
    base_evidence,
    connect,
    describe,
    plural,
    span,
    who_text,
)
from chainwatch.findings.finding import Finding, SubjectType

if TYPE_CHECKING:
    from chainwatch.access.context import RegistryView
    from chainwatch.access.detect import DetectContext

_DAY_US = 86_400_000_000
REASONS_MAX = 5


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    con = connect(events)
    groups = describe(
        con,
        """SELECT *,
                  coalesce(party, client) AS who,
                  CASE WHEN party IS NOT NULL THEN 'party' ELSE client_type END AS who_type
           FROM ev
           WHERE project IS NOT NULL AND authorized = false AND succeeded""",
        ["project", "who_type", "who"],
        ctx.thresholds.evidence_refs_max,
        extra={
            "days": f"list_sort(list_distinct(list(t_us // {_DAY_US})))",
            "actions": "list_sort(list_distinct(list(action)))",
        },
    )
    out = []
    for g in groups:
        graph = ctx.registry.graphs[g["project"]]
        project = f"{graph.project.title} ({g['project']})"
        actions = ", ".join(a for a in g["actions"] if a)
        if g["who_type"] == "party":
            reasons = _reasons(ctx.registry, g["project"], g["who"], g["days"])
            profile = ctx.registry.parties.get(g["who"])
            who = profile.name if profile else g["who"]
            why = reasons[0]["reason"]
            subject, confidence = SubjectType.PARTY, 0.85
        else:
            reasons = [{"reason": _unknown(g["who_type"]), "dates": []}]
            who = who_text(g["who_type"], g["who"])
            why = _unknown(g["who_type"])
            subject = SubjectType.ACCOUNT if g["who_type"] == "account" else SubjectType.IP
            confidence = 0.7 if g["who_type"] == "account" else 0.6
        summary = (
            f"{who} touched {plural(g['objects'], 'object')} of {project} ({actions}) "
            f"without authorization: {why}; {span(g['start_us'], g['end_us'])}"
        )
        out.append(
            Finding.of(
                "CHAIN-1",
                subject_type=subject,
                subject_key=g["who"],
                project=g["project"],
                summary=summary,
                evidence=base_evidence(g, authorization=reasons, actions=g["actions"]),
                confidence=confidence,
                analyzer=ANALYZER,
                dedupe="",
            )
        )
    return out


def _reasons(registry: RegistryView, project: str, party: str, days: list[int]) -> list[dict]:
    """The chain's reason for each distinct day's decision, grouped by reason, first first."""
    graph = registry.graphs[project]
    grouped: dict[str, list[str]] = {}
    for d in days:
        on = date.fromordinal(date(1970, 1, 1).toordinal() + d)
        decision = graph.authorization(party, on=on)
        grouped.setdefault(decision.reason, []).append(on.isoformat())
    return [
        {"reason": reason, "dates": dates[:10], "days": len(dates)}
        for reason, dates in list(grouped.items())[:REASONS_MAX]
    ]


def _unknown(kind: str) -> str:
    if kind == "account":
        return "the account is declared by no party in the registry"
    if kind == "network":
        return "no account, and the addresses are in no party's declared networks"
    return "no account, and the address is in no party's declared networks"
