"""Informed detection: which issued copy is this?

Steps, each because a leak chain does it to the copy:
1. register the suspect to the master (SIFT + RANSAC homography, then ECC refinement):
   undoes crops, rescaling, rotation, screenshots' borders;
2. estimate the channel: a blur (chosen among a few σ by least residual) and a tone curve
   (per-intensity mapping of the blurred master, then a per-colour correction for hue and
   saturation edits), and subtract the predicted copy: what is left is the mark plus noise;
3. weight the residual by the embedding mask and by the inverse local noise power (a matched
   filter), project it onto the pattern grid, and correlate with every candidate's pattern;
4. calibrate with decoy keys (patterns no copy carries): z-scores against chance, and a
   false-accusation probability from the Gaussian tail, corrected for the number of
   candidates. Only candidates above a conservative z are named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from chainwatch.marking.images import luminance
from chainwatch.marking.keys import StudioKey
from chainwatch.marking.watermark import grid_for, interp_matrix, key_bits, texture_mask

Z_ACCUSE = 6.0  # one-sided Gaussian tail 1e-9 per candidate
N_DECOYS = 200
MIN_INLIERS = 12
WORK_SIDE = 1000  # feature matching at most this long side
BLUR_SIGMAS = (0.0, 0.7, 1.2, 1.8, 2.5, 3.5)
SIFT_CONTRAST = (0.04, 0.01)  # OpenCV's default, then the retry for soft pictures
SOFT_FEATURES = 300  # fewer keypoints than this on either side allow the retry


@dataclass(frozen=True)
class CandidateScore:
    label: str  # the issue id
    z: float
    p_false_accusation: float
    accused: bool

    def to_dict(self) -> dict:
        return {
            "issue_id": self.label,
            "z": round(self.z, 2),
            "p_false_accusation": self.p_false_accusation,
            "accused": self.accused,
        }


@dataclass
class Detection:
    registered: bool
    inliers: int = 0
    registration: str = ""  # features (SIFT + RANSAC), or the fallback for featureless copies
    blur_sigma: float | None = None
    overlap: float = 0.0  # share of the master the suspect covers
    decoys: int = 0
    max_decoy_z: float | None = None
    threshold_z: float = Z_ACCUSE
    scores: list[CandidateScore] = field(default_factory=list)
    note: str = ""
    decoy_z: list[float] = field(default_factory=list, repr=False)  # to combine frames

    @property
    def accused(self) -> list[CandidateScore]:
        return [s for s in self.scores if s.accused]

    def to_dict(self) -> dict:
        return {
            "registered": self.registered,
            "inliers": self.inliers,
            "registration": self.registration,
            "blur_sigma": self.blur_sigma,
            "overlap": round(self.overlap, 3),
            "decoys": self.decoys,
            "max_decoy_z": None if self.max_decoy_z is None else round(self.max_decoy_z, 2),
            "threshold_z": self.threshold_z,
            "scores": [s.to_dict() for s in self.scores],
            "note": self.note,
        }


def gaussian_tail(z: float) -> float:
    """P(N(0,1) > z)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def _u8(lum: np.ndarray) -> np.ndarray:
    return np.clip(lum + 0.5, 0, 255).astype(np.uint8)


def _scale_matrix(s: float) -> np.ndarray:
    """Pixel-centre-correct scaling of coordinates by ``s`` (as cv2.resize maps them)."""
    return np.array([[s, 0, 0.5 * s - 0.5], [0, s, 0.5 * s - 0.5], [0, 0, 1]], dtype=np.float64)


def _work(lum: np.ndarray) -> tuple[np.ndarray, float]:
    s = min(1.0, WORK_SIDE / max(lum.shape))
    if s == 1.0:
        return _u8(lum), 1.0
    size = (round(lum.shape[1] * s), round(lum.shape[0] * s))
    return _u8(cv2.resize(lum, size, interpolation=cv2.INTER_AREA)), s


def _features(img: np.ndarray, contrast: float = SIFT_CONTRAST[0]):
    return cv2.SIFT_create(nfeatures=5000, contrastThreshold=contrast).detectAndCompute(img, None)


def _homography(ks, ds, km, dm) -> tuple[np.ndarray | None, int]:
    if dm is None or ds is None or len(km) < 4 or len(ks) < 4:
        return None, 0
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(ds, dm, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        return None, len(good)
    src = np.float32([ks[m.queryIdx].pt for m in good])
    dst = np.float32([km[m.trainIdx].pt for m in good])
    h, inl = cv2.findHomography(src, dst, cv2.RANSAC, 3.0, maxIters=5000, confidence=0.999)
    n = int(inl.sum()) if inl is not None else 0
    return (h, n) if _plausible(h) and n >= MIN_INLIERS else (None, n)


def _plausible(h: np.ndarray | None) -> bool:
    """A leak's geometry: scale within 1/8..8 (area 1/64..64), no mirror, mild perspective."""
    if h is None or not np.all(np.isfinite(h)) or abs(h[2, 2]) < 1e-9:
        return False
    h = h / h[2, 2]
    det = float(np.linalg.det(h[:2, :2]))
    return 1 / 64 <= det <= 64 and float(np.abs(h[2, :2]).max()) < 0.01


def register(master_lum: np.ndarray, suspect_lum: np.ndarray) -> tuple[np.ndarray | None, int]:
    """Homography mapping suspect pixel coordinates to master ones, and its RANSAC inliers.

    A blurred or downscaled copy loses the fine detail SIFT keys on (pencil grain): when the
    sharp master gives few inliers, a blurred master is tried too and the better fit kept.
    A soft picture (a motion-blurred photo: 3 SIFT keypoints at OpenCV's default contrast
    threshold) is retried at a low one when nothing registered.
    """
    sw, ss = _work(suspect_lum)
    best: tuple[np.ndarray | None, int] = (None, 0)
    for contrast in SIFT_CONTRAST:
        ks, ds = _features(sw, contrast)
        few = len(ks) < SOFT_FEATURES
        for sigma in (0.0, 2.0):
            mw, ms = _work(cv2.GaussianBlur(master_lum, (0, 0), sigma) if sigma else master_lum)
            km, dm = _features(mw, contrast)
            few |= len(km) < SOFT_FEATURES
            h, n = _homography(ks, ds, km, dm)
            if h is not None and n > best[1]:
                full = np.linalg.inv(_scale_matrix(ms)) @ h @ _scale_matrix(ss)
                best = (full / full[2, 2], n)
            if best[1] >= 40:
                break
        if best[0] is not None or not few:
            break
    return best if best[0] is not None else (None, max(best[1], 0))


def _similarity(master_lum: np.ndarray, suspect_lum: np.ndarray, to_master: np.ndarray) -> float:
    """Correlation of the master with the suspect warped onto it (where they overlap)."""
    to_suspect = np.linalg.inv(to_master)
    reg = _warp(suspect_lum, to_suspect, master_lum.shape)
    valid = _warp(np.ones(suspect_lum.shape, np.float32), to_suspect, master_lum.shape) > 0.999
    if valid.mean() < 0.02:
        return -1.0
    a, b = master_lum[valid], reg[valid]
    sa, sb = a.std(), b.std()
    return float(((a - a.mean()) * (b - b.mean())).mean() / (sa * sb)) if sa and sb else -1.0


def register_fallback(master_lum: np.ndarray, suspect_lum: np.ndarray) -> np.ndarray | None:
    """For copies without enough features (a crop of sky, a gradient): try a plain rescale of
    the whole frame and a plain crop (template match), keep one that correlates well."""
    hyps = []
    (mh, mw), (sh, sw) = master_lum.shape, suspect_lum.shape
    if abs(mw / mh - sw / sh) < 0.02 * (mw / mh):
        sx, sy = mw / sw, mh / sh
        hyps.append(np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]]))
    if sh <= mh and sw <= mw and (sh, sw) != (mh, mw):
        r = min(1.0, 360 / min(mh, mw))
        m_small = cv2.resize(
            master_lum, (round(mw * r), round(mh * r)), interpolation=cv2.INTER_AREA
        )
        s_small = cv2.resize(
            suspect_lum, (round(sw * r), round(sh * r)), interpolation=cv2.INTER_AREA
        )
        if s_small.shape[0] <= m_small.shape[0] and s_small.shape[1] <= m_small.shape[1]:
            res = cv2.matchTemplate(m_small, s_small, cv2.TM_CCOEFF_NORMED)
            _, _, _, (x, y) = cv2.minMaxLoc(res)
            hyps.append(np.array([[1.0, 0, x / r], [0, 1.0, y / r], [0, 0, 1.0]]))
    scored = [(_similarity(master_lum, suspect_lum, h), i) for i, h in enumerate(hyps)]
    best = max(scored, default=(-1.0, -1))
    return hyps[best[1]] if best[0] >= 0.9 else None


def _refine(master_lum: np.ndarray, warped: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """ECC homography (identity if it fails) that aligns ``warped`` better to the master."""
    s = min(1.0, 400 / min(master_lum.shape))
    t, w, v = master_lum, warped, valid.astype(np.uint8)
    if s < 1.0:
        size = (round(t.shape[1] * s), round(t.shape[0] * s))
        t = cv2.resize(t, size, interpolation=cv2.INTER_AREA)
        w = cv2.resize(w, size, interpolation=cv2.INTER_AREA)
        v = cv2.resize(v, size, interpolation=cv2.INTER_NEAREST)
    warp = np.eye(3, dtype=np.float32)
    crit = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 1e-4)
    try:
        _, warp = cv2.findTransformECC(t, w, warp, cv2.MOTION_HOMOGRAPHY, crit, v, 5)
    except cv2.error:
        return np.eye(3)
    warp = warp.astype(np.float64)
    if s < 1.0:
        sm = _scale_matrix(s)
        warp = np.linalg.inv(sm) @ warp @ sm
    if not np.all(np.isfinite(warp)) or np.abs(warp[:2, 2]).max() > 8:
        return np.eye(3)  # ECC wandered off: keep the feature-based estimate
    return warp / warp[2, 2]


def _warp(img: np.ndarray, to_suspect: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return cv2.warpPerspective(
        img,
        to_suspect,
        (shape[1], shape[0]),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )


def _tone_fit(pred_src: np.ndarray, target: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per-intensity mapping (256 bins, interpolated) of ``pred_src`` onto ``target``."""
    bins = np.clip(np.rint(pred_src[valid]), 0, 255).astype(np.int64)
    counts = np.bincount(bins, minlength=256)
    sums = np.bincount(bins, weights=target[valid], minlength=256)
    have = counts > 0
    if have.sum() < 2:
        return np.full_like(pred_src, float(target[valid].mean()) if valid.any() else 0.0)
    levels = np.arange(256, dtype=np.float64)
    table = np.interp(levels, levels[have], sums[have] / counts[have])
    return np.interp(pred_src, levels, table).astype(np.float32)


def _colour_correct(resid: np.ndarray, master: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Remove per-colour offsets left by hue/saturation edits (cel fills have few colours)."""
    if master.ndim != 3:
        return resid
    x = master[:, :, :3]
    if x.dtype == np.uint16:
        x = (x >> 8).astype(np.uint8)
    q = (x >> 3).astype(np.int64)
    idx = (q[:, :, 0] << 10) | (q[:, :, 1] << 5) | q[:, :, 2]
    counts = np.bincount(idx[valid], minlength=1 << 15)
    sums = np.bincount(idx[valid], weights=resid[valid], minlength=1 << 15)
    mean = np.where(counts >= 64, sums / np.maximum(counts, 1), 0.0).astype(np.float32)
    return resid - mean[idx]


def _residual(master: np.ndarray, master_lum: np.ndarray, reg: np.ndarray, valid: np.ndarray):
    """Suspect minus the predicted copy (best blur + tone curve); returns (residual, σ)."""
    sub = valid.copy()
    sub[1::2, :] = False
    sub[:, 1::2] = False
    best = (math.inf, 0.0)
    for sigma in BLUR_SIGMAS:
        src = cv2.GaussianBlur(master_lum, (0, 0), sigma) if sigma else master_lum
        pred = _tone_fit(src, reg, sub)
        err = float(np.mean((reg[sub] - pred[sub]) ** 2))
        best = min(best, (err, sigma))
    sigma = best[1]
    src = cv2.GaussianBlur(master_lum, (0, 0), sigma) if sigma else master_lum
    resid = (reg - _tone_fit(src, reg, valid)) * valid
    resid = _colour_correct(resid, master, valid) * valid
    return resid.astype(np.float32), sigma


def detect_mark(
    master: np.ndarray,
    suspect: np.ndarray,
    candidates: dict[str, bytes],
    key: StudioKey,
    *,
    n_decoys: int = N_DECOYS,
    threshold_z: float = Z_ACCUSE,
) -> Detection:
    """Score ``suspect`` against each candidate issue key (label → key) of ``master``."""
    m_lum = luminance(master)
    s_lum = luminance(suspect)
    to_master, inliers = register(m_lum, s_lum)
    method = "features"
    if to_master is None:  # re-posts are often mirrored, and SIFT is not mirror-invariant
        h, n = register(m_lum, np.ascontiguousarray(s_lum[:, ::-1]))
        if h is not None:
            flip = np.array([[-1.0, 0, s_lum.shape[1] - 1], [0, 1, 0], [0, 0, 1]])
            to_master, inliers, method = h @ flip, n, "features (mirrored copy)"
    if to_master is None:
        to_master, method = register_fallback(m_lum, s_lum), "whole-frame or crop match"
    if to_master is None:
        return Detection(False, inliers, note="could not register the copy to the master")
    shape = m_lum.shape
    to_suspect = np.linalg.inv(to_master)
    ones = np.ones(s_lum.shape, np.float32)
    reg = _warp(s_lum, to_suspect, shape)
    valid = _warp(ones, to_suspect, shape) > 0.999
    to_suspect = to_suspect @ _refine(m_lum, reg, valid)
    reg = _warp(s_lum, to_suspect, shape)
    valid = cv2.erode(
        (_warp(ones, to_suspect, shape) > 0.999).astype(np.uint8), np.ones((7, 7), np.uint8)
    ).astype(bool)
    overlap = float(valid.mean())
    if overlap < 0.02:
        return Detection(False, inliers, overlap=overlap, note="the copy covers too little")

    resid, sigma = _residual(master, m_lum, reg, valid)
    grid = grid_for(shape)
    vf = valid.astype(np.float32)
    hp = 3.0 * grid  # drop what varies slower than the pattern: tone and registration drift
    resid = (
        resid
        - cv2.GaussianBlur(resid, (0, 0), hp) / np.maximum(cv2.GaussianBlur(vf, (0, 0), hp), 1e-3)
    ) * vf
    noise = cv2.GaussianBlur(resid * resid, (0, 0), 8.0) / np.maximum(
        cv2.GaussianBlur(vf, (0, 0), 8.0), 1e-3
    )
    weighted = resid / (noise + 0.25)
    if sigma:
        weighted = cv2.GaussianBlur(weighted, (0, 0), sigma)
    weighted *= texture_mask(m_lum) * vf
    uy = interp_matrix(shape[0], grid)
    ux = interp_matrix(shape[1], grid)
    proj = (uy.T @ weighted) @ ux  # adjoint of the pattern's interpolation
    gshape = proj.shape

    def score(k: bytes) -> float:
        return float(np.vdot(proj, key_bits(k, gshape)))

    decoys = np.array([score(key.decoy_key(i)) for i in range(n_decoys)])
    mu, sd = float(decoys.mean()), float(decoys.std(ddof=1)) if n_decoys > 1 else 1.0
    sd = sd or 1.0
    n = max(1, len(candidates))
    scores = []
    for label, k in candidates.items():
        z = (score(k) - mu) / sd
        p = min(1.0, n * gaussian_tail(z))
        scores.append(CandidateScore(label, z, p, z >= threshold_z))
    scores.sort(key=lambda s: -s.z)
    return Detection(
        True,
        inliers,
        registration=method,
        blur_sigma=sigma,
        overlap=overlap,
        decoys=n_decoys,
        max_decoy_z=float((decoys.max() - mu) / sd),
        threshold_z=threshold_z,
        scores=scores,
        decoy_z=((decoys - mu) / sd).tolist(),
    )
