"""``chainwatch risk``: levels per project and party, with the reasons behind each."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from chainwatch.cli.options import AsOf, JsonOpt, parse_when
from chainwatch.cli.output import console, emit_json, esc, plain, severity_text
from chainwatch.errors import InputError
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

LEVEL_STYLE = {
    "clear": "green",
    "watch": "cyan",
    "elevated": "yellow",
    "high": "bold red",
    "critical": "bold white on red",
}


def level_text(level: str) -> Text:
    return Text(f" {level} ", style=LEVEL_STYLE.get(level, ""))


def _reasons_table(reasons: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for name in ("#", "sev", "rule", "conf", "adds", "floor"):
        table.add_column(name, no_wrap=True)
    table.add_column("about", ratio=1)
    table.add_column("summary", ratio=2)
    for r in reasons:
        about = ", ".join(p["party"] for p in r["parties"]) or "unattributed"
        if r.get("inherited"):
            about = f"inherited from {r['inherited_from']} via {' > '.join(r['path'])}"
        summary = r["summary"] + (f" [{r['note']}]" if r.get("note") else "")
        table.add_row(
            str(r["finding_id"]),
            severity_text(r["severity"]),
            r["rule_id"],
            f"{r['confidence']:.0%}",
            f"{r['counted']:g}",
            level_text(r["floor"]) if r["floor"] else "",
            plain(about),
            plain(summary),
        )
    return table


def _excluded_line(data: dict[str, Any]) -> None:
    bits = []
    if data.get("suppressed"):
        bits.append(f"{data['suppressed']} suppressed finding(s) not counted")
    if data.get("not_counted_status"):
        bits.append(f"{data['not_counted_status']} dismissed or resolved finding(s) not counted")
    if data.get("more_reasons"):
        bits.append(f"{data['more_reasons']} more reason(s) (see --json)")
    if bits:
        console.print("; ".join(bits), style="dim")


def _show_project(d: dict[str, Any]) -> None:
    console.print(
        level_text(d["level"]),
        f"[bold]{esc(d['title'])}[/] ({esc(d['project'])})  score {d['score']:g}",
    )
    console.print(d["explanation"], markup=False)
    carrier = d.get("carried_by")
    if carrier:
        who = f" ({carrier['party']})" if carrier.get("party") else ""
        console.print(f"carried by tier {carrier['tier']}{esc(who)}: {carrier['level']}")
    tiers = Table(title="By tier")
    for name in ("tier", "level", "score", "findings", "top"):
        tiers.add_column(name, no_wrap=True)
    tiers.add_column("parties")
    for t in d["by_tier"]:
        top = t["reasons"][0] if t["reasons"] else None
        tiers.add_row(
            str(t["tier"]),
            level_text(t["level"]),
            f"{t['score']:g}",
            str(t["counted_findings"]),
            f"{top['rule_id']} #{top['finding_id']}" if top else "",
            plain(", ".join(t["parties"])),
        )
    console.print(tiers)
    parties = Table(title="By party")
    parties.add_column("party", ratio=1)
    for name in ("tier", "level", "own"):
        parties.add_column(name, no_wrap=True)
    parties.add_column("inherits from", ratio=1)
    for p in d["by_party"]:
        parties.add_row(
            plain(f"{p['name']} ({p['party']})"),
            "-" if p["tier"] is None else str(p["tier"]),
            level_text(p["level"]),
            level_text(p["own_level"]),
            plain(", ".join(f"{i['party']} ({i['level']})" for i in p["inherited_from"])),
        )
    console.print(parties)
    console.print(_reasons_table(d["reasons"], "Top reasons"))
    _excluded_line(d)


def _show_party(d: dict[str, Any]) -> None:
    console.print(
        level_text(d["level"]),
        f"[bold]{esc(d['name'])}[/] ({esc(d['party'])})  score {d['score']:g}"
        f"  own: {d['own_level']} {d['own_score']:g}",
    )
    console.print(d["explanation"], markup=False)
    if d["tiers"]:
        console.print(
            "tiers: " + ", ".join(f"{k} tier {v}" for k, v in d["tiers"].items()), markup=False
        )
    console.print(_reasons_table(d["reasons"], "Top reasons"))
    _excluded_line(d)


def _show_overview(d: dict[str, Any]) -> None:
    if not d["projects"] and not d["parties"]:
        console.print("no projects or parties yet: import a chain (`chainwatch chain import`)")
        return
    projects = Table(title="Projects")
    projects.add_column("project")
    for name in ("level", "score"):
        projects.add_column(name, no_wrap=True)
    projects.add_column("carried by")
    projects.add_column("top reason", ratio=1)
    for p in d["projects"]:
        carrier = p.get("carried_by")
        where = ""
        if carrier:
            where = f"tier {carrier['tier']}" + (
                f" ({carrier['party']})" if carrier["party"] else ""
            )
        top = p["reasons"][0] if p["reasons"] else None
        projects.add_row(
            plain(p["project"]),
            level_text(p["level"]),
            f"{p['score']:g}",
            plain(where),
            plain(f"{top['rule_id']} #{top['finding_id']}: {top['summary']}" if top else ""),
        )
    console.print(projects)
    parties = Table(title="Parties")
    parties.add_column("party", ratio=1)
    for name in ("level", "own", "score"):
        parties.add_column(name, no_wrap=True)
    parties.add_column("top reason", ratio=2)
    for p in d["parties"]:
        top = p["reasons"][0] if p["reasons"] else None
        reason = ""
        if top:
            reason = f"{top['rule_id']} #{top['finding_id']}: {top['summary']}"
            if top.get("inherited"):
                reason = f"(inherited from {top['inherited_from']}) {reason}"
        parties.add_row(
            plain(f"{p['name']} ({p['party']})"),
            level_text(p["level"]),
            level_text(p["own_level"]),
            f"{p['score']:g}",
            plain(reason),
        )
    console.print(parties)
    if d["unscoped_findings"]:
        console.print(
            f"{len(d['unscoped_findings'])} counted finding(s) belong to no project and no party",
            style="dim",
        )


def risk(
    project: Annotated[
        str | None, typer.Option(help="One project: tiers, parties, reasons.")
    ] = None,
    party: Annotated[str | None, typer.Option(help="One party: own and inherited reasons.")] = None,
    as_of: AsOf = None,
    json_out: JsonOpt = False,
) -> None:
    """Risk levels (clear, watch, elevated, high, critical) with their reasons; see docs/risk.md."""
    from chainwatch.service import risk as service

    if project is not None and party is not None:
        raise InputError("give --project or --party, not both")
    now = parse_when(as_of)
    settings = load_settings()
    with open_session(settings) as session:
        if project is not None:
            data = service.assess_project(session, settings, project, now=now).to_dict()
            show = _show_project
        elif party is not None:
            data = service.assess_party(session, settings, party, now=now).to_dict()
            show = _show_party
        else:
            data = service.assess_all(session, settings, now=now).to_dict()
            show = _show_overview
    if json_out:
        emit_json(data)
        return
    show(data)
