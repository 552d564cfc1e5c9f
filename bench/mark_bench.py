"""Marking benchmark: chainwatch's keyed mark + informed detection next to invisible-watermark.

    python bench/mark_bench.py [--height 1080] [--frames 2] [--photos 8] [--native-photos]
                               [--recipients 50] [--quick] [--no-baselines] [--rivagan N]

1. Images, per kind: generated cel (flat fills, line art, gradient sky), pencil sketch on
   paper grain and gradient sky with a silhouetted horizon (``chainwatch.marking.synth``),
   ``--frames`` of each at ``--height`` (16:9), seeded; and ``--photos`` natural photographs
   (``synth.PHOTOS``: public-domain/CC0 images shipped in the scikit-image wheel, attribution
   there), each scaled with Lanczos to cover the 16:9 frame and centre-cropped
   (``synth.photo_frame``; 300-1411 px originals, so mostly an upscale). ``--native-photos``
   adds the same photos at 512x288 (a downscale: the camera's own detail and noise), reported
   as their own kind and left out of the overall figures (which are all at ``--height``).
2. chainwatch: ``--recipients`` issue keys per master; the copy of one of them is marked
   (default strength, PSNR target 48 dB), attacked with the issue's suite
   (``synth.ATTACKS``), and detected against all recipients with 200 decoys. A decode is
   right when that recipient, and only it, is named (z >= 6); naming anyone else is a false
   accusation. Controls per image: the unmarked master (JPEG 80) and a copy marked for a key
   outside the candidates must name nobody; averaging two recipients' copies must name both.
3. invisible-watermark 0.2.0 (MIT; ``pip install --no-deps invisible-watermark PyWavelets``:
   its wheel declares torch, which only ``rivaGan``'s glue uses): ``dwtDct`` and
   ``dwtDctSvd`` with a 32-bit code per recipient; a decode is right when the decoded bits
   are nearest to the right recipient's code and within 4 bits of it (blind decoders get the
   same 1-of-N job). ``--rivagan N``: also its bundled RivaGAN ONNX models (run here with
   onnxruntime alone, ``pip install onnxruntime``; the torch glue is re-done in numpy) on the
   first N images of each kind, on the 7 ``--quick`` attacks only: it takes seconds per
   1080p frame on 2 cores.

Video is benchmarked in ``bench/mark_video_bench.py``.
Results: ``bench/results/mark_bench.json``. Times are wall seconds per frame at ``--height``
on this machine, one process (other jobs share its 2 cores: see the load averages recorded),
and for chainwatch also the CPU seconds of the process (``time.process_time``, all its
threads), which other jobs inflate far less than the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import types
from pathlib import Path

import numpy as np

from chainwatch.marking import StudioKey, detect_mark, embed_mark, psnr, ssim
from chainwatch.marking.synth import ATTACKS, FRAMES, PHOTOS, average, jpeg, photo_frame

OUT = Path(__file__).parent / "results" / "mark_bench.json"
QUICK_ATTACKS = ["none", "jpeg50", "resize0.5", "crop_center50", "rotate5", "grayscale", "blur2"]
NATIVE = "photo-512x288"
KINDS = [*FRAMES, "photo", NATIVE]


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


class RivaGan:
    """invisible-watermark's rivaGan (its two bundled ONNX models) without torch: the same
    scaling to [-1, 1], (1, 3, 1, H, W) layout, clamp and 0.52 decision threshold."""

    def __init__(self) -> None:
        import imwatermark
        import onnxruntime

        folder = Path(imwatermark.__file__).parent
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = 2
        self.enc = onnxruntime.InferenceSession(str(folder / "rivagan_encoder.onnx"), opts)
        self.dec = onnxruntime.InferenceSession(str(folder / "rivagan_decoder.onnx"), opts)

    @staticmethod
    def _frame(bgr_img: np.ndarray) -> np.ndarray:
        x = bgr_img.astype(np.float32) / 127.5 - 1.0
        return np.ascontiguousarray(x.transpose(2, 0, 1)[None, :, None])

    def encode(self, bgr_img: np.ndarray, bits: np.ndarray) -> np.ndarray:
        data = bits.astype(np.float32)[None]
        out = self.enc.run(None, {"frame": self._frame(bgr_img), "data": data})[0]
        out = np.clip(out, -1.0, 1.0)[0, :, 0].transpose(1, 2, 0)
        return ((out + 1.0) * 127.5).astype(np.uint8)

    def decode(self, bgr_img: np.ndarray) -> np.ndarray:
        out = self.dec.run(None, {"frame": self._frame(bgr_img)})[0][0]
        return (out > 0.52).astype(np.uint8)


def load_rivagan():
    try:
        return RivaGan()
    except ImportError as exc:
        print(f"rivaGan skipped: {exc}", flush=True)
        return None


def bgr(img):
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return np.ascontiguousarray(img[:, :, ::-1])


def images(args) -> list[tuple[str, str, np.ndarray]]:
    """(kind, name, RGB frame) for every image of the run, 16:9 at --height; photos and
    generated frames alternate, so a run cut short has covered every kind."""
    h = args.height
    w = round(h * 16 / 9)
    synthetic = [
        (kind, f"{kind}-{100 + f}", FRAMES[kind](h, w, seed=100 + f))
        for f in range(args.frames)
        for kind in FRAMES
    ]
    photos = [("photo", n, photo_frame(h, w, name=n)) for n in list(PHOTOS)[: args.photos]]
    out = []
    for i in range(max(len(synthetic), len(photos))):
        out += photos[i : i + 1] + synthetic[i : i + 1]
    if args.native_photos:  # downscaled, so every pixel holds the camera's own detail
        out += [(NATIVE, n, photo_frame(288, 512, name=n)) for n in list(PHOTOS)[: args.photos]]
    return out


def run(args) -> dict:
    attacks = QUICK_ATTACKS if args.quick else list(ATTACKS)
    key = StudioKey(1, b"mark-bench-secret-not-a-real-key")
    issues = [f"issue-{i:03d}" for i in range(args.recipients)]
    cands = {i: key.issue_key(i) for i in issues}
    rng = np.random.default_rng(5)
    codes = {i: rng.integers(0, 2, 32).astype(np.uint8) for i in issues}
    baseline = None if args.no_baselines else load_baseline()
    riva = load_rivagan() if baseline and args.rivagan else None
    methods = ["chainwatch"] + (["dwtDct", "dwtDctSvd"] if baseline else [])
    methods += ["rivaGan"] if riva else []
    rows, quality, controls = [], [], []
    load = [round(os.getloadavg()[0], 2)]
    seen: dict[str, int] = {}
    for n_img, (kind, name, master) in enumerate(images(args)):
        seen[kind] = seen.get(kind, 0) + 1
        leaker = issues[(7 * n_img + 3) % len(issues)]
        t, c = time.perf_counter(), time.process_time()
        marked, _ = embed_mark(master, cands[leaker])
        embed_s, embed_cpu = time.perf_counter() - t, time.process_time() - c
        copies = {"chainwatch": marked}
        quality.append(_quality("chainwatch", kind, name, master, marked, embed_s, embed_cpu))
        if baseline:
            enc_cls, dec_cls = baseline
            for m in ("dwtDct", "dwtDctSvd"):
                enc = enc_cls()
                enc.set_watermark("bits", codes[leaker].tolist())
                t = time.perf_counter()
                out = np.ascontiguousarray(enc.encode(bgr(master), m)[:, :, ::-1])
                quality.append(_quality(m, kind, name, master, out, time.perf_counter() - t))
                copies[m] = out
        if riva and seen[kind] <= args.rivagan:
            t = time.perf_counter()
            out = np.ascontiguousarray(riva.encode(bgr(master), codes[leaker])[:, :, ::-1])
            quality.append(_quality("rivaGan", kind, name, master, out, time.perf_counter() - t))
            copies["rivaGan"] = out
        for atk_name in attacks:
            atk = ATTACKS[atk_name]
            for m, copy in copies.items():
                if m == "rivaGan" and atk_name not in QUICK_ATTACKS:
                    continue
                sus = atk(copy)
                t, c = time.perf_counter(), time.process_time()
                if m == "chainwatch":
                    det = detect_mark(master, sus, cands, key)
                    dt = time.perf_counter() - t
                    named = [s.label for s in det.accused]
                    ok = named == [leaker]
                    right = next((s.z for s in det.scores if s.label == leaker), None)
                    wrong = max((s.z for s in det.scores if s.label != leaker), default=None)
                    extra = {
                        "z": right,
                        "max_wrong_z": wrong,
                        "registered": det.registered,
                        "false_accusation": any(n != leaker for n in named),
                    }
                else:
                    try:
                        if m == "rivaGan":
                            bits = riva.decode(bgr(sus))[:32]
                        else:
                            dec = baseline[1]("bits", 32)
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
                rows.append(
                    {
                        "kind": kind,
                        "image": name,
                        "attack": atk_name,
                        "method": m,
                        "ok": ok,
                        "detect_s": round(dt, 3),
                        "detect_cpu_s": round(time.process_time() - c, 3),
                        **extra,
                    }
                )
                print(
                    f"{name:14s} {atk_name:24s} {m:10s} {'ok ' if ok else 'MISS'}",
                    json.dumps({k: _r(v) for k, v in extra.items()}),
                    flush=True,
                )
        controls += _controls(kind, name, master, marked, key, cands, issues, leaker)
        load.append(round(os.getloadavg()[0], 2))
        if args.out:  # after every image: a long run cut short still leaves its results
            _write(args.out, _result(args, methods, rows, quality, controls, attacks, load))
    return _result(args, methods, rows, quality, controls, attacks, load)


def _write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")


def _result(args, methods, rows, quality, controls, attacks, load) -> dict:
    return {
        "command": "python bench/mark_bench.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m_per_image": load,
        },
        "images_done": len({(r["kind"], r["image"]) for r in rows}),
        "frame": f"{round(args.height * 16 / 9)}x{args.height}",
        "frames_per_synthetic_kind": args.frames,
        "photos": list(PHOTOS)[: args.photos],
        "photo_credits": {p: PHOTOS[p] for p in list(PHOTOS)[: args.photos]},
        "recipients": args.recipients,
        "attacks": attacks,
        "summary": summarise(methods, rows, quality, controls, attacks),
        "controls": controls,
        "quality": quality,
        "rows": rows,
    }


def _quality(method, kind, name, master, copy, embed_s, embed_cpu_s=None) -> dict:
    return {
        "method": method,
        "kind": kind,
        "image": name,
        "psnr_db": round(psnr(master, copy), 2),
        "ssim": round(ssim(master, copy), 4),
        "embed_s": round(embed_s, 3),
        "embed_cpu_s": None if embed_cpu_s is None else round(embed_cpu_s, 3),
    }


def _controls(kind, name, master, marked, key, cands, issues, leaker) -> list[dict]:
    """Nobody named on an unmarked copy or one marked outside the candidates; both colluders
    named on the average of two copies."""
    stranger, _ = embed_mark(master, key.issue_key("outside"))
    other = issues[(issues.index(leaker) + 1) % len(issues)]
    colluded, _ = embed_mark(master, cands[other])
    out = []
    for label, sus, expect in [
        ("unmarked_jpeg80", jpeg(80)(master), []),
        ("stranger", stranger, []),
        ("collusion_avg2", average(marked, colluded), sorted([leaker, other])),
    ]:
        det = detect_mark(master, sus, cands, key)
        named = sorted(s.label for s in det.accused)
        wrong = [s.z for s in det.scores if s.label not in expect]
        out.append(
            {
                "kind": kind,
                "image": name,
                "control": label,
                "named": named,
                "ok": named == expect,
                "min_colluder_z": min(
                    (round(s.z, 1) for s in det.scores if s.label in expect), default=None
                ),
                "max_other_z": round(max(wrong), 2) if wrong else None,
            }
        )
        print(f"{name:14s} control {label}: named {named} ok={named == expect}", flush=True)
    return out


def summarise(methods, rows, quality, controls, attacks) -> dict:
    def block(m, sel) -> dict | None:
        rs = [r for r in rows if r["method"] == m and sel(r)]
        qs = [q for q in quality if q["method"] == m and sel(q)]
        if not rs:
            return None
        det = [r["detect_s"] for r in rs]
        out = {
            "decoded": sum(r["ok"] for r in rs),
            "attacked_copies": len(rs),
            "decode_rate": round(sum(r["ok"] for r in rs) / len(rs), 4),
            "false_accusations": sum(r["false_accusation"] for r in rs),
            "psnr_db_min": min(q["psnr_db"] for q in qs),
            "psnr_db_mean": round(float(np.mean([q["psnr_db"] for q in qs])), 2),
            "ssim_min": min(q["ssim"] for q in qs),
            "embed_s_mean": round(float(np.mean([q["embed_s"] for q in qs])), 3),
            "detect_s_mean": round(float(np.mean(det)), 3),
            "detect_s_max": round(float(np.max(det)), 3),
        }
        cpu_e = [q["embed_cpu_s"] for q in qs if q.get("embed_cpu_s") is not None]
        cpu_d = [r["detect_cpu_s"] for r in rs if r.get("detect_cpu_s") is not None]
        if cpu_e and cpu_d:  # CPU seconds of this process: less sensitive to other jobs
            out["embed_cpu_s_mean"] = round(float(np.mean(cpu_e)), 3)
            out["detect_cpu_s_mean"] = round(float(np.mean(cpu_d)), 3)
            out["detect_cpu_s_max"] = round(float(np.max(cpu_d)), 3)
        if m == "chainwatch":
            ok = [r["z"] for r in rs if r["ok"]]
            wrong = [r["max_wrong_z"] for r in rs if r["max_wrong_z"] is not None]
            cs = [c for c in controls if sel(c)]
            out |= {
                "min_right_z": round(min(ok), 2) if ok else None,
                "max_wrong_z": round(max(wrong), 2) if wrong else None,
                "controls_ok": f"{sum(c['ok'] for c in cs)}/{len(cs)}",
                "unmarked_or_stranger_named": sum(
                    bool(c["named"]) for c in cs if c["control"] != "collusion_avg2"
                ),
                "collusion_both_named": sum(
                    c["ok"] for c in cs if c["control"] == "collusion_avg2"
                ),
                "collusion_cases": sum(1 for c in cs if c["control"] == "collusion_avg2"),
            }
        return out

    summary = {}
    for m in methods:
        summary[m] = block(m, lambda r: r["kind"] != NATIVE)  # all images at --height
        by_kind = {k: block(m, lambda r, k=k: r["kind"] == k) for k in KINDS}
        summary[m]["by_kind"] = {k: v for k, v in by_kind.items() if v}
        summary[m]["by_attack"] = {
            a: {k: v for k in KINDS if (v := _rate(rows, m, a, k))} for a in attacks
        }
    return summary


def _rate(rows, method, attack, kind) -> str | None:
    rs = [r for r in rows if r["method"] == method and r["attack"] == attack and r["kind"] == kind]
    return f"{sum(r['ok'] for r in rs)}/{len(rs)}" if rs else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--frames", type=int, default=2, help="generated frames per synthetic kind")
    ap.add_argument("--photos", type=int, default=8, help=f"natural photos, of {len(PHOTOS)}")
    ap.add_argument(
        "--native-photos",
        action="store_true",
        help="the photos once more at 512x288 (downscaled: native detail, no upscale)",
    )
    ap.add_argument("--recipients", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="7 attacks instead of the full suite")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument(
        "--rivagan", type=int, default=0, help="also rivaGan on the first N images of each kind"
    )
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    result = run(args)
    _write(args.out, result)
    brief = {
        m: {k: v for k, v in s.items() if k != "by_attack"} for m, s in result["summary"].items()
    }
    print(json.dumps(brief, indent=1))


if __name__ == "__main__":
    main()
