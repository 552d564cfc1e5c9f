"""NET-6: access geolocated to a DPRK-worker hub: Shenyang, Dandong, Dalian (Liaoning), Yanji,
Changchun (Jilin), Vladivostok, Vientiane (severity L–M).

Why: DPRK IT workers abroad concentrate in these cities, where designated front companies sit
(dprk-signals §3.2); the 38 North server was reached from three Chinese cities described as
such hubs (§1.5). The ``hub`` column comes from the IP intelligence (province-level coverage
matters here: access-logs §2.3, DB-IP Lite has it for 100 % of Chinese addresses).

Severity grades the contradiction, not the place: ``L`` when the party declared a location in
that hub (its office is there; the signal is context only), ``M`` when the party declared
nothing there or no party is known. Millions of people live in these cities; a hub alone is a
reason to look, never a verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from chainwatch.access.context import PartyProfile
from chainwatch.access.detect.evidence import (
    ANALYZER,
    base_evidence,
    connect,
    describe,
    plural,
    span,
    subject_type,
    who_text,
)
from chainwatch.findings.catalogue import Severity
from chainwatch.findings.finding import Finding

if TYPE_CHECKING:
    from chainwatch.access.detect import DetectContext


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    con = connect(events)
    groups = describe(
        con,
        "SELECT *, coalesce(party, '') AS party_key FROM ev WHERE hub IS NOT NULL",
        ["party_key", "client", "client_type", "hub"],
        ctx.thresholds.evidence_refs_max,
        extra={"places": "list_distinct(list([country, region, city]))"},
    )
    out = []
    for g in groups:
        profile = ctx.registry.parties.get(g["party_key"])
        declared = profile is not None and _declared_in(profile, g["hub"], g["places"])
        who = who_text(g["client_type"], g["client"])
        of = f" of {profile.name}" if profile else " (no known party)"
        note = "where it declared a location" if declared else "where it declared no location"
        if profile is None:
            note = "a DPRK-worker hub"
        summary = (
            f"{who}{of} reached storage {plural(g['events'], 'time')} from {g['hub']}, "
            f"{note}, {span(g['start_us'], g['end_us'])}"
        )
        out.append(
            Finding.of(
                "NET-6",
                subject_type=subject_type(g["client_type"]),
                subject_key=g["client"],
                summary=summary,
                evidence=base_evidence(
                    g,
                    hub=g["hub"],
                    party=g["party_key"] or None,
                    declared_there=declared,
                    declared_locations=[list(x) for x in profile.locations] if profile else [],
                ),
                confidence=0.3 if declared else 0.5,
                severity=Severity.L if declared else Severity.M,
                analyzer=ANALYZER,
                dedupe=g["hub"],
            )
        )
    return out


def _declared_in(profile: PartyProfile, hub: str, places: list[list[str | None]]) -> bool:
    """True when a declared location in the same country names the hub, or the access's city
    or region."""
    for country, region, city in places:
        names = {hub.casefold(), *(x.casefold() for x in (region, city) if x)}
        for declared_country, declared_region, declared_city in profile.locations:
            if country and declared_country.casefold() != country.casefold():
                continue
            if any(x and x.casefold() in names for x in (declared_region, declared_city)):
                return True
    return False
