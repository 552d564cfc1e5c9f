"""``chainwatch mark``: issue invisibly marked copies, and name whose copy a found frame is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json, esc, plain
from chainwatch.service import marking as service
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(help="Per-recipient invisible marks: embed, detect.", no_args_is_help=True)


@app.command()
def embed(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Images, videos or folders (PNG, JPEG, TIFF; MP4, MOV, MKV)."),
    ],
    project: Annotated[str, typer.Option("--project", help="Project the frames belong to.")],
    recipient: Annotated[
        str, typer.Option("--recipient", help="Party key of who receives the copies.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the marked copies (default: marked-RECIPIENT/)."),
    ] = None,
    keep_flat: Annotated[
        bool,
        typer.Option(
            "--keep-flat", help="Leave flat fills byte-identical (bucket fill, colour keys)."
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a copy of each image carrying a mark unique to this issue, and record the issue."""
    settings = load_settings()
    with open_session(settings) as session:
        results = service.embed_paths(
            session,
            settings,
            paths,
            project=project,
            recipient=recipient,
            out_dir=out,
            keep_flat=keep_flat,
        )
    if json_out:
        emit_json([r.to_dict() for r in results])
        return
    table = Table("file", "marked copy", "issue", "PSNR dB", "SSIM", title="Marked")
    for r in results:
        table.add_row(
            plain(r.path),
            plain(r.out),
            plain(r.issue_id[:8]),
            "-" if r.psnr_db is None else f"{r.psnr_db:.1f}",
            f"{r.ssim:.4f}",
        )
    console.print(table)
    console.print(f"{len(results)} cop(ies) issued to {esc(recipient)} for {esc(project)}")


@app.command()
def detect(
    paths: Annotated[list[Path], typer.Argument(help="Found images, videos or folders.")],
    master: Annotated[
        Path | None,
        typer.Option("--master", help="The master the copies came from (default: look it up)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Name the recipient whose issued copy each image or clip is, with a false-accusation
    probability; raises MARK-1. Without a master (not given, not catalogued) images are
    checked blind, and the output says so."""
    settings = load_settings()
    with open_session(settings) as session:
        results = service.detect_paths(session, settings, paths, master=master)
    if json_out:
        emit_json([r.to_dict() for r in results])
        return
    table = Table("file", "master", "recipient", "z", "p false accusation", "note", title="Marks")
    for r in results:
        master_name = Path(r.master).name if r.master else "-"
        if r.found_by == "blind":
            master_name = "(blind: master not found)"
        if not r.recipients:
            table.add_row(plain(r.path), plain(master_name), "-", "", "", plain(r.note))
        for rec in r.recipients:
            table.add_row(
                plain(r.path),
                plain(master_name),
                plain(rec["recipient"]),
                f"{rec['z']:.1f}",
                f"{rec['p_false_accusation']:.1e}",
                plain(r.note),
            )
    console.print(table)
    named = sum(len(r.recipients) for r in results)
    blind = sum(1 for r in results if r.found_by == "blind")
    line = f"{len(results)} file(s), {named} recipient(s) named (MARK-1)"
    if blind:
        line += f"; {blind} file(s) checked blind (no master found: weaker, mild attacks only)"
    console.print(line)
