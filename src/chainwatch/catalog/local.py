"""The local-feature tier: ORB keypoints, a shortlist by descriptor voting, RANSAC verification.

Hashes see the whole frame, so a heavy crop, a banner over a third of it or a collage defeats
them. Local features do not: a leak that shows part of a master shares dozens of keypoints
with it, in the same geometry. Animation frames look alike (the same line art and fills), so
descriptor similarity alone proves nothing; only a consistent similarity transform with
spread-out inliers counts. ORB is patent-free, fast on 2 cores, and its 256-bit descriptors
go into the same FAISS binary index type as PDQ.

Per asset, the keypoints (in the master's own pixel coordinates) and descriptors are stored
in ``$CHAINWATCH_HOME/catalog/features/<sha[:2]>/<sha>.npz``; the voting index over all of them
is a cache beside it, named after the set of assets it holds.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import faiss
import numpy as np

from chainwatch.catalog.fingerprint import shrink
from chainwatch.catalog.index import one_thread

CATALOG_SIDE = 640  # masters are described at this longer side
QUERY_SIDE = 1024  # leaks may show the master small (collages): keep more pixels
SMALL_QUERY = 320  # a tiny leak is upscaled to this before ORB (its patches need room)
PAD = 32  # px of replicated edge around every picture before ORB (see orb())
CATALOG_FEATURES = 1000
QUERY_FEATURES = 2000
# FAST corner thresholds, tried in turn until a quarter of the features are found: a soft
# picture (a motion-blurred photo: 87 corners at 10, 359 at 5) needs a lower one, or even its
# JPEG copy verifies with too few inliers; sharp art stops at the first.
FAST_THRESHOLDS = (10, 5, 2)
MIN_INLIERS = 15  # unrelated generated frames reached at most 7 places; see docs/catalog.md
MIN_SPREAD = 8.0  # px: inliers bunched on one line or blob are not a match
RATIO = 0.8  # Lowe's ratio test, within one candidate
VOTE_DISTANCE = 48  # ORB Hamming distance that counts as a vote
VERIFY_ALL = 32  # catalogs with at most this many described frames skip the shortlist
SHORTLIST = 8
IVF_MIN = 300_000  # descriptors: above this the voting index is an IVF (approximate) one
IVF_PROBES = 16
_MEMO: dict[str, DescriptorIndex] = {}
_LOCK = threading.Lock()


@dataclass
class Features:
    xy: np.ndarray  # (n, 2) float32, in the picture's own pixel coordinates
    desc: np.ndarray  # (n, 32) uint8
    frame: np.ndarray  # (n,) int32: which frame of the asset (0 for images)

    def of_frame(self, frame: int) -> Features:
        keep = self.frame == frame
        return Features(self.xy[keep], self.desc[keep], self.frame[keep])

    def __len__(self) -> int:
        return len(self.desc)


@dataclass
class Verified:
    asset_id: int
    frame: int
    inliers: int
    matrix: np.ndarray  # 3x3: query pixel -> master pixel


def orb(image: np.ndarray, *, query: bool = False, frame: int = 0) -> Features:
    """ORB keypoints of an RGB picture, coordinates given in its original pixels."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    grey, scale = shrink(grey, QUERY_SIDE if query else CATALOG_SIDE)
    if query and max(grey.shape) < SMALL_QUERY:
        scale = SMALL_QUERY / max(grey.shape)
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    # ORB ignores a 31 px margin (its patch size); a crop of a quarter of a 512 px frame would
    # lose half its keypoints. Replicating the edge lets corners near it count: 47 of 48
    # quarter crops verified instead of 38 on the generated catalog.
    grey = cv2.copyMakeBorder(grey, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
    n = QUERY_FEATURES if query else CATALOG_FEATURES
    for threshold in FAST_THRESHOLDS:
        detector = cv2.ORB_create(nfeatures=n, fastThreshold=threshold)
        keypoints, desc = detector.detectAndCompute(grey, None)
        if desc is not None and len(keypoints) >= n // 4:
            break
    if desc is None or not keypoints:
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), _frames(0, 0))
    xy = (np.array([k.pt for k in keypoints], np.float32) - PAD) / scale
    return Features(xy, desc, _frames(len(desc), frame))


def _frames(n: int, frame: int) -> np.ndarray:
    return np.full(n, frame, np.int32)


def concat(parts: list[Features]) -> Features:
    if not parts:
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), _frames(0, 0))
    return Features(
        np.concatenate([p.xy for p in parts]),
        np.concatenate([p.desc for p in parts]),
        np.concatenate([p.frame for p in parts]),
    )


def features_path(folder: Path, sha256: str) -> Path:
    return folder / "features" / sha256[:2] / f"{sha256}.npz"


def save_features(folder: Path, sha256: str, feats: Features) -> None:
    path = features_path(folder, sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, xy=feats.xy.astype(np.float32), desc=feats.desc, frame=feats.frame)
    os.replace(tmp, path)


def load_features(folder: Path, sha256: str) -> Features | None:
    path = features_path(folder, sha256)
    try:
        with np.load(path) as z:
            return Features(z["xy"], z["desc"], z["frame"])
    except (OSError, KeyError, ValueError):
        return None


class DescriptorIndex:
    """All catalog descriptors in one FAISS binary index, each row owned by (asset, frame)."""

    def __init__(self, owners: np.ndarray, desc: np.ndarray) -> None:
        self.owners = owners  # (n, 2) int64: asset id, frame
        desc = np.ascontiguousarray(desc, np.uint8)
        if len(desc) > IVF_MIN:  # ~1,000 masters: an exhaustive scan per query would take seconds
            nlist = int(4 * np.sqrt(len(desc)))
            self.index = faiss.IndexBinaryIVF(faiss.IndexBinaryFlat(256), 256, nlist)
            sample = np.random.default_rng(0).choice(len(desc), min(len(desc), 64 * nlist), False)
            self.index.train(desc[np.sort(sample)])
            self.index.nprobe = IVF_PROBES
        else:
            self.index = faiss.IndexBinaryFlat(256)
        if len(desc):
            self.index.add(desc)

    def described(self) -> np.ndarray:
        """The distinct (asset, frame) pairs held, computed once."""
        if getattr(self, "_described", None) is None:
            self._described = np.unique(self.owners, axis=0) if len(self.owners) else self.owners
        return self._described

    def vote(self, desc: np.ndarray, k: int = 4) -> list[tuple[int, int, int]]:
        """(asset, frame, votes), most votes first: one vote per query descriptor and owner."""
        if not self.index.ntotal or not len(desc):
            return []
        k = min(k, self.index.ntotal)
        with one_thread():  # see index.one_thread: predictable on a busy machine
            dist, pos = self.index.search(np.ascontiguousarray(desc, np.uint8), k)
        ok = (dist <= VOTE_DISTANCE) & (pos >= 0)
        qi, col = np.nonzero(ok)
        owner = self.owners[pos[qi, col]]
        pairs = np.unique(np.column_stack([qi, owner]), axis=0)[:, 1:]
        if not len(pairs):
            return []
        keys, counts = np.unique(pairs, axis=0, return_counts=True)
        order = np.argsort(-counts, kind="stable")
        return [(int(keys[i, 0]), int(keys[i, 1]), int(counts[i])) for i in order]


def descriptor_index(folder: Path, assets: list[tuple[int, str]]) -> DescriptorIndex:
    """The voting index over ``assets`` ((id, sha256), in id order): memory, disk or rebuilt."""
    text = "\n".join([f"ivf>{IVF_MIN}", *(f"{a}:{s}" for a, s in assets)])
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = folder / f"orb-{key}.faiss"
    with _LOCK:
        memo = _MEMO.get(str(path))
        if memo is not None:
            return memo
        index = None
        if path.is_file():
            try:
                index = DescriptorIndex.__new__(DescriptorIndex)
                index.index = faiss.read_index_binary(str(path))
                index.owners = np.load(path.with_suffix(".owners.npy"))
                if isinstance(index.index, faiss.IndexBinaryIVF):
                    index.index.nprobe = IVF_PROBES
            except (RuntimeError, OSError, ValueError):
                index = None
        if index is None:
            owners, descs = [], []
            for asset_id, sha in assets:
                feats = load_features(folder, sha)
                if feats is None or not len(feats):
                    continue
                owners.append(np.column_stack([np.full(len(feats), asset_id), feats.frame]))
                descs.append(feats.desc)
            index = DescriptorIndex(
                np.concatenate(owners).astype(np.int64) if owners else np.zeros((0, 2), np.int64),
                np.concatenate(descs) if descs else np.zeros((0, 32), np.uint8),
            )
            try:
                for old in folder.glob("orb-*"):
                    old.unlink(missing_ok=True)
                faiss.write_index_binary(index.index, str(path))
                np.save(path.with_suffix(".owners.npy"), index.owners)
            except OSError:
                pass
        _MEMO.clear()
        _MEMO[str(path)] = index
        return index


def verify(query: Features, master: Features) -> tuple[int, np.ndarray | None]:
    """Inliers of the best similarity transform query -> master (0 and None if none holds).

    A partial affine model (rotation, uniform scale, shift) covers crops, resizes, rotations
    and screenshots; with 4 degrees of freedom instead of a homography's 8 it cannot bend to
    fit coincidental matches along one line of line art.
    """
    if len(query) < 8 or len(master) < 8:
        return 0, None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(query.desc, master.desc, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_INLIERS:
        return 0, None
    src = query.xy[[m.queryIdx for m in good]]
    dst = master.xy[[m.trainIdx for m in good]]
    extent = max(float(np.ptp(master.xy[:, 0])), float(np.ptp(master.xy[:, 1])), 1.0)
    scale = extent / CATALOG_SIDE  # >1 when the master was described scaled down
    matrix, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0 * max(scale, 1.0)
    )
    if matrix is None or mask is None:
        return 0, None
    inl = mask.ravel().astype(bool)
    # ORB finds one corner at several pyramid levels: count places, not keypoints, or three
    # coincidental corners can pass as sixteen inliers (seen between unrelated frames).
    n = min(_places(src[inl], 1.0), _places(dst[inl], max(scale, 1.0)))
    zoom = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    if n < MIN_INLIERS or not 0.1 < zoom < 10:
        return 0, None
    pts = dst[inl] / max(scale, 1.0)
    spread = np.linalg.svd(pts - pts.mean(0), compute_uv=False) / np.sqrt(len(pts))
    if spread[1] < MIN_SPREAD:
        return 0, None
    return n, np.vstack([matrix, [0.0, 0.0, 1.0]])


def _places(xy: np.ndarray, scale: float) -> int:
    """Distinct 4 px cells (in described pixels) among the points."""
    return len(np.unique(np.floor(xy / (4.0 * scale)).astype(np.int64), axis=0))


def score(inliers: int) -> float:
    """0..1, rising with inliers: 15 -> 0.33, 50 -> 0.62, 200 -> 0.87."""
    return round(inliers / (inliers + 30.0), 4)
