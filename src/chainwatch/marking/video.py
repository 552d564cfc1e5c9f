"""Video: every frame marked, the pattern changing every segment, other streams carried over;
detection aligns the leaked clip to the master in time and adds up evidence over all frames.

Why a pattern per segment. A pattern that is the same on every frame can be estimated by
averaging the noise residuals of many frames and then subtracted. Here frame ``i`` carries the
pattern of segment ``i // SEGMENT_FRAMES`` (12 frames, half a second at 24 fps), keyed
HMAC(issue key, segment): averaging across segments averages independent patterns towards
zero, and within a segment there are only 12 near-identical frames to estimate from.
Detection consequence: each suspect frame must be mapped to its master frame index (within
about a frame; a frame off by one lands in the wrong segment only at a boundary). Mapping is
by timestamp plus an offset found by matching grey thumbnails of both clips, so dropped or
duplicated frames, a changed frame rate and a clip cut out of the master all map correctly
(the catalog's frame match narrows the offset search for long masters). A bonus: patterns of
different segments are independent, so per-segment z-scores of a wrong key are independent
and combine exactly (sum / sqrt(n)); with one static pattern, frames of a clip were not
independent and summing them could accuse the wrong recipient.

Streams: audio (and subtitles) are remuxed packet for packet when the container takes the
codec, else audio is re-encoded (AAC, or Opus for WebM); what happened is in the stats.
PyAV is the optional extra ``video`` (its wheels bundle FFmpeg with GPL x264), so this module
imports it lazily and says how to get it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from chainwatch.errors import InputError
from chainwatch.marking.detect import (
    BLUR_SIGMAS,
    N_DECOYS,
    Z_ACCUSE,
    CandidateScore,
    Detection,
    gaussian_tail,
    register,
    register_fallback,
)
from chainwatch.marking.keys import StudioKey
from chainwatch.marking.watermark import (
    DEFAULT_PSNR_DB,
    FLAT_FLOOR,
    flat_pixels,
    grid_for,
    interp_matrix,
    key_bits,
    pattern,
    psnr,
    search_alpha,
    ssim,
    texture_mask,
)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm"})
VIDEO_METHOD = "cw-ss-luma-seg-v1"
CRF = 16
SEGMENT_FRAMES = 12
MAX_DETECT_FRAMES = 360  # frames scored per clip (spread over longer clips)
THUMB = (48, 27)  # grey thumbnails for time alignment
ALIGN_SAMPLES = 64
ALIGN_WINDOW_S = 4.0  # search around the catalog's offset when it gives one
MAX_ALIGN_COST = 0.5  # mean |normalised thumbnail difference| above this: not this master
SAMPLE_FRAMES = 6  # kept for callers that sample a clip (read_frames)

# codecs each container takes as they are (packet copy); others are re-encoded
_COPY_AUDIO = {
    ".mp4": {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"},
    ".m4v": {"aac", "mp3", "ac3", "eac3", "alac"},
    ".mov": {"aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s24le", "pcm_f32le"},
    ".mkv": None,  # Matroska takes anything
    ".webm": {"opus", "vorbis"},
    ".avi": {"mp3", "ac3", "pcm_s16le"},
}
_COPY_SUBTITLES = {".mkv": None, ".mp4": {"mov_text"}, ".m4v": {"mov_text"}, ".mov": {"mov_text"}}


def _av():
    try:
        import av
    except ImportError:
        raise InputError(
            "video needs PyAV: pip install 'chainwatch[video]' (images work without it)"
        ) from None
    return av


def segment_of(frame_index: int) -> int:
    return frame_index // SEGMENT_FRAMES


def segment_key(key: bytes, segment: int) -> bytes:
    """The pattern key of one segment of a clip: HMAC(issue key, segment number)."""
    return hmac.new(key, f"video-segment|{segment}".encode(), hashlib.sha256).digest()


# --- embedding ---------------------------------------------------------------------------


def _video_encoder(av, out, suffix: str, vin):
    rate = vin.average_rate or vin.guessed_rate or 25
    if suffix == ".webm":
        vout = out.add_stream("libvpx-vp9", rate=rate)
        vout.options = {"crf": "20", "b": "0", "deadline": "good", "cpu-used": "4"}
    else:
        vout = out.add_stream("libx264", rate=rate)
        vout.options = {"crf": str(CRF), "preset": "fast"}
    vout.width, vout.height = vin.codec_context.width, vin.codec_context.height
    vout.pix_fmt = "yuv420p"
    vout.thread_type = "AUTO"
    return vout


def _audio_encoder(av, out, suffix: str, ain):
    codec = "libopus" if suffix == ".webm" else "aac"
    rate = ain.codec_context.sample_rate or 48000
    if codec == "libopus":
        rate = 48000
    aout = out.add_stream(codec, rate=rate)
    with contextlib.suppress(AttributeError, ValueError):  # keep stereo/5.1 as it was
        aout.layout = ain.codec_context.layout.name
    return aout


def _copyable(table: dict, suffix: str, codec: str) -> bool:
    allowed = table.get(suffix, set())
    return allowed is None or codec in allowed


def _codec_name(stream) -> str:
    """The codec's canonical name ("mp3", not the decoder's "mp3float")."""
    ctx = stream.codec_context
    if ctx is None:
        return ""
    return getattr(ctx.codec, "canonical_name", None) or ctx.name


def _open_output(av, path: str, suffix: str, inp, vin, reencode_all: bool):
    """Output container with the video encoder and a plan for each other stream:
    (input stream, output stream, "copied" | "re-encoded")."""
    out = av.open(path, "w", format="matroska" if suffix == ".mkv" else None)
    vout = _video_encoder(av, out, suffix, vin)
    plan = []
    for s in inp.streams:
        if s is vin or s.type not in ("audio", "subtitle"):
            continue
        name = _codec_name(s)
        table = _COPY_AUDIO if s.type == "audio" else _COPY_SUBTITLES
        if not reencode_all and _copyable(table, suffix, name):
            try:
                plan.append((s, out.add_stream_from_template(s), "copied"))
                continue
            except (ValueError, av.FFmpegError):
                pass
        if s.type == "audio":
            try:
                plan.append((s, _audio_encoder(av, out, suffix, s), "re-encoded"))
            except (ValueError, av.FFmpegError):
                plan.append((s, None, "dropped"))
        else:
            plan.append((s, None, "dropped"))
    out.start_encoding()  # writes the header: a codec the container refuses fails here
    return out, vout, plan


def mark_video(
    src: Path, dst: Path, key: bytes, *, psnr_db: float = DEFAULT_PSNR_DB, keep_flat: bool = False
) -> dict:
    """Write ``dst``: every frame of ``src`` marked with its segment's pattern, audio and
    subtitles carried over. Returns frames, mean PSNR/SSIM, grid, CRF, segment length and
    what happened to each other stream."""
    av = _av()
    try:
        inp = av.open(str(src))
    except (av.FFmpegError, OSError) as exc:
        raise InputError(f"{src}: not a video FFmpeg can read ({exc})") from None
    suffix = dst.suffix.lower()
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=dst.suffix)
    os.close(fd)
    stats: dict = {"frames": 0, "psnr_db": [], "ssim": [], "embed_s": 0.0, "embed_cpu_s": 0.0}
    stats["pattern"] = (None, None)  # (segment, its full-size pattern): one per 12 frames
    grid = None
    try:
        with inp:
            vin = next((s for s in inp.streams if s.type == "video"), None)
            if vin is None:
                raise InputError(f"{src}: no video stream")
            vin.thread_type = "AUTO"
            try:
                out, vout, plan = _open_output(av, tmp, suffix, inp, vin, reencode_all=False)
            except av.FFmpegError:  # a stream copy the container refused: re-encode instead
                Path(tmp).unlink(missing_ok=True)
                out, vout, plan = _open_output(av, tmp, suffix, inp, vin, reencode_all=True)
            streams = {s.index: (o, how) for s, o, how in plan}
            carried = [
                {"index": s.index, "type": s.type, "codec": _codec_name(s), "handled": how}
                for s, _, how in plan
            ]
            with out:
                wanted = [vin] + [s for s, o, _ in plan if o is not None]
                for packet in inp.demux(*wanted):
                    if packet.stream.index == vin.index:
                        for frame in packet.decode():
                            grid = _mark_frame(av, frame, key, stats, out, vout, psnr_db, keep_flat)
                        continue
                    o, how = streams[packet.stream.index]
                    if how == "copied":
                        if packet.dts is None:
                            continue  # demuxer's flush packet
                        packet.stream = o
                        out.mux(packet)
                    else:
                        for af in packet.decode():
                            af.pts = None  # the encoder re-times resampled frames
                            out.mux(o.encode(af))
                for o, how in streams.values():
                    if how == "re-encoded":
                        out.mux(o.encode(None))
                out.mux(vout.encode(None))
        os.replace(tmp, dst)
    except av.FFmpegError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{src}: FFmpeg could not mark this video ({exc})") from None
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
        "segment_frames": SEGMENT_FRAMES,
        "video_method": VIDEO_METHOD,
        "embed_s_per_frame": round(stats["embed_s"] / stats["frames"], 4),  # wall clock
        # CPU of the marking thread: what the mark costs when the machine is not shared
        "embed_cpu_s_per_frame": round(stats["embed_cpu_s"] / stats["frames"], 4),
        "streams": carried,
    }


def video_grid(shape: tuple[int, ...]) -> int:
    """Pattern cell of video: twice the image one (8 px at 1080p). Leaked clips are mostly
    downscaled and re-encoded hard (CRF 35 at half size keeps little above 1/8 cycle/px)."""
    return min(16, 2 * grid_for(shape))


def _solve_alpha(shaped: np.ndarray, psnr_db: float, gain: float) -> float:
    """Strongest amplitude whose rounded Y delta stays at or above ``psnr_db`` in RGB terms
    (a Y step of 1 is 255/219 RGB levels on every channel). Solved on a 1/9 subsample."""
    sub = shaped[::3, ::3]
    rms = float(np.sqrt(np.mean(sub * sub)))
    if rms == 0:
        return 0.0

    def got(a: float) -> float:
        q = np.rint(a * gain * sub) / gain
        mse = float(np.mean(q * q))
        return math.inf if mse == 0 else 10 * math.log10(255.0 * 255.0 / mse)

    return search_alpha(got, 255.0 * 10 ** (-psnr_db / 20) / rms, psnr_db, 12)[0]


def embed_luma(
    y: np.ndarray,
    key: bytes,
    *,
    psnr_db: float = DEFAULT_PSNR_DB,
    keep_flat: bool = False,
    grid: int | None = None,
    pat: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Mark a limited-range Y plane (uint8) as ``embed_mark`` marks RGB: the same texture
    mask and keyed pattern, the amplitude solved for ``psnr_db`` measured in RGB. Working on
    the decoded plane skips two colour conversions per frame (the 0.1 s/frame budget)."""
    gain = 219.0 / 255.0
    lum = y.astype(np.float32) * (1.0 / gain)
    mask = texture_mask(lum, 0.0 if keep_flat else FLAT_FLOOR)
    flat = flat_pixels(y) if keep_flat else None
    if flat is not None:
        mask[flat] = 0.0
    if pat is None:
        pat = pattern(key, y.shape, grid or video_grid(y.shape))
    shaped = mask * pat
    alpha = _solve_alpha(shaped, psnr_db, gain)
    d = np.rint(shaped * (alpha * gain))
    out = np.clip(y.astype(np.int16) + d.astype(np.int16), 0, 255).astype(np.uint8)
    if flat is not None:
        out[flat] = y[flat]
    return out, alpha


def _mark_frame(av, frame, key, stats, out, vout, psnr_db, keep_flat) -> int:
    i = stats["frames"]
    src = frame if frame.format.name == "yuv420p" else frame.reformat(format="yuv420p")
    planes = src.to_ndarray()
    h = src.height
    t0, c0 = time.perf_counter(), time.thread_time()
    seg = segment_of(i)
    cache = stats.setdefault("pattern", (None, None))
    grid = video_grid((h, src.width))
    if cache[0] != seg:
        cache = (seg, pattern(segment_key(key, seg), (h, src.width), grid))
        stats["pattern"] = cache
    marked_y, _ = embed_luma(
        planes[:h], key, psnr_db=psnr_db, keep_flat=keep_flat, grid=grid, pat=cache[1]
    )
    planes = planes.copy()
    planes[:h] = marked_y
    new = av.VideoFrame.from_ndarray(planes, format="yuv420p")
    stats["embed_s"] += time.perf_counter() - t0
    stats["embed_cpu_s"] += time.thread_time() - c0
    if i % 10 == 0:  # quality sampled (in RGB, as a viewer sees it): every frame doubles cost
        a, b = src.to_ndarray(format="rgb24"), new.to_ndarray(format="rgb24")
        stats["psnr_db"].append(psnr(a, b))
        stats["ssim"].append(ssim(a, b))
    stats["frames"] += 1
    out.mux(vout.encode(new))
    return grid


# --- reading -------------------------------------------------------------------------------


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


def _frames(path: Path, wanted: set[int] | None = None, thumbs: bool = False, gray: bool = False):
    """Yield (index, time s, picture) for each decoded frame: RGB, full-range luma with
    ``gray`` (what detection works on), or a grey thumbnail with ``thumbs``."""
    av = _av()
    try:
        with av.open(str(path)) as inp:
            stream = next((s for s in inp.streams if s.type == "video"), None)
            if stream is None:
                raise InputError(f"{path}: no video stream")
            stream.thread_type = "AUTO"
            rate = float(stream.average_rate or 25)
            for i, f in enumerate(inp.decode(stream)):
                t = float(f.time) if f.time is not None else i / rate
                if thumbs:
                    g = f.reformat(width=THUMB[0], height=THUMB[1], format="gray")
                    yield i, t, g.to_ndarray().astype(np.float32)
                elif wanted is None or i in wanted:
                    yield i, t, f.to_ndarray(format="gray" if gray else "rgb24")
    except (av.FFmpegError, OSError) as exc:
        raise InputError(f"{path}: not a video FFmpeg can read ({exc})") from None


def _thumbs(path: Path) -> tuple[np.ndarray, np.ndarray]:
    times, pics = [], []
    for _, t, g in _frames(path, thumbs=True):
        g = g - g.mean()
        pics.append(g / (g.std() + 4.0))  # tone changes and flat frames do not dominate
        times.append(t)
    if not pics:
        raise InputError(f"{path}: no frames")
    return np.array(times), np.stack(pics).reshape(len(pics), -1)


def _nearest(times: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Index of the time in (sorted) ``times`` nearest to each of ``t``."""
    if len(times) == 1:
        return np.zeros(np.shape(t), dtype=np.intp)
    i = np.clip(np.searchsorted(times, t), 1, len(times) - 1)
    left = times[i - 1]
    return np.where(np.abs(t - left) <= np.abs(times[i] - t), i - 1, i)


@dataclass
class Alignment:
    offset_s: float  # master time = suspect time + offset
    cost: float  # mean |thumbnail difference| at that offset (normalised units)
    mapping: dict[int, int]  # suspect frame index -> master frame index


def align(
    m_times: np.ndarray,
    m_thumbs: np.ndarray,
    s_times: np.ndarray,
    s_thumbs: np.ndarray,
    offset_hint: float | None = None,
) -> Alignment:
    """Offset of the suspect clip in the master (by thumbnails), then each suspect frame's
    master frame: nearest in time, or a neighbour that looks clearly more alike."""
    pick = np.unique(np.linspace(0, len(s_times) - 1, min(ALIGN_SAMPLES, len(s_times))).round())
    pick = pick.astype(int)
    offsets = m_times - s_times[pick[0]]
    if offset_hint is not None:
        near = np.abs(offsets - offset_hint) <= ALIGN_WINDOW_S
        offsets = offsets[near] if near.any() else offsets
    best = (math.inf, 0.0)
    for chunk in np.array_split(offsets, max(1, len(offsets) // 64)):
        idx = _nearest(m_times, s_times[pick][None, :] + chunk[:, None])  # (offsets, picks)
        cost = np.abs(m_thumbs[idx] - s_thumbs[pick][None, :, :]).mean(axis=(1, 2))
        k = int(np.argmin(cost))
        if cost[k] < best[0]:
            best = (float(cost[k]), float(chunk[k]))
    cost, offset = best
    mapping = {}
    idx = _nearest(m_times, s_times + offset)
    for j, i in enumerate(idx):
        t_err = abs(m_times[i] - (s_times[j] + offset))
        if t_err > 1.5 * _frame_gap(m_times):
            continue  # beyond the master's ends
        here = np.abs(m_thumbs[i] - s_thumbs[j]).mean()
        for k in (i - 1, i + 1):
            if 0 <= k < len(m_times):
                d = np.abs(m_thumbs[k] - s_thumbs[j]).mean()
                if d < 0.8 * here:
                    i, here = k, d
        mapping[j] = int(i)
    return Alignment(offset, cost, mapping)


def _frame_gap(times: np.ndarray) -> float:
    return float(np.median(np.diff(times))) if len(times) > 1 else 1.0


# --- detection -----------------------------------------------------------------------------


@dataclass
class VideoDetection(Detection):
    frames: int = 0  # suspect frames scored
    segments: int = 0
    offset_s: float | None = None
    align_cost: float | None = None
    per_segment: list[dict] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {
            **super().to_dict(),
            "frames": self.frames,
            "segments": self.segments,
            "offset_s": None if self.offset_s is None else round(self.offset_s, 3),
            "align_cost": None if self.align_cost is None else round(self.align_cost, 3),
        }


def _tone_fit(src: np.ndarray, target: np.ndarray, vf: np.ndarray) -> np.ndarray:
    """Per-intensity mapping of ``src`` onto ``target`` where ``vf`` is 1 (undoes a re-encode's
    tone shifts). Whole-level sources (an unblurred master) go through a lookup table."""
    exact = src.dtype == np.uint8
    idx = src if exact else np.clip(src + 0.5, 0, 255).astype(np.uint8)
    flat_idx, w = idx.ravel(), vf.ravel()
    counts = np.bincount(flat_idx, weights=w, minlength=256)
    sums = np.bincount(flat_idx, weights=(target * vf).ravel(), minlength=256)
    have = counts > 0
    if have.sum() < 2:
        total = counts.sum()
        return np.full(src.shape, sums.sum() / total if total else 0.0, np.float32)
    levels = np.arange(256, dtype=np.float64)
    table = np.interp(levels, levels[have], sums[have] / counts[have]).astype(np.float32)
    if exact:
        return cv2.LUT(idx, table.reshape(1, 256))
    return np.interp(src, levels, table).astype(np.float32)


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of width ``sigma``; wide ones on a shrunk copy (σ 24 at full 1080p cost
    0.6 s a frame, most of detection; shrinking by σ/3 first costs ~10 ms and only weights
    and the slow drift removed depend on it)."""
    k = int(sigma // 3)
    if k < 2:
        return cv2.GaussianBlur(x, (0, 0), sigma)
    h, w = x.shape
    small = cv2.resize(x, (math.ceil(w / k), math.ceil(h / k)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), math.sqrt(max(sigma**2 - k**2 / 12.0, 1.0)) / k)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


class _Channel:
    """Geometry and blur of the leak, estimated once per clip; then each frame's residual is
    projected onto the pattern grid (the matched filter of detect.py, minus registration)."""

    def __init__(self, m_lum: np.ndarray, s_lum: np.ndarray, grid: int | None = None) -> None:
        self.shape = m_lum.shape
        to_master = register_fallback(m_lum, s_lum)
        self.how = "whole-frame or crop match"
        self.inliers = 0
        if to_master is None:
            to_master, self.inliers = register(m_lum, s_lum)
            self.how = "features"
        self.ok = to_master is not None
        if not self.ok:
            return
        self.identity = s_lum.shape == self.shape and np.allclose(to_master, np.eye(3), atol=1e-6)
        self.to_suspect = np.linalg.inv(to_master)
        ones = np.ones(s_lum.shape, np.float32)
        valid = self._warp(ones) > 0.999
        valid = cv2.erode(valid.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
        self.valid = valid
        self.vf = valid.astype(np.float32)
        self.overlap = float(valid.mean())
        self.grid = grid or video_grid(self.shape)
        self.uy = interp_matrix(self.shape[0], self.grid)
        self.ux = interp_matrix(self.shape[1], self.grid)
        hp = 3.0 * self.grid
        self.hp = hp
        self.vhp = np.maximum(_smooth(self.vf, hp), 1e-3)
        self.vnoise = np.maximum(_smooth(self.vf, 8.0), 1e-3)
        reg = self._warp(s_lum)
        sub = valid.copy()
        sub[1::2, :] = False
        sub[:, 1::2] = False
        best = (math.inf, 0.0)
        sf = sub.astype(np.float32)
        for sigma in BLUR_SIGMAS:
            src = cv2.GaussianBlur(m_lum, (0, 0), sigma) if sigma else m_lum
            pred = _tone_fit(src, reg, sf)
            best = min(best, (float(np.mean((reg[sub] - pred[sub]) ** 2)), sigma))
        self.sigma = best[1]

    def _warp(self, img: np.ndarray) -> np.ndarray:
        if self.identity:
            return img
        return cv2.warpPerspective(
            img,
            self.to_suspect,
            (self.shape[1], self.shape[0]),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )

    def project(self, m_y: np.ndarray, s_lum: np.ndarray) -> np.ndarray:
        """``m_y``: the master frame's luma (uint8); ``s_lum``: the suspect's (float32)."""
        m_lum = m_y.astype(np.float32)
        reg = self._warp(s_lum)
        src = cv2.GaussianBlur(m_lum, (0, 0), self.sigma) if self.sigma else m_y
        resid = (reg - _tone_fit(src, reg, self.vf)) * self.vf
        resid = (resid - _smooth(resid, self.hp) / self.vhp) * self.vf
        noise = _smooth(resid * resid, 8.0) / self.vnoise
        weighted = resid / (noise + 0.25)
        if self.sigma:
            weighted = cv2.GaussianBlur(weighted, (0, 0), self.sigma)
        weighted *= texture_mask(m_lum) * self.vf
        return (self.uy.T @ weighted) @ self.ux


def detect_video(
    master: Path,
    suspect: Path,
    candidates: dict[str, bytes],
    key: StudioKey,
    *,
    offset_hint: float | None = None,
    n_decoys: int = N_DECOYS,
    threshold_z: float = Z_ACCUSE,
    max_frames: int = MAX_DETECT_FRAMES,
    grid: int | None = None,
) -> VideoDetection:
    """Which issued copy of ``master`` is the clip ``suspect``? Every frame read is aligned
    to its master frame; per segment the projected residuals are summed and scored against
    each candidate's and each decoy's segment pattern; per-segment z-scores are combined
    (weighted by sqrt(frames)) and calibrated once more on the decoys' combined scores."""
    m_times, m_thumbs = _thumbs(master)
    s_times, s_thumbs = _thumbs(suspect)
    al = align(m_times, m_thumbs, s_times, s_thumbs, offset_hint)
    if offset_hint is not None and al.cost > MAX_ALIGN_COST:  # a wrong hint: search it all
        al = align(m_times, m_thumbs, s_times, s_thumbs)
    base = {"offset_s": al.offset_s, "align_cost": al.cost}
    if al.cost > MAX_ALIGN_COST or not al.mapping:
        return VideoDetection(
            False, note="the clip could not be aligned in time to the master", **base
        )
    js = sorted(al.mapping)
    if len(js) > max_frames:
        js = [js[round(k)] for k in np.linspace(0, len(js) - 1, max_frames)]
    pairs = {j: al.mapping[j] for j in js}
    needed = set(pairs.values())
    m_frames: dict[int, np.ndarray] = {}
    by_master: dict[int, list[int]] = {}
    for j, i in pairs.items():
        by_master.setdefault(i, []).append(j)
    # Both clips are decoded once more, in step: a master frame is kept only until the last
    # suspect frame that maps to it has been scored (clips can be long; frames are large).
    last_use = {i: max(js_) for i, js_ in by_master.items()}
    master_iter = _frames(master, wanted=needed, gray=True)
    channel: _Channel | None = None
    sums: dict[int, np.ndarray] = {}
    counts: dict[int, int] = {}
    for j, _, s_y in _frames(suspect, wanted=set(pairs), gray=True):
        i = pairs[j]
        while i not in m_frames:
            try:
                mi, _, m_rgb = next(master_iter)
            except StopIteration:
                break
            if mi in needed:
                m_frames[mi] = m_rgb
        if i not in m_frames:
            continue
        s_lum = s_y.astype(np.float32)
        if channel is None:
            channel = _Channel(m_frames[i].astype(np.float32), s_lum, grid)
            if not channel.ok:
                return VideoDetection(
                    False, note="could not register the clip's frames to the master", **base
                )
        seg = segment_of(i)
        proj = channel.project(m_frames[i], s_lum)
        sums[seg] = proj if seg not in sums else sums[seg] + proj
        counts[seg] = counts.get(seg, 0) + 1
        if last_use[i] <= j:
            del m_frames[i]
    master_iter.close()
    if channel is None or not sums:
        return VideoDetection(False, note="no frame of the clip matched a master frame", **base)
    labels = list(candidates)
    cz = np.zeros(len(labels))
    dz = np.zeros(n_decoys)
    wsum = 0.0
    decoy_keys = [key.decoy_key(d) for d in range(n_decoys)]
    per_segment = []
    for seg, proj in sorted(sums.items()):

        def score(k: bytes, seg: int = seg, proj: np.ndarray = proj) -> float:
            return float(np.vdot(proj, key_bits(segment_key(k, seg), proj.shape)))

        d = np.array([score(k) for k in decoy_keys])
        mu, sd = float(d.mean()), float(d.std(ddof=1)) or 1.0
        c = np.array([score(candidates[lbl]) for lbl in labels])
        w = math.sqrt(counts[seg])
        cz += w * (c - mu) / sd
        dz += w * (d - mu) / sd
        wsum += w * w
        per_segment.append({"segment": seg, "frames": counts[seg]})
    cz /= math.sqrt(wsum)
    dz /= math.sqrt(wsum)
    mu, sd = float(dz.mean()), float(dz.std(ddof=1)) or 1.0
    n = max(1, len(candidates))
    scores = []
    for lbl, total in zip(labels, cz, strict=True):
        z = float((total - mu) / sd)
        scores.append(CandidateScore(lbl, z, min(1.0, n * gaussian_tail(z)), z >= threshold_z))
    scores.sort(key=lambda s: -s.z)
    frames = sum(counts.values())
    return VideoDetection(
        True,
        inliers=channel.inliers,
        registration=f"{frames} frame(s) in {len(sums)} segment(s): {channel.how}",
        blur_sigma=channel.sigma,
        overlap=channel.overlap,
        decoys=n_decoys,
        max_decoy_z=float((dz.max() - mu) / sd),
        threshold_z=threshold_z,
        scores=scores,
        decoy_z=((dz - mu) / sd).tolist(),
        frames=frames,
        segments=len(sums),
        per_segment=per_segment,
        **base,
    )
