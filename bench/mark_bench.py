"""Marking benchmark: chainwatch's keyed mark + informed detection next to invisible-watermark.

    python bench/mark_bench.py [--height 1080] [--frames 1] [--recipients 50] [--quick]
                               [--no-baselines]

1. Frames: generated cel (flat fills, line art, gradient sky), pencil sketch on paper grain
   and gradient sky with a silhouetted horizon (``chainwatch.marking.synth``), ``--frames``
   of each kind at ``--height`` (16:9), seeded.
2. chainwatch: ``--recipients`` issue keys per master; the copy of one of them is marked
   (default strength, PSNR target 48 dB), attacked with the issue's suite
   (``synth.ATTACKS``), and detected against all recipients with 200 decoys. A decode is
   right when that recipient, and only it, is named (z >= 6). Controls: the unmarked master
   (JPEG 80) and a copy marked for a key outside the candidates must name nobody; averaging
   two recipients' copies must name both.
3. invisible-watermark 0.2.0 (MIT; needs ``pip install --no-deps invisible-watermark
   PyWavelets``: its wheel declares torch, which only ``rivaGan`` uses): ``dwtDct`` and
   ``dwtDctSvd`` with a 32-bit code per recipient; a decode is right when the decoded bits
   are nearest to the right recipient's code and within 4 bits of it (blind decoders get the
   same 1-of-N job). rivaGan is not run: it needs torch + onnxruntime (about 1 GB) and takes
   8 s / 11-17 s per 1080p frame on 2 cores (reference/watermark-and-fingerprint.md §1).

4. Video (needs the ``video`` extra, PyAV): a 12-frame pan over a cel frame at
   ``--height``, every frame marked (H.264 CRF 16), re-encoded at CRF 23 and 35, full and
   half size; detection samples 6 frames and combines their z, calibrated on the decoys.

Results: ``bench/results/mark_bench.json``. Times are wall seconds per 1080p frame on this
machine, one process.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
import types
from pathlib import Path

import cv2
import numpy as np

from chainwatch.marking import StudioKey, detect_mark, embed_mark, psnr, ssim
from chainwatch.marking.synth import ATTACKS, FRAMES, average, jpeg

OUT = Path(__file__).parent / "results" / "mark_bench.json"
QUICK_ATTACKS = ["none", "jpeg50", "resize0.5", "crop_center50", "rotate5", "grayscale", "blur2"]


def _r(v):
    return round(v, 2) if isinstance(v, float) else v


def load_baseline():
    """invisible-watermark's encoder/decoder, or None (rivaGan's torch import stubbed out)."""
    for name in ("torch", "onnxruntime"):
        if name not in sys.modules:
            try:
                __import__(name)
            except ImportError:
                sys.modules[name] = types.ModuleType(name)
    try:
        from imwatermark import WatermarkDecoder, WatermarkEncoder
    except ImportError:
        return None
    return WatermarkEncoder, WatermarkDecoder


def bgr(img):
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return np.ascontiguousarray(img[:, :, ::-1])


def run(args) -> dict:
    attacks = QUICK_ATTACKS if args.quick else list(ATTACKS)
    key = StudioKey(1, b"mark-bench-secret-not-a-real-key")
    issues = [f"issue-{i:03d}" for i in range(args.recipients)]
    cands = {i: key.issue_key(i) for i in issues}
    rng = np.random.default_rng(5)
    codes = {i: rng.integers(0, 2, 32).astype(np.uint8) for i in issues}
    baseline = None if args.no_baselines else load_baseline()
    methods = ["chainwatch"] + (["dwtDct", "dwtDctSvd"] if baseline else [])
    rows, quality, timing, controls = [], {m: [] for m in methods}, {}, []
    w = round(args.height * 16 / 9)
    for kind, make in FRAMES.items():
        for f in range(args.frames):
            master = make(args.height, w, seed=100 + f)
            leaker = issues[(7 * f + len(kind)) % len(issues)]
            t = time.perf_counter()
            marked, _ = embed_mark(master, cands[leaker])
            timing.setdefault("chainwatch_embed_s", []).append(time.perf_counter() - t)
            quality["chainwatch"].append((psnr(master, marked), ssim(master, marked)))
            copies = {"chainwatch": marked}
            if baseline:
                enc_cls, dec_cls = baseline
                for m in methods[1:]:
                    enc = enc_cls()
                    enc.set_watermark("bits", codes[leaker].tolist())
                    t = time.perf_counter()
                    out = enc.encode(bgr(master), m)[:, :, ::-1]
                    timing.setdefault(f"{m}_embed_s", []).append(time.perf_counter() - t)
                    copies[m] = np.ascontiguousarray(out)
                    quality[m].append((psnr(master, copies[m]), ssim(master, copies[m])))
            for name in attacks:
                atk = ATTACKS[name]
                for m, copy in copies.items():
                    sus = atk(copy)
                    t = time.perf_counter()
                    if m == "chainwatch":
                        det = detect_mark(master, sus, cands, key)
                        dt = time.perf_counter() - t
                        named = [s.label for s in det.accused]
                        ok = named == [leaker]
                        top = det.scores[0].z if det.scores else None
                        right = next((s.z for s in det.scores if s.label == leaker), None)
                        wrong = max((s.z for s in det.scores if s.label != leaker), default=None)
                        extra = {
                            "z": right,
                            "max_wrong_z": wrong,
                            "top_z": top,
                            "registered": det.registered,
                            "false_accusation": any(n != leaker for n in named),
                        }
                    else:
                        dec = baseline[1]("bits", 32)
                        try:
                            bits = np.array(dec.decode(bgr(sus), m), dtype=np.uint8)[:32]
                        except Exception:  # noqa: BLE001 - e.g. "image too small": a miss
                            bits = 1 - codes[leaker]
                        dt = time.perf_counter() - t
                        dist = {i: int((bits != c).sum()) for i, c in codes.items()}
                        best = min(dist, key=dist.get)
                        ok = best == leaker and dist[best] <= 4
                        extra = {
                            "bit_acc": 1 - dist[leaker] / 32,
                            "false_accusation": best != leaker and dist[best] <= 4,
                        }
                    timing.setdefault(f"{m}_detect_s", []).append(dt)
                    rows.append(
                        {
                            "kind": kind,
                            "frame": f,
                            "attack": name,
                            "method": m,
                            "ok": ok,
                            "detect_s": round(dt, 3),
                            **extra,
                        }
                    )
                    print(
                        f"{kind}/{f} {name:24s} {m:10s} {'ok ' if ok else 'MISS'}",
                        json.dumps({k: _r(v) for k, v in extra.items()}),
                        flush=True,
                    )
            # controls: nobody is named on an unmarked copy or one marked outside the candidates
            stranger, _ = embed_mark(master, key.issue_key("outside"))
            other = issues[(issues.index(leaker) + 1) % len(issues)]
            colluded, _ = embed_mark(master, cands[other])
            for label, sus, expect in [
                ("unmarked_jpeg80", jpeg(80)(master), []),
                ("stranger", stranger, []),
                ("collusion_avg2", average(marked, colluded), sorted([leaker, other])),
            ]:
                det = detect_mark(master, sus, cands, key)
                named = sorted(s.label for s in det.accused)
                controls.append(
                    {
                        "kind": kind,
                        "frame": f,
                        "control": label,
                        "named": named,
                        "ok": named == expect,
                        "max_z": round(det.scores[0].z, 2) if det.scores else None,
                    }
                )
                print(f"{kind}/{f} control {label}: named {named} ok={named == expect}", flush=True)

    def rate(m, sel=lambda r: True):
        rs = [r for r in rows if r["method"] == m and sel(r)]
        return round(sum(r["ok"] for r in rs) / len(rs), 4) if rs else None

    summary = {}
    for m in methods:
        q = np.array(quality[m])
        summary[m] = {
            "decode_rate": rate(m),
            "decode_rate_by_kind": {k: rate(m, lambda r, k=k: r["kind"] == k) for k in FRAMES},
            "false_accusations": sum(r["false_accusation"] for r in rows if r["method"] == m),
            "psnr_db_min": round(float(q[:, 0].min()), 2),
            "psnr_db_mean": round(float(q[:, 0].mean()), 2),
            "ssim_min": round(float(q[:, 1].min()), 4),
            "embed_s_mean": round(float(np.mean(timing[f"{m}_embed_s"])), 3),
            "detect_s_mean": round(float(np.mean(timing[f"{m}_detect_s"])), 3),
            "detect_s_max": round(float(np.max(timing[f"{m}_detect_s"])), 3),
        }
    by_attack = {a: {m: rate(m, lambda r, a=a: r["attack"] == a) for m in methods} for a in attacks}
    cw = [r for r in rows if r["method"] == "chainwatch" and r["ok"]]
    summary["chainwatch"]["min_right_z"] = round(min(r["z"] for r in cw), 2) if cw else None
    summary["chainwatch"]["max_wrong_z"] = round(
        max(r["max_wrong_z"] for r in rows if r["method"] == "chainwatch" and r["max_wrong_z"]), 2
    )
    video = None if args.no_video else run_video(args, key, cands, issues)
    return {
        "video": video,
        "command": "python bench/mark_bench.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "frame": f"{w}x{args.height}",
        "frames_per_kind": args.frames,
        "recipients": args.recipients,
        "attacks": attacks,
        "summary": summary,
        "by_attack": by_attack,
        "controls": controls,
        "rows": rows,
    }


def _clip(av, path, frames, crf, size=None):
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        h, w = frames[0].shape[:2] if size is None else size
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "fast"}
        for f in frames:
            if size is not None:
                f = cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA)
            for packet in stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def run_video(args, key, cands, issues) -> dict | None:
    """A 12-frame pan over a cel frame: every frame marked, H.264 re-encodes detected."""
    try:
        import av
    except ImportError:
        print("video: PyAV missing (pip install 'chainwatch[video]'), skipped")
        return None
    from chainwatch.marking.video import detect_video, mark_video, read_frames

    w = round(args.height * 16 / 9)
    base = FRAMES["cel"](args.height, w, seed=77)
    out = {"frames": 12, "size": f"{w}x{args.height}", "rows": []}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        master = _clip(av, d / "master.mp4", [np.roll(base, 3 * i, axis=1) for i in range(12)], 10)
        leaker = issues[11]
        t = time.perf_counter()
        stats = mark_video(master, d / "marked.mp4", cands[leaker])
        out["embed_s_per_frame"] = round((time.perf_counter() - t) / 12, 3)
        out["psnr_db"], out["ssim"] = stats["psnr_db"], stats["ssim"]
        marked = list(read_frames(d / "marked.mp4", count=12).values())
        half = (args.height // 2, w // 2)
        for crf, size in [(23, None), (35, None), (23, half), (35, half)]:
            leak = _clip(av, d / "leak.mp4", marked, crf, size)
            t = time.perf_counter()
            det = detect_video(master, leak, cands, key)
            named = [s.label for s in det.accused]
            row = {
                "crf": crf,
                "size": "half" if size else "full",
                "ok": named == [leaker],
                "z": round(det.scores[0].z, 1) if det.scores else None,
                "detect_s": round(time.perf_counter() - t, 2),
            }
            out["rows"].append(row)
            print("video", row, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--frames", type=int, default=1)
    ap.add_argument("--recipients", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="7 attacks instead of the full suite")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--no-video", action="store_true", help="skip the H.264 clip rows")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    brief = {k: result[k] for k in ("summary", "by_attack", "video")}
    print(json.dumps(brief, indent=1))


if __name__ == "__main__":
    main()
