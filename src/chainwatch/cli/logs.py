"""``chainwatch logs``: ingest access logs, look at them, query them, run the detectors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chainwatch.cli.options import AsOf, JsonOpt, parse_when
from chainwatch.cli.output import console, emit_json, esc, plain, severity_text
from chainwatch.errors import InputError
from chainwatch.service import access as service
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(help="Access logs: ingest, stats, query, detect.", no_args_is_help=True)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Log files or folders (.gz/.zst read).")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="Log format (default: detected).")
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Project these logs belong to.")
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            help="nginx log_format or Apache LogFormat string (or combined, common); "
            "implies --format nginx.",
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML mapping for CSV/JSON lines; implies --format mapped."),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Aspera syslog: the year its lines omit (default: now)."),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", help="Aspera syslog: the zone of its times (default UTC)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Parse, enrich and store logs. Re-ingesting a file adds nothing; a killed ingest resumes
    with the format and options it started with."""
    fmt, options = format_options(fmt, log_format, mapping, year, timezone)
    settings = load_settings()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        open_session(settings) as session,
        Progress(*columns, console=console, transient=True, disable=json_out) as bar,
    ):
        task = bar.add_task("events stored", total=None)
        results = service.ingest_paths(
            session,
            settings,
            paths,
            fmt=fmt,
            project=project,
            progress=lambda n: bar.advance(task, n),
            options=options,
        )
    if json_out:
        emit_json([r.to_dict() for r in results])
        return
    table = Table("file", "format", "status", "events", "rejected", "reasons", title="Ingest")
    for r in results:
        reasons = ", ".join(f"{k}: {v}" for k, v in r.reject_reasons.items())
        table.add_row(
            plain(r.path),
            plain(r.format),
            r.status.replace("_", " "),
            str(r.events),
            str(r.rejects),
            plain(reasons),
        )
    console.print(table)


@app.command()
def stats(json_out: JsonOpt = False) -> None:
    """What has been ingested: files, events, rejects, time range, top countries and parties."""
    settings = load_settings()
    with open_session(settings) as session:
        data = service.log_stats(session, settings)
    if json_out:
        emit_json(data)
        return
    console.print(
        f"{data['events']} events from {len(data['files'])} file(s), "
        f"{data['rejects']} rejected; {esc(data.get('first') or '-')} .. "
        f"{esc(data.get('last') or '-')}"
    )
    for key in ("by_source_format", "by_country", "by_party", "by_project", "by_action"):
        if data.get(key):
            table = Table(key.removeprefix("by_"), "events")
            for name, n in data[key].items():
                table.add_row(plain(name), str(n))
            console.print(table)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL over the view `events` (DuckDB dialect).")],
    limit: Annotated[int, typer.Option(help="At most this many rows.", min=1)] = 1000,
    json_out: JsonOpt = False,
) -> None:
    """Run SQL over every stored event, e.g. "SELECT country, count(*) FROM events GROUP BY 1"."""
    table = service.query_events(load_settings(), sql, limit)
    rows = table.to_pylist()
    if json_out:
        emit_json(rows)
        return
    out = Table(*(esc(c) for c in table.column_names), title=f"{len(rows)} row(s)")
    for row in rows:
        out.add_row(*(plain(v) for v in row.values()))
    console.print(out)


@app.command()
def detect(
    project: Annotated[str | None, typer.Option(help="Only this project's events.")] = None,
    only: Annotated[list[str] | None, typer.Option(help="Only these rule ids, e.g. NET-7.")] = None,
    engine: Annotated[
        str, typer.Option(help="local, or spark (extra chainwatch[spark]) for big volumes.")
    ] = "local",
    as_of: AsOf = None,
    json_out: JsonOpt = False,
) -> None:
    """Run NET-1…NET-9 and CHAIN-1 over the stored events and store the findings."""
    settings = load_settings()
    now = parse_when(as_of) if as_of else datetime.now(UTC)
    with open_session(settings) as session:
        findings = service.detect(
            session, settings, project=project, now=now, only=only, engine=engine
        )
        counts = service.record(session, findings, now)
    if json_out:
        emit_json({"counts": counts, "findings": [f.to_dict() for f in findings]})
        return
    table = Table("sev", "rule", "subject", "summary", title="Access findings")
    for f in findings:
        table.add_row(
            severity_text(f.severity),
            f.rule_id,
            plain(f"{f.subject_type.value}:{f.subject_key}"),
            plain(f.summary),
        )
    console.print(table)
    console.print(
        f"{counts['raised']} finding(s): {counts['new']} new, {counts['refreshed']} seen before"
    )


def format_options(
    fmt: str | None,
    log_format: str | None,
    mapping: Path | None,
    year: int | None,
    timezone: str | None,
) -> tuple[str | None, dict[str, Any] | None]:
    """(format, options) from the ingest flags; each option names the format it belongs to."""
    if year is not None and not 1 <= year <= 9999:
        raise InputError(f"--year {year}: give a year between 1 and 9999")
    groups = {
        "nginx": {"log_format": log_format},
        "mapped": {"mapping": str(mapping) if mapping is not None else None},
        "aspera": {"year": year, "timezone": timezone},
    }
    given = {
        name: {k: v for k, v in opts.items() if v is not None} for name, opts in groups.items()
    }
    given = {name: opts for name, opts in given.items() if opts}
    if not given:
        return fmt, None
    if len(given) > 1:
        raise InputError(f"options for different formats given together: {', '.join(given)}")
    ((owner, options),) = given.items()
    allowed = {"nginx": ("nginx", "apache")}.get(owner, (owner,))
    if fmt is None:
        fmt = owner
    elif fmt not in allowed:
        flags = ", ".join(f"--{k.replace('_', '-')}" for k in options)
        raise InputError(f"{flags} does not apply to --format {fmt} (only {', '.join(allowed)})")
    return fmt, options
