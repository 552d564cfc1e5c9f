"""Video: every frame marked with the issue's key and re-encoded (H.264, CRF 16); detection
samples frames at the same positions in copy and master and adds up the evidence.

PyAV is the optional extra ``video`` (its wheels bundle FFmpeg with GPL x264), so this
module imports it lazily and says how to get it. Audio is not carried over; frames of a
leaked clip are assumed to keep their index (re-encodes at any CRF or size do; a trimmed
clip needs its offset, which the catalog's frame match can give: not done yet).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np

from chainwatch.errors import InputError
from chainwatch.marking.detect import CandidateScore, Detection, detect_mark, gaussian_tail
from chainwatch.marking.keys import StudioKey
from chainwatch.marking.watermark import DEFAULT_PSNR_DB, embed_mark, psnr, ssim

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm"})
CRF = 16
SAMPLE_FRAMES = 6


def _av():
    try:
        import av
    except ImportError:
        raise InputError(
            "video needs PyAV: pip install 'chainwatch[video]' (images work without it)"
        ) from None
    return av


def mark_video(
    src: Path, dst: Path, key: bytes, *, psnr_db: float = DEFAULT_PSNR_DB, keep_flat: bool = False
) -> dict:
    """Write ``dst``: every frame of ``src`` marked; returns frames, mean PSNR/SSIM, grid."""
    av = _av()
    try:
        inp = av.open(str(src))
    except (av.FFmpegError, OSError) as exc:
        raise InputError(f"{src}: not a video FFmpeg can read ({exc})") from None
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=dst.suffix)
    os.close(fd)
    stats = {"frames": 0, "psnr_db": [], "ssim": []}
    grid = None
    try:
        with inp, av.open(tmp, "w") as out:
            vin = next((s for s in inp.streams if s.type == "video"), None)
            if vin is None:
                raise InputError(f"{src}: no video stream")
            vout = out.add_stream("libx264", rate=vin.average_rate or 25)
            vout.width, vout.height = vin.codec_context.width, vin.codec_context.height
            vout.pix_fmt = "yuv420p"
            vout.options = {"crf": str(CRF), "preset": "fast"}
            for frame in inp.decode(vin):
                rgb = frame.to_ndarray(format="rgb24")
                marked, params = embed_mark(rgb, key, psnr_db=psnr_db, keep_flat=keep_flat)
                grid = params.grid
                if stats["frames"] % 10 == 0:  # quality sampled: every frame would double cost
                    stats["psnr_db"].append(psnr(rgb, marked))
                    stats["ssim"].append(ssim(rgb, marked))
                stats["frames"] += 1
                for packet in vout.encode(av.VideoFrame.from_ndarray(marked, format="rgb24")):
                    out.mux(packet)
            for packet in vout.encode():
                out.mux(packet)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if not stats["frames"]:
        dst.unlink(missing_ok=True)
        raise InputError(f"{src}: no frames")
    finite = [p for p in stats["psnr_db"] if math.isfinite(p)]
    return {
        "frames": stats["frames"],
        "psnr_db": round(float(np.mean(finite)), 2) if finite else None,
        "ssim": round(float(np.mean(stats["ssim"])), 5),
        "grid": grid,
        "crf": CRF,
    }


def read_frames(
    path: Path, count: int = SAMPLE_FRAMES, indices: set[int] | None = None
) -> dict[int, np.ndarray]:
    """Frames by index: those in ``indices``, else ``count`` spread over the clip."""
    av = _av()
    try:
        with av.open(str(path)) as inp:
            stream = next(s for s in inp.streams if s.type == "video")
            total = stream.frames or 0
            if indices is None and total:
                indices = {round(i) for i in np.linspace(0, total - 1, min(count, total))}
            kept: dict[int, np.ndarray] = {}
            frames = []  # only when the container does not say how many frames it holds
            for i, f in enumerate(inp.decode(stream)):
                if indices is None:
                    frames.append(f.to_ndarray(format="rgb24"))
                elif i in indices:
                    kept[i] = f.to_ndarray(format="rgb24")
    except (av.FFmpegError, StopIteration, OSError) as exc:
        raise InputError(f"{path}: not a video FFmpeg can read ({exc})") from None
    if indices is None and frames:
        picks = {round(i) for i in np.linspace(0, len(frames) - 1, min(count, len(frames)))}
        kept = {i: frames[i] for i in picks}
    if not kept:
        raise InputError(f"{path}: no frames")
    return kept


def detect_video(
    master: Path, suspect: Path, candidates: dict[str, bytes], key: StudioKey
) -> Detection:
    """Detection on each sampled frame; the frames' z summed and calibrated on the decoys."""
    sus = read_frames(suspect)
    mas = read_frames(master, indices=set(sus))
    per = [detect_mark(mas[i], img, candidates, key) for i, img in sus.items() if i in mas]
    good = [d for d in per if d.registered]
    if not good:
        return Detection(False, note="no sampled frame registered to the master")
    n = len(good)
    # Frames of one clip are not independent (the pattern is static, scenes move slowly), so
    # summed z is standardised against the decoys' summed z, not divided by sqrt(frames).
    sums: dict[str, float] = {}
    for d in good:
        for s in d.scores:
            sums[s.label] = sums.get(s.label, 0.0) + s.z
    decoys = np.sum([d.decoy_z for d in good], axis=0)
    mu, sd = float(decoys.mean()), float(decoys.std(ddof=1)) or 1.0
    threshold = good[0].threshold_z
    m = max(1, len(candidates))
    scores = []
    for lbl, total in sums.items():
        z = (total - mu) / sd
        scores.append(CandidateScore(lbl, z, min(1.0, m * gaussian_tail(z)), z >= threshold))
    scores.sort(key=lambda s: -s.z)
    return Detection(
        True,
        inliers=min(d.inliers for d in good),
        registration=f"{n} frame(s): " + good[0].registration,
        blur_sigma=good[0].blur_sigma,
        overlap=min(d.overlap for d in good),
        decoys=good[0].decoys,
        max_decoy_z=float((decoys.max() - mu) / sd),
        threshold_z=threshold,
        scores=scores,
    )
