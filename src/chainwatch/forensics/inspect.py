"""One file (or archive member) in, records and rejects out: sniff, extract, detect.

This is the pure core of a scan, run inside each worker process: no database, no printing,
no clock. Archives recurse up to ``max_depth``; every member gets its own record with the
path ``outer.zip!inner/dir/file.jpg``. Everything a hostile file can do ends here as a
``Reject`` with a reason: a malformed file ("malformed pdf: …"), a bomb ("zip bomb: …",
"decompression bomb: …"), a traversal name, a file too slow ("timeout: …") or too big
("memory limit: …"). Detectors run on every record, whatever its type (FILE-1 on any
bytes; FILE-2 and FILE-5 on what the extractor found; text detectors via ``notes``).
"""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from chainwatch.findings.finding import Finding
from chainwatch.forensics.archive import ARCHIVE_TYPES, ArchiveLimit, archive_members
from chainwatch.forensics.detect.nk_fonts import nk_font_findings
from chainwatch.forensics.detect.pyongyang_time import (
    offsets_seen,
    parse_stamps,
    pyongyang_time_findings,
)
from chainwatch.forensics.detect.redstar import redstar_findings
from chainwatch.forensics.extract import get_extractor
from chainwatch.forensics.extract.c2pa import add_embedded_c2pa, add_sidecar_c2pa
from chainwatch.forensics.limits import DEFAULT_LIMITS, ScanLimits
from chainwatch.forensics.notes import text_verdict
from chainwatch.forensics.record import ARCHIVE_SEP, Extracted, FileRecord
from chainwatch.forensics.sniff import sniff_type
from chainwatch.rejects import RAW_LIMIT, Reject

ANALYZER = "files"
OCR_TYPES = frozenset({"jpeg", "png", "tiff", "webp", "gif", "bmp"})
TEXT_STAMP_CHARS = 200_000  # FILE-2 also reads offsets written in the text itself


class FileTimeout(Exception):
    """Raised by SIGALRM inside a worker when one file takes longer than its budget."""


@dataclass(frozen=True)
class InspectOptions:
    limits: ScanLimits = DEFAULT_LIMITS
    project: str | None = None
    korean_vendor_engaged: bool | None = None
    ocr: bool = False
    text_rules: bool = True  # FILE-3/4/6 and LANG-1 via chainwatch.text (off: benchmarks)
    analyzer: str = ANALYZER
    c2pa_trust_pem: str | None = None  # studio CA: C2PA manifests read as Trusted


@dataclass
class Inspection:
    records: list[FileRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def reject(self, path: str, reason: str, raw: str = "") -> None:
        self.rejects.append(Reject(path, None, " ".join(reason.split()), raw[:RAW_LIMIT]))


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise FileTimeout after ``seconds`` of Python work (main thread only; elsewhere the
    parent's hard timeout is the only bound)."""
    usable = seconds > 0 and threading.current_thread() is threading.main_thread()
    if not usable or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise FileTimeout(f"timeout: over {seconds:g}s on this file")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def inspect_file(path: Path, display: str, opts: InspectOptions) -> Inspection:
    """Read one file from disk (refusing links, devices and oversize files) and inspect it."""
    out = Inspection()
    try:
        st = os.lstat(path)
    except OSError as exc:
        out.reject(display, f"unreadable: {exc.strerror or exc}")
        return out
    if not stat.S_ISREG(st.st_mode):
        out.reject(display, "not a regular file: links, devices and pipes are not followed")
        return out
    if st.st_size > opts.limits.max_file_bytes:
        out.reject(display, f"file limit: {st.st_size} bytes over {opts.limits.max_file_bytes}")
        return out
    try:
        with open(path, "rb") as f:
            data = f.read(opts.limits.max_file_bytes + 1)
    except OSError as exc:
        out.reject(display, f"unreadable: {exc.strerror or exc}")
        return out
    inspect_bytes(data, display, opts, out)
    if out.records and out.records[-1].path == display:  # a sidecar .c2pa beside the file
        add_sidecar_c2pa(out.records[-1], path, data, opts.c2pa_trust_pem)
    return out


def inspect_bytes(
    data: bytes, path: str, opts: InspectOptions, out: Inspection | None = None, depth: int = 0
) -> Inspection:
    """Records and rejects for ``data`` shown as ``path``; never raises for bad content."""
    out = out if out is not None else Inspection()
    try:
        kind = sniff_type(data, path)
        if kind in ARCHIVE_TYPES:
            # Members get their own deadlines; the archive as a whole is bounded by its size
            # limits and by the parent's per-file timeout.
            _inspect_archive(data, path, kind, opts, out, depth)
        else:
            with deadline(opts.limits.member_timeout_s):
                out.records.append(_inspect_one(data, path, kind, opts))
    except FileTimeout as exc:
        out.reject(path, str(exc))
    except MemoryError:
        out.reject(path, f"memory limit: over {opts.limits.memory_bytes} bytes")
    except RecursionError:
        out.reject(path, "malformed: structure nested too deeply")
    except _Rejected as exc:
        out.reject(path, str(exc))
    return out


class _Rejected(Exception):
    pass


def _base_record(data: bytes, path: str, kind: str) -> FileRecord:
    return FileRecord(path=path, size=len(data), sha256=hashlib.sha256(data).hexdigest(), type=kind)


def _inspect_archive(
    data: bytes, path: str, kind: str, opts: InspectOptions, out: Inspection, depth: int
) -> None:
    if depth >= opts.limits.max_depth:
        raise _Rejected(f"nesting depth: archive at depth {depth} (limit {opts.limits.max_depth})")
    record = _base_record(data, path, kind)
    members = rejected = 0
    try:
        for m in archive_members(kind, data, path, opts.limits):
            inner = f"{path}{ARCHIVE_SEP}{m.name}"
            members += 1
            if m.data is None:
                rejected += 1
                out.reject(inner, m.reason or "rejected")
                continue
            inspect_bytes(m.data, inner, opts, out, depth + 1)
    except (FileTimeout, MemoryError):
        raise
    except ArchiveLimit as exc:
        raise _Rejected(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is this file's reject
        raise _Rejected(f"malformed {kind}: {_why(exc)}") from None
    record.metadata = {"members": members, "members_rejected": rejected, "depth": depth}
    record.findings += redstar_findings(
        data, subject_key=path, sha256=record.sha256, project=opts.project, analyzer=opts.analyzer
    )
    out.records.append(record)


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _inspect_one(data: bytes, path: str, kind: str, opts: InspectOptions) -> FileRecord:
    record = _base_record(data, path, kind)
    ex = Extracted()
    extractor = get_extractor(kind)
    if extractor is not None:
        try:
            ex = extractor(data, opts.limits)
        except (FileTimeout, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - every parser failure becomes a reject
            reason = _why(exc)
            if "DecompressionBomb" in reason or "Bomb" in exc.__class__.__name__:
                raise _Rejected(f"decompression bomb: {reason}") from None
            if exc.__class__.__name__ == "OfficeTooBig":
                raise _Rejected(f"zip bomb: {reason}") from None
            raise _Rejected(f"malformed {kind}: {reason}") from None
    if opts.ocr and kind in OCR_TYPES:
        _ocr(data, ex)
    text = ex.text[: opts.limits.max_text_chars]
    record.metadata = ex.metadata
    record.notes = list(ex.notes)
    add_embedded_c2pa(record, data, opts.c2pa_trust_pem)
    if len(ex.text) > len(text):
        record.notes.append(f"text limit: only the first {len(text)} characters analysed")
    record.text_chars = len(text)
    record.text_excerpt = text[: opts.limits.excerpt_chars]
    record.text_sources = list(ex.text_sources)
    common = {
        "subject_key": path,
        "project": opts.project,
        "analyzer": opts.analyzer,
    }
    findings: list[Finding] = redstar_findings(data, sha256=record.sha256, **common)
    stamps = [s for field, raw in ex.timestamps for s in parse_stamps(field, raw)]
    stamps += parse_stamps("text", text[:TEXT_STAMP_CHARS])
    record.offsets_seen = offsets_seen(stamps)
    findings += pyongyang_time_findings(stamps, sha256=record.sha256, **common)
    findings += nk_font_findings(ex.fonts, ex.software, sha256=record.sha256, **common)
    if opts.text_rules:
        verdict = text_verdict(
            text, korean_vendor_engaged=opts.korean_vendor_engaged, decoded=ex.decoded, **common
        )
        record.languages = verdict.languages
        record.notes += verdict.notes
        findings += verdict.findings
    record.findings = findings
    return record


def _ocr(data: bytes, ex: Extracted) -> None:
    from chainwatch.forensics.ocr import ocr_image, ocr_languages, ocr_status

    if not ocr_languages():
        ex.notes.append(ocr_status())
        return
    w, h = ex.metadata.get("width", 0), ex.metadata.get("height", 0)
    if w * h < 32 * 32:
        return
    try:
        ex.add_text(ocr_image(data), "OCR")
    except RuntimeError as exc:
        ex.notes.append(str(exc))
