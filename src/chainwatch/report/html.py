"""Render the self-contained HTML report a compliance lead hands to an auditor.

The page is one file: inline CSS, no JavaScript, no external fonts, scripts or images, so it
opens offline, archives as-is and prints. :func:`render_report` takes plain JSON-ready data
(projects with their chain trees, findings, parties, the referenced rules) and never touches
the database or the clock; the caller assembles ``data``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, PackageLoader, select_autoescape

TEMPLATE = "report.html.j2"

SEVERITY_ORDER = ("C", "H", "M", "L")
SEVERITY_NAMES = {"C": "Critical", "H": "High", "M": "Medium", "L": "Low"}


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def _scalar(value: Any) -> str:
    """A leaf evidence value as text: strings as-is, everything else as JSON (true, null, 3)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_nested(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple)


def _percent(value: Any) -> str:
    if value is None:
        return "—"
    try:
        return f"{round(float(value) * 100)}%"
    except (TypeError, ValueError):
        return str(value)


def _when(value: Any) -> str:
    """An ISO timestamp as ``2026-11-25 10:00 UTC``; anything else unchanged."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    text = moment.strftime("%Y-%m-%d %H:%M")
    zone = moment.tzname()
    return f"{text} {zone}" if zone else text


def make_environment(loader: BaseLoader) -> Environment:
    """An autoescaping environment with the report's filters and tests; the evidence pack
    builds one whose loader looks in its own templates first, then in these."""
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pretty_json"] = _pretty_json
    env.filters["scalar"] = _scalar
    env.filters["percent"] = _percent
    env.filters["when"] = _when
    env.tests["nested"] = _is_nested
    return env


@lru_cache(maxsize=1)
def environment() -> Environment:
    return make_environment(PackageLoader("chainwatch.report", "templates"))


def _severity_rank(finding: Mapping[str, Any]) -> int:
    severity = finding.get("severity")
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _sorted_findings(findings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Most severe first; within a severity the caller's order is kept."""
    return sorted(findings, key=_severity_rank)


def _referenced_rules(
    rules: Mapping[str, Mapping[str, Any]], findings: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Rules that some finding cites, in catalogue order; a rule missing from ``rules`` still
    gets a minimal entry so that every finding's rule link has an anchor to land on."""
    used = {f.get("rule_id") for f in findings if f.get("rule_id")}
    listed = [dict(rule, id=rule.get("id") or rid) for rid, rule in rules.items() if rid in used]
    missing = sorted(used - set(rules))
    return listed + [{"id": rid, "title": "(rule not in the catalogue)"} for rid in missing]


def report_context(data: Mapping[str, Any]) -> dict[str, Any]:
    """The template variables for ``data`` (shared with the evidence pack's page)."""
    projects = list(data.get("projects") or [])
    findings = list(data.get("findings") or [])
    seen = {id(f) for f in findings}
    every = findings + [f for p in projects for f in (p.get("findings") or []) if id(f) not in seen]
    parties = list(data.get("parties") or [])
    counts = {code: int((data.get("counts") or {}).get(code, 0) or 0) for code in SEVERITY_ORDER}
    return {
        "data": data,
        "title": data.get("title") or "chainwatch report",
        "projects": [dict(p, findings=_sorted_findings(p.get("findings") or [])) for p in projects],
        "loose_findings": _sorted_findings([f for f in findings if not f.get("project")]),
        "parties": parties,
        "party_names": {p.get("key"): p.get("name") for p in parties},
        "rules_used": _referenced_rules(data.get("rules") or {}, every),
        "counts": counts,
        "total_findings": len(every),
        "attributions": list(data.get("attributions") or []),
        "severity_order": SEVERITY_ORDER,
        "severity_names": SEVERITY_NAMES,
    }


def render_report(data: Mapping[str, Any]) -> str:
    """The report as one HTML document (a str); see the template for the layout."""
    return environment().get_template(TEMPLATE).render(**report_context(data))


def write_report(data: Mapping[str, Any], path: Path) -> Path:
    """Render ``data`` to ``path`` (UTF-8), creating the parent folder; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(data), encoding="utf-8")
    return path
