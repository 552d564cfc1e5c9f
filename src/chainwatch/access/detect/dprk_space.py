"""NET-1: access from DPRK address space (severity C).

SIGNALS.md: "175.45.176.0/22 (AS131279), 210.52.109.0/24, 77.94.35.0/24 — exact prefixes, not
a geo-DB "KP" label". Geo databases disagree about these ranges (access-logs §2.4: DB-IP puts
210.52.109.0/24 in Guangzhou), so a KP country label alone never raises NET-1. An event counts
when the IP intelligence's curated DPRK list marks it (``is_dprk``) or when its address lies in
the three prefixes above, which are checked here as well so that NET-1 still works before any
IP data is installed. Evidence says which of the two matched.

One finding per (subject, address): the subject is the account, else the address itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from chainwatch.access.context import NetworkTable
from chainwatch.access.detect.evidence import (
    ANALYZER,
    base_evidence,
    connect,
    describe,
    plural,
    span,
    subject_type,
)
from chainwatch.findings.finding import Finding

if TYPE_CHECKING:
    from chainwatch.access.detect import DetectContext

DPRK_PREFIXES = {
    "175.45.176.0/22": "Star Joint Venture, AS131279 (the whole DPRK APNIC allocation)",
    "210.52.109.0/24": "China Netcom space used by Korea Posts and Telecommunications",
    "77.94.35.0/24": "satellite provider range historically routed to the DPRK",
}
_TABLE = NetworkTable.from_cidrs((cidr, cidr) for cidr in DPRK_PREFIXES)


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    ips = pc.unique(events.column("src_ip")).drop_null()
    prefix = _TABLE.lookup(ips)
    hits = pa.table({"ip": ips, "prefix": prefix}).filter(pc.is_valid(prefix))
    flagged = pc.fill_null(events.column("is_dprk"), False)
    if hits.num_rows == 0 and not pc.any(flagged).as_py():
        return []
    con = connect(events)
    con.register("prefixes", hits)
    groups = describe(
        con,
        """SELECT ev.*, p.prefix FROM ev LEFT JOIN prefixes p ON p.ip = ev.src_ip
           WHERE coalesce(ev.is_dprk, false) OR p.prefix IS NOT NULL""",
        ["subject", "subject_type", "src_ip"],
        ctx.thresholds.evidence_refs_max,
        extra={"prefix": "any_value(prefix)", "listed": "bool_or(coalesce(is_dprk, false))"},
    )
    out = []
    for g in groups:
        matched = []
        if g["listed"]:
            matched.append("curated DPRK list in the installed IP intelligence")
        if g["prefix"]:
            matched.append(f"SIGNALS.md prefix {g['prefix']} ({DPRK_PREFIXES[g['prefix']]})")
        asn = f" ({g['asns'][0]})" if g["asns"] else ""
        who = g["subject"] if g["subject_type"] == "account" else "an unauthenticated client"
        summary = (
            f"{who} reached storage {plural(g['events'], 'time')} from DPRK address "
            f"{g['src_ip']}{asn}, {span(g['start_us'], g['end_us'])}"
        )
        out.append(
            Finding.of(
                "NET-1",
                subject_type=subject_type(g["subject_type"]),
                subject_key=g["subject"],
                summary=summary,
                evidence=base_evidence(g, matched=matched, prefix=g["prefix"]),
                confidence=0.95,
                analyzer=ANALYZER,
                dedupe=g["src_ip"],
            )
        )
    return out
