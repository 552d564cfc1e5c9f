"""``chainwatch chain``: import, show, export and check a project's authorized chain."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.text import Text
from rich.tree import Tree

from chainwatch.cli.options import AsOf, JsonOpt, parse_when
from chainwatch.cli.output import (
    STATUS_STYLE,
    atomic_output,
    check_out_file,
    console,
    emit_json,
    esc,
)
from chainwatch.errors import InputError
from chainwatch.registry.chain import evaluation_date
from chainwatch.registry.chainfile import chain_to_yaml
from chainwatch.registry.ftm import chain_to_entities, write_ftm_jsonl
from chainwatch.service.authorization import is_authorized
from chainwatch.service.chains import export_chain, import_chain_file, project_view
from chainwatch.service.findings import findings_per_subject
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(help="Import, show, export and check authorized chains.", no_args_is_help=True)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Chain files (YAML or JSON).")],
    json_out: JsonOpt = False,
) -> None:
    """Import chain files. Idempotent: re-importing updates records, never duplicates them."""
    reports = []
    with open_session(load_settings()) as session:
        for path in files:
            reports.append(import_chain_file(session, path))
    if json_out:
        emit_json([r.to_dict() for r in reports])
        return
    for r in reports:
        parts = [
            f"{section} {c['created']} new, {c['updated']} updated, {c['unchanged']} unchanged"
            for section, c in r.counts.items()
            if any(c.values())
        ]
        console.print(f"[bold]{esc(r.path)}[/]: " + ("; ".join(parts) or "nothing to import"))


def _label(node: dict[str, Any]) -> Text:
    t = Text()
    t.append(f"T{node['tier']} ", style="bold cyan")
    t.append(node["name"], style="bold")
    if node["country"]:
        t.append(f" [{node['country'].upper()}]")
    e = node["engagement"]
    if e:
        t.append("  ")
        t.append(e["status"], style=STATUS_STYLE.get(e["status"], ""))
        if e["scope"]:
            t.append(f"  {e['scope']}", style="dim")
        if e["authorized_by"]:
            t.append(f"  (by {e['authorized_by']})", style="dim")
    else:
        t.append("  client", style="green")
    if not node["authorized"]:
        t.append("  NOT AUTHORIZED", style="bold red")
    if node.get("findings"):
        t.append(f"  {node['findings']} finding(s)", style="red")
    return t


def _grow(tree: Tree, node: dict[str, Any]) -> None:
    for child in node["children"]:
        _grow(tree.add(_label(child)), child)


@app.command()
def show(
    project: Annotated[str, typer.Argument(help="Project id.")],
    as_of: AsOf = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a project's chain as a tree: tiers (derived), status, authorization."""
    when = parse_when(as_of)
    with open_session(load_settings()) as session:
        counts = findings_per_subject(session, project)
        view = project_view(session, project, evaluation_date(when), counts)
    if json_out:
        emit_json(view)
        return
    title = Text.assemble((view["title"], "bold"), f"  ({view['key']})")
    if view["aliases"]:
        title.append(f"  a.k.a. {', '.join(view['aliases'])}", style="dim")
    root = Tree(title)
    top = root.add(_label(view["tree"]))
    _grow(top, view["tree"])
    for d in view["detached"]:
        root.add(
            Text.assemble(
                ("detached ", "bold red"),
                f"{d['contractor_name']} -> {d['subcontractor_name']} ",
                (d["status"], STATUS_STYLE.get(d["status"], "")),
            )
        )
    console.print(root)
    console.print(f"[dim]authorization evaluated on {view['evaluated_on']}[/]")


@app.command()
def export(
    project: Annotated[str | None, typer.Option(help="Only this project.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="yaml (re-importable) or ftm (FollowTheMoney JSONL).")
    ] = "yaml",
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default stdout).")
    ] = None,
) -> None:
    """Export the registry (or one project) as a chain file or as FollowTheMoney entities."""
    if fmt not in {"yaml", "ftm"}:
        raise InputError(f"unknown format {fmt!r}: use yaml or ftm")
    if out is not None:
        check_out_file(out)
    with open_session(load_settings()) as session:
        chain = export_chain(session, project)
    if out is None:
        _write_export(chain, fmt, sys.stdout)
        return
    with atomic_output(out) as stream:
        n = _write_export(chain, fmt, stream)
    if fmt == "ftm":
        console.print(f"{n} FollowTheMoney entities written to {esc(out)}")


def _write_export(chain: Any, fmt: str, stream: TextIO) -> int:
    """Write the export; returns how many FtM entities were written (0 for YAML)."""
    if fmt == "yaml":
        stream.write(chain_to_yaml(chain))
        return 0
    return write_ftm_jsonl(chain_to_entities(chain), stream)


@app.command()
def check(
    who: Annotated[str, typer.Argument(help="Party id, or a declared account (email, key...).")],
    project: Annotated[str, typer.Option("--project", "-p", help="Project id.")],
    at: Annotated[str | None, typer.Option("--at", help="Date or ISO time (default now).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Is this party or account authorized on the project at that time? (exit 1 if not)"""

    with open_session(load_settings()) as session:
        decision = is_authorized(session, who, project, parse_when(at))
    if json_out:
        emit_json(decision.to_dict())
    else:
        verdict = "[green]authorized[/]" if decision else "[bold red]NOT authorized[/]"
        console.print(f"{esc(who)}: {verdict} on {esc(project)}: {esc(decision.reason)}")
        if decision.path:
            console.print("  via " + esc(" -> ".join(decision.path)))
    if not decision:
        raise typer.Exit(1)
