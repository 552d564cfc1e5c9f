"""Scan files, folders and archives for North Korean artifacts; optionally record findings.

``scan_paths`` is the one entry point for the CLI (``chainwatch scan``), the demo and the
API: it lists the files (refusing what is not a regular file), runs them through the
forensics pool (``forensics.pool``) and returns a ``ScanResult`` with every record, finding
and reject. With ``project=`` the findings are stored like any analyzer's (upsert by
fingerprint, so a re-scan refreshes instead of duplicating) and the project's chain says
whether a Korean-language vendor is engaged (FILE-6 asks that question).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chainwatch.errors import InputError, NotFoundError
from chainwatch.findings.finding import Finding
from chainwatch.forensics.inspect import Inspection, InspectOptions
from chainwatch.forensics.limits import DEFAULT_LIMITS, ScanLimits
from chainwatch.forensics.pool import Task, run_pool
from chainwatch.forensics.record import FileRecord
from chainwatch.rejects import Reject, reasons_histogram
from chainwatch.settings import Settings, load_settings
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store

KOREAN_COUNTRIES = frozenset({"kr", "kp"})

Progress = Callable[[int, int], None]  # (files done, bytes done) since the last call


@dataclass
class ScanResult:
    records: list[FileRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    files: int = 0  # top-level files handed to the pool
    bytes: int = 0
    elapsed_s: float = 0.0
    workers: int = 0
    project: str | None = None
    recorded: dict[str, int] | None = None  # new/refreshed when findings were stored
    notes: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.records for f in r.findings]

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "records": len(self.records),
            "bytes": self.bytes,
            "elapsed_s": round(self.elapsed_s, 3),
            "files_per_s": round(self.files / self.elapsed_s, 1) if self.elapsed_s else None,
            "mb_per_s": round(self.bytes / 1e6 / self.elapsed_s, 2) if self.elapsed_s else None,
            "workers": self.workers,
            "types": dict(Counter(r.type for r in self.records).most_common()),
            "findings_by_rule": dict(sorted(Counter(f.rule_id for f in self.findings).items())),
            "rejects": len(self.rejects),
            "rejects_by_reason": reasons_histogram(self.rejects),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "project": self.project,
            "recorded": self.recorded,
            "notes": self.notes,
            "records": [r.to_dict() for r in self.records],
            "findings": [f.to_dict() for f in self.findings],
            "rejects": [r.to_dict() for r in self.rejects],
        }


def list_files(paths: Iterable[Path], base: Path | None = None) -> tuple[list[Task], list[Reject]]:
    """Every regular file under ``paths`` (sorted, symlinks not followed); a path that does
    not exist is the user's mistake (InputError), an odd file inside a folder is a reject.
    A link the user named is followed once (they chose it); links found inside folders
    are not, so a dump cannot point the scan at the rest of the machine.
    With ``base``, files are named relative to it (stable finding keys across machines)."""
    tasks: list[Task] = []
    rejects: list[Reject] = []

    def task(full: Path) -> Task:
        shown = full
        if base is not None:
            try:
                shown = full.resolve().relative_to(base.resolve())
            except ValueError:
                shown = full
        return Task(str(full), str(shown))

    for p in paths:
        if not os.path.lexists(p):
            raise InputError(f"{p}: no such file or directory")
        if p.is_symlink():
            target = p.resolve()
            if not target.exists():
                raise InputError(f"{p}: a link to {target}, which does not exist")
            p = target
        if p.is_dir():
            for root, dirs, names in os.walk(p):  # does not descend into linked folders
                dirs.sort()
                for name in sorted(names):
                    tasks.append(task(Path(root) / name))
                for d in dirs:
                    if (Path(root) / d).is_symlink():
                        rejects.append(
                            Reject(str(Path(root) / d), None, "symlink: folder link not followed")
                        )
        else:
            tasks.append(task(p))
    return tasks, rejects


def korean_vendor_engaged(session: Session, project: str) -> bool:
    """Whether any party engaged on ``project`` is based in Korea (country or a declared
    location): FILE-6 only asks about Korean notes when none is."""
    parties = {p.key: p for p in store.list_parties(session)}
    for e in store.list_engagements(session, project):
        party = parties.get(e.subcontractor)
        if party is None:
            continue
        countries = {party.country, *(loc.country for loc in party.locations)}
        if countries & KOREAN_COUNTRIES:
            return True
    return False


def scan_paths(
    paths: Iterable[Path | str],
    *,
    project: str | None = None,
    settings: Settings | None = None,
    session: Session | None = None,
    limits: ScanLimits = DEFAULT_LIMITS,
    workers: int | None = None,
    ocr: bool = False,
    text_rules: bool = True,
    now: datetime | None = None,
    progress: Progress | None = None,
    base: Path | None = None,
) -> ScanResult:
    """Scan ``paths``; with ``project`` check it exists first, then store the findings.

    ``session`` lets a caller (the demo) record inside its own transaction; otherwise one is
    opened from ``settings`` (default: the environment's). ``workers=None`` uses every core;
    0 runs in this process. ``base`` names files relative to it in records and findings (the
    demo uses it so that no temporary folder appears in a finding). ``text_rules=False``
    skips the text analyzers (benchmarks only: it drops FILE-3/4/6 and LANG-1).
    """
    tasks, early = list_files([Path(p) for p in paths], base)
    engaged: bool | None = None
    if project is not None:
        engaged = _with_session(settings, session, lambda s: _check_project(s, project))
    n_workers = (os.cpu_count() or 1) if workers is None else workers
    opts = InspectOptions(
        limits=limits,
        project=project,
        korean_vendor_engaged=engaged,
        ocr=ocr,
        text_rules=text_rules,
        c2pa_trust_pem=_c2pa_trust_anchor(settings),
    )
    sizes = [_size(t.path) for t in tasks]
    start = time.perf_counter()

    def done(index: int, _: Inspection) -> None:
        if progress is not None:
            progress(1, sizes[index])

    results = run_pool(tasks, opts, workers=n_workers, on_done=done)
    result = ScanResult(
        files=len(tasks),
        bytes=sum(sizes),
        elapsed_s=time.perf_counter() - start,
        workers=n_workers,
        project=project,
        rejects=list(early),
    )
    for inspection in results:
        result.records += inspection.records
        result.rejects += inspection.rejects
    if ocr:
        from chainwatch.forensics.ocr import ocr_status

        result.notes.append(ocr_status())
    if project is not None:
        findings = result.findings
        stamp = now or datetime.now(UTC)

        def store_and_record(s: Session) -> dict[str, int]:
            from chainwatch.service import ledger  # imported here: scans without a DB stay light

            counts = findings_store.record_findings(s, findings, stamp)
            ledger.append(s, "scan", f"scan:{project}", _scan_payload(result), at=stamp)
            return counts

        result.recorded = _with_session(settings, session, store_and_record)
    return result


SCAN_LEDGER_FILES = 1000  # files listed by name in a scan's ledger entry; all are in the digest


def _scan_payload(result: ScanResult) -> dict[str, Any]:
    """What a scan's ledger entry proves: which files (by SHA-256) were looked at, and the
    outcome. Every record counts in ``records_sha256``; the first files are also listed."""
    lines = sorted(f"{r.sha256}  {r.path}" for r in result.records)
    summary = result.summary()
    return {
        "project": result.project,
        "files": result.files,
        "records": len(result.records),
        "bytes": result.bytes,
        "records_sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest(),
        "listed": [
            {"path": r.path, "sha256": r.sha256, "size": r.size}
            for r in result.records[:SCAN_LEDGER_FILES]
        ],
        "findings_by_rule": summary["findings_by_rule"],
        "rejects": summary["rejects"],
    }


def _c2pa_trust_anchor(settings: Settings | None) -> str | None:
    """The studio's C2PA CA, so manifests it signed read as Trusted (none: Valid at best)."""
    from chainwatch.errors import ConfigError
    from chainwatch.provenance.c2pa_manifest import read_trust_anchor

    try:
        home = (settings or load_settings()).home
    except ConfigError:
        return None
    return read_trust_anchor(home)


def _size(path: str) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def _check_project(session: Session, project: str) -> bool:
    try:
        store.get_project(session, project)
    except NotFoundError:
        raise InputError(f"no project {project!r}; see `chainwatch projects list`") from None
    return korean_vendor_engaged(session, project)


def _with_session(settings: Settings | None, session: Session | None, fn):
    if session is not None:
        return fn(session)
    from chainwatch.storage.session import open_session

    with open_session(settings or load_settings()) as s:
        return fn(s)
