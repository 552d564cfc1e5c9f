"""``chainwatch lists``: import, download and inspect sanctions list versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json, esc, fail, plain
from chainwatch.screening.lists.registry import LOADERS
from chainwatch.service import lists as service
from chainwatch.service.screening import rescreen_after_update
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(help="Sanctions lists: import, update, status.", no_args_is_help=True)


def _print_results(results: list[service.ListImportResult], rescreen: dict | None) -> None:
    for r in results:
        if r.status == "failed":
            continue  # reported on stderr
        if r.status != "imported":
            console.print(
                f"[bold]{esc(r.source)}[/]: {esc(r.status.replace('_', ' '))} "
                f"({r.entries} entries, snapshot {esc(r.snapshot)})"
            )
            continue
        reasons = r.report.get("reject_reasons", {})
        rej = (
            f", {r.rejects} rejected ({esc(', '.join(f'{k}: {v}' for k, v in reasons.items()))})"
            if r.rejects
            else ""
        )
        console.print(
            f"[bold]{esc(r.source)}[/]: imported {r.entries} entries{rej} "
            f"-> snapshot {esc(r.snapshot)}"
        )
        if r.previous:
            console.print(
                f"  since {esc(r.previous)}: {len(r.added)} added, {len(r.removed)} "
                f"removed, {len(r.changed)} changed"
            )
    if rescreen:
        console.print(
            f"screened the registry (a new list: every entry; an update: what changed): "
            f"{rescreen['raised']} finding(s), {rescreen['new']} new"
        )


@app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="The list's files (all files of one version).")
    ],
    source: Annotated[str, typer.Option("--source", help=f"List kind: {', '.join(LOADERS)}.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Snapshot name (default: the kind).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Import list files offline into a versioned snapshot and report what changed."""
    settings = load_settings()
    with open_session(settings) as session:
        result = service.import_list(session, settings, paths, source, source=name)
        rescreen = rescreen_after_update(session, settings, [result])
    if json_out:
        emit_json({"lists": [result.to_dict()], "rescreen": rescreen})
        return
    _print_results([result], rescreen)


@app.command()
def update(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these sources (default: enabled).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Download lists from their official URLs (conditional requests) and import new versions."""
    settings = load_settings()
    with open_session(settings) as session:
        results = service.update_lists(session, settings, source)
        rescreen = rescreen_after_update(session, settings, results)
    if json_out:
        emit_json({"lists": [r.to_dict() for r in results], "rescreen": rescreen})
    else:
        _print_results(results, rescreen)
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        fail(f"{r.source}: {r.error}")
    if failed:
        raise typer.Exit(2)  # the other sources were updated; the failures are listed


@app.command()
def status(json_out: JsonOpt = False) -> None:
    """What is loaded, from which version, and how old it is."""
    settings = load_settings()
    with open_session(settings) as session:
        rows = service.list_status(session)
    if json_out:
        emit_json(rows)
        return
    if not rows:
        console.print("no lists loaded: `chainwatch lists update` or `chainwatch lists import`")
        return
    table = Table(
        "source",
        "snapshot",
        "imported",
        "age (days)",
        "entries",
        "rejects",
        "last change",
        title="Sanctions lists",
    )
    for r in rows:
        d = r["last_diff"]
        table.add_row(
            plain(r["source"]),
            plain(r["snapshot"]),
            r["imported_at"][:19],
            str(r["age_days"]),
            str(r["entries"]),
            str(r["rejects"]),
            f"+{d.get('added', 0)} -{d.get('removed', 0)} ~{d.get('changed', 0)}",
        )
    console.print(table)


@app.command()
def sources(json_out: JsonOpt = False) -> None:
    """The configured download sources, their URLs and licences."""
    specs = service.load_sources(load_settings())
    if json_out:
        emit_json(
            [
                {
                    "id": s.id,
                    "loader": s.loader,
                    "title": s.title,
                    "enabled": s.enabled,
                    "licence": s.licence,
                    "attribution": s.attribution,
                    "files": [{"name": n, "url": u} for n, u in s.files],
                }
                for s in specs.values()
            ]
        )
        return
    table = Table("id", "enabled", "title", "licence", title="List sources")
    for s in specs.values():
        table.add_row(plain(s.id), "yes" if s.enabled else "no", plain(s.title), plain(s.licence))
    console.print(table)
