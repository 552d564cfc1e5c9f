"""``find_master``: which catalog master is this picture? Two tiers, cheapest first.

1. PDQ with all 8 rotations/mirrors against the FAISS index: a hash within 31 bits is a
   near-duplicate (re-compressed, resized, colour-graded, mirrored copies). Milliseconds.
2. Only when that finds nothing: ORB keypoints, a shortlist (assets whose PDQ came close,
   then descriptor votes; every asset in a small catalog) and a RANSAC similarity transform
   with at least ``MIN_INLIERS`` spread-out inliers (heavy crops, banners, collages).

Matches carry what the marking side needs to go on: the master's row and path, the tier, the
score, and for the local tier the query -> master transform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from chainwatch.catalog import local
from chainwatch.catalog.fingerprint import MIN_QUALITY, as_rgb, pdq, pdq_dihedral
from chainwatch.catalog.index import CANDIDATE_DISTANCE, MATCH_DISTANCE, catalog_dir, pdq_index
from chainwatch.settings import Settings
from chainwatch.storage.models import CatalogAssetRow


@dataclass
class CatalogMatch:
    asset_id: int
    sha256: str
    path: str
    project: str
    episode: str | None
    shot: str | None
    score: float  # 0..1, higher is better
    tier: str  # "pdq" | "local"
    frame: int  # the master's frame (0 for images)
    distance: int | None  # PDQ Hamming distance, when PDQ saw it
    inliers: int | None = None  # local tier: RANSAC inliers
    transform: list[list[float]] | None = field(default=None, repr=False)  # query px -> master px

    def to_dict(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset_id,
            "sha256": self.sha256,
            "path": self.path,
            "project": self.project,
            "episode": self.episode,
            "shot": self.shot,
            "score": self.score,
            "tier": self.tier,
            "frame": self.frame,
            "distance": self.distance,
            "inliers": self.inliers,
            "transform": self.transform,
        }


def pdq_score(distance: int) -> float:
    """0..1 from a Hamming distance: 0 bits -> 1.0, 31 -> 0.76, 128 (unrelated) -> 0."""
    return round(max(0.0, 1.0 - distance / 128.0), 4)


def find_master(
    session: Session, settings: Settings, image: np.ndarray, *, limit: int = 5
) -> list[CatalogMatch]:
    """Catalog masters that ``image`` (RGB or grey uint8) shows, best first; [] if none."""
    rgb = as_rgb(image)
    # The mirror is also hashed from its own pixels: PDQ's DCT-derived dihedral hashes are
    # 20-34 bits off on a mirrored frame (the 64x64 box filter is not symmetric), the direct
    # hash ~0. The picture as it is and its mirror are searched first (the common case, 2
    # codes: ~2.5 ms over a million hashes); the 6 rotations only when those find nothing.
    hashes = pdq_dihedral(rgb)
    mirror = pdq(np.ascontiguousarray(rgb[:, ::-1]))
    near: dict[int, tuple[int, int]] = {}  # asset -> (distance, frame), PDQ candidates
    if hashes[0].quality >= MIN_QUALITY:
        index = pdq_index(session, settings)
        for batch in ([hashes[0], mirror], hashes[1:]):
            codes = np.frombuffer(b"".join(h.code for h in batch), np.uint8).reshape(-1, 32)
            for hit in index.search(codes, CANDIDATE_DISTANCE):
                if hit.asset_id not in near or hit.distance < near[hit.asset_id][0]:
                    near[hit.asset_id] = (hit.distance, hit.frame)
            if any(d <= MATCH_DISTANCE for d, _ in near.values()):
                break
    strong = {a: df for a, df in near.items() if df[0] <= MATCH_DISTANCE}
    if strong:
        ranked = sorted(strong.items(), key=lambda kv: (kv[1][0], kv[0]))[:limit]
        info = _assets(session, [a for a, _ in ranked])
        return [
            _match(info[a], pdq_score(d), "pdq", frame, d) for a, (d, frame) in ranked if a in info
        ]
    verified = _local_tier(session, settings, rgb, near)
    verified.sort(key=lambda v: (-v.inliers, v.asset_id))
    best: dict[int, local.Verified] = {}
    for v in verified:
        best.setdefault(v.asset_id, v)
    chosen = list(best.values())[:limit]
    info = _assets(session, [v.asset_id for v in chosen])
    out = []
    for v in chosen:
        if v.asset_id not in info:
            continue
        m = _match(
            info[v.asset_id],
            local.score(v.inliers),
            "local",
            v.frame,
            near.get(v.asset_id, (None, 0))[0],
        )
        m.inliers = v.inliers
        m.transform = [[round(float(x), 6) for x in row] for row in v.matrix]
        out.append(m)
    return out


def _local_tier(
    session: Session, settings: Settings, rgb: np.ndarray, near: dict[int, tuple[int, int]]
) -> list[local.Verified]:
    assets = [
        (int(i), s)
        for i, s in session.execute(
            select(CatalogAssetRow.id, CatalogAssetRow.sha256).order_by(CatalogAssetRow.id)
        )
    ]
    if not assets:
        return []
    folder = catalog_dir(settings)
    sha_of = dict(assets)
    index = local.descriptor_index(folder, assets)
    query = local.orb(rgb, query=True)
    found = _verify(folder, sha_of, query, _candidates(index, query, near))
    if found:
        return found
    flipped = rgb[:, ::-1]  # ORB is not mirror-invariant; PDQ covers whole mirrored frames
    query = local.orb(np.ascontiguousarray(flipped), query=True)
    found = _verify(folder, sha_of, query, _candidates(index, query, near))
    flip = np.array([[-1.0, 0.0, rgb.shape[1] - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    for v in found:
        v.matrix = v.matrix @ flip  # original query px -> mirrored px -> master px
    return found


def _candidates(
    index: local.DescriptorIndex, query: local.Features, near: dict[int, tuple[int, int]]
) -> list[tuple[int, int]]:
    """(asset, frame) pairs worth a RANSAC: close PDQ first, then by descriptor votes."""
    out = [(a, frame) for a, (_, frame) in sorted(near.items(), key=lambda kv: kv[1][0])]
    owners = index.described()
    if len(owners) <= local.VERIFY_ALL:
        rest = [(int(a), int(f)) for a, f in owners]
    else:
        votes = index.vote(query.desc)
        rest = [(a, f) for a, f, n in votes[: local.SHORTLIST] if n >= 4]
    out += [pair for pair in rest if pair not in out]
    return out


def _verify(folder, sha_of, query, candidates) -> list[local.Verified]:
    cache: dict[int, local.Features | None] = {}
    found = []
    for asset_id, frame in candidates:
        if asset_id not in sha_of:
            continue
        if asset_id not in cache:
            cache[asset_id] = local.load_features(folder, sha_of[asset_id])
        feats = cache[asset_id]
        if feats is None:
            continue
        inliers, matrix = local.verify(query, feats.of_frame(frame))
        if matrix is not None:
            found.append(local.Verified(asset_id, frame, inliers, matrix))
    return found


def _assets(session: Session, ids: list[int]) -> dict[int, CatalogAssetRow]:
    if not ids:
        return {}
    q = select(CatalogAssetRow).where(CatalogAssetRow.id.in_(ids))
    rows = session.scalars(q.options(lazyload(CatalogAssetRow.fingerprints)))
    return {r.id: r for r in rows}


def _match(
    row: CatalogAssetRow, score: float, tier: str, frame: int, distance: int | None
) -> CatalogMatch:
    return CatalogMatch(
        asset_id=row.id,
        sha256=row.sha256,
        path=row.path,
        project=row.project,
        episode=row.episode,
        shot=row.shot,
        score=score,
        tier=tier,
        frame=int(frame),
        distance=None if distance is None else int(distance),
    )
