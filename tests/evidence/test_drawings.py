"""The pack's drawings from plain data: chain graph, world map, timeline (no database)."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from chainwatch.evidence.graph_svg import chain_svg
from chainwatch.evidence.timeline import timeline_svg
from chainwatch.evidence.world_map import NORTHEAST_ASIA, load_world, map_svg

TREE = {
    "party": "aurora",
    "name": "Aurora Pictures",
    "country": "us",
    "tier": 0,
    "authorized": True,
    "findings": 0,
    "engagement": None,
    "children": [
        {
            "party": "hanbit",
            "name": "Hanbit Motion <b>",
            "country": "kr",
            "tier": 1,
            "authorized": True,
            "findings": 0,
            "engagement": {"status": "authorized"},
            "children": [
                {
                    "party": "brightframe",
                    "name": "Shenyang BrightFrame",
                    "country": "cn",
                    "tier": 2,
                    "authorized": False,
                    "findings": 2,
                    "engagement": {"status": "undeclared"},
                    "children": [],
                }
            ],
        },
        {
            "party": "seoul-ink",
            "name": "Seoul Ink",
            "country": "kr",
            "tier": 1,
            "authorized": True,
            "findings": 0,
            "engagement": {"status": "authorized"},
            "children": [],
        },
    ],
}


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # well-formed XML, every value escaped


def test_chain_graph_layers_by_tier_and_marks_the_unauthorized_party() -> None:
    svg = str(chain_svg(TREE))
    root = _parse(svg)
    nodes = {g.get("data-party"): g for g in root.iter("g") if g.get("data-party")}
    assert set(nodes) == {"aurora", "hanbit", "brightframe", "seoul-ink"}
    x_of = {k: float(g.find("rect").get("x")) for k, g in nodes.items()}
    assert x_of["aurora"] < x_of["hanbit"] == x_of["seoul-ink"] < x_of["brightframe"]
    assert nodes["brightframe"].get("class") == "node node-bad"
    assert "NOT AUTHORIZED" in "".join(nodes["brightframe"].itertext())
    assert nodes["hanbit"].get("class") == "node node-ok"
    edges = [p for p in root.iter("path") if "edge" in (p.get("class") or "")]
    assert sorted(e.get("class") for e in edges) == [
        "edge edge-bad",
        "edge edge-ok",
        "edge edge-ok",
    ]
    bad = next(e for e in edges if e.get("class") == "edge edge-bad")
    assert bad.get("stroke-dasharray")  # dashed: tells them apart in greyscale print
    assert "Hanbit Motion &lt;b&gt;" in svg
    for tier in ("Tier 0 · client", "Tier 1", "Tier 2"):
        assert tier in svg


def test_world_file_has_the_dprk_and_its_neighbours() -> None:
    world = {c["iso2"]: c for c in load_world()["countries"]}
    assert {"KP", "KR", "CN", "RU", "LA", "US"} <= set(world)
    assert world["KP"]["name"] == "North Korea"
    lons = world["KP"]["rings"][0][0::2]
    assert 124 < min(lons) < max(lons) < 131
    assert "Natural Earth" in load_world()["attribution"]


def test_map_marks_the_dprk_and_hub_regions_even_without_accesses() -> None:
    svg = str(map_svg({"kr": 3}, []))
    root = _parse(svg)
    dprk = [p for p in root.iter("path") if p.get("class") == "dprk"]
    assert len(dprk) == 1 and dprk[0].get("stroke") == "#c62828"
    korea = next(p for p in root.iter("path") if p.get("data-iso2") == "KR")
    assert korea.get("data-accesses") == "3" and korea.get("fill") != "#eef0f2"
    hubs = {g.get("data-hub") for g in root.iter("g") if g.get("data-hub")}
    assert {"Liaoning", "Jilin"} <= hubs
    assert "DPRK" in "".join(root.itertext())


def test_map_shades_by_volume_and_places_points() -> None:
    places = [
        {"lat": 41.8, "lon": 123.4, "label": "Shenyang, Liaoning, CN", "count": 40, "flag": True},
        {"lat": 37.6, "lon": 127.0, "label": "Seoul, KR", "count": 2, "flag": False},
    ]
    root = _parse(str(map_svg({"CN": 40, "KR": 2, "KP": 1}, places, {"Liaoning": 40},
                              box=NORTHEAST_ASIA)))  # fmt: skip
    fills = {
        p.get("data-iso2"): p.get("fill") for p in root.iter("path") if p.get("class") == "country"
    }
    assert fills["CN"] != fills["KR"]  # 40 and 2 fall in different classes
    assert fills["KP"] == "#c62828"  # accessed: filled, not only outlined
    dots = [c for c in root.iter("circle") if c.get("class") == "place"]
    assert len(dots) == 2
    big, small = sorted(dots, key=lambda c: -float(c.get("r")))
    assert big.get("fill") == "#c62828" and small.get("fill") != "#c62828"
    liaoning = next(g for g in root.iter("g") if g.get("data-hub") == "Liaoning")
    assert liaoning.get("data-accesses") == "40"


def test_timeline_stacks_parties_per_day_and_flags_days() -> None:
    rows = [
        {"day": "2026-07-01", "series": "hanbit", "count": 5, "flagged": 0},
        {"day": "2026-07-01", "series": "unattributed", "count": 2, "flagged": 2},
        {"day": "2026-07-03", "series": "hanbit", "count": 1, "flagged": 0},
    ]
    root = _parse(str(timeline_svg(rows)))
    bars = [r for r in root.iter("rect") if r.get("class") == "bar"]
    assert {(b.get("data-day"), b.get("data-series")) for b in bars} == {
        ("2026-07-01", "hanbit"), ("2026-07-01", "unattributed"), ("2026-07-03", "hanbit")
    }  # fmt: skip
    flags = [r.get("data-day") for r in root.iter("rect") if r.get("class") == "flag"]
    assert flags == ["2026-07-01"]
    assert "2026-07-02" in "".join(root.itertext())  # the empty day keeps its place


def test_drawings_reference_nothing_outside_the_page() -> None:
    for svg in (str(chain_svg(TREE)), str(map_svg({"KP": 1}, [])), str(timeline_svg([
        {"day": "2026-07-01", "series": "x", "count": 1}]))):  # fmt: skip
        assert not re.search(r"(https?:)?//", svg)
        assert not re.search(r"href=", svg)


def test_empty_inputs_draw_nothing() -> None:
    assert str(chain_svg(None)) == ""
    assert str(timeline_svg([])) == ""


def test_world_file_builder_decodes_topojson_arcs() -> None:
    """The one-off converter (``evidence.world_data``) on a two-country TopoJSON: delta-decoded
    arcs, shared borders stitched, antimeridian rings continued east, uncoded units named."""
    import json

    from chainwatch.evidence.world_data import build_world

    topo = {
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": [
            [[10, 10], [0, 10], [10, 0]],
            [[20, 20], [-10, -10]],
            [[179, 50], [-358, 1], [0, 5], [358, -6]],
        ],  # fmt: skip
        "objects": {
            "countries": {
                "geometries": [
                    {
                        "type": "Polygon",
                        "id": "408",
                        "arcs": [[0, 1]],
                        "properties": {"name": "North Korea"},
                    },
                    {"type": "Polygon", "arcs": [[2]], "properties": {"name": "Kosovo"}},
                ]  # fmt: skip
            }
        },
    }
    codes = [["KP", "PRK", "408", "ISO 3166-2:KP"]]
    world = build_world(json.dumps(topo).encode(), json.dumps(codes).encode(), "0" * 64)
    kp, xk = world["countries"]
    assert (kp["iso2"], xk["iso2"]) == ("KP", "XK")
    assert kp["rings"] == [[10, 10, 10, 20, 20, 20, 10, 10]]
    lons = xk["rings"][0][0::2]
    assert min(lons) > 0 and max(lons) > 180  # -179 became 181: no line across the map
