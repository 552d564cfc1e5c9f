"""Accesses per day as a stacked-bar SVG, one colour per party (or unattributed client).

A compliance reader asks "who touched the project's files, and when": each bar is a UTC day,
each stack segment a party (the registry party the account or address maps to; events no
party claims are grouped as "unattributed"). Days with an access from DPRK space or a NET-6
hub region get a red tick under the axis, so the flagged days stand out in print.

Pure: takes ``[{"day": "YYYY-MM-DD", "series": str, "count": int, "flagged": int}]``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup

from chainwatch.evidence.svg import clip, num, svg, text

PALETTE = (
    "#1d4a85", "#2f7d32", "#b45309", "#6d28d9", "#0f766e", "#be185d", "#4b5563", "#a16207",
)  # fmt: skip
OTHER, FLAG = "#9ca3af", "#c62828"
MAX_SERIES = len(PALETTE)
WIDTH, PLOT_H, LEFT, TOP = 960.0, 180.0, 44.0, 10.0


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def series_order(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Series by total volume, largest first; beyond the palette they merge into "other"."""
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[str(row["series"])] += int(row["count"])
    return sorted(totals, key=lambda s: (-totals[s], s))


def timeline_svg(rows: Sequence[Mapping[str, Any]], *, title: str = "Accesses per day") -> Markup:
    """The chart; no rows gives an empty string (the template says there were no events)."""
    if not rows:
        return Markup("")
    order = series_order(rows)
    shown = order[:MAX_SERIES] if len(order) <= MAX_SERIES else order[: MAX_SERIES - 1]
    colour = {s: PALETTE[i] for i, s in enumerate(shown)}
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    flagged: dict[date, int] = defaultdict(int)
    for row in rows:
        day = date.fromisoformat(str(row["day"]))
        name = str(row["series"]) if str(row["series"]) in colour else "other"
        per_day[day][name] += int(row["count"])
        flagged[day] += int(row.get("flagged") or 0)
    days = _days(min(per_day), max(per_day))
    peak = max(sum(v.values()) for v in per_day.values())
    slot = (WIDTH - LEFT - 8) / len(days)
    bar = max(1.0, slot * 0.8)
    base_y = TOP + PLOT_H
    body: list[str] = []
    for frac in (0.0, 0.5, 1.0):  # axis with three labelled gridlines
        y = base_y - PLOT_H * frac
        body.append(
            f'<line x1="{num(LEFT)}" x2="{num(WIDTH - 8)}" y1="{num(y)}" y2="{num(y)}" '
            f'stroke="#d9dee4"/><text x="{num(LEFT - 4)}" y="{num(y + 4)}" font-size="10" '
            f'text-anchor="end" fill="#616e7c">{round(peak * frac)}</text>'
        )
    for i, day in enumerate(days):
        x = LEFT + i * slot + (slot - bar) / 2
        y = base_y
        counts = per_day.get(day, {})
        for name in [*shown, "other"]:
            n = counts.get(name, 0)
            if not n:
                continue
            h = PLOT_H * n / peak
            y -= h
            body.append(
                f'<rect class="bar" data-day="{day.isoformat()}" data-series="{text(name)}" '
                f'x="{num(x)}" y="{num(y)}" width="{num(bar)}" height="{num(h)}" '
                f'fill="{colour.get(name, OTHER)}"><title>{day.isoformat()} · {text(name)}: '
                f"{n}</title></rect>"
            )
        if flagged.get(day):
            body.append(
                f'<rect class="flag" data-day="{day.isoformat()}" x="{num(x)}" '
                f'y="{num(base_y + 3)}" width="{num(max(bar, 3))}" height="6" fill="{FLAG}">'
                f"<title>{day.isoformat()}: {flagged[day]} access(es) from DPRK space or a "
                "hub region</title></rect>"
            )
    step = max(1, len(days) // 8)
    for i in range(0, len(days), step):
        x = LEFT + i * slot + slot / 2
        body.append(
            f'<text x="{num(x)}" y="{num(base_y + 22)}" font-size="10" text-anchor="middle" '
            f'fill="#616e7c">{days[i].isoformat()}</text>'
        )
    legend_y = base_y + 40
    x = LEFT
    for name in [*shown, *(["other"] if len(order) > len(shown) else [])]:
        label = clip(name, 34)
        body.append(
            f'<rect x="{num(x)}" y="{num(legend_y)}" width="10" height="10" '
            f'fill="{colour.get(name, OTHER)}"/><text x="{num(x + 14)}" y="{num(legend_y + 9)}" '
            f'font-size="10" fill="#1f2933">{text(label)}</text>'
        )
        x += 24 + 6.2 * len(label)
        if x > WIDTH - 200:
            x, legend_y = LEFT, legend_y + 16
    body.append(
        f'<rect x="{num(x)}" y="{num(legend_y + 2)}" width="10" height="6" fill="{FLAG}"/>'
        f'<text x="{num(x + 14)}" y="{num(legend_y + 9)}" font-size="10" fill="{FLAG}">'
        "day with DPRK-space or hub-region access</text>"
    )
    return svg(WIDTH, legend_y + 20, body, label=title, cls="timeline")
