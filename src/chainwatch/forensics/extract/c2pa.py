"""C2PA manifests found by a scan: embedded in the file, or a ``.c2pa`` sidecar beside it.

Unlike the format extractors in this package, this runs on every record whose type can hold a
manifest (and on any file with a sidecar), after its format's extractor. What it finds goes
into the record, not into a finding: SIGNALS.md has no rule for a provenance result, and a
manifest is evidence about the file either way. ``metadata["c2pa"]`` holds the reader's report
(state ``Trusted``/``Valid``/``Invalid``, project, recipient, failure codes) and a note says
it in one line, so a tampered delivery reads "C2PA manifest (embedded): Invalid; …
failures: assertion.dataHash.mismatch".

The trust anchor is the studio's CA (``InspectOptions.c2pa_trust_pem``; the scan service reads
it from the data dir); without one a good manifest is ``Valid``, never ``Trusted``. c2pa-python
is loaded only when a file carries the C2PA marker or a sidecar, and its absence becomes a
note. Pure: bytes in, a report out; the sidecar is read by the caller that knows the path.
"""

from __future__ import annotations

from pathlib import Path

from chainwatch.forensics.record import FileRecord
from chainwatch.provenance.c2pa_manifest import (
    KIND_MIME,
    MAX_SIDECAR_BYTES,
    SIDECAR_SUFFIX,
    C2paUnavailable,
    ManifestReport,
    embed_mime,
    has_manifest_marker,
    read_manifest,
    sidecar_candidates,
)


def _attach(record: FileRecord, report: ManifestReport) -> None:
    record.metadata["c2pa"] = report.to_dict()
    record.notes.append(report.summary())


def _unavailable(record: FileRecord, exc: C2paUnavailable) -> None:
    record.metadata["c2pa"] = {"present": None, "error": str(exc)}
    record.notes.append("C2PA manifest not checked: c2pa-python is not installed")


def add_embedded_c2pa(record: FileRecord, data: bytes, trust_pem: str | None) -> None:
    """Read a manifest embedded in ``data`` (a format that can carry one)."""
    if record.type == "unknown" and data[4:8] == b"jumb" and record.path.endswith(SIDECAR_SUFFIX):
        record.metadata["c2pa_sidecar"] = True
        record.notes.append("C2PA sidecar manifest store (verified with the file beside it)")
        return
    mime = KIND_MIME.get(record.type)
    if mime is None or not has_manifest_marker(data):
        return
    try:
        report = read_manifest(data, mime, trust_pem=trust_pem)
    except C2paUnavailable as exc:
        _unavailable(record, exc)
        return
    if report.present:
        _attach(record, report)


def add_sidecar_c2pa(record: FileRecord, path: Path, data: bytes, trust_pem: str | None) -> None:
    """Verify ``data`` (the file at ``path``) against a ``.c2pa`` sidecar beside it, when there
    is one and the file had no embedded manifest."""
    if "c2pa" in record.metadata or path.suffix.lower() == SIDECAR_SUFFIX:
        return
    for candidate in sidecar_candidates(path):
        try:
            if candidate == path or not candidate.is_file() or candidate.is_symlink():
                continue
            if candidate.stat().st_size > MAX_SIDECAR_BYTES:
                record.notes.append(f"C2PA sidecar {candidate.name} skipped: over the size limit")
                return
            manifest = candidate.read_bytes()
        except OSError as exc:
            record.notes.append(f"C2PA sidecar {candidate.name} unreadable: {exc.strerror}")
            return
        mime = embed_mime(path) or KIND_MIME.get(record.type)
        try:
            report = read_manifest(
                data, mime, sidecar=manifest, sidecar_name=candidate.name, trust_pem=trust_pem
            )
        except C2paUnavailable as exc:
            _unavailable(record, exc)
            return
        _attach(record, report)
        return
