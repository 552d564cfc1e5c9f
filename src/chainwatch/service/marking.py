"""Issue marked copies to recipients, and find out whose copy a found frame is.

``embed_paths`` marks each image for one recipient and records the issue (a
``DistributionRow``: random issue id, master and marked hashes, where the copy went, how it
was marked). ``detect_paths`` finds each suspect's master (``--master``, a byte-identical
issued copy or master, else the catalog), scores it against every copy of that master ever
issued, and raises MARK-1 for each recipient whose mark is present beyond chance. Finding the
master goes through :func:`_catalog_masters` (pictures) and :func:`_catalog_video_masters`
(clips: which master and where in it the clip starts) only, so the catalog's API is used in
one place. An image whose master is nowhere gets blind detection (``marking.blind``) against
every copy issued at its aspect ratio, and the result says it was blind.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch.errors import InputError, NotFoundError
from chainwatch.findings.finding import Finding, SubjectType
from chainwatch.hashing import sha256_file
from chainwatch.marking.blind import BlindDetection, BlindGroup, detect_blind
from chainwatch.marking.detect import CandidateScore, Detection, detect_mark
from chainwatch.marking.images import IMAGE_SUFFIXES, load_image, save_image
from chainwatch.marking.keys import load_key
from chainwatch.marking.video import (
    VIDEO_METHOD,
    VIDEO_SUFFIXES,
    detect_video,
    mark_video,
    read_frames,
)
from chainwatch.marking.watermark import DEFAULT_PSNR_DB, embed_mark, psnr, ssim
from chainwatch.service import ledger
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store
from chainwatch.storage.models import CatalogAssetRow, CatalogFingerprintRow, DistributionRow

ANALYZER = "marking"
MARKED_PREFIX = "marked-"  # default output folder: marked-RECIPIENT beside the masters
MEDIA = IMAGE_SUFFIXES | VIDEO_SUFFIXES


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


@dataclass
class EmbedResult:
    path: str
    out: str
    issue_id: str
    project: str
    recipient: str
    master_sha256: str
    marked_sha256: str
    psnr_db: float | None
    ssim: float
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DetectResult:
    path: str
    master: str | None = None
    master_sha256: str | None = None
    found_by: str | None = None  # --master, issued-copy, master, catalog, blind
    candidates: int = 0
    detection: Detection | BlindDetection | None = None
    recipients: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "master": self.master,
            "master_sha256": self.master_sha256,
            "found_by": self.found_by,
            "blind": self.found_by == "blind",
            "candidates": self.candidates,
            "recipients": self.recipients,
            "detection": self.detection.to_dict() if self.detection else None,
            "findings": [f.to_dict() for f in self.findings],
            "note": self.note,
        }


def image_files(
    paths: Iterable[Path], *, skip: Iterable[Path] = (), skip_marked: bool = False
) -> list[Path]:
    """Given files as they are; folders walked for images and videos (sorted), leaving out
    the folders in ``skip`` and, with ``skip_marked``, ``marked-*`` folders (embed's own
    output, which must not be marked again as if it were a master). Missing: InputError."""
    skipped = {p.resolve() for p in skip}
    out: list[Path] = []
    for p in paths:
        if not os.path.lexists(p):
            raise InputError(f"{p}: no such file or directory")
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not (skip_marked and d.startswith(MARKED_PREFIX))
                    and (Path(root) / d).resolve() not in skipped
                )
                out += [Path(root) / n for n in sorted(names) if Path(n).suffix.lower() in MEDIA]
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"{p}: not a regular file")
    return out


def embed_paths(
    session: Session,
    settings: Settings,
    paths: Iterable[Path],
    *,
    project: str,
    recipient: str,
    out_dir: Path | None = None,
    keep_flat: bool = False,
    psnr_db: float = DEFAULT_PSNR_DB,
    now: datetime | None = None,
) -> list[EmbedResult]:
    """Mark every image for ``recipient`` and record each issue; returns what was written."""
    try:
        store.get_project(session, project)
        store.get_party(session, recipient)
    except NotFoundError as exc:
        raise InputError(str(exc)) from None
    files = image_files(paths, skip=[out_dir] if out_dir else [], skip_marked=True)
    if not files:
        raise InputError("no images or videos given (PNG, JPEG, TIFF; MP4, MOV, MKV)")
    for p in files:
        if p.suffix.lower() not in MEDIA:
            raise InputError(f"{p}: cannot write a marked {p.suffix or 'suffix-less'} file")
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file; give a folder")
    # every image readable before anything is written (videos are checked as they are read)
    images = [(p, None if is_video(p) else load_image(p)) for p in files]
    _check_targets([(p, _target(p, out_dir, recipient)) for p, _ in images])
    key = load_key(settings, create=True)
    stamp = now or datetime.now(UTC)
    results = []
    for path, img in images:
        target_dir = out_dir if out_dir is not None else path.parent / f"{MARKED_PREFIX}{recipient}"
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{target_dir}: cannot create ({exc.strerror})") from None
        out = target_dir / path.name
        if out.exists() and out.resolve() == path.resolve():
            raise InputError(f"{out} is the input file; choose another --out folder")
        issue_id = secrets.token_hex(16)
        ikey = key.issue_key(issue_id)
        if img is None:
            stats = mark_video(path, out, ikey, psnr_db=psnr_db, keep_flat=keep_flat)
            marked_sha = sha256_file(out)
            quality = {"psnr_db": stats["psnr_db"], "ssim": stats["ssim"]}
            shape_info = {
                "media": "video", "frames": stats["frames"], "crf": stats["crf"],
                "streams": stats["streams"], "embed_s_per_frame": stats["embed_s_per_frame"],
            }  # fmt: skip
            params_d = {
                "method": VIDEO_METHOD, "grid": stats["grid"], "psnr_target_db": psnr_db,
                "keep_flat": keep_flat, "segment_frames": stats["segment_frames"],
            }  # fmt: skip
        else:
            marked, params = embed_mark(img, ikey, psnr_db=psnr_db, keep_flat=keep_flat)
            if params.amplitude == 0 or (marked == img).all():
                raise InputError(f"{path}: nothing to mark (the frame is one flat colour)")
            data = save_image(marked, out)
            marked_sha = hashlib.sha256(data).hexdigest()
            quality = {"psnr_db": round(psnr(img, marked), 2), "ssim": round(ssim(img, marked), 5)}
            shape_info = {
                "media": "image", "width": int(img.shape[1]), "height": int(img.shape[0]),
                "dtype": str(img.dtype),
            }  # fmt: skip
            params_d = params.to_dict()
        master_sha = sha256_file(path)
        stored = {**params_d, **quality, "master_path": str(path.resolve()), **shape_info}
        asset = session.scalar(select(CatalogAssetRow).where(CatalogAssetRow.sha256 == master_sha))
        session.add(
            DistributionRow(
                issue_id=issue_id,
                asset_id=asset.id if asset else None,
                master_sha256=master_sha,
                marked_sha256=marked_sha,
                project=project,
                recipient=recipient,
                path=str(out.resolve()),
                issued_at=stamp,
                key_version=key.version,
                params=stored,
            )
        )
        session.flush()
        ledger.append(  # who received which master, marked how: the record a leak is traced to
            session,
            "distribution",
            f"issue:{issue_id}",
            {
                "project": project,
                "recipient": recipient,
                "master_sha256": master_sha,
                "marked_sha256": marked_sha,
                "path": str(out.resolve()),
                "key_version": key.version,
            },
            at=stamp,
        )
        results.append(
            EmbedResult(
                str(path),
                str(out),
                issue_id,
                project,
                recipient,
                master_sha,
                marked_sha,
                quality["psnr_db"],
                quality["ssim"],
                stored,
            )
        )
    return results


def _target(path: Path, out_dir: Path | None, recipient: str) -> Path:
    folder = out_dir if out_dir is not None else path.parent / f"{MARKED_PREFIX}{recipient}"
    return folder / path.name


def _check_targets(pairs: list[tuple[Path, Path]]) -> None:
    """An issued copy is never overwritten, not even by another input of the same name: its
    distribution row would then describe a file that no longer exists."""
    seen: set[Path] = set()
    for source, t in pairs:
        if t.exists() and t.resolve() == source.resolve():
            raise InputError(f"{t} is the input file; choose another --out folder")
        if t in seen:
            raise InputError(
                f"{t}: two inputs have this name and would overwrite each other; "
                "mark them into separate --out folders"
            )
        seen.add(t)
    for _, t in pairs:
        if t.exists():
            raise InputError(
                f"{t} already exists: an issued copy is never overwritten; "
                "choose another --out folder"
            )


def _catalog_masters(session: Session, settings: Settings, img) -> list[tuple[str, str]]:
    """(path, sha256) of catalog assets the image shows, best first (the catalog's one use)."""
    try:
        from chainwatch.catalog import find_master
    except ImportError:  # catalog not installed in this build
        return []
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 4:
        img = np.ascontiguousarray(img[:, :, :3])
    return [(m.path, m.sha256) for m in find_master(session, settings, img)[:3]]


CATALOG_VIDEO_SAMPLES = 12  # suspect frames looked up in the catalog (one a second)


def _catalog_video_masters(
    session: Session, settings: Settings, path: Path
) -> list[tuple[str, str, float]]:
    """(path, sha256, offset s) of catalogued videos a clip shows, most frames matched first.

    Frames sampled from the clip (one a second, and at shot cuts) go through ``find_master``;
    a match names a catalogued frame of a master, whose time minus the clip frame's time is
    where the clip starts in the master (the catalog samples every 2 s, so this is a hint that
    detection refines on thumbnails of every frame)."""
    try:
        from chainwatch.catalog import find_master
        from chainwatch.catalog.fingerprint import UnreadableImage, video_frames
    except ImportError:
        return []
    votes: dict[int, list[float]] = {}
    found: dict[int, tuple[str, str]] = {}
    try:
        frames = list(video_frames(path, every_s=1.0, max_frames=CATALOG_VIDEO_SAMPLES))
    except UnreadableImage as exc:
        raise InputError(f"{path}: {exc}") from None
    for frame in frames:
        for m in find_master(session, settings, frame.image)[:3]:
            t_master = session.scalar(
                select(CatalogFingerprintRow.time_s).where(
                    CatalogFingerprintRow.asset_id == m.asset_id,
                    CatalogFingerprintRow.frame == m.frame,
                )
            )
            if t_master is None or frame.time_s is None:  # an image master, not a clip
                continue
            votes.setdefault(m.asset_id, []).append(float(t_master) - float(frame.time_s))
            found[m.asset_id] = (m.path, m.sha256)
    ranked = sorted(votes.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:3]
    return [(*found[a], float(np.median(offs))) for a, offs in ranked]


def _masters(session: Session, settings: Settings, path: Path, img, master: Path | None):
    """Candidate masters of one suspect as (path, sha256, how found, offset hint), best first
    (the offset is where a clip starts in the master, when the catalog tells)."""
    if master is not None:
        return [(str(master), sha256_file(master), "--master", None)]
    sha = sha256_file(path)
    issued = session.scalar(select(DistributionRow).where(DistributionRow.marked_sha256 == sha))
    if issued is not None:
        return [(issued.params.get("master_path", ""), issued.master_sha256, "issued-copy", None)]
    same = session.scalar(select(DistributionRow).where(DistributionRow.master_sha256 == sha))
    if same is not None:
        return [(str(path), sha, "master", None)]
    if img is None:
        return [(p, s, "catalog", t) for p, s, t in _catalog_video_masters(session, settings, path)]
    return [(p, s, "catalog", None) for p, s in _catalog_masters(session, settings, img)]


def _p_text(p: float) -> str:
    """Gaussian tails underflow long before z = 40: say "< 1e-15" rather than "0"."""
    return "< 1e-15" if p < 1e-15 else f"<= {p:.1e}"


def _finding(
    path: str,
    row: DistributionRow,
    det: Detection | BlindDetection,
    score,
    how: str,
    asset: CatalogAssetRow | None,
) -> Finding:
    blind = isinstance(det, BlindDetection)
    evidence = {
        "recipient": row.recipient,
        "issue_id": row.issue_id,
        "z": round(score.z, 2),
        "p_false_accusation": score.p_false_accusation,
        "threshold_z": det.threshold_z,
        "master_sha256": row.master_sha256,
        "master_path": row.params.get("master_path"),
        "master_found_by": how,
        "issued_at": row.issued_at.isoformat(),
        "issued_path": row.path,
        "candidates": len(det.scores),
        "decoys": det.decoys,
        "max_decoy_z": None if det.max_decoy_z is None else round(det.max_decoy_z, 2),
        "registration_inliers": 0 if blind else det.inliers,
        "overlap": None if blind else round(det.overlap, 3),
        "blur_sigma": None if blind else det.blur_sigma,
        "registration": "none (blind)" if blind else det.registration,
        "blind": blind,
        "method": row.params.get("method"),
        "episode": asset.episode if asset else None,
        "shot": asset.shot if asset else None,
    }
    video = getattr(det, "frames", None)
    if video:
        evidence["video"] = {
            "frames": det.frames,
            "segments": det.segments,
            "offset_s": None if det.offset_s is None else round(det.offset_s, 3),
        }
    return Finding.of(
        "MARK-1",
        subject_type=SubjectType.FILE,
        subject_key=path,
        project=row.project,
        summary=(
            f"{Path(path).name} carries the mark issued to {row.recipient} "
            f"(issue {row.issue_id[:8]}, z={score.z:.1f}, "
            f"false-accusation p {_p_text(score.p_false_accusation)}"
            + ("; blind: master not found)" if blind else ")")
        ),
        evidence=evidence,
        confidence=min(1.0, max(0.0, 1.0 - score.p_false_accusation)),
        analyzer=ANALYZER,
        dedupe=row.issue_id,
    )


def _video_rows(rows: list[DistributionRow]) -> tuple[list[DistributionRow], int | None]:
    """Issues of a clip that carry the per-segment pattern, and their (common) grid."""
    seg = [r for r in rows if r.params.get("segment_frames")]
    grids = {r.params.get("grid") for r in seg}
    return seg, (grids.pop() if len(grids) == 1 else None)


def detect_one(
    session: Session, settings: Settings, path: Path, *, master: Path | None = None
) -> DetectResult:
    """Whose issued copy ``path`` is, if any (nothing is stored here)."""
    img = None if is_video(path) else load_image(path)
    result = DetectResult(str(path))
    masters = _masters(session, settings, path, img, master)
    if not masters:
        if img is not None:
            return detect_blind_one(session, settings, path, img)
        result.note = "master not found: give --master, or add the master to the catalog"
        return result
    key = None
    best: tuple[float, DetectResult] | None = None
    for m_path, m_sha, how, offset in masters:
        rows = list(
            session.scalars(
                select(DistributionRow)
                .where(DistributionRow.master_sha256 == m_sha)
                .order_by(DistributionRow.id)
            )
        )
        grid = None
        still_in_clip = img is None and not is_video(Path(m_path))  # a clip made of a still
        if img is None and not still_in_clip:
            rows, grid = _video_rows(rows)
        r = DetectResult(str(path), m_path, m_sha, how, len(rows))
        if not rows:
            r.note = "no marked copies of this master were issued"
        elif not Path(m_path).is_file():
            r.note = f"master {m_path} is no longer there"
        else:
            key = key or load_key(settings)
            by_issue = {row.issue_id: row for row in rows}
            cands = {i: key.issue_key(i) for i in by_issue}
            if still_in_clip:
                det = _still_in_clip(load_image(m_path), path, cands, key)
            elif img is None:
                det = detect_video(Path(m_path), path, cands, key, offset_hint=offset, grid=grid)
            else:
                det = detect_mark(load_image(m_path), img, cands, key)
            asset = session.scalar(select(CatalogAssetRow).where(CatalogAssetRow.sha256 == m_sha))
            r.detection = det
            r.note = det.note
            for s in det.accused:
                row = by_issue[s.label]
                r.recipients.append({"recipient": row.recipient, **s.to_dict()})
                r.findings.append(_finding(str(path), row, det, s, how, asset))
            if det.registered and not det.accused:
                r.note = "no issued mark found beyond chance"
        rank = r.detection.scores[0].z if r.detection and r.detection.scores else -1e9
        if best is None or rank > best[0]:
            best = (rank, r)
    gone = [m for m in masters if not Path(m[0]).is_file()]
    if img is not None and master is None and len(gone) == len(masters):
        blind = detect_blind_one(session, settings, path, img)  # masters moved or deleted
        blind.note = f"{blind.note} (master {gone[0][0]} is no longer there)"
        return blind
    return best[1] if best else result


STILL_SAMPLES = 6


def _still_in_clip(master: np.ndarray, clip: Path, cands: dict[str, bytes], key) -> Detection:
    """A clip that shows an image master (a still turned into video): image detection on
    frames sampled over the clip, the strongest kept, its p-values multiplied by the frames
    tried (a bound on picking the best of them)."""
    frames = read_frames(clip, count=STILL_SAMPLES)
    best: Detection | None = None
    for img in frames.values():
        det = detect_mark(master, img, cands, key)
        if det.registered and det.scores and (best is None or best.scores[0].z < det.scores[0].z):
            best = det
    if best is None:
        return Detection(False, note="no sampled frame of the clip registered to the still")
    k = len(frames)
    best.scores = [
        CandidateScore(s.label, s.z, min(1.0, k * s.p_false_accusation), s.accused)
        for s in best.scores
    ]
    best.registration = f"best of {k} frames: {best.registration}"
    return best


def detect_blind_one(
    session: Session, settings: Settings, path: Path, img: np.ndarray
) -> DetectResult:
    """No master: score the image against every copy issued at its aspect ratio (blind)."""
    result = DetectResult(str(path), found_by="blind")
    rows = [
        r
        for r in session.scalars(select(DistributionRow).order_by(DistributionRow.id))
        if r.params.get("media") == "image" and r.params.get("width") and r.params.get("height")
    ]
    groups: dict[tuple[int, int], list[DistributionRow]] = {}
    for r in rows:
        groups.setdefault((int(r.params["height"]), int(r.params["width"])), []).append(r)
    if not groups:
        result.note = "master not found, and no image copies were issued to try blind"
        return result
    key = load_key(settings)
    by_issue = {r.issue_id: r for r in rows}
    det = detect_blind(
        img,
        [
            BlindGroup(h, w, {r.issue_id: key.issue_key(r.issue_id) for r in g})
            for (h, w), g in groups.items()
        ],
        key,
    )
    result.detection = det
    result.candidates = det.candidates
    for s in det.accused:
        row = by_issue[s.label]
        result.recipients.append({"recipient": row.recipient, **s.to_dict()})
        result.findings.append(_finding(str(path), row, det, s, "blind", None))
    if det.note:
        result.note = f"master not found; blind detection: {det.note}"
    elif det.accused:
        result.note = "master not found: blind detection (no master subtracted)"
    else:
        result.note = "master not found; blind detection found no issued mark beyond chance"
    return result


def detect_paths(
    session: Session,
    settings: Settings,
    paths: Iterable[Path],
    *,
    master: Path | None = None,
    record: bool = True,
    now: datetime | None = None,
) -> list[DetectResult]:
    """Detect every suspect image under ``paths`` and store the MARK-1 findings."""
    if master is not None and not master.is_file():
        raise InputError(f"--master {master}: no such file")
    paths = [Path(p) for p in paths]
    files = image_files(paths)
    if not files:
        raise InputError("no images or videos given (PNG, JPEG, TIFF; MP4, MOV, MKV)")
    named = set(paths)
    results = []
    for p in files:
        try:
            results.append(detect_one(session, settings, p, master=master))
        except InputError as exc:
            if p in named:  # a file the user named: their mistake, one line, exit 2
                raise
            results.append(DetectResult(str(p), note=str(exc)))  # one bad file in a dump
    if record:
        findings = [f for r in results for f in r.findings]
        findings_store.record_findings(session, findings, now or datetime.now(UTC))
    return results
