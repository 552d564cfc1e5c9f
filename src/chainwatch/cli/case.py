"""``chainwatch case``: open, work and close cases on findings; manage suppressions.

Every command records the acting user (``--actor``, default: the OS user) and writes the
decision to the evidence ledger (see chainwatch.service.cases).
"""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json, esc, plain, severity_text
from chainwatch.errors import InputError
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(
    help="Cases on findings, and suppressions of known false positives.", no_args_is_help=True
)


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "unknown"


ActorOpt = Annotated[
    str | None, typer.Option("--actor", help="Who acts (default: the OS user name).")
]


def _actor(value: str | None) -> str:
    return value if value is not None else _default_actor()


def parse_expiry(value: str) -> datetime:
    """``YYYY-MM-DD`` (expires at 00:00 UTC that day) or an ISO timestamp (naive = UTC)."""
    try:
        if len(value.strip()) == 10:
            return datetime.combine(date.fromisoformat(value.strip()), time(0), UTC)
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"--expires {value!r} is not a date (YYYY-MM-DD) or ISO timestamp"
        ) from None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def _show_case(d: dict[str, Any]) -> None:
    state = d["status"] if d["status"] == "open" else f"closed: {d['disposition']}"
    console.print(f"[bold]case #{d['id']}[/] {esc(d['title'])}  ({esc(state)})")
    console.print(
        f"project {d['project'] or '-'}   assignee {d['assignee'] or '-'}   "
        f"opened by {d['opened_by']} at {d['opened_at']}",
        markup=False,
    )
    if d["status"] == "closed":
        approver = f", approved by {d['approver']}" if d["approver"] else ""
        console.print(
            f"closed by {d['closed_by']} at {d['closed_at']}{approver}"
            + (f": {d['close_reason']}" if d["close_reason"] else ""),
            markup=False,
        )
    findings = Table("#", "sev", "rule", "subject", "status", "summary", title="Findings")
    for f in d["findings"]:
        findings.add_row(
            str(f["id"]),
            severity_text(f["severity"]),
            f["rule_id"],
            plain(f"{f['subject']['type']}:{f['subject']['key']}"),
            f["status"],
            plain(f["summary"]),
        )
    console.print(findings)
    for c in d["comments"]:
        console.print(f"[dim]{esc(c['at'])}[/] [bold]{esc(c['author'])}[/]: {esc(c['text'])}")
    if d["attachments"]:
        files = Table("#", "name", "size", "sha256", title="Attachments")
        for a in d["attachments"]:
            files.add_row(str(a["id"]), plain(a["name"]), str(a["size"]), a["sha256"])
        console.print(files)
    if d["suppressions"]:
        console.print(
            "suppressions: "
            + ", ".join(
                f"#{s['id']} {s['describes']} until {s['expires_at']}" for s in d["suppressions"]
            ),
            markup=False,
        )
    history = Table("at", "actor", "action", "ledger", title="History")
    for e in d["history"]:
        history.add_row(
            plain(e["at"]),
            plain(e["actor"]),
            e["action"],
            "-" if e["ledger_seq"] is None else str(e["ledger_seq"]),
        )
    console.print(history)


def _emit(view, json_out: bool, message: str) -> None:
    if json_out:
        emit_json(view.to_dict())
    else:
        console.print(message, markup=False)


@app.command("open")
def open_(
    title: Annotated[str, typer.Option("--title", help="What the case is about.")],
    finding: Annotated[list[int], typer.Option("--finding", help="Finding number (repeat).")],
    project: Annotated[
        str | None, typer.Option(help="Project (default: the findings' own).")
    ] = None,
    assignee: Annotated[str | None, typer.Option(help="Who works the case.")] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a case on one or more findings."""
    from chainwatch.service import cases

    with open_session(load_settings()) as session:
        view = cases.open_case(
            session, title, finding, project=project, assignee=assignee, actor=_actor(actor)
        )
    _emit(view, json_out, f"opened case #{view.id} on {len(view.findings)} finding(s)")


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="open or closed.")] = None,
    project: Annotated[str | None, typer.Option(help="Only this project.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only this assignee.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Cases, newest first."""
    from chainwatch.service import cases

    with open_session(load_settings()) as session:
        found = cases.list_cases(session, status=status, project=project, assignee=assignee)
    if json_out:
        emit_json([c.to_dict() for c in found])
        return
    table = Table(title=f"{len(found)} case(s)")
    for name in ("#", "status", "opened", "findings"):
        table.add_column(name, no_wrap=True)
    table.add_column("project")
    table.add_column("assignee")
    table.add_column("title", ratio=1)
    for c in found:
        table.add_row(
            str(c.id),
            c.status if c.status == "open" else f"closed: {c.disposition}",
            f"{c.opened_at:%Y-%m-%d}",
            str(len(c.finding_ids)),
            plain(c.project),
            plain(c.assignee),
            plain(c.title),
        )
    console.print(table)


@app.command()
def show(
    case_id: Annotated[int, typer.Argument(help="Case number.")], json_out: JsonOpt = False
) -> None:
    """One case: findings, comments, attachments and its history with ledger entries."""
    from chainwatch.service import cases

    with open_session(load_settings()) as session:
        view = cases.get_case(session, case_id)
    if json_out:
        emit_json(view.to_dict())
    else:
        _show_case(view.to_dict())


@app.command()
def assign(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    user: Annotated[str, typer.Argument(help="Who works the case.")],
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Assign an open case."""
    from chainwatch.service import cases

    with open_session(load_settings()) as session:
        view = cases.assign(session, case_id, user, actor=_actor(actor))
    _emit(view, json_out, f"case #{view.id} assigned to {view.case.assignee}")


@app.command()
def comment(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    text: Annotated[str, typer.Argument(help="The comment.")],
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a comment."""
    from chainwatch.service import cases

    with open_session(load_settings()) as session:
        view = cases.comment(session, case_id, text, actor=_actor(actor))
    _emit(view, json_out, f"comment added to case #{view.id}")


@app.command()
def attach(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    file: Annotated[Path, typer.Argument(help="File to attach (copied; never modified).")],
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Attach a copy of a file, stored by its SHA-256 under the data dir."""
    from chainwatch.service import cases

    settings = load_settings()
    with open_session(settings) as session:
        view = cases.attach(session, settings, case_id, file, actor=_actor(actor))
    a = view.attachments[-1]
    _emit(view, json_out, f"attached {a['name']} to case #{view.id} (sha256 {a['sha256']})")


@app.command("close")
def close_(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    disposition: Annotated[str, typer.Option(help="confirmed, false_positive or accepted_risk.")],
    approver: Annotated[
        str | None, typer.Option(help="Who accepts the risk (required for accepted_risk).")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (required with --suppress).")] = None,
    suppress: Annotated[
        bool,
        typer.Option(
            "--suppress",
            help="false_positive only: also suppress each finding's rule on its subject.",
        ),
    ] = False,
    expires: Annotated[
        str | None, typer.Option(help="Suppression expiry, YYYY-MM-DD or ISO time.")
    ] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Close a case with a disposition."""
    from chainwatch.service import cases

    if expires is not None and not suppress:
        raise InputError("--expires goes with --suppress")
    with open_session(load_settings()) as session:
        view = cases.close(
            session,
            case_id,
            disposition,
            actor=_actor(actor),
            approver=approver,
            reason=reason,
            suppress_findings=suppress,
            expires_at=parse_expiry(expires) if expires else None,
        )
    made = f", {len(view.suppressions)} suppression(s)" if view.suppressions else ""
    _emit(view, json_out, f"case #{view.id} closed as {view.case.disposition}{made}")


@app.command()
def reopen(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    reason: Annotated[str | None, typer.Option(help="Why it is reopened.")] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Reopen a closed case (finding statuses restored, its suppressions revoked)."""
    from chainwatch.service import cases

    with open_session(load_settings()) as session:
        view = cases.reopen(session, case_id, actor=_actor(actor), reason=reason)
    _emit(view, json_out, f"case #{view.id} reopened")


@app.command("suppress")
def suppress_(
    reason: Annotated[str, typer.Option(help="Why these findings are false positives.")],
    owner: Annotated[str, typer.Option(help="Who answers for the suppression.")],
    expires: Annotated[str, typer.Option(help="Expiry, YYYY-MM-DD (00:00 UTC) or ISO time.")],
    finding: Annotated[int | None, typer.Option(help="Suppress this one finding.")] = None,
    rule: Annotated[str | None, typer.Option(help="Suppress this rule id ...")] = None,
    subject: Annotated[
        str | None,
        typer.Option(help="... on subjects matching this glob, e.g. '*@studio.example'."),
    ] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Suppress a known false positive until an expiry date."""
    from chainwatch.service import cases

    with open_session(load_settings()) as session:
        made = cases.suppress(
            session,
            reason=reason,
            owner=owner,
            expires_at=parse_expiry(expires),
            actor=_actor(actor),
            finding_id=finding,
            rule=rule,
            subject=subject,
        )
    if json_out:
        emit_json(made.to_dict(made.created_at))
    else:
        console.print(
            f"suppression #{made.id}: {made.describe()} until {made.expires_at:%Y-%m-%d %H:%M} UTC",
            markup=False,
        )


@app.command()
def suppressions(
    all_: Annotated[bool, typer.Option("--all", help="Also expired and revoked ones.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Suppressions in force (with --all: every one ever made, with its state)."""
    from chainwatch.service import cases

    now = datetime.now(UTC)
    with open_session(load_settings()) as session:
        found = cases.list_suppressions(session, active_only=not all_, now=now)
    if json_out:
        emit_json([s.to_dict(now) for s in found])
        return
    table = Table(
        "#", "state", "matches", "owner", "expires", "reason", title=f"{len(found)} suppression(s)"
    )
    for s in found:
        table.add_row(
            str(s.id),
            s.state(now),
            plain(s.describe()),
            plain(s.owner),
            f"{s.expires_at:%Y-%m-%d %H:%M}",
            plain(s.reason),
        )
    console.print(table)


@app.command()
def unsuppress(
    suppression_id: Annotated[int, typer.Argument(help="Suppression number.")],
    reason: Annotated[str | None, typer.Option(help="Why it ends early.")] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Revoke a suppression before its expiry."""
    from chainwatch.service import cases

    with open_session(load_settings()) as session:
        made = cases.revoke_suppression(session, suppression_id, actor=_actor(actor), reason=reason)
    if json_out:
        emit_json(made.to_dict(made.revoked_at))
    else:
        console.print(f"suppression #{made.id} revoked", markup=False)
