"""NET-9: access from a country or region outside the party's declared locations (severity M).

Why: the industry standard (MPA CSBP v5) sets no geographic limits for content, so the
per-party list of where work happens is chainwatch's own control (vendor-chain §1.3, §4.6);
access from elsewhere means the work or the credentials moved. Entra's "New country" and
Elastic's rare-location rule are the per-user analogues (access-logs §4.1, §4.3); here the
baseline is what the party declared, not what it did before, so there is no learning period.

* ``country``: the event's country is none of the declared locations' countries (the party's
  own ``country`` stands in when it declared no locations);
* ``region``: the country is declared, every declared location in it names a region, and the
  event's region is none of them (lower confidence: geo databases spell regions differently,
  so names are compared case- and punctuation-insensitively, minus suffixes like "-do").

Not raised for addresses inside the party's own declared networks (its office, whatever a
geo database thinks), nor for parties that declared neither locations nor a country.
Anonymizer exits do count (evidence says how many): NET-2 reports the anonymizer itself.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyarrow as pa

from chainwatch.access.context import PartyProfile
from chainwatch.access.detect.evidence import (
    ANALYZER,
    base_evidence,
    codes,
    connect,
    describe,
    plural,
    rows,
    span,
    subject_type,
)
from chainwatch.findings.finding import Finding

if TYPE_CHECKING:
    from chainwatch.access.detect import DetectContext

_SUFFIX = re.compile(
    r"(province|sheng|shi|prefecture|oblast|krai|teukbyeolsi|gwangyeoksi|-do|-si|state)$"
)


def region_key(name: str) -> str:
    """``Gyeonggi-do`` → ``gyeonggi``, ``Liaoning Sheng`` → ``liaoning``."""
    text = name.casefold().strip()
    text = _SUFFIX.sub("", text.replace(" ", "")).strip("- ")
    return re.sub(r"[^\w]", "", text)


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    registry = ctx.registry
    con = connect(events)
    ips = con.sql(
        "SELECT DISTINCT src_ip FROM ev WHERE party IS NOT NULL AND country IS NOT NULL"
    ).to_arrow_table()
    if ips.num_rows == 0:
        return []
    column = ips.column("src_ip").combine_chunks()
    con.register("owners", pa.table({"ip": column, "owner": registry.networks.lookup(column)}))
    source = """FROM ev LEFT JOIN owners o ON o.ip = ev.src_ip
                WHERE ev.party IS NOT NULL AND ev.country IS NOT NULL
                  AND o.owner IS DISTINCT FROM ev.party"""
    combos = rows(con, f"SELECT DISTINCT party, country, region {source} ORDER BY ALL")
    outside = []
    for c in combos:
        profile = registry.parties.get(c["party"])
        level = _outside(profile, c["country"], c["region"]) if profile else None
        if level:
            outside.append({**c, "level": level})
    if not outside:
        return []
    con.register(
        "outside",
        pa.table(
            {
                "party": [o["party"] for o in outside],
                "country": [o["country"] for o in outside],
                "region": pa.array([o["region"] for o in outside], pa.string()),
                "level": [o["level"] for o in outside],
            }
        ),
    )
    groups = describe(
        con,
        """SELECT ev.*, x.level, CASE WHEN x.level = 'region' THEN ev.region END AS place
           FROM ev LEFT JOIN owners o ON o.ip = ev.src_ip
           JOIN outside x ON x.party = ev.party AND x.country = ev.country
                AND x.region IS NOT DISTINCT FROM ev.region
           WHERE o.owner IS DISTINCT FROM ev.party""",
        ["party", "subject", "subject_type", "country", "level", "place"],
        ctx.thresholds.evidence_refs_max,
        extra={"anonymized": "count(*) FILTER (WHERE is_anonymizer)"},
    )
    out = []
    for g in groups:
        profile = registry.parties[g["party"]]
        where = (
            g["country"].upper()
            if g["level"] == "country"
            else (f"{g['place']}, {g['country'].upper()}")
        )
        who = g["subject"] if g["subject_type"] == "account" else f"address {g['subject']}"
        summary = (
            f"{who} of {profile.name} reached storage {plural(g['events'], 'time')} from "
            f"{where}, outside its declared locations ({_declared(profile)}), "
            f"{span(g['start_us'], g['end_us'])}"
        )
        out.append(
            Finding.of(
                "NET-9",
                subject_type=subject_type(g["subject_type"]),
                subject_key=g["subject"],
                summary=summary,
                evidence=base_evidence(
                    g,
                    check=g["level"],
                    party=g["party"],
                    outside=where,
                    declared_locations=[list(x) for x in profile.locations],
                    declared_country=profile.country,
                    anonymizer_events=g["anonymized"],
                ),
                confidence=0.6 if g["level"] == "country" else 0.4,
                analyzer=ANALYZER,
                dedupe=f"{g['party']}:{g['country']}"
                + (f"/{region_key(g['place'])}" if g["level"] == "region" else ""),
            )
        )
    return out


def _outside(profile: PartyProfile, country: str, region: str | None) -> str | None:
    declared = list(profile.locations)
    if not declared:
        if not profile.country:
            return None
        declared = [(profile.country, None, None)]
    same = [loc for loc in declared if loc[0].casefold() == country.casefold()]
    if not same:
        return "country"
    if region is None or any(r is None for _, r, _ in same):
        return None
    keys = {region_key(r) for _, r, _ in same if r}
    return None if region_key(region) in keys else "region"


def _declared(profile: PartyProfile) -> str:
    places = [", ".join(x for x in (r, c.upper()) if x) for c, r, _ in profile.locations] or [
        codes([profile.country])
    ]
    return "; ".join(places)
