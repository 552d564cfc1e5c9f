"""``chainwatch findings``: list, show and review findings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json, esc, plain, severity_text
from chainwatch.findings.catalogue import get_rule
from chainwatch.service import findings as service
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(help="List, show and review findings.", no_args_is_help=True)


@app.command("list")
def list_(
    project: Annotated[str | None, typer.Option(help="Only this project.")] = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule id, e.g. CHAIN-2.")] = None,
    status: Annotated[
        str | None, typer.Option(help="open, acknowledged, dismissed or resolved.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="Only this subject (party id, IP...).")
    ] = None,
    hide_suppressed: Annotated[
        bool, typer.Option("--hide-suppressed", help="Leave out suppressed findings.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Findings, most severe first; a suppressed one names its suppression (`case suppressions`)."""
    from chainwatch.service.cases import active_suppressions, suppression_for

    now = datetime.now(UTC)
    with open_session(load_settings()) as session:
        found = service.list_findings(
            session, project=project, rule=rule, status=status, subject=subject
        )
        active = active_suppressions(session, now)
    by = {s.id: suppression_for(s, active, now) for s in found}
    if hide_suppressed:
        found = [s for s in found if by[s.id] is None]
    if json_out:
        emit_json(
            [{**f.to_dict(), "suppressed_by": by[f.id].id if by[f.id] else None} for f in found]
        )
        return
    table = Table(
        "#",
        "sev",
        "conf",
        "rule",
        "project",
        "subject",
        "summary",
        "status",
        "suppressed",
        title=f"{len(found)} finding(s)",
    )
    table.columns[-1].no_wrap = True  # "#3": see `chainwatch case suppressions`
    for s in found:
        f = s.finding
        sup = by[s.id]
        table.add_row(
            str(s.id),
            severity_text(f.severity),
            f"{f.confidence:.0%}",
            f.rule_id,
            plain(f.project),
            plain(f"{f.subject_type.value}:{f.subject_key}"),
            plain(f.summary),
            s.status.value,
            f"#{sup.id}" if sup else "",
        )
    console.print(table)


@app.command()
def show(
    finding_id: Annotated[int, typer.Argument(help="Finding number.")], json_out: JsonOpt = False
) -> None:
    """One finding with its evidence, source, the rule's rationale, and its suppression if any."""
    from chainwatch.service.cases import active_suppressions, suppression_for

    now = datetime.now(UTC)
    with open_session(load_settings()) as session:
        s = service.get_finding(session, finding_id)
        sup = suppression_for(s, active_suppressions(session, now), now)
    if json_out:
        emit_json({**s.to_dict(), "suppressed_by": sup.id if sup else None})
        return
    f = s.finding
    rule = get_rule(f.rule_id)
    console.print(severity_text(f.severity), f"[bold]{esc(f.rule_id)}[/] {esc(rule.title)}")
    console.print(f"{f.summary}\n", markup=False)
    console.print(f"subject     {f.subject_type.value}:{f.subject_key}", markup=False)
    console.print(f"project     {f.project or '-'}", markup=False)
    console.print(f"confidence  {f.confidence:.0%}   status {s.status.value}")
    console.print(f"seen        {s.first_seen:%Y-%m-%d %H:%M} .. {s.last_seen:%Y-%m-%d %H:%M} UTC")
    if sup is not None:
        console.print(
            f"suppressed  #{sup.id} until {sup.expires_at:%Y-%m-%d %H:%M} UTC by {sup.owner}: "
            f"{sup.reason}",
            markup=False,
        )
    console.print("evidence")
    console.print(json.dumps(dict(f.evidence), ensure_ascii=False, indent=2), markup=False)
    console.print(f"source      {f.source}", markup=False)
    console.print(f"why         {rule.rationale}", markup=False)
    if rule.caveats:
        console.print(f"caveats     {rule.caveats}", markup=False)


@app.command("set-status")
def set_status(
    finding_id: Annotated[int, typer.Argument(help="Finding number.")],
    status: Annotated[str, typer.Argument(help="open, acknowledged, dismissed or resolved.")],
    json_out: JsonOpt = False,
) -> None:
    """Record a review decision; re-running analyzers keeps it."""
    with open_session(load_settings()) as session:
        s = service.set_status(session, finding_id, status)
    if json_out:
        emit_json(s.to_dict())
    else:
        console.print(f"finding #{s.id} is now {s.status.value}")
