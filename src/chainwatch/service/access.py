"""Access-log use cases: ingest (parse, enrich, store), stats, query, detect.

Ingest is idempotent and resumable: a file is identified by its sha256 in ``log_ingests``;
a complete file is never ingested twice, and a file whose ingest was killed resumes after the
last committed chunk (chunk files have deterministic names, so the chunk in flight is
rewritten, not duplicated). Every chunk commits its Parquet files, its quarantined rejects
and its ledger row together, in that order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.access.batch import enrich_batch
from chainwatch.access.context import EnrichContext, build_registry_view
from chainwatch.access.detect import DETECTORS, DetectContext, Thresholds, run_detectors
from chainwatch.access.engines.local import run_blocks, run_local
from chainwatch.access.event import ENRICHED_SCHEMA, EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.columnar import iter_line_blocks
from chainwatch.access.formats.detect import detect_format, note_decoding, open_log
from chainwatch.access.formats.registry import FORMATS, get_format
from chainwatch.access.geo.lookup import IpIntel
from chainwatch.errors import ConfigError, InputError
from chainwatch.findings.finding import Finding
from chainwatch.hashing import sha256_file as file_sha256
from chainwatch.service import ledger
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store
from chainwatch.storage.event_store import EventStore
from chainwatch.storage.models import LogIngestRow

CHUNK_ROWS = 100_000
BLOCK_BYTES = 16 << 20  # line formats: about 80k access-log lines a block, a chunk each
HEAD_CHARS = 64 * 1024

Progress = Callable[[int], None]  # called with the number of events just stored


@dataclass
class IngestResult:
    path: str
    status: str  # "ingested", "resumed", "already_ingested", "skipped" (with its reason)
    format: str = ""
    events: int = 0
    rejects: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    ingest_id: int | None = None
    parse_cpu_s: float | None = None  # CPU time of parsing + enrichment in the pool's workers

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def load_intel(settings: Settings) -> IpIntel | None:
    """The installed IP intelligence, or None (geo columns stay empty) before `geo install`."""
    if not (settings.home / "geo" / "current").is_file():
        return None
    return IpIntel.load(settings.home)


def enrich_context(session: Session, settings: Settings, project: str | None) -> EnrichContext:
    if project is not None:
        store.get_project(session, project)  # a clear error for an unknown project
    view = build_registry_view(
        store.list_parties(session),
        store.list_projects(session),
        store.list_engagements(session),
        store.list_assets(session),
    )
    return EnrichContext(intel=load_intel(settings), registry=view, default_project=project)


def _choose_format(path: Path, fmt: str | None, options: dict[str, Any] | None = None) -> Any:
    if fmt is not None:
        return get_format(fmt, **(options or {}))
    if options:
        raise InputError(f"format options {sorted(options)} need --format")
    stream, _ = open_log(path)
    with stream:
        head = stream.read(HEAD_CHARS)
    found = detect_format(head, [get_format(n) for n in FORMATS])
    if found is None:
        raise InputError(
            f"{path}: cannot tell the log format; pass --format ({', '.join(FORMATS)})"
        )
    return found


def ingest_file(
    session: Session,
    settings: Settings,
    path: Path,
    *,
    fmt: str | None = None,
    project: str | None = None,
    progress: Progress | None = None,
    ctx: EnrichContext | None = None,
    workers: int | None = None,
    options: dict[str, Any] | None = None,
) -> IngestResult:
    """Parse, enrich and store one log file (see the module docstring).

    ``options`` build the parser with ``fmt`` (``log_format`` for nginx/apache, ``mapping``
    for mapped, ``year``/``timezone`` for aspera) and are kept with the ingest for a resume.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    digest = file_sha256(path)
    row = session.scalar(select(LogIngestRow).where(LogIngestRow.sha256 == digest))
    if row is not None and row.status == "complete":
        return IngestResult(
            str(path),
            "already_ingested",
            row.format,
            row.events,
            row.rejects,
            row.report.get("reject_reasons", {}),
            row.id,
        )
    if row is None:
        parser = _choose_format(path, fmt, options)
    else:  # a resumed ingest: the very parser it started with
        parser = _choose_format(path, row.format, row.format_options)
    ctx = ctx or enrich_context(session, settings, project)
    resumed = row is not None
    if row is None:
        row = LogIngestRow(
            sha256=digest,
            path=str(path),
            size=path.stat().st_size,
            format=parser.name,
            format_options=dict(options) if options else None,
            project=project,
            status="running",
            started_at=datetime.now(UTC),
            committed_line=0,
            chunks=0,
            events=0,
            rejects=0,
            report={},
        )
        session.add(row)
        session.commit()
    events = EventStore(settings.home)
    report = ParseReport(file=str(path), format=parser.name)
    stream, compression = open_log(path)
    row.compression = compression
    with stream:
        if hasattr(parser, "parse_block"):
            _ingest_blocks(session, events, row, parser, stream, report, ctx, progress, workers)
        else:
            _ingest_records(session, events, row, parser, stream, report, ctx, progress)
    row.status = "complete"
    row.finished_at = datetime.now(UTC)
    row.report = {**report.to_dict(), "events": row.events, "rejects": row.rejects}
    row.report["reject_reasons"] = _reasons(events, row.id)
    ledger.append(  # committed with the "complete" status: an ingest is recorded once
        session,
        "log_ingest",
        f"log:{path.name}",
        {
            "path": str(path),
            "sha256": digest,
            "bytes": row.size,
            "format": row.format,
            "format_options": row.format_options,
            "project": project,
            "ingest_id": row.id,
            "events": row.events,
            "rejects": row.rejects,
            "reject_reasons": row.report["reject_reasons"],
            "resumed": resumed,
        },
        at=row.finished_at,
    )
    session.commit()
    return IngestResult(
        str(path),
        "resumed" if resumed else "ingested",
        row.format,
        row.events,
        row.rejects,
        row.report["reject_reasons"],
        row.id,
        report.parse_cpu_s,
    )


def _ingest_records(session, events, row, parser, stream, report, ctx, progress) -> None:
    """Record parsers: events as dicts, stored every CHUNK_ROWS records."""
    skip_to = row.committed_line
    rows: list[dict[str, Any]] = []
    seen_rejects = 0
    last_line = skip_to
    for event in parser.parse(stream, row.path, report):
        line = event["source_line"]
        if line <= skip_to:
            continue
        if len(rows) >= CHUNK_ROWS and line > last_line:
            # flush only between records: one record may yield several events
            seen_rejects = _flush(
                session, events, row, rows, report, seen_rejects, last_line, ctx, progress
            )
            rows = []
        rows.append(event)
        last_line = max(last_line, line)
    last_line = max([last_line, *(r.line or 0 for r in report.rejects[seen_rejects:])])
    _flush(session, events, row, rows, report, seen_rejects, last_line, ctx, progress)


def _ingest_blocks(session, events, row, parser, stream, report, ctx, progress, workers) -> None:
    """Line formats with ``parse_block``: blocks of whole lines parsed and enriched on every
    core (``run_blocks``), stored and committed here in file order, one block a chunk."""
    binary = stream.buffer  # the bytes under the text stream; it is never read as text
    blocks = iter_line_blocks(binary, BLOCK_BYTES, skip_lines=row.committed_line)
    if workers is None:
        workers = os.cpu_count() or 1
        if row.size < 2 * BLOCK_BYTES:
            workers = 1  # a pool costs more than it saves on small files
    fmt = (parser.name, getattr(parser, "options", {}))
    report.parse_cpu_s = 0.0
    events.drop_pending(row.id)  # a killed run's blocks beyond its last commit
    sink = ChunkSink(events.root.parent, row.id, row.chunks)
    for result in run_blocks(blocks, fmt, row.path, ctx, workers=workers, sink=sink):
        report.parse_cpu_s += result.cpu_s
        fresh = [r for r in result.rejects if r.line is None or r.line > row.committed_line]
        events.write_rejects(row.id, row.chunks, fresh)
        events.publish(result.stored)  # the worker wrote the events; visible from now on
        report.warnings += result.warnings
        report.replaced_bytes += result.replaced_bytes
        report.events += result.rows
        row.chunks += 1
        row.events += result.rows
        row.rejects += len(fresh)
        row.committed_line = result.last_line
        session.commit()
        if progress is not None:
            progress(result.rows)
    if report.replaced_bytes:
        report.warnings.append(
            f"{report.replaced_bytes} byte(s) were not valid UTF-8 and were replaced by U+FFFD"
        )
    note_decoding(stream, report)


@dataclass(frozen=True)
class ChunkSink:
    """Writes block ``k`` of an ingest as chunk ``first_chunk + k``, in the pool worker that
    enriched it (picklable: the home, the ingest and where its chunks resume).

    Files are written pending (invisible to queries) and published by the parent just before
    the ledger commit, so an ingest killed in between shows only what the ledger counts; a
    resume starts at the same line with the same block boundaries and rewrites the rest.
    """

    home: Path
    ingest_id: int
    first_chunk: int

    def __call__(self, index: int, table: pa.Table) -> list[Path]:
        store = EventStore(self.home)
        return store.write_chunk(self.ingest_id, self.first_chunk + index, table, pending=True)


def _reasons(events: EventStore, ingest_id: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in events.read_rejects(ingest_id):
        key = str(r["reason"]).split(":")[0]
        out[key] = out.get(key, 0) + 1
    return out


def _flush(session, events, row, rows, report, seen_rejects, last_line, ctx, progress) -> int:
    """Store one chunk: enriched Parquet, quarantined rejects, then the ledger commit."""
    fresh = [
        r
        for r in report.rejects[seen_rejects:]
        if (r.line > row.committed_line if r.line is not None else row.committed_line == 0)
    ]
    if not rows and not fresh:
        return len(report.rejects)
    if rows:
        batch = pa.RecordBatch.from_pylist(rows, schema=EVENT_SCHEMA)
        events.write_chunk(row.id, row.chunks, pa.Table.from_batches([enrich_batch(batch, ctx)]))
    events.write_rejects(row.id, row.chunks, fresh)
    row.chunks += 1
    row.events += len(rows)
    row.rejects += len(fresh)
    row.committed_line = max([last_line, *(r.line for r in fresh if r.line is not None)])
    session.commit()
    if progress is not None:
        progress(len(rows))
    return len(report.rejects)


def ingest_paths(
    session: Session,
    settings: Settings,
    paths: Iterable[Path],
    *,
    fmt: str | None = None,
    project: str | None = None,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
) -> list[IngestResult]:
    """Ingest files and folders. A file the user named that cannot be read is their mistake
    (InputError); a file found inside a folder is skipped with its reason, and the rest go on.
    """
    files: list[tuple[Path, bool]] = []  # (file, named by the user)
    for p in paths:
        if p.is_dir():
            files += [(x, False) for x in sorted(p.rglob("*")) if x.is_file()]
        elif p.is_file():
            files.append((p, True))
        else:
            raise InputError(f"{p}: no such file or directory")
    if fmt is not None or options:
        _choose_format(Path(), fmt, options)  # bad options fail before any file is read
    ctx = enrich_context(session, settings, project)
    results = []
    for f, named in files:
        try:
            results.append(
                ingest_file(
                    session,
                    settings,
                    f,
                    fmt=fmt,
                    project=project,
                    progress=progress,
                    ctx=ctx,
                    options=options,
                )
            )
        except InputError as exc:
            if named:
                raise
            reason = str(exc).removeprefix(f"{f}: ").split(";")[0]
            results.append(IngestResult(str(f), "skipped", reject_reasons={reason: 1}))
    return results


def log_stats(session: Session, settings: Settings) -> dict[str, Any]:
    events = EventStore(settings.home)
    ingests = session.scalars(select(LogIngestRow).order_by(LogIngestRow.id)).all()
    out: dict[str, Any] = {
        "files": [
            {
                "id": r.id,
                "path": r.path,
                "format": r.format,
                "status": r.status,
                "events": r.events,
                "rejects": r.rejects,
                "project": r.project,
            }
            for r in ingests
        ],
        "events": sum(r.events for r in ingests),
        "rejects": sum(r.rejects for r in ingests),
    }
    if events.files():
        con = events.connect()
        try:
            first, last = con.sql("SELECT min(ts), max(ts) FROM events").fetchall()[0]
            out["first"] = first.isoformat() if first else None
            out["last"] = last.isoformat() if last else None
            for col in ("source_format", "country", "party", "project", "action"):
                out[f"by_{col}"] = dict(
                    con.sql(
                        f"SELECT coalesce({col}, '(unknown)'), count(*) FROM events "
                        f"GROUP BY 1 ORDER BY 2 DESC LIMIT 15"
                    ).fetchall()
                )
        finally:
            con.close()
    return out


def query_events(settings: Settings, sql: str, limit: int | None = 1000) -> pa.Table:
    return EventStore(settings.home).query(sql, limit)


def load_thresholds(settings: Settings) -> Thresholds:
    """Defaults, overridden by the YAML file named in CHAINWATCH_DETECTION_CONFIG."""
    if settings.detection_config is None:
        return Thresholds()
    try:
        raw = yaml.safe_load(settings.detection_config.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"CHAINWATCH_DETECTION_CONFIG: {exc}") from None
    known = {f.name: f.type for f in fields(Thresholds)}
    if not isinstance(raw, dict) or set(raw) - set(known):
        bad = sorted(set(raw) - set(known)) if isinstance(raw, dict) else raw
        raise ConfigError(
            f"{settings.detection_config}: unknown threshold(s) {bad}; known: {', '.join(known)}"
        )
    for name, value in raw.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{settings.detection_config}: {name} must be a number >= 0")
    return replace(Thresholds(), **raw)


def _enrich_local(events: EventStore, ctx: EnrichContext) -> pa.Table:
    raw = events.read_all().select(EVENT_SCHEMA.names).cast(EVENT_SCHEMA)
    workers = 1 if raw.num_rows < 4 * CHUNK_ROWS else os.cpu_count()  # a pool pays on big ones
    batches = raw.to_batches(max_chunksize=CHUNK_ROWS)
    return pa.Table.from_batches(
        list(run_local(batches, ctx, workers=workers)), schema=ENRICHED_SCHEMA
    )


def _enrich_spark(events: EventStore, ctx: EnrichContext) -> pa.Table:
    from chainwatch.access.engines.spark import run_spark, spark_session_local

    spark = spark_session_local()
    df = spark.read.parquet(*[str(p) for p in events.files()]).select(*EVENT_SCHEMA.names)
    table = run_spark(df, ctx).toArrow().cast(ENRICHED_SCHEMA)
    return table.take(
        pa.compute.sort_indices(table, [("ts", "ascending"), ("record_id", "ascending")])
    )


ENGINES = {"local": _enrich_local, "spark": _enrich_spark}


def detect(
    session: Session,
    settings: Settings,
    *,
    project: str | None = None,
    now: datetime | None = None,
    only: list[str] | None = None,
    thresholds: Thresholds | None = None,
    engine: str = "local",
) -> list[Finding]:
    """Re-enrich stored events with the current registry and IP data, run the detectors.

    ``engine="spark"`` has Apache Spark read the stored Parquet and apply the very same
    ``enrich_batch`` with ``mapInArrow``; the detectors then see the same table either way.
    """
    for name in only or []:
        if name not in DETECTORS:
            raise InputError(f"unknown detector {name!r}; choose from {', '.join(DETECTORS)}")
    now = now or datetime.now(UTC)
    ctx = enrich_context(session, settings, None)
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    events = EventStore(settings.home)
    if not events.files():
        return []
    enriched = ENGINES[engine](events, ctx)
    if project is not None:
        store.get_project(session, project)
        mask = pa.compute.equal(enriched["project"], project)
        enriched = enriched.filter(pa.compute.fill_null(mask, False))
    dctx = DetectContext(
        thresholds=thresholds or load_thresholds(settings), registry=ctx.registry, now=now
    )
    return run_detectors(enriched, dctx, only)


def analyze_access(session: Session, settings: Settings, now: datetime) -> list[Finding]:
    """The access analyzer for ``chainwatch analyze`` and the demo: every detector."""
    return detect(session, settings, now=now)


def record(session: Session, findings: list[Finding], now: datetime) -> dict[str, int]:
    return {"raised": len(findings), **findings_store.record_findings(session, findings, now)}
