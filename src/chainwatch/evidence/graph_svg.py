"""The vendor chain as a layered left-to-right SVG: one column per tier.

Input is the JSON-ready tree of ``service.chains.project_view`` (tiers come from
``registry.chain.ChainGraph``, never typed in): each node has ``party``, ``name``,
``country``, ``tier``, ``authorized``, ``findings``, ``engagement`` and ``children``.
Layout is a tidy tree: leaves take successive rows, a parent sits at the middle of its
children, so a reader follows who contracted whom from the client on the left.

Authorization is drawn twice so it survives greyscale printing: an authorized engagement is
a solid green line into a green-edged box; a link nobody authorized is a dashed red line into
a red box marked "NOT AUTHORIZED" with the engagement's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from chainwatch.evidence.svg import clip, num, svg, text

BOX_W, BOX_H = 220.0, 58.0
COL_GAP, ROW_GAP = 70.0, 14.0
MARGIN, HEAD = 12.0, 26.0
OK, BAD, INK, MUTED = "#2f7d32", "#c62828", "#1f2933", "#616e7c"


def _layout(tree: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], float, Mapping | None]]:
    """(node, row centre, parent) for every node, depth first; rows are in box units."""
    placed: list[tuple[Mapping[str, Any], float, Mapping | None]] = []
    next_row = [0.0]

    def place(node: Mapping[str, Any], parent: Mapping | None) -> float:
        children = list(node.get("children") or [])
        if not children:
            row = next_row[0]
            next_row[0] += 1
        else:
            rows = [place(child, node) for child in children]
            row = (rows[0] + rows[-1]) / 2
        placed.append((node, row, parent))
        return row

    place(tree, None)
    return placed


def chain_svg(tree: Mapping[str, Any] | None, *, title: str = "Vendor chain") -> Markup:
    """The chain drawing; an empty tree gives an empty string (the template says why)."""
    if not tree:
        return Markup("")
    placed = _layout(tree)
    tiers = max(int(n.get("tier") or 0) for n, _, _ in placed)
    rows = max(r for _, r, _ in placed) + 1
    width = MARGIN * 2 + (tiers + 1) * BOX_W + tiers * COL_GAP
    height = HEAD + MARGIN * 2 + rows * BOX_H + (rows - 1) * ROW_GAP

    def x_of(tier: int) -> float:
        return MARGIN + tier * (BOX_W + COL_GAP)

    def y_of(row: float) -> float:
        return HEAD + MARGIN + row * (BOX_H + ROW_GAP)

    body = [
        "<defs>"
        f'<marker id="cw-arrow-ok" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z" fill="{OK}"/></marker>'
        f'<marker id="cw-arrow-bad" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z" fill="{BAD}"/></marker>'
        "</defs>"
    ]
    for tier in range(tiers + 1):
        label = "Tier 0 · client" if tier == 0 else f"Tier {tier}"
        body.append(
            f'<text x="{num(x_of(tier) + BOX_W / 2)}" y="16" text-anchor="middle" '
            f'font-size="12" font-weight="700" fill="{MUTED}">{text(label)}</text>'
        )
    where = {id(n): (x_of(int(n.get("tier") or 0)), y_of(r)) for n, r, _ in placed}
    for node, _, parent in placed:  # edges first, boxes on top
        if parent is None:
            continue
        px, py = where[id(parent)]
        cx, cy = where[id(node)]
        x1, y1, x2, y2 = px + BOX_W, py + BOX_H / 2, cx - 2, cy + BOX_H / 2
        ok = bool(node.get("authorized"))
        status = (node.get("engagement") or {}).get("status") or ""
        mid = (x1 + x2) / 2
        style = (
            f'stroke="{OK}" stroke-width="2"'
            if ok
            else (f'stroke="{BAD}" stroke-width="2.5" stroke-dasharray="7 4"')
        )
        body.append(
            f'<path class="edge {"edge-ok" if ok else "edge-bad"}" d="M{num(x1)},{num(y1)} '
            f'C{num(mid)},{num(y1)} {num(mid)},{num(y2)} {num(x2)},{num(y2)}" fill="none" '
            f'{style} marker-end="url(#cw-arrow-{"ok" if ok else "bad"})">'
            f"<title>{text(status)}</title></path>"
        )
    for node, _, _ in placed:
        body.append(_box(node, *where[id(node)]))
    return svg(width, height, body, label=title, cls="chain-graph")


def _box(node: Mapping[str, Any], x: float, y: float) -> str:
    ok = bool(node.get("authorized"))
    engagement = node.get("engagement") or {}
    status = engagement.get("status") or ("client" if node.get("tier") == 0 else "")
    name = str(node.get("name") or node.get("party") or "")
    key = str(node.get("party") or "")
    country = (node.get("country") or "").upper()
    findings = int(node.get("findings") or 0)
    colour = OK if ok else BAD
    fill = "#ffffff" if ok else "#fff1f0"
    verdict = "authorized" if ok else "NOT AUTHORIZED"
    dash = "" if ok else ' stroke-dasharray="7 4"'
    parts = [
        f'<g class="node {"node-ok" if ok else "node-bad"}" data-party="{text(key)}" '
        f'data-tier="{text(node.get("tier"))}">',
        f"<title>{text(name)} ({text(key)}) · tier {text(node.get('tier'))} · "
        f"{text(status)} · {text(verdict)}</title>",
        f'<rect x="{num(x)}" y="{num(y)}" width="{num(BOX_W)}" height="{num(BOX_H)}" rx="5" '
        f'fill="{fill}" stroke="{colour}" stroke-width="{1.5 if ok else 2.5}"{dash}/>',
        f'<rect x="{num(x)}" y="{num(y)}" width="5" height="{num(BOX_H)}" fill="{colour}"/>',
        f'<text x="{num(x + 11)}" y="{num(y + 17)}" font-size="11.5" font-weight="700" '
        f'fill="{INK}">{text(clip(name, 30))}</text>',
        f'<text x="{num(x + 11)}" y="{num(y + 32)}" font-size="10" fill="{MUTED}">'
        f"{text(clip(key, 20))}{' · ' + text(country) if country else ''}</text>",
        f'<text x="{num(x + 11)}" y="{num(y + 48)}" font-size="10" font-weight="700" '
        f'fill="{colour}">{text(status)}{"" if ok else " · ✗ NOT AUTHORIZED"}</text>',
    ]
    if findings:
        parts.append(
            f'<text x="{num(x + BOX_W - 8)}" y="{num(y + 32)}" font-size="10" '
            f'font-weight="700" text-anchor="end" fill="{BAD}">'
            f"{findings} finding{'s' if findings != 1 else ''}</text>"
        )
    parts.append("</g>")
    return "".join(parts)
