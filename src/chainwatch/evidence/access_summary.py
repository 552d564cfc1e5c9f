"""Access events → the pack's access section: counts by country, place and hub region, the
per-day timeline, and the events behind findings. Pure: enriched event rows in, data out.

Counting rules an auditor can check against ``accesses.json``: an event in the curated DPRK
address ranges (``is_dprk``) counts for the DPRK (``KP``) whatever country the geolocation
database gives it (a DPRK range announced through a foreign transit is still DPRK space); an
event with a NET-6 ``hub`` counts for that hub's region; a place is the geolocation database's
city, region and country, at its lat/lon.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from chainwatch.evidence.world_map import HUB_REGION, load_world, place_label


def iso(value: Any) -> Any:
    """A datetime as ``2026-07-14T08:11:00Z``; anything else unchanged."""
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value


def summarize_accesses(
    rows: Sequence[Mapping[str, Any]], refs: Mapping[str, Sequence[int]]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(access section, timeline rows, events behind findings) from enriched events in time
    order; ``refs`` maps a ``record_id`` to the ids of the findings that cite it."""
    names = {c["iso2"]: c["name"] for c in load_world()["countries"]}
    by_country: Counter[str] = Counter()
    places: dict[tuple, dict[str, Any]] = {}
    hubs: Counter[str] = Counter()
    timeline: Counter[tuple[str, str]] = Counter()
    flagged: Counter[tuple[str, str]] = Counter()
    dprk = hub_events = 0
    for row in rows:
        is_dprk = bool(row.get("is_dprk"))
        country = "KP" if is_dprk else (row.get("country") or "").upper()
        if country:
            by_country[country] += 1
        hub = row.get("hub")
        if hub:
            hubs[HUB_REGION.get(hub, hub)] += 1
            hub_events += 1
        dprk += is_dprk
        label = place_label(row.get("city"), row.get("region"), row.get("country"))
        lat, lon = row.get("lat"), row.get("lon")
        key = (
            label,
            None if lat is None else round(lat, 2),
            None if lon is None else round(lon, 2),
        )
        place = places.setdefault(
            key,
            {
                "label": label,
                "lat": lat,
                "lon": lon,
                "count": 0,
                "flag": False,
                "hub": hub,
                "dprk": False,
            },  # fmt: skip
        )
        place["count"] += 1
        place["flag"] = place["flag"] or is_dprk or bool(hub)
        place["dprk"] = place["dprk"] or is_dprk
        day = row["ts"].date().isoformat()
        series = row.get("party") or "unattributed"
        timeline[(day, series)] += 1
        if is_dprk or hub:
            flagged[(day, series)] += 1
    access = {
        "events": len(rows),
        "first": iso(rows[0]["ts"]) if rows else None,
        "last": iso(rows[-1]["ts"]) if rows else None,
        "dprk_events": dprk,
        "hub_events": hub_events,
        "by_country": dict(by_country),
        "countries": [
            {"iso2": c, "name": names.get(c, c), "count": n} for c, n in by_country.most_common()
        ],
        "places": sorted(places.values(), key=lambda p: (-p["count"], p["label"])),
        "hubs": dict(hubs),
    }
    timeline_rows = [
        {"day": d, "series": s, "count": n, "flagged": flagged.get((d, s), 0)}
        for (d, s), n in sorted(timeline.items())
    ]
    behind = [
        {**{k: iso(v) for k, v in row.items()}, "finding_ids": refs[row["record_id"]]}
        for row in rows
        if row.get("record_id") in refs
    ]
    return access, timeline_rows, behind
