"""``chainwatch scan``: triage files, folders and archives for North Korean artifacts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import (
    atomic_output,
    check_out_file,
    console,
    emit_json,
    esc,
    plain,
    severity_text,
)
from chainwatch.errors import InputError
from chainwatch.forensics.limits import DEFAULT_LIMITS

if TYPE_CHECKING:
    from chainwatch.service.scan import ScanResult


def scan(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or archives to scan.")],
    project: Annotated[
        str | None,
        typer.Option("--project", help="Record the findings against this project."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the full JSON report here.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Worker processes (default: every core).")
    ] = None,
    timeout_s: Annotated[
        float, typer.Option("--timeout", help="Seconds per file before its worker is killed.")
    ] = DEFAULT_LIMITS.timeout_s,
    ocr: Annotated[
        bool, typer.Option("--ocr", help="OCR text in images (needs tesseract).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Scan files, folders and archives for North Korean artifacts (FILE-1..6, LANG-1).

    Bad files are rejected with a reason, never dropped."""
    from dataclasses import replace

    if workers is not None and workers < 0:
        raise InputError("--workers must be 0 (in this process) or more")
    if not timeout_s > 0 or timeout_s == float("inf"):  # also refuses nan
        raise InputError("--timeout must be a number of seconds more than 0")
    if out is not None:
        check_out_file(out, inputs=paths)
    limits = replace(DEFAULT_LIMITS, timeout_s=timeout_s)
    if (workers is None or workers > 0) and all(os.path.lexists(p) for p in paths):
        # The workers' forkserver warms up while this process imports the scan service
        # (SQLAlchemy, the stores) and lists the files. (A missing path is reported below,
        # without starting it.)
        from chainwatch.forensics.pool import start_forkserver

        start_forkserver()
    from chainwatch.service.scan import list_files, scan_paths

    total = len(list_files(paths)[0])
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=json_out) as bar:
        task = bar.add_task("files scanned", total=total)
        result = scan_paths(
            paths,
            project=project,
            limits=limits,
            workers=workers,
            ocr=ocr,
            progress=lambda n, size: bar.advance(task, n),
        )
    if out is not None:
        with atomic_output(out) as stream:
            json.dump(result.to_dict(), stream, ensure_ascii=False, indent=2, default=str)
    if json_out:
        emit_json(result.to_dict())
        return
    show_result(result)
    if out is not None:
        console.print(f"report: {esc(out)}")


def show_result(result: ScanResult) -> None:
    """Findings, then the summary: types, findings by rule, rejects by reason."""
    if result.findings:
        table = Table("sev", "rule", "file", "summary", title="Findings")
        for f in sorted(result.findings, key=lambda f: (-f.severity.rank, f.subject_key)):
            table.add_row(
                severity_text(f.severity), f.rule_id, plain(f.subject_key), plain(f.summary)
            )
        console.print(table)
    s = result.summary()
    table = Table("", "count", title="Scan summary", show_header=False)
    table.add_row("files", str(s["files"]))
    table.add_row("records", str(s["records"]))
    table.add_row("MB", f"{s['bytes'] / 1e6:.1f}")
    table.add_row("seconds", f"{s['elapsed_s']:.2f}")
    for kind, n in s["types"].items():
        table.add_row(plain(f"type {kind}"), str(n))
    for rule, n in s["findings_by_rule"].items():
        table.add_row(f"finding {rule}", str(n))
    for reason, n in s["rejects_by_reason"].items():
        table.add_row(plain(f"rejected: {reason}"), str(n), style="yellow")
    console.print(table)
    if result.rejects:
        rt = Table("file", "reason", title="Rejected")
        for r in result.rejects[:50]:
            rt.add_row(plain(r.file), plain(r.reason))
        console.print(rt)
        if len(result.rejects) > 50:
            console.print(f"... and {len(result.rejects) - 50} more (use --json or --out)")
    for note in result.notes:
        console.print(esc(note))
    if result.recorded is not None:
        console.print(
            f"recorded for project {esc(result.project)}: {result.recorded['new']} new, "
            f"{result.recorded['refreshed']} seen before"
        )
