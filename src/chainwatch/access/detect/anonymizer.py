"""NET-2: a party that declared a fixed office reaches storage through VPN, Tor or datacenter
egress (severity M).

Why: Mandiant found most logins to the 38 North server came through VPNs (access-logs §2.4),
and DPRK IT-worker cases show Astrill VPN and rented VPS egress (dprk-signals §2.1, §2.7). A
vendor that told the client where its office is has no need to hide its address. Entra's
"Anonymous IP address" and Defender's "Anonymous proxy activity" are the commercial analogues
(§4.1, §4.2).

Not raised: for parties without a fixed office (context.py ``has_fixed_office``: a declared
network or a company located to the city), nor for addresses inside the party's own declared
networks (a vendor may declare its corporate VPN or cloud egress). The flags come from the IP
intelligence lists (X4BNet VPN/datacenter, Tor exits, §2.6), which miss some providers.

One finding per (party, subject, egress kind); the strongest kind wins per event
(Tor > VPN > datacenter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

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

_KIND = """CASE WHEN coalesce(is_tor, false) THEN 'Tor'
                WHEN coalesce(is_vpn, false) THEN 'VPN' ELSE 'datacenter' END"""


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    registry = ctx.registry
    offices = [p.key for p in registry.parties.values() if p.has_fixed_office]
    if not offices:
        return []
    con = connect(events)
    candidates = con.sql(
        "SELECT DISTINCT src_ip FROM ev WHERE is_anonymizer AND party IS NOT NULL"
    ).to_arrow_table()
    if candidates.num_rows == 0:
        return []
    ips = candidates.column("src_ip").combine_chunks()
    con.register("owners", pa.table({"ip": ips, "owner": registry.networks.lookup(ips)}))
    con.register("offices", pa.table({"party": pa.array(offices, pa.string())}))
    groups = describe(
        con,
        f"""SELECT ev.*, {_KIND} AS kind FROM ev
            JOIN offices USING (party)
            LEFT JOIN owners o ON o.ip = ev.src_ip
            WHERE ev.is_anonymizer AND o.owner IS DISTINCT FROM ev.party""",
        ["party", "subject", "subject_type", "kind"],
        ctx.thresholds.evidence_refs_max,
    )
    out = []
    for g in groups:
        profile = registry.parties[g["party"]]
        office = _office(profile.locations) or "a fixed office"
        asns = f" ({', '.join(g['asns'][:3])})" if g["asns"] else ""
        who = g["subject"] if g["subject_type"] == "account" else f"address {g['subject']}"
        summary = (
            f"{who} of {profile.name}, which declared {office}, reached storage through "
            f"{g['kind']} egress from {plural(len(g['ips']), 'IP')}{asns}, "
            f"{span(g['start_us'], g['end_us'])}"
        )
        out.append(
            Finding.of(
                "NET-2",
                subject_type=subject_type(g["subject_type"]),
                subject_key=g["subject"],
                summary=summary,
                evidence=base_evidence(
                    g,
                    egress=g["kind"],
                    party=g["party"],
                    declared_locations=[list(loc) for loc in profile.locations],
                    declared_networks=list(profile.declared_networks),
                ),
                confidence=0.6 if g["kind"] == "Tor" else 0.5,
                analyzer=ANALYZER,
                dedupe=f"{g['party']}:{g['kind']}",
            )
        )
    return out


def _office(locations: tuple[tuple[str, str | None, str | None], ...]) -> str:
    for country, region, city in locations:
        if city:
            return f"an office in {city}, {country.upper()}"
        if region:
            return f"an office in {region}, {country.upper()}"
    return ""
