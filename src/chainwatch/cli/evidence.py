"""``chainwatch evidence``: export an auditor's evidence pack, and verify one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chainwatch.cli.options import AsOf, JsonOpt, parse_when
from chainwatch.cli.output import console, emit_json, esc, plain

app = typer.Typer(help="Export evidence packs for auditors, and verify them.", no_args_is_help=True)


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the pack to (new or empty).")],
    project: Annotated[str | None, typer.Option(help="The project to export.")] = None,
    case: Annotated[
        str | None, typer.Option(help="The case to export (instead of a project).")
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also print report.pdf.")] = True,
    copy_files: Annotated[
        bool,
        typer.Option(
            "--copy-files/--hash-only", help="Copy evidence files, or record hashes only."
        ),
    ] = True,
    files_root: Annotated[
        list[Path] | None,
        typer.Option(
            "--files-root",
            help="Folder relative evidence paths are found under "
            "(repeatable; the current folder is always tried last).",
        ),  # fmt: skip
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an earlier pack in --out.")] = False,
    as_of: AsOf = None,
    json_out: JsonOpt = False,
) -> None:
    """Write an evidence pack: report.html/.pdf, JSON, evidence files, ledger proofs, manifest."""
    from contextlib import nullcontext

    from chainwatch.service.evidence import export_pack
    from chainwatch.settings import load_settings
    from chainwatch.storage.session import open_session

    settings = load_settings()
    busy = nullcontext() if json_out else console.status("writing the evidence pack…")
    with busy, open_session(settings) as session:
        result = export_pack(
            session, settings, out=out, project=project, case=case, pdf=pdf,
            copy_files=copy_files, force=force, file_roots=files_root or [],
            now=parse_when(as_of),
        )  # fmt: skip
    if json_out:
        emit_json(result.to_dict())
        return
    subject = result.subject
    console.print(
        f"evidence pack for {esc(subject['type'])} {esc(subject['key'])}: {esc(result.out)}"
    )
    console.print(
        f"  {result.findings} finding(s), {result.events} access event(s), "
        f"{result.evidence_files} evidence file(s), {result.files} file(s) in the pack"
    )
    if result.checkpoint:
        cp = result.checkpoint
        console.print(
            f"  anchored: {result.ledger_entries} ledger proof(s) against checkpoint "
            f"size {cp['size']} root {cp['root'][:16]}…"
        )
    if result.pdf.made:
        console.print(f"  report.pdf made with {esc(result.pdf.engine)}")
    else:
        console.print(f"  [yellow]no report.pdf:[/] {esc(result.pdf.reason)}")
    console.print(f"  manifest sha256 {result.manifest_sha256}")


@app.command()
def verify(
    pack: Annotated[Path, typer.Argument(help="The pack's folder.")],
    against_db: Annotated[
        bool,
        typer.Option("--against-db", help="Also check the pack against the live ledger."),
    ] = False,
    key: Annotated[
        list[Path] | None,
        typer.Option(
            "--key",
            help="The operator's public key as you hold it (not the pack's copy); repeatable.",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check a pack: files against its manifest, ledger proofs against the signed checkpoint.

    Exit 0 when everything holds, 1 when something does not (each problem named), 2 on a
    usage error."""
    from chainwatch.service.evidence import check_against_db, check_pack

    report = check_pack(pack, key or [])
    if against_db:
        from chainwatch.settings import load_settings
        from chainwatch.storage.session import open_session

        settings = load_settings()
        with open_session(settings) as session:
            check_against_db(session, settings, pack, report)
    if json_out:
        emit_json(report.to_dict())
    else:
        if report.problems:
            table = Table(
                "problem", "file or record", "detail", title=f"{len(report.problems)} problem(s)"
            )
            for p in report.problems:
                table.add_row(plain(p.kind), plain(p.where), plain(p.detail))
            console.print(table)
        cp = report.checkpoint
        console.print(
            f"{report.files_checked} file(s) checked, {report.entries_checked} ledger proof(s)"
            + (
                f" against checkpoint size {cp['size']} signed by "
                f"{esc(', '.join(report.signed_by))}"
                if cp
                else ""
            )
        )
        for note in report.notes:
            console.print(f"  {esc(note)}")
        console.print(
            "[green]pack verified[/]" if report.ok else "[bold red]pack FAILED verification[/]"
        )
    if not report.ok:
        raise typer.Exit(1)
