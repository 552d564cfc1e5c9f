"""Evaluate chainwatch.screening: recall, precision on look-alikes, speed and memory.

    PYTHONPATH=src /tmp/v/bin/python bench/screening_eval.py            # everything
    PYTHONPATH=src /tmp/v/bin/python bench/screening_eval.py --dev-only # tuning: no held-out
    PYTHONPATH=src /tmp/v/bin/python bench/screening_eval.py --build-negatives

Sets (reference §4 for the first two; the rest built here from the real lists in shared/):
- watchman: Watchman's 22 cross-script pairs; each must score >= threshold (per pair).
- un_untreated / un_treated: yente's 683 UN persons as written and with typos; each row is
  queried (name, date of birth, nationality) against all UN persons of the files plus the
  OFAC SDN list as distractors; hit = the expected person at rank 1 (a tie at the top counts,
  reported separately: SDN lists many of the same people).
- eu_hangul: the 77 EU DPRK listings that carry a Hangul alias; the Hangul string is queried
  against the EU entries *stripped of their Hangul* plus SDN; hit = rank 1 and >= threshold.
- bench/data/negatives.csv: look-alike pairs built from SDN (different people sharing a
  surname, companies sharing generic words, Chinese companies sharing a city) plus hand-made
  domain pairs (South Korean/Chinese studios vs SEK Studio's network; label 1 = same party).

A fixed 30% of every set except watchman (by SHA-256 of the row) is held out: --dev-only
skips it; the threshold was tuned on the dev part only. Speed: single process, one core,
an index of SDN + non-SDN + UN (yente + XML) + EU, queries mixed from all sets.
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import json
import re
import resource
import statistics
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from chainwatch.domain import EntityKind, Identifier, ListEntry, Name, NameKind
from chainwatch.screening import DEFAULT_THRESHOLD, MatchQuery, ScreeningIndex, compare, screen
from chainwatch.screening.normalize import GENERIC, LEGAL, LOCATION, STOP, normalize

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NEGATIVES = ROOT / "bench" / "data" / "negatives.csv"
RESULTS = ROOT / "bench" / "results" / "screening_eval.json"
HANGUL = re.compile("[\uac00-\ud7a3]")


def held_out(key: str) -> bool:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 100 < 30


# --- tiny ad-hoc readers (the real loaders live in screening/lists/) --------------------------

_KIND = {
    "individual": EntityKind.PERSON,
    "vessel": EntityKind.VESSEL,
    "aircraft": EntityKind.AIRCRAFT,
}
_ID_PATTERNS = (
    ("uscc", r"\(USCC\) ([0-9A-Z]{18})"),
    ("passport", r"Passport ([0-9A-Z]{5,})"),
    ("national_id", r"National ID No\. ([0-9A-Z]{5,})"),
    ("registration", r"Registration (?:Number|ID) ([0-9A-Z/-]{5,})"),
    ("tax", r"Tax ID No\. ([0-9A-Z]{5,})"),
    ("registration", r"Identification Number ([0-9A-Z]{5,})"),
)


DOB_RE = r"DOB (?:circa )?(\d{1,2} [A-Z][a-z]{2} \d{4}|[A-Z][a-z]{2} \d{4}|\d{4})"


def _iso(d: str) -> str:
    for fmt, size in (("%d %b %Y", 10), ("%b %Y", 7), ("%Y", 4)):
        try:
            return datetime.strptime(d, fmt).strftime("%Y-%m-%d")[:size]
        except ValueError:
            continue
    return ""


def read_ofac(folder: Path, prefix: str, source: str) -> list[ListEntry]:
    main = "sdn.csv" if prefix == "sdn" else "cons_prim.csv"
    alt = "alt.csv" if prefix == "sdn" else "cons_alt.csv"
    aliases: dict[str, list[Name]] = defaultdict(list)
    with open(folder / alt, encoding="latin-1", newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 4 and row[3].strip() not in ("", "-0-"):
                kind = NameKind.FORMER if row[2].strip().strip('"') == "fka" else NameKind.ALIAS
                aliases[row[0].strip()].append(Name(row[3].strip(), kind))
    out = []
    with open(folder / main, encoding="latin-1", newline="") as f:
        for row in csv.reader(f):
            if len(row) < 12 or not row[0].strip().isdigit():
                continue
            ent, name, typ, remarks = row[0].strip(), row[1].strip(), row[2].strip(), row[11]
            remarks = "" if remarks.strip() == "-0-" else remarks
            names = [Name(name), *aliases.get(ent, [])]
            names += [
                Name(w, NameKind.WEAK_ALIAS) for w in re.findall(r"a\.k\.a\. '([^']+)'", remarks)
            ]
            ids = tuple(Identifier(t, v) for t, p in _ID_PATTERNS for v in re.findall(p, remarks))
            dobs = tuple(
                filter(
                    None,
                    (
                        _iso(d)
                        for d in re.findall(
                            DOB_RE,
                            remarks,
                        )
                    ),
                )
            )
            out.append(
                ListEntry(source, ent, _KIND.get(typ, EntityKind.COMPANY), tuple(names), ids, dobs)
            )
    return out


def read_un_yente(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def un_yente_entries(rows: list[dict[str, str]]) -> list[ListEntry]:
    return [
        ListEntry(
            "un_yente",
            str(i),
            EntityKind.PERSON,
            (Name(r["full_name"]),),
            birth_dates=(r["date_of_birth"],) if r["date_of_birth"] else (),
            nationalities=(r["nationality"],) if r["nationality"] else (),
        )
        for i, r in enumerate(rows)
    ]


def read_un_xml(path: Path) -> list[ListEntry]:
    root = ET.parse(path).getroot()
    out = []
    for tag, kind in (("INDIVIDUAL", EntityKind.PERSON), ("ENTITY", EntityKind.COMPANY)):
        for el in root.iter(tag):
            parts = [
                el.findtext(f) or ""
                for f in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
            ]
            names = [Name(" ".join(p.strip() for p in parts if p.strip()))]
            for alias in el.iter(f"{tag}_ALIAS"):
                a = (alias.findtext("ALIAS_NAME") or "").strip()
                if a:
                    names.append(Name(a, NameKind.ALIAS))
            dobs = tuple(
                d.findtext("DATE") or d.findtext("YEAR") or ""
                for d in el.iter("INDIVIDUAL_DATE_OF_BIRTH")
            )
            out.append(
                ListEntry(
                    "un",
                    el.findtext("REFERENCE_NUMBER") or "",
                    kind,
                    tuple(names),
                    birth_dates=tuple(d[:10] for d in dobs if d),
                )
            )
    return out


def read_eu(path: Path, strip_hangul: bool) -> tuple[list[ListEntry], list[tuple[str, str, str]]]:
    """EU DPRK entries and (hangul, entry_id, schema) queries."""
    entries, queries = [], []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            schema = EntityKind.PERSON if row["schema"] == "Person" else EntityKind.COMPANY
            names = [Name(row["name"])]
            for a in (x.strip() for x in row["alias"].split(";")):
                if not a:
                    continue
                if HANGUL.search(a):
                    queries.append((a, f"{row['annex']}:{row['recordId']}", row["schema"]))
                    if strip_hangul:
                        continue
                names.append(Name(a, NameKind.ALIAS))
            dobs = tuple(
                f"{y}-{int(m):02d}-{int(d):02d}"
                for d, m, y in re.findall(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", row["birthDate"])
            ) or tuple(re.findall(r"\b(\d{4})\b", row["birthDate"]))
            ids = tuple(Identifier("passport", p) for p in row["passportNumber"].split(";") if p)
            rid = f"{row['annex']}:{row['recordId']}"
            entries.append(ListEntry("eu", rid, schema, tuple(names), ids, dobs))
    return entries, queries


# --- negatives (built once from SDN, then read from bench/data/negatives.csv) -----------------


def _words(text: str) -> set[str]:
    return set(text.split())


KOREAN_CHINESE_SURNAMES = _words(
    "KIM RI PAK CHOE JONG HAN KANG JO O SO RYU YUN CHANG JANG CHON HONG MUN SIN AN KO LI WANG "
    "ZHANG LIU CHEN YANG HUANG ZHAO WU ZHOU XU SUN MA ZHU HU GUO HE LIN LUO"
)
CITIES = _words(
    "shanghai beijing shenzhen dalian dandong guangzhou tianjin qingdao shenyang chongqing "
    "xiamen hangzhou ningbo zhuhai wuhan chengdu hong"
)
DOMAIN_ROWS = [
    # realistic vendors that must NOT match SEK Studio's network (label 0)
    ("Hanbit Animation Studio", "SEK STUDIO", "Company", 0),
    ("Pixel Animation Studio Ltd", "APRIL 26 CHILDREN'S ANIMATION FILM STUDIO", "Company", 0),
    ("Studio Mir Co., Ltd.", "SEK STUDIO", "Company", 0),
    ("Dong Woo Animation", "APRIL 26 CHILDREN'S ANIMATION FILM STUDIO", "Company", 0),
    ("Rough Draft Korea", "SCIENTIFIC EDUCATION KOREA STUDIO", "Company", 0),
    ("Korea Animation Producers Association", "SCIENTIFIC EDUCATION KOREA STUDIO", "Company", 0),
    ("Mansu Film Trading Co Ltd", "MANSUDAE ART STUDIO", "Company", 0),
    # same distinctive word in RR spelling (EU: Paekho runs an art studio): should alert
    ("Korea Baekho Animation", "KOREA PAEKHO TRADING CORPORATION", "Company", 1),
    ("White Rabbit Trading Company", "WHITE TIGER TRADING COMPANY", "Company", 0),
    (
        "重庆星光动漫开发有限公司",
        "CHONGQING NINGSE CARTOON & ANIMATION DEVELOPMENT CO., LTD.",
        "Company",
        0,
    ),
    ("上海星辰文化传媒有限公司", "SHANGHAI MOXING CULTURAL MEDIA CO LTD", "Company", 0),
    (
        "上海红星卡通动画设计工作室",
        "SHANGHAI HONGMAN CARTOON AND ANIMATION DESIGN STUDIO",
        "Company",
        0,
    ),
    ("盐城一点动画有限公司", "YANCHENG THREE LINE ONE POINT ANIMATION CO., LTD.", "Company", 0),
    ("한빛애니메이션", "SEK STUDIO", "Company", 0),
    ("조선국제무역회사", "KOREA PAEKHO TRADING CORPORATION", "Company", 0),
    ("김명수", "KIM, Myong Chol", "Person", 0),
    ("Kim Min-jun", "KIM, Myong Chol", "Person", 0),
    ("Lu Hezhong Animation", "LU, Hezheng", "Company", 0),
    ("Tianfang Media Holdings", "TIAN FANG HONG KONG HOLDINGS LIMITED", "Company", 0),
    ("Everlasting Spring Limited", "EVERLASTING EMPIRE LIMITED", "Company", 0),
    # the SEK network as vendors might present it (label 1)
    ("S.E.K. Studio", "SEK STUDIO", "Company", 1),
    ("조선4.26아동영화촬영소", "APRIL 26 CHILDREN'S ANIMATION FILM STUDIO", "Company", 1),
    ("김명철", "KIM, Myong Chol", "Person", 1),
    ("Gim Myeong-cheol", "KIM, Myo'ng-Ch'o'l", "Person", 1),
    ("조선백호무역회사", "KOREA PAEKHO TRADING CORPORATION", "Company", 1),
    ("Joseon Baekho Muyeok Hoesa", "JOSON PAEKHO MUYOK HOESA", "Company", 1),
    (
        "重庆宁色动漫开发有限公司",
        "CHONGQING NINGSE CARTOON & ANIMATION DEVELOPMENT CO., LTD.",
        "Company",
        1,
    ),
    ("上海墨星文化传媒有限公司", "SHANGHAI MOXING CULTURAL MEDIA CO LTD", "Company", 1),
    (
        "上海红漫卡通动画设计工作室",
        "SHANGHAI HONGMAN CARTOON AND ANIMATION DESIGN STUDIO",
        "Company",
        1,
    ),
    ("卢和正", "LU, Hezheng", "Person", 1),
    ("Funsaga Pte. Ltd", "FUNSAGA PTE LTD.", "Company", 1),
    ("ООО Киноатис", "KINOATIS LLC", "Company", 1),
    ("만수대창작사", "MANSUDAE ART STUDIO", "Company", 1),
    ("조선련봉총회사", "KOREA RYONBONG GENERAL CORPORATION", "Company", 1),
    ("Tian Fang Hong Kong Holdings Ltd", "TIAN FANG HONG KONG HOLDINGS LIMITED", "Company", 1),
    ("Jadhav Deepak Subhash", "JADHAV, Deepak", "Person", 1),
    (
        "Quanzhou Yiyangjin Import & Export Trade Co Ltd",
        "QUANZHOU YIYANGJIN IMPORT AND EXPORT TRADE CO., LTD.",
        "Company",
        1,
    ),
]


def build_negatives(sdn: list[ListEntry]) -> list[tuple[str, str, str, int, str]]:
    rows: list[tuple[str, str, str, int, str]] = []
    persons: dict[str, list[ListEntry]] = defaultdict(list)
    for e in sdn:
        if e.kind is EntityKind.PERSON and "," in e.name:
            persons[e.name.split(",")[0].strip().upper()].append(e)
    for surname in sorted(persons):
        group = sorted(persons[surname], key=lambda e: int(e.entry_id))
        cap = 8 if surname in KOREAN_CHINESE_SURNAMES else 1
        n = 0
        for a, b in zip(group[::2], group[1::2], strict=False):
            ka = {normalize(x.value).key for x in a.names}
            if normalize(b.name).key in ka or n >= cap:
                continue
            rows.append((a.name, b.name, "Person", 0, "person_same_surname"))
            n += 1
    companies = [e for e in sdn if e.kind is EntityKind.COMPANY]
    by_sig: dict[frozenset[str], list[tuple[ListEntry, set[str]]]] = defaultdict(list)
    by_city: dict[str, list[tuple[ListEntry, set[str]]]] = defaultdict(list)
    for e in companies:
        n = normalize(e.name)
        low = {t for t, k in zip(n.texts, n.kinds, strict=True) if k in (GENERIC, LOCATION)}
        distinct = {
            t
            for t, k in zip(n.texts, n.kinds, strict=True)
            if k not in (GENERIC, LOCATION, LEGAL, STOP)
        }
        if len(low) >= 2 and distinct:
            by_sig[frozenset(low)].append((e, distinct))
        if n.texts and n.texts[0] in CITIES and distinct - {"kong"}:
            by_city[n.texts[0]].append((e, distinct))
    for groups, cap, label in ((by_sig, 3, "company_generic_words"), (by_city, 12, "company_city")):
        for key in sorted(groups, key=lambda k: sorted(k) if isinstance(k, frozenset) else [k]):
            items = sorted(groups[key], key=lambda x: int(x[0].entry_id))
            n = 0
            for (a, da), (b, db) in zip(items[::2], items[1::2], strict=False):
                if da & db or n >= cap:
                    continue
                rows.append((a.name, b.name, "Company", 0, label))
                n += 1
    rows += [(a, b, s, y, "domain") for a, b, s, y in DOMAIN_ROWS]
    return rows


def read_negatives() -> list[dict[str, str]]:
    with open(NEGATIVES, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- evaluation --------------------------------------------------------------------------------


def rank_hit(matches, expected: tuple[str, str]) -> tuple[bool, bool, float | None, int | None]:
    """(hit, tie, expected score, rank): hit = expected at rank 1 or tied with rank 1."""
    for rank, m in enumerate(matches, 1):
        if (m.entry.source, m.entry.entry_id) == expected:
            top = matches[0].result.score
            tie = rank > 1 and abs(m.result.score - top) < 1e-9
            return rank == 1 or tie, tie, m.result.score, rank
    return False, False, None, None


def eval_watchman(threshold: float) -> dict:
    rows = []
    with open(DATA / "names" / "watchman_cross_script_pairs.csv", encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            q, expected, minimum, desc = line.rstrip("\n").split(",", 3)
            r = compare(q, expected)
            rows.append(
                {
                    "query": q,
                    "expected": expected,
                    "score": round(r.score, 3),
                    "pass": r.decision if threshold is None else r.score >= threshold,
                    "watchman_min": float(minimum),
                    "description": desc,
                    "as": r.explanation[0].text,
                }
            )
    return {"n": len(rows), "passed": sum(r["pass"] for r in rows), "pairs": rows}


def eval_un(
    index: ScreeningIndex, rows: list[dict[str, str]], split: str, with_attrs: bool = True
) -> dict:
    res = {"dev": [0, 0, 0, 0], "held_out": [0, 0, 0, 0]}  # n, hits, ties, candidate recall
    misses = []
    scores: dict[str, list[float]] = {"dev": [], "held_out": []}
    for i, r in enumerate(rows):
        part = "held_out" if held_out(f"un:{i}") else "dev"
        if split == "dev" and part == "held_out":
            continue
        q = MatchQuery(
            (r["full_name"],),
            EntityKind.PERSON,
            birth_dates=(r["date_of_birth"],) if with_attrs and r["date_of_birth"] else (),
            countries=(r["nationality"],) if with_attrs and r["nationality"] else (),
        )
        matches = screen(q, index, limit=10)
        hit, tie, sc, rank = rank_hit(matches, ("un_yente", str(i)))
        stats = res[part]
        stats[0] += 1
        stats[1] += hit
        stats[2] += tie
        stats[3] += rank is not None
        scores[part].append(sc or 0.0)
        if not hit and part == "dev":
            top = matches[0] if matches else None
            misses.append(
                {
                    "query": r["full_name"],
                    "rank": rank,
                    "score": sc,
                    "top": top.entry.name if top else None,
                    "top_score": round(top.result.score, 3) if top else None,
                }
            )
    out = {
        k: {
            "n": v[0],
            "recall_at_1": round(v[1] / v[0], 4) if v[0] else None,
            "ties": v[2],
            "in_top10": v[3],
        }
        for k, v in res.items()
        if v[0]
    }
    out["dev_misses"] = misses[:25]
    out["_expected_scores"] = scores
    return out


def eval_eu_hangul(index: ScreeningIndex, queries, threshold: float, split: str) -> dict:
    res: dict[str, list[int]] = {"dev": [0, 0, 0], "held_out": [0, 0, 0]}
    rows = []
    scores: dict[str, list[float]] = {"dev": [], "held_out": []}
    for q, rid, schema in queries:
        part = "held_out" if held_out(f"eu:{rid}:{q}") else "dev"
        if split == "dev" and part == "held_out":
            continue
        matches = screen(q, index, limit=10, kind=schema, threshold=threshold)
        hit, tie, sc, rank = rank_hit(matches, ("eu", rid))
        res[part][0] += 1
        res[part][1] += hit
        res[part][2] += bool(hit and sc is not None and sc >= threshold)
        scores[part].append(sc or 0.0)
        if part == "dev" or split == "all":
            best = matches[0] if matches else None
            rows.append(
                {
                    "part": part,
                    "query": q,
                    "expected": rid,
                    "rank": rank,
                    "score": None if sc is None else round(sc, 3),
                    "top": best.entry.name if best else None,
                }
            )
    out = {
        k: {
            "n": v[0],
            "recall_at_1": round(v[1] / v[0], 4) if v[0] else None,
            "recall_at_1_and_threshold": round(v[2] / v[0], 4) if v[0] else None,
        }
        for k, v in res.items()
        if v[0]
    }
    out["rows"] = rows
    out["_expected_scores"] = scores
    return out


def eval_pairs(rows: list[dict[str, str]], threshold: float, split: str) -> dict:
    groups: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp fp tn fn
    errors = []
    scored: dict[str, list[tuple[float, int]]] = {"dev": [], "held_out": []}
    for r in rows:
        part = "held_out" if held_out(f"pair:{r['name1']}|{r['name2']}") else "dev"
        if split == "dev" and part == "held_out":
            continue
        result = compare(r["name1"], r["name2"], r["schema"], threshold=threshold)
        label = int(r["label"])
        scored[part].append((result.score, label))
        cell = (0 if result.decision else 3) if label else (1 if result.decision else 2)
        groups[(r["set"], part)][cell] += 1
        if (result.decision != bool(label)) and part == "dev":
            errors.append(
                {
                    "name1": r["name1"],
                    "name2": r["name2"],
                    "label": label,
                    "score": round(result.score, 3),
                    "why": result.explanation[0].text,
                }
            )
    out: dict = {}
    for (name, part), (tp, fp, tn, fn) in sorted(groups.items()):
        out.setdefault(name, {})[part] = {
            "n": tp + fp + tn + fn,
            "tp": tp,
            "fp": fp,
            "tn": tn,
            "fn": fn,
            "false_positive_rate": round(fp / (fp + tn), 4) if fp + tn else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        }
    out["dev_errors"] = errors[:40]
    out["_scores"] = scored
    return out


def sweep(
    positives: list[float], pairs: list[tuple[float, int]], grid: list[float] | None = None
) -> list[dict]:
    """Recall on pooled positives (UN typos, EU Hangul, labelled 1) vs negatives' FP rate."""
    pos = positives + [s for s, y in pairs if y]
    neg = [s for s, y in pairs if not y] or [0.0]
    out = []
    for t in grid or [x / 100 for x in range(60, 96, 1)]:
        tp = sum(s >= t for s in pos)
        fp = sum(s >= t for s in neg)
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / len(pos) if pos else 0.0
        out.append(
            {
                "threshold": t,
                "recall": round(rec, 4),
                "fp_rate": round(fp / len(neg), 4),
                "precision": round(prec, 4),
                "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
            }
        )
    return out


# --- speed and memory ---------------------------------------------------------------------------


def synthetic(base: list[ListEntry], n: int) -> list[ListEntry]:
    """``n`` made-up entries (letters of real names rotated) to bring the index to size."""
    out = []
    for i in range(n):
        e = base[i % len(base)]
        names = tuple(Name(x.value[1:] + x.value[:1], x.kind) for x in e.names)
        out.append(ListEntry("synthetic", str(i), e.kind, names, (), e.birth_dates))
    return out


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def perf(entries: list[ListEntry], queries: list[MatchQuery | str], repeat: int = 1) -> dict:
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    index = ScreeningIndex.build(entries)
    build_s = time.perf_counter() - t0
    gc.collect()
    after = rss_mb()
    lat = []
    t0 = time.perf_counter()
    for _ in range(repeat):
        for q in queries:
            s = time.perf_counter()
            screen(q, index, limit=10)
            lat.append(time.perf_counter() - s)
    total = time.perf_counter() - t0
    lat.sort()
    names = sum(len(e.names) for e in entries)
    return {
        "entries": len(entries),
        "names": names,
        "name_forms": len(index._form_entry),
        "keys": len(index._postings),
        "build_s": round(build_s, 2),
        "index_rss_mb": round(after - before, 1),
        "rss_kb_per_entry": round((after - before) * 1024 / len(entries), 2),
        "queries": len(lat),
        "queries_per_s": round(len(lat) / total, 1),
        "latency_ms": {
            "median": round(statistics.median(lat) * 1000, 3),
            "p95": round(lat[int(0.95 * len(lat))] * 1000, 3),
            "p99": round(lat[int(0.99 * len(lat))] * 1000, 3),
            "max": round(lat[-1] * 1000, 3),
        },
    }


def trace_memory(entries: list[ListEntry]) -> float:
    tracemalloc.start()
    index = ScreeningIndex.build(entries)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del index
    return round(current / 2**20, 1)


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev-only", action="store_true", help="skip the held-out 30%%")
    ap.add_argument("--build-negatives", action="store_true")
    ap.add_argument("--no-perf", action="store_true")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--pad-to", type=int, default=20000, help="synthetic entries up to N")
    args = ap.parse_args()
    split = "dev" if args.dev_only else "all"
    t = args.threshold

    sdn = read_ofac(DATA / "sanctions" / "ofac", "sdn", "ofac_sdn")
    if args.build_negatives:
        rows = build_negatives(sdn)
        NEGATIVES.parent.mkdir(parents=True, exist_ok=True)
        with open(NEGATIVES, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["name1", "name2", "schema", "label", "set"])
            w.writerows(rows)
        print(f"wrote {len(rows)} rows to {NEGATIVES}")
        return 0

    report: dict = {"threshold": t, "split": split}
    report["watchman"] = eval_watchman(t)

    un_rows = read_un_yente(DATA / "names" / "yente_positives_un_untreated.csv")
    un_treated = read_un_yente(DATA / "names" / "yente_positives_un_treated.csv")
    un_index = ScreeningIndex.build(un_yente_entries(un_rows) + sdn)
    report["un_untreated"] = eval_un(un_index, un_rows, split)
    report["un_treated"] = eval_un(un_index, un_treated, split)
    report["un_treated_name_only"] = eval_un(un_index, un_treated, split, with_attrs=False)

    eu_entries, eu_queries = read_eu(DATA / "sanctions" / "eu" / "eu_dprk_2017_1509.csv", True)
    eu_index = ScreeningIndex.build(eu_entries + sdn)
    report["eu_hangul"] = eval_eu_hangul(eu_index, eu_queries, t, split)

    report["negatives"] = eval_pairs(read_negatives(), t, split)
    pos = {
        p: report["eu_hangul"]["_expected_scores"][p] + report["un_treated"]["_expected_scores"][p]
        for p in ("dev", "held_out")
    }
    pairs = report["negatives"].pop("_scores")
    report["threshold_sweep_dev"] = sweep(pos["dev"], pairs["dev"])
    report["pooled"] = {}
    for part in ("dev", "held_out"):
        row = [x for x in sweep(pos[part], pairs[part], [t]) if pos[part] or pairs[part]]
        if pos[part]:
            report["pooled"][part] = {
                **row[0],
                "positives": len(pos[part]) + sum(y for _, y in pairs[part]),
                "negatives": sum(1 - y for _, y in pairs[part]),
            }
    for key in ("eu_hangul", "un_untreated", "un_treated", "un_treated_name_only"):
        report[key].pop("_expected_scores")
    if not args.no_perf:
        cons = read_ofac(DATA / "sanctions" / "ofac-nonsdn", "cons", "ofac_cons")
        un_xml = read_un_xml(DATA / "sanctions" / "un" / "consolidated.xml")
        eu_full, _ = read_eu(DATA / "sanctions" / "eu" / "eu_dprk_2017_1509.csv", False)
        entries = sdn + cons + un_xml + un_yente_entries(un_rows) + eu_full
        entries += synthetic(sdn, max(0, args.pad_to - len(entries)))
        queries: list[MatchQuery | str] = [
            MatchQuery(
                (r["full_name"],),
                EntityKind.PERSON,
                birth_dates=(r["date_of_birth"],) if r["date_of_birth"] else (),
            )
            for r in un_treated
        ]
        queries += [q for q, _, _ in eu_queries]
        queries += [r["name1"] for r in read_negatives()]
        report["perf"] = perf(entries, queries)
        report["perf"]["tracemalloc_index_mb"] = trace_memory(entries)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print_table(report)
    return 0


def print_table(r: dict) -> None:
    w = r["watchman"]
    print(f"threshold {r['threshold']}  (split: {r['split']})")
    print(f"\nwatchman cross-script pairs: {w['passed']}/{w['n']} >= threshold")
    for p in w["pairs"]:
        mark = "ok " if p["pass"] else "MISS"
        print(
            f"  {mark} {p['score']:.3f} (watchman {p['watchman_min']:.2f})  {p['query']} -> "
            f"{p['expected']}"
        )
    print("\nset                       part      n    recall@1  (ties, in top 10)")
    for key in ("un_untreated", "un_treated", "un_treated_name_only"):
        for part in ("dev", "held_out"):
            if part in r[key]:
                v = r[key][part]
                print(
                    f"  {key:24}{part:9}{v['n']:5}   {v['recall_at_1']:.4f}   "
                    f"({v['ties']}, {v['in_top10']})"
                )
    for part in ("dev", "held_out"):
        if part in r["eu_hangul"]:
            v = r["eu_hangul"][part]
            print(
                f"  {'eu_hangul':24}{part:9}{v['n']:5}   {v['recall_at_1']:.4f}   "
                f"(and >= threshold: {v['recall_at_1_and_threshold']:.4f})"
            )
    print("\nlabelled pairs (bench/data/negatives.csv)   n   fp   fn   fp_rate  recall")
    for name, parts in r["negatives"].items():
        if name == "dev_errors":
            continue
        for part, v in parts.items():
            rate = "-" if v["false_positive_rate"] is None else f"{v['false_positive_rate']:.4f}"
            rec = "-" if v["recall"] is None else f"{v['recall']:.3f}"
            print(f"  {name:24}{part:9}{v['n']:5}{v['fp']:5}{v['fn']:5}   {rate:8} {rec}")
    print(
        "\npooled at threshold (positives: UN typos + EU Hangul + labelled 1; "
        "negatives: labelled 0)"
    )
    for part, v in r["pooled"].items():
        print(
            f"  {part:9} recall {v['recall']:.4f}  precision {v['precision']:.4f}  "
            f"fp_rate {v['fp_rate']:.4f}  f1 {v['f1']:.4f}  ({v['positives']} pos, "
            f"{v['negatives']} neg)"
        )
    if "perf" in r:
        p = r["perf"]
        print(
            f"\nspeed: {p['queries_per_s']} queries/s on one core, median "
            f"{p['latency_ms']['median']} ms, p95 {p['latency_ms']['p95']} ms, p99 "
            f"{p['latency_ms']['p99']} ms ({p['queries']} queries, {p['entries']} entries, "
            f"{p['names']} names, {p['name_forms']} forms)"
        )
        print(
            f"index: build {p['build_s']} s, RSS +{p['index_rss_mb']} MB "
            f"({p['rss_kb_per_entry']} KB/entry), tracemalloc {p['tracemalloc_index_mb']} MB"
        )
    print(f"\nJSON: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
