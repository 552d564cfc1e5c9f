"""``chainwatch catalog``: fingerprint the studio's masters, match a dump against them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json, esc, plain
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(help="Catalog of masters: add, match, stats.", no_args_is_help=True)

Paths = Annotated[list[Path], typer.Argument(help="Image or video files, or folders (recursed).")]


def _progress(json_out: bool) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(
        *columns, TimeElapsedColumn(), console=console, transient=True, disable=json_out
    )


@app.command()
def add(
    paths: Paths,
    project: Annotated[str, typer.Option("--project", help="Project the masters belong to.")],
    episode: Annotated[str | None, typer.Option("--episode", help="Episode label.")] = None,
    shot: Annotated[str | None, typer.Option("--shot", help="Shot label.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Fingerprint masters (PDQ + local features). A file added again only updates labels."""
    from chainwatch.service import catalog as service

    settings = load_settings()
    with open_session(settings) as session, _progress(json_out) as bar:
        task = bar.add_task("files", total=None)
        result = service.add_paths(
            session,
            settings,
            paths,
            project=project,
            episode=episode,
            shot=shot,
            progress=lambda n: bar.advance(task, n),
        )
    if json_out:
        emit_json(result.to_dict())
        return
    s = result.summary()
    console.print(
        f"{s['added']} added, {s['updated']} updated, {s['unchanged']} unchanged, "
        f"{s['rejects']} rejected (project {esc(project)})"
    )
    _rejects(result.rejects)


@app.command()
def match(
    paths: Paths,
    record: Annotated[
        bool,
        typer.Option("--record", help="Store the CAT-1 / MARK-1 findings (default: only show)."),
    ] = False,
    marks: Annotated[
        bool,
        typer.Option(
            "--marks/--no-marks",
            help="Run mark detection on matches whose master was issued in marked copies.",
        ),
    ] = True,
    json_out: JsonOpt = False,
) -> None:
    """Which masters do these files show? Lists project, episode, shot, score; raises CAT-1,
    and names the recipient of a marked copy (MARK-1)."""
    from chainwatch.service import catalog as service

    settings = load_settings()
    with open_session(settings) as session, _progress(json_out) as bar:
        task = bar.add_task("files", total=None)
        result = service.match_paths(
            session,
            settings,
            paths,
            record=record,
            marks=marks,
            progress=lambda n: bar.advance(task, n),
        )
    if json_out:
        emit_json(result.to_dict())
        return
    table = Table(title="Matches")
    for name in ("file", "project", "episode", "shot", "score", "tier", "master", "issued to"):
        table.add_column(name, overflow="fold")
    for fm in result.files:
        if not fm.matches:
            table.add_row(plain(fm.path), plain("-", "dim"), "", "", "", "", "", "")
        marked = {
            x["master_sha256"]: ", ".join(r["recipient"] for r in x.get("recipients", []))
            or x.get("note", "")
            for x in fm.marks
        }
        for m in fm.matches:
            table.add_row(
                plain(fm.path),
                plain(m.project),
                plain(m.episode),
                plain(m.shot),
                f"{m.score:.2f}",
                m.tier,
                plain(m.path),
                plain(marked.get(m.sha256, "")),
            )
    console.print(table)
    s = result.summary()
    line = f"{s['matched']} of {s['files']} file(s) matched; {s['findings']} finding(s)"
    if result.recorded is not None:
        line += (
            f" stored ({result.recorded['new']} new, {result.recorded['refreshed']} seen before)"
        )
    console.print(line)
    _rejects(result.rejects)


@app.command()
def stats(json_out: JsonOpt = False) -> None:
    """How many masters and fingerprints the catalog holds, per project."""
    from chainwatch.service import catalog as service

    with open_session(load_settings()) as session:
        data = service.catalog_stats(session)
    if json_out:
        emit_json(data)
        return
    console.print(f"{data['assets']} master(s), {data['fingerprints']} fingerprint(s)")
    for project, n in data["by_project"].items():
        console.print(f"  {esc(project)}: {n}")


def _rejects(rejects) -> None:
    if not rejects:
        return
    table = Table(title="Rejects")
    table.add_column("rejected file", overflow="fold")
    table.add_column("reason", overflow="fold")
    for r in rejects:
        table.add_row(plain(r.file), plain(r.reason))
    console.print(table)
