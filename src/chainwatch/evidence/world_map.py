"""Where accesses came from, as an offline SVG map (equirectangular, Natural Earth 1:110m).

Countries are shaded by access volume (log classes: one access and ten thousand must both be
visible). The DPRK is always outlined and labelled, accessed or not, because "no access from
the DPRK" is itself something an auditor looks for; the DPRK-worker hub regions of NET-6
(Liaoning, Jilin, Primorye, Vientiane; ``access/geo/data/hubs.yaml``) are drawn as dashed
circles at their approximate centres, and places seen in the logs (the geo enrichment's
city lat/lon) as dots sized by count, red where the access was from DPRK space or a hub.
A second, zoomed drawing of Northeast Asia makes the DPRK border area readable.

Outlines come from ``data/world-110m.json`` (see ``data/README.md`` for source and licence).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from markupsafe import Markup

from chainwatch.evidence.svg import clip, num, svg, text

WORLD_FILE = "world-110m.json"
DPRK = "KP"
SHADES = ("#dbe7f3", "#a9c6e3", "#6f9fcf", "#3d73b0", "#1d4a85")  # 1, <10, <100, <1k, more
NO_DATA, BORDER, DPRK_RED, HUB = "#eef0f2", "#ffffff", "#c62828", "#b45309"

# Approximate centres (lat, lon) of the NET-6 hub regions named in hubs.yaml, for a marker
# only (a region's own outline is not in a 1:110m country file). Public geography.
HUB_CENTRES: dict[str, tuple[float, float]] = {
    "Liaoning": (41.3, 122.6),
    "Jilin": (43.7, 126.2),
    "Primorsky Krai": (45.0, 134.5),
    "Vientiane": (18.0, 102.6),
}
# The hub names ``access.geo`` writes into an event's ``hub`` column → the region drawn.
HUB_REGION = {
    "Shenyang": "Liaoning",
    "Dandong": "Liaoning",
    "Dalian": "Liaoning",
    "Liaoning": "Liaoning",
    "Yanji": "Jilin",
    "Changchun": "Jilin",
    "Jilin": "Jilin",
    "Vladivostok": "Primorsky Krai",
    "Primorsky Krai": "Primorsky Krai",
    "Vientiane": "Vientiane",
}


@dataclass(frozen=True)
class Box:
    """A lon/lat window and the drawing's width in px (height follows the projection)."""

    west: float
    east: float
    north: float
    south: float
    width: float

    @property
    def scale(self) -> float:
        return self.width / (self.east - self.west)

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.scale, (self.north - lat) * self.scale


WORLD = Box(-180, 180, 84, -58, 960)
NORTHEAST_ASIA = Box(112, 142, 50, 33, 600)


@lru_cache(maxsize=1)
def load_world() -> dict[str, Any]:
    """The shipped outline file (parsed once per process)."""
    raw = resources.files("chainwatch.evidence").joinpath("data", WORLD_FILE).read_text("utf-8")
    return json.loads(raw)


def attribution() -> str:
    return str(load_world()["attribution"])


def _shade(count: int) -> str:
    if count <= 0:
        return NO_DATA
    return SHADES[min(len(SHADES) - 1, int(math.log10(count)) + (1 if count > 1 else 0))]


def _path(rings: Iterable[Sequence[float]], box: Box) -> str:
    parts = []
    for ring in rings:
        lons, lats = ring[0::2], ring[1::2]
        if max(lons) < box.west or min(lons) > box.east:
            continue
        if max(lats) < box.south or min(lats) > box.north:
            continue
        points = [box.xy(lon, lat) for lon, lat in zip(lons, lats, strict=True)]
        parts.append("M" + "L".join(f"{num(x)},{num(y)}" for x, y in points) + "Z")
    return "".join(parts)


def map_svg(
    by_country: Mapping[str, int],
    places: Sequence[Mapping[str, Any]] = (),
    hubs: Mapping[str, int] | None = None,
    *,
    box: Box = WORLD,
    title: str = "Access origins by country",
    legend: bool = True,
) -> Markup:
    """The map. ``by_country``: ISO alpha-2 (any case) → accesses. ``places``: dicts with
    ``lat``, ``lon``, ``label``, ``count`` and ``flag`` (True for DPRK space or a hub region).
    ``hubs``: hub region name (as in ``HUB_CENTRES``) → accesses from it (0 = not seen)."""
    counts = {k.upper(): int(v) for k, v in by_country.items() if k}
    clip_id = f"cw-map-clip-{int(box.west)}-{int(box.north)}"
    body = [
        f'<defs><clipPath id="{clip_id}"><rect width="{num(box.width)}" '
        f'height="{num(box.height)}"/></clipPath></defs>',
        f'<rect width="{num(box.width)}" height="{num(box.height)}" fill="#f8fbfd" '
        'stroke="#d9dee4"/>',
        f'<g clip-path="url(#{clip_id})">',
    ]
    dprk_path = ""
    for country in load_world()["countries"]:
        iso2 = country["iso2"]
        d = _path(country["rings"], box)
        if not d:
            continue
        n = counts.get(iso2, 0)
        if iso2 == DPRK:
            dprk_path = d
        fill = DPRK_RED if iso2 == DPRK and n else _shade(n)
        body.append(
            f'<path class="country" data-iso2="{text(iso2)}" data-accesses="{n}" d="{d}" '
            f'fill="{fill}" stroke="{BORDER}" stroke-width="0.5"><title>{text(country["name"])}'
            f" ({text(iso2)}): {n} access{'es' if n != 1 else ''}</title></path>"
        )
    if dprk_path:  # drawn last so its outline is never hidden under a neighbour's border
        n = counts.get(DPRK, 0)
        x, y = box.xy(127.3, 40.3)
        body.append(
            f'<path class="dprk" data-iso2="KP" d="{dprk_path}" fill="none" '
            f'stroke="{DPRK_RED}" stroke-width="2"><title>DPRK: {n} access'
            f"{'es' if n != 1 else ''}</title></path>"
            + _label(x + 6, y - 6, f"DPRK{f' · {n}' if n else ''}", DPRK_RED, 11, "dprk-label")
        )
    radius_scale = 2.2 if box.width < WORLD.width else 1.6
    for name, (lat, lon) in HUB_CENTRES.items():
        x, y = box.xy(lon, lat)
        if not (0 <= x <= box.width and 0 <= y <= box.height):
            continue
        n = (hubs or {}).get(name, 0)
        r = 9 if box is not WORLD else 6
        body.append(
            f'<g class="hub" data-hub="{text(name)}" data-accesses="{n}">'
            f"<title>NET-6 hub region {text(name)}: {n} access{'es' if n != 1 else ''}</title>"
            f'<circle cx="{num(x)}" cy="{num(y)}" r="{r}" fill="none" stroke="{HUB}" '
            f'stroke-width="1.5" stroke-dasharray="3 2"/>'
            + (_label(x + r + 2, y + 4, name, HUB, 10) if box is not WORLD else "")
            + "</g>"
        )
    for place in sorted(places, key=lambda p: -int(p.get("count") or 0)):
        lat, lon = place.get("lat"), place.get("lon")
        if lat is None or lon is None:
            continue
        x, y = box.xy(float(lon), float(lat))
        if not (0 <= x <= box.width and 0 <= y <= box.height):
            continue
        n = int(place.get("count") or 0)
        r = radius_scale + radius_scale * math.sqrt(max(n, 1)) / 2
        colour = DPRK_RED if place.get("flag") else "#1f2933"
        body.append(
            f'<circle class="place" cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{colour}" '
            f'fill-opacity="0.75" stroke="#ffffff" stroke-width="0.8"><title>'
            f"{text(place.get('label'))}: {n} access{'es' if n != 1 else ''}</title></circle>"
        )
    body.append("</g>")
    height = box.height
    if legend:
        body.extend(_legend(box))
        height += 26
    return svg(box.width, height, body, label=title, cls="access-map")


def _legend(box: Box) -> list[str]:
    y = box.height + 8
    out = ['<g class="legend" font-size="10" fill="#616e7c">']
    x = 4.0
    for label, colour in zip(("1", "2–9", "10–99", "100–999", "1000+"), SHADES, strict=True):
        out.append(
            f'<rect x="{num(x)}" y="{num(y)}" width="12" height="10" fill="{colour}"/>'
            f'<text x="{num(x + 15)}" y="{num(y + 9)}">{label}</text>'
        )
        x += 70
    out.append(
        f'<rect x="{num(x)}" y="{num(y)}" width="12" height="10" fill="none" '
        f'stroke="{DPRK_RED}" stroke-width="2"/><text x="{num(x + 15)}" y="{num(y + 9)}">'
        "DPRK (outlined always; filled if accessed)</text>"
    )
    x += 250
    out.append(
        f'<circle cx="{num(x + 6)}" cy="{num(y + 5)}" r="5" fill="none" stroke="{HUB}" '
        f'stroke-dasharray="3 2"/><text x="{num(x + 15)}" y="{num(y + 9)}">NET-6 hub region</text>'
    )
    x += 120
    out.append(
        f'<circle cx="{num(x + 6)}" cy="{num(y + 5)}" r="4" fill="{DPRK_RED}"/>'
        f'<text x="{num(x + 15)}" y="{num(y + 9)}">place (red: DPRK space or hub)</text>'
    )
    out.append("</g>")
    return out


def _label(x: float, y: float, label: str, colour: str, size: float, cls: str = "") -> str:
    """Text on a white box, readable over any shading (SVG ``paint-order`` halos are not
    supported by every PDF engine); the box width is estimated from the character count."""
    width = 0.62 * size * len(label) + 4
    cls_attr = f' class="{text(cls)}"' if cls else ""
    return (
        f'<rect x="{num(x - 2)}" y="{num(y - size)}" width="{num(width)}" '
        f'height="{num(size + 3)}" rx="2" fill="#ffffff" fill-opacity="0.85"/>'
        f'<text{cls_attr} x="{num(x)}" y="{num(y)}" '
        f'font-size="{num(size)}" font-weight="700" fill="{colour}">{text(label)}</text>'
    )


def place_label(city: str | None, region: str | None, country: str | None) -> str:
    """``Shenyang, Liaoning, CN``: the label a place dot and its table row carry."""
    parts = [p for p in (city, region, (country or "").upper() or None) if p]
    return clip(", ".join(parts), 60) if parts else "(unknown place)"
