"""Build the compact world outline file the access map draws from (run once, offline).

Input: ``countries-110m.json`` from the npm package ``world-atlas@2`` (Natural Earth 1:110m
admin-0 countries, v4.1.0, as TopoJSON; the data is public domain, the packaging ISC) and
``codes.json`` from ``i18n-iso-countries@7`` (MIT) to map ISO 3166 numeric ids to alpha-2.
Output: ``data/world-110m.json``, one record per country with its rings as flat
``[lon, lat, lon, lat, ...]`` lists rounded to 0.1° (about 11 km: finer than a 1:110m outline
can show), so the package carries ~130 kB instead of the 8 MB npm package.

Three Natural Earth units have no ISO numeric id; they are filed under the code an IP
geolocation database reports for an address there: Kosovo ``XK`` (the user-assigned code
DB-IP and MaxMind use), Somaliland ``SO`` and Northern Cyprus ``CY``.

Usage (from the repository root)::

    npm pack world-atlas@2 i18n-iso-countries@7
    python -m chainwatch.evidence.world_data world-atlas-2.0.2.tgz i18n-iso-countries-7.14.0.tgz
"""

from __future__ import annotations

import hashlib
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "data" / "world-110m.json"
UNCODED = {"Kosovo": "XK", "Somaliland": "SO", "N. Cyprus": "CY"}
ATTRIBUTION = (
    "Country outlines: Natural Earth 1:110m Admin 0 (public domain), via the world-atlas 2.0.2 "
    "TopoJSON package (ISC licence, Michael Bostock)."
)


def _member(tgz: Path, name: str) -> bytes:
    with tarfile.open(tgz) as tar:
        handle = tar.extractfile(f"package/{name}")
        if handle is None:
            raise FileNotFoundError(f"{tgz}: no package/{name}")
        return handle.read()


def _decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs are delta-encoded integers in a quantized grid; return lon/lat points."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[float]:
    """Stitch a ring from arc indexes (a negative index ``~i`` is arc ``i`` reversed)."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)  # consecutive arcs share an end point
    lons = [lon for lon, _ in points]
    if any(abs(a - b) > 180 for a, b in zip(lons, lons[1:], strict=False)):
        # a ring across the antimeridian (Russia's Chukotka, Fiji): continue it eastwards
        # past 180°; the map clips at its edge instead of drawing a line across the world
        points = [(lon + 360 if lon < 0 else lon, lat) for lon, lat in points]
    flat: list[float] = []
    last = None
    for lon, lat in points:
        here = (round(lon, 1), round(lat, 1))
        if here != last:
            flat.extend(here)
            last = here
    return flat


def build_world(topojson: bytes, codes: bytes, source_sha256: str) -> dict[str, Any]:
    topo = json.loads(topojson)
    numeric_to_alpha2 = {row[2]: row[0] for row in json.loads(codes)}
    arcs = _decode_arcs(topo)
    countries = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        numeric = geometry.get("id")
        iso2 = numeric_to_alpha2.get(numeric) if numeric else UNCODED.get(name)
        if iso2 is None:
            raise ValueError(f"no ISO alpha-2 code for {name!r} ({numeric})")
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [r for polygon in polygons for r in (_ring(arcs, x) for x in polygon) if len(r) > 4]
        if iso2 == "AQ":
            continue  # below the map's southern edge (60° S)
        countries.append({"iso2": iso2, "name": name, "rings": rings})
    return {
        "source": "Natural Earth 1:110m Admin 0 countries v4.1.0 via world-atlas 2.0.2",
        "source_sha256": source_sha256,
        "attribution": ATTRIBUTION,
        "precision_deg": 0.1,
        "countries": countries,
    }


def main(argv: list[str]) -> int:
    atlas, iso = Path(argv[0]), Path(argv[1])
    topojson = _member(atlas, "countries-110m.json")
    data = build_world(topojson, _member(iso, "codes.json"), hashlib.sha256(topojson).hexdigest())
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['countries'])} countries, {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
