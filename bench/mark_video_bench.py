"""Video marks under H.264 re-encoding: the issue's CRF 23/35 rows, full and half size.

For each generated clip (a slow pan over a 1080p cel frame and over a pencil sketch, 24 fps,
with an AAC tone so the audio path runs too) one of N recipients' marked copies is re-encoded
with libx264 at CRF 23 and 35, at full size and at half size, and detected against the N
issued copies; plus a cut-out (from 1 s in, resampled to 30 fps, CRF 23) and two controls that
must name nobody: the unmarked master and a copy marked for someone outside the candidates
(both at CRF 23). Reported: decode rate, false accusations, PSNR/SSIM of the marked frames,
embed and detect seconds per frame. Keys are fixed (a bench is reproducible).

    python bench/mark_video_bench.py [--frames 48] [--recipients 50] [--height 1080]

Writes bench/results/mark_video_bench.json. Needs the ``video`` extra (PyAV).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from chainwatch.marking.keys import StudioKey
from chainwatch.marking.synth import FRAMES
from chainwatch.marking.video import _frames, detect_video, mark_video
from chainwatch.marking.watermark import psnr, ssim

OUT = Path(__file__).resolve().parent / "results" / "mark_video_bench.json"


def clip(av, path, frames, *, rate=24, crf=8, size=None, audio=False):
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=rate)
        h, w = frames[0].shape[:2] if size is None else size
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        v.options = {"crf": str(crf), "preset": "fast"}
        v.thread_type = "AUTO"
        a = None
        if audio:
            a = out.add_stream("aac", rate=48000)
            a.layout = "stereo"
        for f in frames:
            if size is not None:
                f = cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA)
            out.mux(v.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")))
        out.mux(v.encode(None))
        if a is not None:
            n = int(48000 * len(frames) / rate)
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / 48000)).astype(np.float32)
            for k in range(0, n, 1024):
                ch = np.ascontiguousarray(np.stack([tone[k : k + 1024]] * 2))
                fr = av.AudioFrame.from_ndarray(ch, format="fltp", layout="stereo")
                fr.sample_rate, fr.pts, fr.time_base = 48000, k, Fraction(1, 48000)
                out.mux(a.encode(fr))
            out.mux(a.encode(None))
    return path


def pan(kind: str, h: int, w: int, n: int, seed: int) -> list[np.ndarray]:
    speed = max(1, round(w / 320))  # ~6 px a frame at 1080p: a slow camera pan
    base = FRAMES[kind](h=h, w=w + speed * n, seed=seed)
    return [np.ascontiguousarray(base[:, speed * i : speed * i + w]) for i in range(n)]


def decoded(path) -> list[np.ndarray]:
    return [f for _, _, f in _frames(Path(path))]


def run(args) -> dict:
    import av

    key = StudioKey(1, b"\x2a" * 32)
    issues = [f"issue-{i:03d}" for i in range(args.recipients)]
    cands = {i: key.issue_key(i) for i in issues}
    h, w = args.height, round(args.height * 16 / 9) // 2 * 2
    rows, quality = [], []
    load0 = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for k, kind in enumerate(args.kinds):
            leaker = issues[(7 + 13 * k) % len(issues)]
            frames = pan(kind, h, w, args.frames, seed=100 + k)
            master = clip(av, d / f"{kind}.mp4", frames, audio=True)
            t0 = time.perf_counter()
            stats = mark_video(master, d / f"{kind}-marked.mp4", cands[leaker])
            wall = time.perf_counter() - t0
            m_dec, k_dec = decoded(master), decoded(d / f"{kind}-marked.mp4")
            q = {
                "kind": kind,
                "frames": stats["frames"],
                "mark_psnr_db": stats["psnr_db"],  # the mark alone (before encoding)
                "mark_ssim": stats["ssim"],
                "decoded_psnr_db_min": round(
                    min(psnr(a, b) for a, b in zip(m_dec, k_dec, strict=True)), 2
                ),
                "decoded_ssim_min": round(
                    min(ssim(a, b) for a, b in zip(m_dec[::8], k_dec[::8], strict=True)), 4
                ),
                "embed_s_per_frame": stats["embed_s_per_frame"],  # the mark, on the Y plane
                "embed_cpu_s_per_frame": stats["embed_cpu_s_per_frame"],
                "mark_video_s_per_frame": round(wall / stats["frames"], 3),  # + decode, x264
                "streams": stats["streams"],
            }
            quality.append(q)
            print("quality", json.dumps(q), flush=True)
            outsider = d / f"{kind}-outsider.mp4"
            mark_video(master, outsider, key.issue_key("not-a-candidate"))
            cut = [k_dec[min(len(k_dec) - 1, 24 + int(j * 24 / 30))] for j in range(30)]
            cases = [
                ("crf23_full", k_dec, {"crf": 23}, [leaker]),
                ("crf23_half", k_dec, {"crf": 23, "size": (h // 2, w // 2)}, [leaker]),
                ("crf35_full", k_dec, {"crf": 35}, [leaker]),
                ("crf35_half", k_dec, {"crf": 35, "size": (h // 2, w // 2)}, [leaker]),
                ("cut_1s_30fps_crf23", cut, {"crf": 23, "rate": 30}, [leaker]),
                ("control_unmarked_crf23", m_dec, {"crf": 23}, []),
                ("control_outsider_crf23", decoded(outsider), {"crf": 23}, []),
            ]
            for name, src, enc, expect in cases:
                leak = clip(av, d / f"{kind}-{name}.mp4", src, **enc)
                t0, c0 = time.perf_counter(), time.process_time()
                det = detect_video(master, leak, cands, key)
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                named = sorted(s.label for s in det.accused)
                right = [s.z for s in det.scores if s.label in expect]
                wrong = [s.z for s in det.scores if s.label not in expect]
                row = {
                    "kind": kind,
                    "case": name,
                    "expected": expect,
                    "named": named,
                    "decoded": named == sorted(expect),
                    "false_accusations": len([x for x in named if x not in expect]),
                    "z_right": round(right[0], 2) if right else None,
                    "z_max_wrong": round(max(wrong), 2) if wrong else None,
                    "max_decoy_z": None if det.max_decoy_z is None else round(det.max_decoy_z, 2),
                    "frames": det.frames,
                    "segments": det.segments,
                    "offset_s": None if det.offset_s is None else round(det.offset_s, 3),
                    "detect_s": round(dt, 2),
                    "detect_s_per_frame": round(dt / max(1, det.frames), 3),
                    "detect_cpu_s_per_frame": round(cpu / max(1, det.frames), 3),
                    "note": det.note,
                }
                rows.append(row)
                print("row", json.dumps(row), flush=True)
    attacked = [r for r in rows if r["expected"]]
    controls = [r for r in rows if not r["expected"]]
    summary = {
        "decoded": f"{sum(r['decoded'] for r in attacked)}/{len(attacked)}",
        "false_accusations": sum(r["false_accusations"] for r in rows),
        "controls_clean": f"{sum(r['decoded'] for r in controls)}/{len(controls)}",
        "max_wrong_z": max(r["z_max_wrong"] for r in rows if r["z_max_wrong"] is not None),
        "min_right_z": min(r["z_right"] for r in attacked if r["z_right"] is not None),
        "mark_psnr_db_min": min(q["mark_psnr_db"] for q in quality),
        "embed_s_per_frame_mean": _mean(q["embed_s_per_frame"] for q in quality),
        "embed_cpu_s_per_frame_mean": _mean(q["embed_cpu_s_per_frame"] for q in quality),
        "detect_s_per_frame_mean": _mean(r["detect_s_per_frame"] for r in rows),
        "detect_cpu_s_per_frame_mean": _mean(r["detect_cpu_s_per_frame"] for r in rows),
        "by_case": {
            case: f"{sum(r['decoded'] for r in rows if r['case'] == case)}/"
            f"{sum(1 for r in rows if r['case'] == case)}"
            for case in dict.fromkeys(r["case"] for r in rows)
        },
    }
    return {
        "command": "python bench/mark_video_bench.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m_at_start": load0,
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "note": "2 cores shared with other jobs: wall times inflate with load; CPU "
            "seconds (embed: marking thread; detect: whole process) are the steadier figure",
        },
        "clip": f"{w}x{h}, {args.frames} frames at 24 fps, AAC audio",
        "recipients": args.recipients,
        "summary": summary,
        "quality": quality,
        "rows": rows,
    }


def _mean(xs) -> float:
    return round(float(np.mean(list(xs))), 3)


def main() -> None:
    try:
        import av  # noqa: F401
    except ImportError:
        sys.exit("needs PyAV: pip install 'chainwatch[video]'")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--recipients", type=int, default=50)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--kinds", nargs="+", default=["cel", "sketch"], choices=sorted(FRAMES))
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
