"""Blind detection: whose copy is this, when its master cannot be found?

Informed detection subtracts the master; without it the picture itself is the noise the mark
must be found in. What helps: the mark is a keyed pattern at a known cell size on a known
frame size (every issued copy's size is in its distribution row). So for each size a copy
was issued at whose aspect ratio the suspect shares, the suspect is resampled to that size
(undoing a resize), its picture is removed as far as a local filter can (the residual of a
median filter, which keeps line art's edges out better than a Gaussian), the residual is
weighted by the inverse of its local power (edges and texture are loud, flat fills quiet)
and by the texture mask the mark was shaped with (estimated from the suspect), projected
onto the pattern grid and correlated with every issued copy of that size and with decoys.

Calibration is the informed one: z against 200 decoy keys of the same size, p = N x tail(z)
for the N candidates tried over all sizes, and a recipient is named only at z >= 6. Blind
detection is weaker by design (the picture's own residual is far louder than a master-less
estimate can remove): it is meant for mild attacks (JPEG 70+, resizing, re-encoding at the
same geometry) and says so; crops and rotations need the master.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from chainwatch.marking.detect import N_DECOYS, Z_ACCUSE, CandidateScore, gaussian_tail
from chainwatch.marking.images import luminance
from chainwatch.marking.keys import StudioKey
from chainwatch.marking.watermark import grid_for, interp_matrix, key_bits, texture_mask

ASPECT_TOLERANCE = 0.02  # relative: a copy resized with rounding, not a crop
MEDIAN = 5


@dataclass
class BlindGroup:
    """Issued copies of one frame size: label -> key."""

    height: int
    width: int
    candidates: dict[str, bytes]


@dataclass
class BlindDetection:
    sizes_tried: list[tuple[int, int]] = field(default_factory=list)
    candidates: int = 0
    decoys: int = 0
    max_decoy_z: float | None = None
    threshold_z: float = Z_ACCUSE
    scores: list[CandidateScore] = field(default_factory=list)
    note: str = ""

    @property
    def accused(self) -> list[CandidateScore]:
        return [s for s in self.scores if s.accused]

    def to_dict(self) -> dict:
        return {
            "blind": True,
            "sizes_tried": [f"{w}x{h}" for h, w in self.sizes_tried],
            "candidates": self.candidates,
            "decoys": self.decoys,
            "max_decoy_z": None if self.max_decoy_z is None else round(self.max_decoy_z, 2),
            "threshold_z": self.threshold_z,
            "scores": [s.to_dict() for s in self.scores[:10]],
            "note": self.note,
        }


def same_aspect(a: tuple[int, int], b: tuple[int, int]) -> bool:
    ra, rb = a[1] / a[0], b[1] / b[0]
    return abs(ra - rb) <= ASPECT_TOLERANCE * rb


def residual_projection(lum: np.ndarray, grid: int) -> np.ndarray:
    """The suspect's luminance reduced to evidence on the pattern grid (no master)."""
    u8 = np.clip(lum + 0.5, 0, 255).astype(np.uint8)
    resid = lum - cv2.medianBlur(u8, MEDIAN).astype(np.float32)
    resid -= cv2.GaussianBlur(resid, (0, 0), 3.0 * grid)  # what varies slower than the mark
    noise = cv2.GaussianBlur(resid * resid, (0, 0), 4.0)
    weighted = resid / (noise + 0.25) * texture_mask(lum)
    uy = interp_matrix(lum.shape[0], grid)
    ux = interp_matrix(lum.shape[1], grid)
    return (uy.T @ weighted) @ ux


def _resample(lum: np.ndarray, h: int, w: int) -> np.ndarray:
    if lum.shape == (h, w):
        return lum
    up = h > lum.shape[0]
    return cv2.resize(lum, (w, h), interpolation=cv2.INTER_CUBIC if up else cv2.INTER_AREA)


def detect_blind(
    suspect: np.ndarray,
    groups: list[BlindGroup],
    key: StudioKey,
    *,
    n_decoys: int = N_DECOYS,
    threshold_z: float = Z_ACCUSE,
) -> BlindDetection:
    """Score ``suspect`` against every group whose frame size has its aspect ratio."""
    lum = luminance(suspect)
    usable = [g for g in groups if g.candidates and same_aspect(lum.shape, (g.height, g.width))]
    out = BlindDetection(threshold_z=threshold_z, decoys=n_decoys)
    if not usable:
        out.note = "no copy was issued at this picture's aspect ratio"
        return out
    n = sum(len(g.candidates) for g in usable)
    decoy_keys = [key.decoy_key(i) for i in range(n_decoys)]
    raw: list[tuple[str, float]] = []
    max_decoy = -math.inf
    for g in usable:
        grid = grid_for((g.height, g.width))
        proj = residual_projection(_resample(lum, g.height, g.width), grid)
        d = np.array([float(np.vdot(proj, key_bits(k, proj.shape))) for k in decoy_keys])
        mu, sd = float(d.mean()), float(d.std(ddof=1)) or 1.0
        max_decoy = max(max_decoy, float((d.max() - mu) / sd))
        for label, k in g.candidates.items():
            raw.append((label, (float(np.vdot(proj, key_bits(k, proj.shape))) - mu) / sd))
        out.sizes_tried.append((g.height, g.width))
    out.candidates = n
    out.max_decoy_z = max_decoy
    out.scores = sorted(
        (
            CandidateScore(lbl, z, min(1.0, n * gaussian_tail(z)), z >= threshold_z)
            for lbl, z in raw
        ),
        key=lambda s: -s.z,
    )
    return out
