"""Catalog matching benchmark: chainwatch's two tiers side by side with PDQ alone and pHash alone.

On a studio catalog of generated masters (flat-colour cels with line art over gradient skies,
and grey pencil sketches on paper grain; ``chainwatch.catalog.samples``) plus natural
photographs (``samples.PHOTOS``: public-domain/CC0 images shipped in the scikit-image wheel,
at their own size; every other one is catalogued, the rest are held out), every attack of
issue 6's image suite is applied to ``--queries`` generated masters and every catalogued
photo (positives), and to as many generated pictures and the held-out photos, which are not
in the catalog (negatives, attacked the same way). Three matchers answer each query with
(asset or nothing, score):

- chainwatch: ``find_master`` (PDQ + dihedral in FAISS, then ORB + RANSAC), via the service;
- PDQ alone: ``pdqhash.compute`` on the picture as it is, nearest catalog hash (the usual
  ThreatExchange use), score = -distance;
- pHash alone: ``imagehash.phash`` (64 bits), nearest catalog hash, score = -distance.

Recall at 99 % precision is computed on all queries pooled (one threshold per matcher) and
per image kind (cel, sketch, photo: that kind's positives and negatives, its own threshold),
then recall per attack and kind at the pooled threshold. Then the near-duplicate tier at
scale: a million random PDQ hashes plus the real ones in the table, index build / cache load
and time per query.

    pip install -e '.[bench]'   # imagehash (BSD-2) for the pHash anchor, scikit-image's photos
    python bench/catalog_bench.py [--masters 100] [--queries 20] [--photos 11]
                                  [--million 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import imagehash
import numpy as np
import pdqhash
from PIL import Image
from sqlalchemy import insert

from chainwatch.catalog import find_master, samples
from chainwatch.catalog.fingerprint import _hex
from chainwatch.catalog.index import one_thread, pdq_index
from chainwatch.service import catalog as service
from chainwatch.service.chains import import_chain_file
from chainwatch.settings import Settings
from chainwatch.storage.models import CatalogAssetRow, CatalogFingerprintRow
from chainwatch.storage.session import dispose_engines, open_session, upgrade

NEGATIVE_SEED = 50_000
NOW = datetime(2026, 11, 25, tzinfo=UTC)
CHAIN = """\
chainwatch: 1
parties:
  - {id: studio, kind: company, names: ["Bench Studio"]}
projects:
  - {id: bench, client: studio, title: "Bench"}
"""


def recall_at_precision(rows: list[tuple[float, bool, bool]], n_pos: int, target: float = 0.99):
    """rows: (score, predicted, correct) per query; returns (recall, threshold)."""
    ranked = sorted((r for r in rows if r[1]), key=lambda r: -r[0])
    best, thr, tp, fp = 0.0, None, 0, 0
    i = 0
    while i < len(ranked):
        score = ranked[i][0]
        while i < len(ranked) and ranked[i][0] == score:  # ties enter together
            tp += ranked[i][2]
            fp += not ranked[i][2]
            i += 1
        if tp / (tp + fp) >= target and tp / n_pos >= best:
            best, thr = tp / n_pos, score
    return best, thr


def photo_split(n_photos: int) -> tuple[list[str], list[str]]:
    """The first ``n_photos`` of ``samples.PHOTOS``, alternately in the catalog and held out
    (held-out photos are the negatives of the photo kind)."""
    names = list(samples.PHOTOS)[:n_photos]
    return names[0::2], names[1::2]


def setup_catalog(root: Path, n: int, photos: list[str]) -> tuple[Settings, dict[int, str], float]:
    """A catalog of ``n`` generated masters and the given photos; asset id -> query key."""
    settings = Settings(home=root / "home", database_url=f"sqlite:///{root / 'cw.db'}")
    upgrade(settings)
    paths = [samples.write_png(root / "masters" / f"m{i:05d}.png", samples.studio_image(i))
             for i in range(n)]  # fmt: skip
    paths += [samples.write_png(root / "masters" / f"p-{p}.png", samples.photo(p)) for p in photos]
    chain = root / "chain.yaml"
    chain.write_text(CHAIN, "utf-8")
    with open_session(settings) as session:
        import_chain_file(session, chain)
        t = time.perf_counter()
        result = service.add_paths(session, settings, paths, project="bench", now=NOW)
        add_s = time.perf_counter() - t
    asset_key = {f.asset_id: _key_of(Path(f.path).stem) for f in result.files}
    return settings, asset_key, add_s


def _key_of(stem: str) -> str:
    return f"photo:{stem[2:]}" if stem.startswith("p-") else f"seed:{int(stem[1:])}"


def _kind(key: str) -> str:
    if key.startswith("photo:"):
        return "photo"
    return "cel" if int(key.split(":")[1]) % 2 == 0 else "sketch"


def _image(key: str) -> np.ndarray:
    kind, _, what = key.partition(":")
    return samples.photo(what) if kind == "photo" else samples.studio_image(int(what))


KINDS = ["cel", "sketch", "photo"]


class Flat:
    """Nearest neighbour over packed binary codes (the anchors' index)."""

    def __init__(self, codes: np.ndarray, bits: int) -> None:
        self.index = faiss.IndexBinaryFlat(bits)
        self.index.add(codes)

    def nearest(self, code: np.ndarray) -> tuple[int, int]:
        with one_thread():  # as chainwatch searches
            d, i = self.index.search(code[None], 1)
        return int(i[0, 0]), int(d[0, 0])


def pdq_code(img: np.ndarray) -> np.ndarray:
    bits, _ = pdqhash.compute(np.ascontiguousarray(img))
    return np.frombuffer(bytes.fromhex(_hex(bits)), np.uint8)


def phash_code(img: np.ndarray) -> np.ndarray:
    h = imagehash.phash(Image.fromarray(img)).hash.ravel()
    return np.packbits(h.astype(np.uint8))


def run_attacks(settings, asset_key, n_masters, n_queries, attack_names, photos_in, photos_out):
    master_keys = [f"seed:{i}" for i in range(n_masters)] + [f"photo:{p}" for p in photos_in]
    masters = [_image(k) for k in master_keys]
    pdq_flat = Flat(np.stack([pdq_code(m) for m in masters]), 256)
    phash_flat = Flat(np.stack([phash_code(m) for m in masters]), 64)
    step = max(1, n_masters // n_queries)
    # even seeds are cels, odd ones sketches (samples.studio_image): alternate the two
    pos_seeds = [min(n_masters - 1, i * step + i % 2) for i in range(min(n_queries, n_masters))]
    neg_seeds = [NEGATIVE_SEED + i for i in range(len(pos_seeds))]
    queries = [(f"seed:{s}", True) for s in pos_seeds] + [(f"seed:{s}", False) for s in neg_seeds]
    queries += [(f"photo:{p}", True) for p in photos_in]
    queries += [(f"photo:{p}", False) for p in photos_out]
    originals = {k: _image(k) for k, _ in queries}
    suite = samples.attacks(other=samples.cel_frame(NEGATIVE_SEED - 1))
    rows = {m: [] for m in MATCHERS}
    times = {m: [] for m in MATCHERS}
    tier_times: dict[str, list[float]] = {"pdq": [], "local": [], "none": []}
    with open_session(settings) as session:
        find_master(session, settings, masters[0])  # load the indexes once, outside the timing
        for name in attack_names:
            attack = suite[name]
            for key, positive in queries:
                img = attack(originals[key])
                kind = _kind(key)
                t = time.perf_counter()
                found = find_master(session, settings, img)
                dt = time.perf_counter() - t
                times["chainwatch"].append((kind, dt))
                if found:
                    tier_times[found[0].tier].append(dt)
                    got = asset_key[found[0].asset_id]
                    row = (found[0].score, True, positive and got == key)
                else:
                    tier_times["none"].append(dt)  # no match: both tiers ran
                    row = (0.0, False, False)
                rows["chainwatch"].append(Row(name, kind, positive, *row))
                for method, code_of, flat in (
                    ("pdq", pdq_code, pdq_flat),
                    ("phash", phash_code, phash_flat),
                ):
                    t = time.perf_counter()
                    idx, dist = flat.nearest(code_of(img))
                    times[method].append((kind, time.perf_counter() - t))
                    correct = positive and master_keys[idx] == key
                    rows[method].append(Row(name, kind, positive, -dist, True, correct))
    n_pos = {k: sum(1 for q, p in queries if p and _kind(q) == k) for k in KINDS}
    n_neg = {k: sum(1 for q, p in queries if not p and _kind(q) == k) for k in KINDS}
    report = {}
    for method, r in rows.items():
        report[method] = _report(r, times[method], attack_names, n_pos)
    cw = rows["chainwatch"]
    decided = [x for x in cw if x.predicted]
    report["chainwatch"]["own_decision"] = {
        "recall": round(sum(x.correct for x in cw) / (len(attack_names) * sum(n_pos.values())), 4),
        "precision": round(sum(x.correct for x in decided) / max(1, len(decided)), 4),
        "false_matches_on_negatives": sum(1 for x in decided if not x.positive),
        "by_kind": {
            k: {
                "recall": round(
                    sum(x.correct for x in cw if x.kind == k) / (len(attack_names) * n_pos[k]), 4
                ),
                "false_matches_on_negatives": sum(
                    1 for x in decided if not x.positive and x.kind == k
                ),
            }
            for k in KINDS
            if n_pos[k]
        },
    }
    for tier, ts in tier_times.items():
        if ts:
            report["chainwatch"][f"ms_answered_by_{tier}_mean"] = round(
                1000 * statistics.fmean(ts), 2
            )
            report["chainwatch"][f"queries_answered_by_{tier}"] = len(ts)
    counts = {
        k: {"positives": n_pos[k] * len(attack_names), "negatives": n_neg[k] * len(attack_names)}
        for k in KINDS
    }
    counts["photo_masters"] = photos_in
    counts["photo_negatives"] = photos_out
    return report, counts


@dataclass(frozen=True)
class Row:
    attack: str
    kind: str
    positive: bool
    score: float
    predicted: bool
    correct: bool  # predicted the right master of a positive


MATCHERS = ("chainwatch", "pdq", "phash")


def _report(rows: list[Row], times: list[tuple[str, float]], attack_names, n_pos) -> dict:
    """Recall at 99 % precision pooled over all kinds (one threshold) and per kind (its own
    threshold, on that kind's positives and negatives); per attack and kind at the pooled one."""
    total_pos = len(attack_names) * sum(n_pos.values())
    recall, thr = recall_at_precision([(x.score, x.predicted, x.correct) for x in rows], total_pos)
    by_kind = {}
    for k in KINDS:
        mine = [x for x in rows if x.kind == k]
        if not n_pos[k]:
            continue
        r_k, thr_k = recall_at_precision(
            [(x.score, x.predicted, x.correct) for x in mine], len(attack_names) * n_pos[k]
        )
        ts = [dt for kind, dt in times if kind == k]
        at_pooled = sum(1 for x in mine if x.correct and thr is not None and x.score >= thr)
        by_kind[k] = {
            "recall_at_p99": round(r_k, 4),
            "threshold": thr_k,
            "recall_at_pooled_threshold": round(at_pooled / (len(attack_names) * n_pos[k]), 4),
            "ms_per_query_mean": round(1000 * statistics.fmean(ts), 2),
            "ms_per_query_p50": round(1000 * statistics.median(ts), 2),
        }
    per_attack = {}
    for name in attack_names:
        cell = {}
        for k in KINDS:
            if not n_pos[k]:
                continue
            mine = [x for x in rows if x.attack == name and x.kind == k]
            hits = sum(1 for x in mine if x.correct and thr is not None and x.score >= thr)
            false = sum(
                1
                for x in mine
                if x.predicted and not x.correct and thr is not None and x.score >= thr
            )
            cell[k] = {
                "recall": round(hits / n_pos[k], 3),
                "false_matches": false,
                "top1": round(sum(1 for x in mine if x.correct) / n_pos[k], 3),
            }
        per_attack[name] = cell
    all_t = [dt for _, dt in times]
    return {
        "recall_at_p99": round(recall, 4),
        "threshold": thr,
        "by_kind": by_kind,
        "per_attack": per_attack,
        "ms_per_query_mean": round(1000 * statistics.fmean(all_t), 2),
        "ms_per_query_p50": round(1000 * statistics.median(all_t), 2),
    }


def million(settings: Settings, n: int, n_masters: int, n_assets: int = 1000) -> dict:
    """n random PDQ hashes (n_assets fake video assets) beside the real catalog; queries are
    JPEG 70 copies of real masters (timed end to end when PDQ answers) and unrelated frames."""
    rng = np.random.default_rng(1)
    per = n // n_assets
    with open_session(settings) as session:
        t = time.perf_counter()
        for a in range(n_assets):
            asset = CatalogAssetRow(
                sha256=f"{a:064x}", project="bench", path=f"/synthetic/{a}.mov", media="video",
                frames=per, added_at=NOW, meta={},
            )  # fmt: skip
            session.add(asset)
            session.flush()
            codes = rng.integers(0, 256, (per, 32), dtype=np.uint8)
            session.execute(
                insert(CatalogFingerprintRow),
                [
                    {"asset_id": asset.id, "frame": f, "algorithm": "pdq",
                     "hash": codes[f].tobytes().hex(), "quality": 100}
                    for f in range(per)
                ],
            )  # fmt: skip
        insert_s = time.perf_counter() - t
    with open_session(settings) as session:
        t = time.perf_counter()
        index = pdq_index(session, settings)
        build_s = time.perf_counter() - t
        size = len(index)
    from chainwatch.catalog import index as index_mod

    index_mod._MEMO.clear()
    with open_session(settings) as session:
        t = time.perf_counter()
        pdq_index(session, settings)
        load_s = time.perf_counter() - t
        seeds = list(range(0, n_masters, max(1, n_masters // 20)))[:20]
        queries = [samples.jpeg(70)(samples.studio_image(i)) for i in seeds]
        misses = [samples.studio_image(NEGATIVE_SEED + i) for i in range(10)]
        from chainwatch.catalog.fingerprint import pdq, pdq_dihedral

        search, search9, end_to_end, found = [], [], [], 0
        for img in queries:
            hashes = pdq_dihedral(img)
            first = [hashes[0], pdq(np.ascontiguousarray(img[:, ::-1]))]
            for batch, out in ((first, search), (first + hashes[1:], search9)):
                codes = np.frombuffer(b"".join(h.code for h in batch), np.uint8).reshape(-1, 32)
                t = time.perf_counter()
                index.search(codes, 63)
                out.append(time.perf_counter() - t)
            t = time.perf_counter()
            res = find_master(session, settings, img)
            if res and res[0].tier == "pdq":
                end_to_end.append(time.perf_counter() - t)
                found += 1
        t = time.perf_counter()
        for img in misses:
            find_master(session, settings, img)
        miss_s = (time.perf_counter() - t) / len(misses)
    return {
        "fingerprints": size,
        "insert_s": round(insert_s, 1),
        "index_build_from_table_s": round(build_s, 2),
        "index_load_from_disk_cache_s": round(load_s, 2),
        "index_search_2_codes_ms_p50": round(1000 * statistics.median(search), 2),
        "index_search_2_codes_ms_max": round(1000 * max(search), 2),
        "index_search_9_codes_ms_p50": round(1000 * statistics.median(search9), 2),
        "find_master_pdq_hit_ms_p50": round(1000 * statistics.median(end_to_end), 2),
        "find_master_pdq_hit_ms_max": round(1000 * max(end_to_end), 2),
        "find_master_no_match_ms_mean": round(1000 * miss_s, 1),
        "jpeg70_queries_found": f"{found}/{len(queries)}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--masters", type=int, default=100)
    ap.add_argument("--queries", type=int, default=20, help="attacked masters per attack")
    ap.add_argument("--million", type=int, default=1_000_000, help="0 skips the scale test")
    ap.add_argument("--attacks", nargs="*", help="only these (names from samples.attacks)")
    ap.add_argument(
        "--photos",
        type=int,
        default=len(samples.PHOTOS),
        help="natural photos used: alternately catalogued (positives) and held out (negatives)",
    )
    ap.add_argument("--quick", action="store_true", help="40 masters, 10 queries, 100k hashes")
    ap.add_argument("--scale-only", action="store_true", help="only the 1 M hash test")
    ap.add_argument("--out", type=Path, default=Path("bench/results/catalog_bench.json"))
    args = ap.parse_args()
    if args.quick:
        args.masters, args.queries, args.million = 40, 10, min(args.million, 100_000)
    names = args.attacks or list(samples.attacks())
    with tempfile.TemporaryDirectory(prefix="cw-catalog-bench-") as tmp:
        root = Path(tmp)
        photos_in, photos_out = photo_split(args.photos)
        settings, asset_key, add_s = setup_catalog(root, args.masters, photos_in)
        t = time.perf_counter()
        attacks, counts = (
            run_attacks(
                settings, asset_key, args.masters, args.queries, names, photos_in, photos_out
            )
            if not args.scale_only
            else ({}, {})
        )
        attack_s = time.perf_counter() - t
        scale = million(settings, args.million, args.masters) if args.million else None
        dispose_engines()
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "faiss_threads_per_search": 1,
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        },  # fmt: skip
        "command": "python bench/catalog_bench.py " + " ".join(sys.argv[1:]),
        "catalog": {
            "masters": args.masters + len(photos_in),
            "generated": args.masters,
            "photos": photos_in,
            "photo_credits": {p: samples.PHOTOS[p] for p in photos_in + photos_out},
            "add_s": round(add_s, 2),
            "add_files_per_s": round((args.masters + len(photos_in)) / add_s, 1),
        },  # fmt: skip
        "queries": counts,
        "attacks_s": round(attack_s, 1),
        "matchers": attacks,
        "scale": scale,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    if args.scale_only:
        print(json.dumps(scale, indent=2))
        return
    head = "".join(f" {m[:5]}/{k[:5]:5s}" for m in MATCHERS for k in KINDS)
    print(f"{'attack':24s}{head}   (recall at the pooled P99 threshold)")
    for name in names:
        cells = [
            attacks[m]["per_attack"][name].get(k, {}).get("recall", float("nan"))
            for m in MATCHERS
            for k in KINDS
        ]
        print(f"{name:24s}" + "".join(f" {c:11.2f}" for c in cells))
    for m in MATCHERS:
        r = attacks[m]
        kinds = ", ".join(
            f"{k} {v['recall_at_p99']:.3f} ({v['ms_per_query_mean']} ms)"
            for k, v in r["by_kind"].items()
        )
        print(f"{m}: recall@P99 {r['recall_at_p99']:.3f} pooled; per kind {kinds}")
    print(json.dumps({"own_decision": attacks["chainwatch"]["own_decision"], "scale": scale}))


if __name__ == "__main__":
    main()
