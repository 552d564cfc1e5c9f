"""File-scan benchmark: ``chainwatch scan`` with every detector on, next to exiftool.

    python bench/scan_bench.py [--files N] [--quick] [--workers W] [--keep DIR]

1. Builds a seeded mixed corpus in a temporary directory (default 1,500 files; ``--quick``
   300): JPEG/PNG/TIFF/WebP photos and scans with noise (so they do not compress to nothing),
   PDFs, DOCX, XLSX, PSD, SRT, ASS, plain-text and CSV retake notes in Korean/Chinese/English,
   MP4 (tiny ones from ``forensics.samples``; real encoded clips when PyAV is installed), and
   ZIPs of a few members. About 2% carry a planted artifact: a Red Star trailer, a +08:30
   EXIF/PDF date or a DPRK font name, so the run also checks recall.
2. Anchor: exiftool (Debian ``libimage-exiftool-perl``; skipped with a message when absent;
   this script installs nothing), ``exiftool -json -r DIR`` in one process: metadata only,
   no detection, no archive members.
3. chainwatch: the CLI as a user runs it, ``chainwatch scan DIR --json --out FILE``
   (process start, pool start, every extractor and detector, OCR off), with W workers
   (default: every core) and with one worker, so per-core throughput is comparable with
   exiftool's single process.

Each tool runs ``--repeat`` times (default 3) on a warm page cache; the median counts.
exiftool and the main chainwatch run alternate (exiftool, chainwatch, exiftool, ...) so that
load from other processes on a shared machine hits both alike. chainwatch runs with its
lexicon cache warm (as every run after the first on a machine); one extra run with an empty
cache dir (``XDG_CACHE_HOME``) gives the first-run cost. Results:
``bench/results/scan_bench.json``. The goal from the product issue: more files/s
than exiftool while doing all the detection.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from PIL import Image

from chainwatch.forensics import samples
from chainwatch.forensics.detect.redstar import append_marks

RESULTS = Path(__file__).parent / "results" / "scan_bench.json"
NOTES_KO = [
    "12번 컷 머리 모양을 고쳐주십시오",
    "배경 색을 어둡게 수정",
    "눈 크기를 다시 그려주세요",
]
NOTES_ZH = ["请修改头部形状", "第12镜 背景颜色调暗", "眼睛大小重画"]
NOTES_EN = ["Fix the head shape in cut 12", "Darken the background", "Redraw the eyes"]
KINDS = [  # (kind, weight)
    ("jpeg", 30),
    ("png", 10),
    ("tiff", 3),
    ("webp", 4),
    ("pdf", 8),
    ("docx", 8),
    ("xlsx", 5),
    ("psd", 3),
    ("srt", 5),
    ("ass", 5),
    ("txt", 8),
    ("csv", 5),
    ("mp4", 3),
    ("zip", 3),
]


def noise_image(rng: random.Random, w: int, h: int) -> Image.Image:
    arr = np.random.default_rng(rng.randrange(1 << 30)).integers(
        0, 255, (h // 8, w // 8, 3), dtype=np.uint8
    )
    return Image.fromarray(arr).resize((w, h), Image.NEAREST)


def image_bytes(rng: random.Random, fmt: str, plant: str | None) -> bytes:
    w, h = rng.choice([(640, 480), (1280, 720), (320, 240), (1920, 1080)])
    img = noise_image(rng, w, h)
    exif = img.getexif()
    ifd = exif.get_ifd(0x8769)
    year = 2016 if plant == "FILE-2" else rng.choice([2014, 2019, 2023, 2025])
    ifd[0x9003] = f"{year}:0{rng.randint(1, 9)}:1{rng.randint(0, 9)} 10:00:00"
    ifd[0x9011] = "+08:30" if plant == "FILE-2" else rng.choice(["+09:00", "+08:00", "-07:00"])
    exif[0x0131] = "Clip Studio Paint"
    buf = io.BytesIO()
    kwargs = {"quality": 85} if fmt in ("JPEG", "WEBP") else {}
    img.save(buf, fmt, exif=exif.tobytes(), **kwargs)
    data = buf.getvalue()
    return append_marks(data, ["WMAC9A58CDZ364C"]) if plant == "FILE-1" else data


def video_bytes(rng: random.Random) -> bytes:
    try:
        import av
    except ImportError:
        return samples.mp4(created=datetime(2024, 3, 1, tzinfo=UTC), encoder="Lavf")
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=12)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        out.metadata["creation_time"] = "2024-03-01T10:00:00.000000Z"
        for _ in range(12):
            frame = av.VideoFrame.from_image(noise_image(rng, 160, 120))
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def notes(rng: random.Random, n: int) -> list[str]:
    pool = NOTES_KO + NOTES_ZH + NOTES_EN
    return [f"{rng.choice(pool)} (sc{rng.randint(1, 99)})" for _ in range(n)]


def build_file(rng: random.Random, kind: str, plant: str | None) -> tuple[str, bytes]:
    if kind in ("jpeg", "png", "tiff", "webp"):
        fmt = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "webp": "WEBP"}[kind]
        ext = {"jpeg": "jpg", "tiff": "tif"}.get(kind, kind)
        return ext, image_bytes(rng, fmt, plant)
    if kind == "pdf":
        date = "D:20160301100000+08'30'" if plant == "FILE-2" else "D:20240301100000+09'00'"
        font = "KP CheonRiMa KCC" if plant == "FILE-5" else "Helvetica"
        return "pdf", samples.pdf(
            creation_date=date, producer="LibreOffice", font=font, text=" ".join(notes(rng, 3))
        )
    if kind == "docx":
        fonts = ["Calibri", "Malgun Gothic"] + (["KP CheonRiMa KCC"] if plant == "FILE-5" else [])
        return "docx", samples.docx(paragraphs=notes(rng, 20), fonts=fonts, comments=notes(rng, 2))
    if kind == "xlsx":
        return "xlsx", samples.xlsx(rows=notes(rng, 50))
    if kind == "psd":
        return "psd", samples.psd([f"sc{rng.randint(1, 99)} 수정", "bg", "line"])
    if kind == "srt":
        return "srt", samples.srt(notes(rng, 8)).encode()
    if kind == "ass":
        font = "KP CheongPong Bold" if plant == "FILE-5" else "Arial"
        return "ass", samples.ass(font=font, lines=notes(rng, 8)).encode()
    if kind == "txt":
        return "txt", "\n".join(notes(rng, 30)).encode()
    if kind == "csv":
        rows = "\n".join(f"{i},{n}" for i, n in enumerate(notes(rng, 40)))
        return "csv", ("shot,note\n" + rows).encode()
    if kind == "mp4":
        return "mp4", video_bytes(rng)
    members = {f"sc{i}.txt": "\n".join(notes(rng, 5)) for i in range(3)}
    members["thumb.jpg"] = image_bytes(rng, "JPEG", None)
    return "zip", samples.zip_of(members)


def build_corpus(root: Path, n: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    planted = {"FILE-1": 0, "FILE-2": 0, "FILE-5": 0}
    plantable = {
        "FILE-1": {"jpeg", "png"},
        "FILE-2": {"jpeg", "tiff", "webp", "pdf"},
        "FILE-5": {"pdf", "docx", "ass"},
    }
    total = 0
    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        plant = None
        if rng.random() < 0.03:
            options = [r for r, ks in plantable.items() if kind in ks]
            plant = rng.choice(options) if options else None
        ext, data = build_file(rng, kind, plant)
        folder = root / f"ep{i % 7 + 1}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{i:05d}.{ext}").write_bytes(data)
        total += len(data)
        if plant:
            planted[plant] += 1
    return {"files": n, "bytes": total, "planted": planted}


def run_once(cmd: list[str], out: Path | None = None, env: dict | None = None) -> float:
    start = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        subprocess.run(cmd, stdout=sink, stderr=subprocess.DEVNULL, check=False, env=env)
    return time.perf_counter() - start


def timed(cmd: list[str], repeat: int, out: Path | None = None) -> tuple[float, list[float]]:
    runs = [run_once(cmd, out) for _ in range(repeat)]
    return statistics.median(runs), runs


def rates(files: int, nbytes: int, seconds: float) -> dict:
    return {
        "seconds": round(seconds, 3),
        "files_per_s": round(files / seconds, 1),
        "mb_per_s": round(nbytes / 1e6 / seconds, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=1500)
    ap.add_argument("--quick", action="store_true", help="300 files, one repeat")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    args = ap.parse_args()
    n, repeat = (300, 1) if args.quick else (args.files, args.repeat)
    tmp = Path(tempfile.mkdtemp(prefix="cw-scan-bench-"))
    corpus = args.keep or tmp / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        info = build_corpus(corpus, n)
        print(
            f"corpus: {info['files']} files, {info['bytes'] / 1e6:.1f} MB "
            f"in {time.perf_counter() - t0:.1f}s; planted {info['planted']}"
        )
        result: dict = {"corpus": info, "repeat": repeat, "machine": machine()}
        exe = shutil.which("exiftool")
        if exe is None:
            print("exiftool not found (apt-get install libimage-exiftool-perl): anchor skipped")
        cw = [sys.executable, "-m", "chainwatch", "scan", str(corpus), "--json"]
        main_cmd = [*cw, "--workers", str(args.workers), "--out", str(tmp / "chainwatch.json")]
        run_once(main_cmd)  # the lexicon cache is written by the first run on a machine
        exif_runs, main_runs = [], []
        for _ in range(repeat):  # alternate, so that outside load hits both alike
            if exe is not None:
                exif_runs.append(run_once([exe, "-json", "-r", str(corpus)], tmp / "exif.json"))
            main_runs.append(run_once(main_cmd))
        if exe is None:
            result["exiftool"] = None
        else:
            described = len(json.loads((tmp / "exif.json").read_text("utf-8", "replace")))
            result["exiftool"] = {
                "command": "exiftool -json -r DIR",
                "version": subprocess.run(
                    [exe, "-ver"], capture_output=True, text=True
                ).stdout.strip(),
                "runs_s": [round(r, 3) for r in exif_runs],
                "files_described": described,
                **rates(info["files"], info["bytes"], statistics.median(exif_runs)),
            }
            print(f"exiftool: {result['exiftool']}")
        for label, workers in (("chainwatch", args.workers), ("chainwatch_1_worker", 1)):
            report = tmp / f"{label}.json"
            if label == "chainwatch":
                runs = main_runs
            else:
                _, runs = timed([*cw, "--workers", str(workers), "--out", str(report)], repeat)
            data = json.loads(report.read_text("utf-8"))
            s = data["summary"]
            result[label] = {
                "command": f"chainwatch scan DIR --json --workers {workers} --out FILE",
                "workers": workers,
                "runs_s": [round(r, 3) for r in runs],
                "records": s["records"],
                "types": s["types"],
                "findings_by_rule": s["findings_by_rule"],
                "rejects_by_reason": s["rejects_by_reason"],
                "in_process_scan_s": s["elapsed_s"],
                **rates(info["files"], info["bytes"], statistics.median(runs)),
            }
            print(f"{label}: {result[label]}")
        # The first run on a machine: no lexicon cache yet (an empty XDG_CACHE_HOME).
        cold_home = tmp / "empty-cache"
        cold_home.mkdir()
        cold = run_once(main_cmd, env={**os.environ, "XDG_CACHE_HOME": str(cold_home)})
        result["chainwatch_first_run"] = {
            "command": "XDG_CACHE_HOME=<empty dir> chainwatch scan DIR --json --out FILE",
            "note": "one run; builds and writes the lexicon cache (every later run reads it)",
            **rates(info["files"], info["bytes"], cold),
        }
        print(f"chainwatch_first_run: {result['chainwatch_first_run']}")
        # Where the time goes: the same scan with the text analyzers (FILE-3/4/6, LANG-1)
        # off, in a fresh process so its workers do not preload the language models.
        code = (
            "import json, sys, time; from chainwatch.service.scan import scan_paths; "
            "t = time.perf_counter(); "
            f"r = scan_paths([{str(corpus)!r}], workers={args.workers}, text_rules=False); "
            "print(json.dumps({'s': time.perf_counter() - t, 'f': r.summary()}))"
        )
        runs = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        best = statistics.median(r["s"] for r in runs)
        result["chainwatch_without_text_rules"] = {
            "command": f"scan_paths(DIR, workers={args.workers}, text_rules=False) in process",
            "runs_s": [round(r["s"], 3) for r in runs],
            "findings_by_rule": runs[-1]["f"]["findings_by_rule"],
            **rates(info["files"], info["bytes"], best),
        }
        print(f"chainwatch_without_text_rules: {result['chainwatch_without_text_rules']}")
        # Fixed costs every `chainwatch scan` pays before its first file: the CLI's imports
        # (the root, the scan command, the scan service), and the forkserver importing the
        # extractors and warming the text analyzers (lexicon cache, lingua's Latin models).
        # The two overlap: the CLI starts the forkserver before importing the scan service.
        imports = "import chainwatch.cli.app, chainwatch.cli.scan, chainwatch.service.scan"
        startup, _ = timed([sys.executable, "-c", imports], repeat)
        help_s, _ = timed([sys.executable, "-m", "chainwatch", "scan", "--help"], repeat)
        version_s, _ = timed([sys.executable, "-m", "chainwatch", "--version"], repeat)
        warm, _ = timed([sys.executable, "-c", "import chainwatch.forensics.preload"], repeat)
        base, _ = timed([sys.executable, "-c", "import chainwatch.forensics.inspect"], repeat)
        steady = result["chainwatch"]["seconds"] - max(startup, warm)
        result["fixed_costs_s"] = {
            "cli_imports_for_scan": round(startup, 3),
            "chainwatch_scan_help": round(help_s, 3),
            "chainwatch_version": round(version_s, 3),
            "forkserver_preload": round(warm, 3),
            "text_analyzer_warmup": round(warm - base, 3),
        }
        result["chainwatch_after_fixed_costs"] = {
            "note": "CLI median minus the longer of CLI imports and forkserver preload "
            "(they overlap): the per-file rate",
            **rates(info["files"], info["bytes"], steady),
        }
        print(
            f"fixed costs: {result['fixed_costs_s']}; after them: "
            f"{result['chainwatch_after_fixed_costs']}"
        )
        main_run = result["chainwatch"]
        result["recall"] = {
            rule: {"planted": p, "found": main_run["findings_by_rule"].get(rule, 0)}
            for rule, p in info["planted"].items()
        }
        if result["exiftool"]:
            ratio = main_run["files_per_s"] / result["exiftool"]["files_per_s"]
            one = result["chainwatch_1_worker"]["files_per_s"] / result["exiftool"]["files_per_s"]
            result["ratio_files_per_s"] = round(ratio, 2)
            result["ratio_files_per_s_one_worker"] = round(one, 2)
            result["goal_faster_than_exiftool"] = ratio > 1
            print(f"chainwatch / exiftool files/s: {ratio:.2f}x ({one:.2f}x with one worker)")
        result["machine"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
        result["versions"] = versions()
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"written {RESULTS}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def machine() -> dict:
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


def versions() -> dict:
    out = {}
    for p in ("chainwatch", "pillow", "pypdf", "psd-tools", "av", "cryptography"):
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = None
    return out


if __name__ == "__main__":
    main()
