"""Catalog the studio's masters and match a dump against them (``chainwatch catalog``).

``add_paths`` fingerprints images and videos into ``catalog_assets``/``catalog_fingerprints``
(PDQ per picture) and the feature store (ORB per picture); a file already catalogued, by its
SHA-256, only has its labels updated. ``match_paths`` runs ``find_master`` on every picture
of every file and returns one ``FileMatch`` per file, plus a CAT-1 finding per (file, asset);
the findings are stored only with ``record=True``, so trying a file costs nothing.
A ``FileMatch`` is what mark detection takes next: the suspect file and its masters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.catalog import local
from chainwatch.catalog.fingerprint import (
    UnreadableImage,
    is_video,
    pdq,
    read_frames,
)
from chainwatch.catalog.index import catalog_dir
from chainwatch.catalog.match import CatalogMatch, find_master
from chainwatch.errors import InputError, NotFoundError
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.hashing import sha256_file
from chainwatch.rejects import Reject, reasons_histogram
from chainwatch.service import ledger
from chainwatch.service.scan import list_files
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store
from chainwatch.storage.models import CatalogAssetRow, CatalogFingerprintRow

Progress = Callable[[int], None]
ANALYZER = "catalog"


@dataclass
class AddedFile:
    path: str
    sha256: str
    status: str  # added | updated | unchanged
    asset_id: int
    media: str
    frames: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class AddResult:
    files: list[AddedFile] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        for f in self.files:
            counts[f.status] += 1
        return {
            **counts,
            "rejects": len(self.rejects),
            "rejects_by_reason": reasons_histogram(self.rejects),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "files": [f.to_dict() for f in self.files],
            "rejects": [r.to_dict() for r in self.rejects],
        }


@dataclass
class FileMatch:
    """One suspect file and the masters it shows (best first; one entry per asset)."""

    path: str
    sha256: str
    media: str
    frames: int  # pictures looked at (sampled frames for a video)
    matches: list[CatalogMatch] = field(default_factory=list)
    frames_matched: dict[int, int] = field(default_factory=dict)  # asset id -> frames
    marks: list[dict[str, Any]] = field(default_factory=list)  # mark detection, per master

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "media": self.media,
            "frames": self.frames,
            "matches": [
                {**m.to_dict(), "frames_matched": self.frames_matched.get(m.asset_id, 1)}
                for m in self.matches
            ],
            "marks": self.marks,
        }


@dataclass
class MatchResult:
    files: list[FileMatch] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    recorded: dict[str, int] | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "matched": sum(1 for f in self.files if f.matches),
            "findings": len(self.findings),
            "rejects": len(self.rejects),
            "rejects_by_reason": reasons_histogram(self.rejects),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "recorded": self.recorded,
            "files": [f.to_dict() for f in self.files],
            "findings": [f.to_dict() for f in self.findings],
            "rejects": [r.to_dict() for r in self.rejects],
        }


def _files(paths: Iterable[Path | str]) -> tuple[list[Path], list[Reject]]:
    """Files under ``paths``; a video named on the command line without PyAV is an error."""
    given = [Path(p) for p in paths]
    tasks, rejects = list_files(given)
    named = {str(p) for p in given if not p.is_dir()}
    for p in given:
        if str(p) in named and is_video(p):
            try:
                import av  # noqa: F401
            except ImportError:
                raise InputError(
                    f"{p}: video needs the video extra (pip install 'chainwatch[video]')"
                ) from None
    return [Path(t.path) for t in tasks], rejects


def _reject(path: Path, exc: Exception) -> Reject:
    return Reject(str(path), None, str(exc))


def add_paths(
    session: Session,
    settings: Settings,
    paths: Iterable[Path | str],
    *,
    project: str,
    episode: str | None = None,
    shot: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> AddResult:
    """Catalog every image/video under ``paths`` as masters of ``project`` (which must exist)."""
    try:
        store.get_project(session, project)
    except NotFoundError:
        raise InputError(f"no project {project!r}; see `chainwatch projects list`") from None
    files, early = _files(paths)
    result = AddResult(rejects=list(early))
    folder = catalog_dir(settings)
    stamp = now or datetime.now(UTC)
    for path in files:
        try:
            result.files.append(_add_one(session, folder, path, project, episode, shot, stamp))
        except (UnreadableImage, InputError) as exc:
            result.rejects.append(_reject(path, exc))
        except OSError as exc:
            result.rejects.append(Reject(str(path), None, f"unreadable: {exc.strerror or exc}"))
        if progress is not None:
            progress(1)
    return result


def _add_one(
    session: Session,
    folder: Path,
    path: Path,
    project: str,
    episode: str | None,
    shot: str | None,
    now: datetime,
) -> AddedFile:
    sha = sha256_file(path)
    row = session.scalar(select(CatalogAssetRow).where(CatalogAssetRow.sha256 == sha))
    if row is not None:
        new = {
            "project": project,
            "episode": episode if episode is not None else row.episode,
            "shot": shot if shot is not None else row.shot,
            "path": str(path.resolve()),  # where the master is, whatever the working directory
        }
        changed = any(getattr(row, k) != v for k, v in new.items())
        for k, v in new.items():
            setattr(row, k, v)
        if local.load_features(folder, sha) is None:  # a home copied without its feature store
            feats = [local.orb(f.image, frame=f.index) for f in read_frames(path)]
            local.save_features(folder, sha, local.concat(feats))
        session.flush()
        status = "updated" if changed else "unchanged"
        return AddedFile(str(path), sha, status, row.id, row.media, row.frames or 1)
    media = "video" if is_video(path) else "image"
    prints, feats, width, height = [], [], None, None
    for frame in read_frames(path):
        h = pdq(frame.image)
        prints.append(
            CatalogFingerprintRow(
                frame=frame.index,
                time_s=frame.time_s,
                algorithm="pdq",
                hash=h.hash,
                quality=h.quality,
            )
        )
        feats.append(local.orb(frame.image, frame=frame.index))
        height, width = frame.image.shape[:2]
    row = CatalogAssetRow(
        sha256=sha,
        project=project,
        episode=episode,
        shot=shot,
        path=str(path.resolve()),
        media=media,
        width=width,
        height=height,
        frames=len(prints),
        added_at=now,
        meta={},
    )
    row.fingerprints = prints
    local.save_features(folder, sha, local.concat(feats))
    session.add(row)
    session.flush()
    ledger.append(  # a master entering the catalog: what later matches are measured against
        session,
        "import",
        f"catalog:{sha}",
        {
            "project": project,
            "episode": episode,
            "shot": shot,
            "path": str(path.resolve()),
            "sha256": sha,
            "media": media,
            "fingerprints": len(prints),
        },
        at=now,
    )
    return AddedFile(str(path), sha, "added", row.id, media, len(prints))


def match_paths(
    session: Session,
    settings: Settings,
    paths: Iterable[Path | str],
    *,
    record: bool = False,
    marks: bool = True,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> MatchResult:
    """Match every image/video under ``paths``; CAT-1 per (file, asset), stored if ``record``.

    With ``marks`` (the default) every match whose master was issued in marked copies goes on
    to mark detection against that master: the recipient's MARK-1 joins the findings.
    """
    files, early = _files(paths)
    result = MatchResult(rejects=list(early))
    for path in files:
        try:
            result.files.append(match_file(session, settings, path))
        except (UnreadableImage, InputError) as exc:
            result.rejects.append(_reject(path, exc))
        except OSError as exc:
            result.rejects.append(Reject(str(path), None, f"unreadable: {exc.strerror or exc}"))
        if progress is not None:
            progress(1)
    result.findings = [f for fm in result.files for f in findings_for(fm)]
    if marks:
        result.findings += _hand_to_marking(session, settings, result.files)
    if record:
        stamp = now or datetime.now(UTC)
        result.recorded = findings_store.record_findings(session, result.findings, stamp)
    return result


def _hand_to_marking(session: Session, settings: Settings, files: list[FileMatch]) -> list[Finding]:
    """Mark detection for each matched master that has issued copies (DistributionRow)."""
    from sqlalchemy import select

    from chainwatch.service.marking import detect_one
    from chainwatch.storage.models import DistributionRow

    findings: list[Finding] = []
    for fm in files:
        for m in fm.matches:
            issued = session.scalar(
                select(DistributionRow.id).where(DistributionRow.master_sha256 == m.sha256)
            )
            if issued is None:
                continue
            if not Path(m.path).is_file():
                note = f"master {m.path} is no longer there: marks not checked"
                fm.marks.append({"master_sha256": m.sha256, "note": note})
                continue
            try:
                found = detect_one(session, settings, Path(fm.path), master=Path(m.path))
            except (InputError, OSError) as exc:  # an unreadable master: say so, keep going
                fm.marks.append({"master_sha256": m.sha256, "note": str(exc)})
                continue
            fm.marks.append(
                {
                    "master_sha256": m.sha256,
                    "recipients": found.recipients,
                    "note": found.note,
                }
            )
            findings += found.findings
    return findings


def match_file(session: Session, settings: Settings, path: Path) -> FileMatch:
    """Every picture of one file through ``find_master``; per asset the best match is kept."""
    sha = sha256_file(path)
    best: dict[int, CatalogMatch] = {}
    frames_matched: dict[int, int] = {}
    n = 0
    for frame in read_frames(path):
        n += 1
        for m in find_master(session, settings, frame.image):
            frames_matched[m.asset_id] = frames_matched.get(m.asset_id, 0) + 1
            if m.asset_id not in best or m.score > best[m.asset_id].score:
                best[m.asset_id] = m
    matches = sorted(best.values(), key=lambda m: (-m.score, m.asset_id))
    media = "video" if is_video(path) else "image"
    return FileMatch(str(path), sha, media, n, matches, frames_matched)


def findings_for(fm: FileMatch) -> list[Finding]:
    """CAT-1 for each master a suspect file shows (one per asset: dedupe by its hash)."""
    out = []
    for m in fm.matches:
        where = ", ".join(
            x
            for x in (m.project, m.episode and f"ep {m.episode}", m.shot and f"shot {m.shot}")
            if x
        )
        summary = f"{fm.path} shows catalog asset {m.path} ({where}; {m.tier}, score {m.score:.2f})"
        out.append(
            Finding.of(
                "CAT-1",
                subject_type=SubjectType.FILE,
                subject_key=fm.path,
                summary=" ".join(summary.split()),
                evidence={
                    "file_sha256": fm.sha256,
                    "asset_sha256": m.sha256,
                    "asset_path": m.path,
                    "episode": m.episode,
                    "shot": m.shot,
                    "frame": m.frame,
                    "tier": m.tier,
                    "distance": m.distance,
                    "inliers": m.inliers,
                    "score": m.score,
                    "frames_matched": fm.frames_matched.get(m.asset_id, 1),
                },
                confidence=round(0.5 + m.score / 2, 3),
                analyzer=ANALYZER,
                project=m.project,
                dedupe=m.sha256,
            )
        )
    return out


def catalog_stats(session: Session) -> dict[str, Any]:
    """How many masters and fingerprints are held, per project."""
    from sqlalchemy import func

    per_project = session.execute(
        select(CatalogAssetRow.project, func.count()).group_by(CatalogAssetRow.project)
    ).all()
    prints = session.scalar(select(func.count()).select_from(CatalogFingerprintRow))
    return {
        "assets": sum(n for _, n in per_project),
        "fingerprints": int(prints or 0),
        "by_project": {p: int(n) for p, n in sorted(per_project)},
    }
