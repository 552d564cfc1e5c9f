"""Render the evidence pack's ``report.html`` from plain data (no session, no clock).

The page extends the audit report of ``chainwatch.report`` (same look, same finding tables,
same escaping) and adds what an auditor needs beyond it: the chain as a tiered graph, the
access timeline and map, screening with the list versions used, risk, attestations, the case,
the evidence files and the ledger anchor. Drawings are inline SVG built by this package;
the page loads nothing (no scripts, fonts, images, tiles or CDNs).

``data`` is what ``service.evidence.collect_pack_data`` returns: the report data plus a
``pack`` mapping (see the template for the keys each section reads; absent keys render as
"not recorded", never as an error).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader

from chainwatch.evidence.graph_svg import chain_svg
from chainwatch.evidence.timeline import timeline_svg
from chainwatch.evidence.world_map import NORTHEAST_ASIA, WORLD, attribution, map_svg
from chainwatch.report.html import make_environment, report_context

TEMPLATE = "pack.html.j2"


@lru_cache(maxsize=1)
def environment() -> Environment:
    loader = ChoiceLoader(
        [
            PackageLoader("chainwatch.evidence", "templates"),
            PackageLoader("chainwatch.report", "templates"),
        ]
    )
    return make_environment(loader)


def pack_context(data: Mapping[str, Any]) -> dict[str, Any]:
    """Report context plus the pack's drawings (Markup built from escaped values)."""
    context = report_context(data)
    pack = dict(data.get("pack") or {})
    access = dict(pack.get("access") or {})
    by_country = access.get("by_country") or {}
    places = access.get("places") or []
    hubs = access.get("hubs") or {}
    context["pack"] = pack
    context["access"] = access
    context["timeline_svg"] = timeline_svg(pack.get("timeline") or [])
    context["world_svg"] = map_svg(by_country, places, hubs, box=WORLD)
    context["region_svg"] = map_svg(
        by_country, places, hubs, box=NORTHEAST_ASIA,
        title="Access origins: Northeast Asia (DPRK and NET-6 hub regions)", legend=False,
    )  # fmt: skip
    context["projects"] = [
        dict(p, graph_svg=chain_svg(p.get("tree"), title=f"Vendor chain of {p.get('key')}"))
        for p in context["projects"]
    ]
    shown = {f.get("id") for p in context["projects"] for f in p.get("findings") or []}
    context["loose_findings"] = [f for f in context["loose_findings"] if f.get("id") not in shown]
    attributions = list(context["attributions"])
    if attribution() not in attributions:
        attributions.append(attribution())
    context["attributions"] = attributions
    return context


def render_pack(data: Mapping[str, Any]) -> str:
    """``report.html`` as one self-contained HTML document."""
    return environment().get_template(TEMPLATE).render(**pack_context(data))
