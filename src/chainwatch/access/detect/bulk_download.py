"""NET-8: bulk download: many distinct objects by one account (or, unauthenticated, one IP)
in a short window (severity M).

Why: copying a project's assets wholesale is how work leaves an authorized party, and DPRK IT
workers have copied company repositories to their own accounts (dprk-signals §2.5). Public
anchors (access-logs §4.3, §4.5): Elastic "OneDrive Excessive File Downloads" counts distinct
file names per user and minute and alerts at ``>= 25``; Panther alerts on Dropbox above 10
files per 60 min and on Google Workspace at 20 documents per 5 min. The default is Elastic's
(``bulk_objects_min`` 25 within ``bulk_window_s`` 60): vendors legitimately pull whole shot
packages, and the tighter rules suit office documents more than frames. The window slides
(``windows.py``), so a burst straddling a minute boundary still counts.

Counted: ``download`` actions that succeeded (no status, or below 400): a refused download
moved nothing. Distinct objects, not requests: retries and range requests of one file count
once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from chainwatch.access.detect.evidence import (
    ANALYZER,
    base_evidence,
    connect,
    describe,
    duration,
    span,
    subject_type,
)
from chainwatch.access.detect.windows import episodes, register_episodes
from chainwatch.findings.finding import Finding

if TYPE_CHECKING:
    from chainwatch.access.detect import DetectContext

_WHERE = "action = 'download' AND succeeded"


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    t = ctx.thresholds
    con = connect(events)
    found = episodes(
        con,
        key="subject",
        value="object",
        where=_WHERE,
        window_s=t.bulk_window_s,
        min_distinct=t.bulk_objects_min,
    )
    if not found:
        return []
    register_episodes(con, "eps", found)
    groups = describe(
        con,
        f"""SELECT ev.*, eps.ep, eps.k, eps.peak FROM ev JOIN eps
            ON ev.subject = eps.k AND ev.t_us BETWEEN eps.start_us AND eps.end_us
            WHERE {_WHERE}""",
        ["ep", "k"],
        t.evidence_refs_max,
        extra={
            "peak": "max(peak)",
            "kind": "any_value(subject_type)",
            "bytes": "sum(bytes)::BIGINT",
        },
    )
    out = []
    for g in groups:
        who = g["k"] if g["kind"] == "account" else f"address {g['k']} (no account)"
        names = [_name(ctx, p) for p in g["parties"]]
        party = f" of {', '.join(names)}" if names else ""
        projects = f" from {', '.join(g['projects'])}" if g["projects"] else ""
        summary = (
            f"{who}{party} downloaded {g['objects']} distinct objects{projects} "
            f"(up to {g['peak']} within {duration(t.bulk_window_s)}), "
            f"{span(g['start_us'], g['end_us'])}"
        )
        out.append(
            Finding.of(
                "NET-8",
                subject_type=subject_type(g["kind"]),
                subject_key=g["k"],
                summary=summary,
                evidence=base_evidence(
                    g,
                    peak_distinct_objects=g["peak"],
                    window_s=t.bulk_window_s,
                    threshold=t.bulk_objects_min,
                    bytes=g["bytes"],
                ),
                confidence=0.5,
                analyzer=ANALYZER,
                dedupe=str(g["start_us"]),
            )
        )
    return out


def _name(ctx: DetectContext, party: str) -> str:
    profile = ctx.registry.parties.get(party)
    return profile.name if profile else party
