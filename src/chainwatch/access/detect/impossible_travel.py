"""NET-7: impossible travel: consecutive accesses of one account faster than ~900 km/h
(severity M, L when an anonymizer is involved).

Why: two places no traveller could connect in the time between two accesses mean two people,
or a relay, share the account. Logic after Panther ``Standard.ImpossibleTravel.Login``
(access-logs §4.5): haversine distance over elapsed time, alert above ``travel_speed_kmh``
(900, "Boeing 747 cruising speed"); the same address never alerts; pairs closer than
``travel_min_distance_km`` (50) are geo-database noise. Panther downgrades VPN, relay and
satellite endpoints, Entra ignores VPNs (§4.1): here a pair with a VPN, datacenter or Tor end
is kept but graded ``L`` with lower confidence, since the exit's location is not the user's.

Consecutive means consecutive among the account's geolocated events (ordered by time, then
record id). Simultaneous accesses from distant places have no finite speed: evidence shows
``speed_kmh: null`` with ``simultaneous: true``. One finding per account and UTC day, naming
the fastest pair and listing up to ``evidence_refs_max`` pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from chainwatch.access.detect.evidence import (
    ANALYZER,
    codes,
    connect,
    day,
    duration,
    iso,
    rows,
    span,
)
from chainwatch.findings.catalogue import Severity
from chainwatch.findings.finding import Finding, SubjectType

if TYPE_CHECKING:
    from chainwatch.access.detect import DetectContext

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    t = ctx.thresholds
    con = connect(events)
    pairs = rows(
        con,
        f"""
        WITH located AS (
            SELECT account, t_us, record_id, src_ip, country, city, region, lat, lon,
                   is_anonymizer, source_file || ':' || source_line AS ref
            FROM ev WHERE account IS NOT NULL AND lat IS NOT NULL AND lon IS NOT NULL
        ), p AS (
            SELECT *,
                lag(t_us) OVER w AS t0, lag(record_id) OVER w AS rec0,
                lag(src_ip) OVER w AS ip0, lag(country) OVER w AS country0,
                lag(city) OVER w AS city0, lag(region) OVER w AS region0,
                lag(lat) OVER w AS lat0, lag(lon) OVER w AS lon0,
                lag(is_anonymizer) OVER w AS anon0, lag(ref) OVER w AS ref0
            FROM located WINDOW w AS (PARTITION BY account ORDER BY t_us, record_id)
        ), d AS (
            SELECT *, 2 * {EARTH_RADIUS_KM} * asin(sqrt(
                       pow(sin(radians(lat - lat0) / 2), 2)
                       + cos(radians(lat0)) * cos(radians(lat))
                         * pow(sin(radians(lon - lon0) / 2), 2))) AS km,
                   (t_us - t0) / 3.6e9 AS hours
            FROM p WHERE t0 IS NOT NULL AND src_ip IS DISTINCT FROM ip0
        )
        SELECT * FROM d
        WHERE km >= ? AND (hours = 0 OR km / hours > ?)
        ORDER BY account, t_us, record_id
        """,
        [t.travel_min_distance_km, t.travel_speed_kmh],
    )
    by_day: dict[tuple[str, str], list[dict]] = {}
    for p in pairs:
        by_day.setdefault((p["account"], day(p["t_us"])), []).append(p)
    return [_finding(account, on, ps, ctx) for (account, on), ps in by_day.items()]


def _place(city: str | None, country: str | None) -> str:
    return ", ".join(x for x in (city, (country or "").upper()) if x) or "an unknown place"


def _finding(account: str, on: str, pairs: list[dict], ctx: DetectContext) -> Finding:
    limit = ctx.thresholds.evidence_refs_max
    clean = [p for p in pairs if not (p["anon0"] or p["is_anonymizer"])]
    fastest = max(clean or pairs, key=lambda p: (p["hours"] == 0, p["km"] / (p["hours"] or 1)))
    speed = None if fastest["hours"] == 0 else fastest["km"] / fastest["hours"]
    pace = "at the same moment" if speed is None else f"({speed:,.0f} km/h)"
    elapsed = "" if speed is None else f" in {duration(fastest['hours'] * 3600)}"
    more = f"; {len(pairs)} such jumps that day" if len(pairs) > 1 else ""
    summary = (
        f"{account} accessed storage from {_place(fastest['city0'], fastest['country0'])} and "
        f"{_place(fastest['city'], fastest['country'])}, {fastest['km']:,.0f} km apart,"
        f"{elapsed} {pace}, {span(fastest['t0'], fastest['t_us'])}{more}"
    )
    shown = pairs[:limit]
    refs = [(p["rec0"], p["ref0"]) for p in shown] + [(p["record_id"], p["ref"]) for p in shown]
    refs = sorted(set(refs))[:limit]
    evidence = {
        "events": len(pairs) * 2,
        "pairs": len(pairs),
        "window": {"start": iso(pairs[0]["t0"]), "end": iso(pairs[-1]["t_us"])},
        "ips": sorted({ip for p in pairs for ip in (p["ip0"], p["src_ip"]) if ip}),
        "countries": sorted({c for p in pairs for c in (p["country0"], p["country"]) if c}),
        "cities": sorted(
            {
                _place(c, k)
                for p in pairs
                for c, k in ((p["city0"], p["country0"]), (p["city"], p["country"]))
            }
        ),
        "anonymizer_pairs": len(pairs) - len(clean),
        "speed_threshold_kmh": ctx.thresholds.travel_speed_kmh,
        "jumps": [_pair(p) for p in shown],
        "record_ids": [r for r, _ in refs],
        "sources": [s for _, s in refs],
    }
    return Finding.of(
        "NET-7",
        subject_type=SubjectType.ACCOUNT,
        subject_key=account,
        summary=summary,
        evidence=evidence,
        confidence=0.6 if clean else 0.25,
        severity=Severity.M if clean else Severity.L,
        analyzer=ANALYZER,
        dedupe=on,
    )


def _pair(p: dict) -> dict:
    simultaneous = p["hours"] == 0
    return {
        "from": {
            "ts": iso(p["t0"]),
            "ip": p["ip0"],
            "place": _place(p["city0"], p["country0"]),
            "record_id": p["rec0"],
            "anonymizer": bool(p["anon0"]),
        },
        "to": {
            "ts": iso(p["t_us"]),
            "ip": p["src_ip"],
            "place": _place(p["city"], p["country"]),
            "record_id": p["record_id"],
            "anonymizer": bool(p["is_anonymizer"]),
        },
        "distance_km": round(p["km"], 1),
        "elapsed_s": round(p["hours"] * 3600, 3),
        "speed_kmh": None if simultaneous else round(p["km"] / p["hours"], 1),
        "simultaneous": simultaneous,
        "countries": codes([p["country0"], p["country"]]),
    }
