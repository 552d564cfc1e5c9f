"""Screening benchmark: chainwatch's speed on all lists, and its accuracy next to nomenklatura.

    python bench/screening_bench.py            # full run (2,000 queries), about a minute
    python bench/screening_bench.py --quick    # 300 queries
    python bench/screening_bench.py --no-anchor  # chainwatch only

Part A, throughput: every list in ../shared/data/sanctions (OFAC SDN + non-SDN, UN, EU DPRK
2017/1509 through the custom CSV loader) goes into one ``ScreeningIndex``. Reported: load and
build time, entries, tracemalloc current/peak of a second (traced) build, process RSS, then N
seeded queries screened one after another in ONE process pinned to ONE core: listed names with
a small perturbation, Hangul/Han names of the UN and EU entries (some with one character
changed) and made-up vendor names that should not match. queries/s, median and p95 latency.

Part B, accuracy: labelled name pairs scored by chainwatch ``compare`` and by nomenklatura's
``logic-v2`` (the anchor; run by bench/anchor_nomenklatura.py in its own venv, see
bench/README.md). Positives: Watchman's cross-script pairs and yente's UN persons (untreated:
the listed name itself; treated: the same row with typos/reordering, paired with the untreated
row = its listed name). Negatives (and a few domain positives): bench/data/negatives.csv, or
look-alikes built here from SDN when that file is absent. Precision/recall/F1 at each tool's
own default threshold, the best-F1 threshold on this data, per-set recall, pairs/s.

Results: bench/results/screening_bench.json and a table on stdout.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gc
import hashlib
import importlib.util
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from chainwatch.domain import EntityKind, ListEntry
from chainwatch.screening.compare import compare, screen
from chainwatch.screening.index import ScreeningIndex
from chainwatch.screening.lists.base import LoadReport
from chainwatch.screening.lists.registry import get_loader
from chainwatch.screening.scorer import DEFAULT_THRESHOLD

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
NEGATIVES = ROOT / "bench" / "data" / "negatives.csv"
OWN_NEGATIVES = ROOT / "bench" / "data" / "bench_negatives.csv"
RESULTS = ROOT / "bench" / "results" / "screening_bench.json"
ANCHOR_SCRIPT = ROOT / "bench" / "anchor_nomenklatura.py"
# nomenklatura has no match threshold of its own; yente (its service) defaults to
# SCORE_THRESHOLD = 0.70 (yente/settings.py, reference §1.3), and that is what users get.
ANCHOR_THRESHOLD = 0.70
GOAL_QPS = 500
SEED = 20240917

CJK = "\uac00-\ud7a3\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK}][{CJK}0-9.()（） ]*")
HAS_CJK = re.compile(f"[{CJK}]")
LATIN_ONLY = re.compile(r"^[\x20-\x7e\u00c0-\u024f\u2018\u2019]+$")


# --- lists ---------------------------------------------------------------------------------------


def list_sources(data: Path) -> dict[str, list[Path]]:
    s = data / "sanctions"
    return {
        "ofac_sdn": [s / "ofac" / f for f in ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv")],
        "ofac_cons": sorted((s / "ofac-nonsdn").glob("cons_*.csv")),
        "un": [s / "un" / "consolidated.xml"],
        "custom": [
            s / "eu" / "eu_dprk_2017_1509.csv",
            ROOT / "src/chainwatch/screening/lists/mappings/eu_dprk_2017_1509.yaml",
        ],
    }


def load_lists(data: Path) -> tuple[list[ListEntry], dict[str, dict]]:
    entries: list[ListEntry] = []
    info: dict[str, dict] = {}
    for kind, paths in list_sources(data).items():
        t0 = time.perf_counter()
        report = LoadReport(kind)
        got = list(get_loader(kind).read(paths, report))
        info[kind] = {
            "entries": len(got),
            "names": sum(len(e.names) for e in got),
            "load_s": round(time.perf_counter() - t0, 2),
            "rejects": len(report.rejects),
        }
        entries += got
    return entries, info


# --- part A: queries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    kind: str  # Person / Company / Any
    group: str  # listed / original_script / vendor
    variant: str  # exact, drop, swap, typo, changed_char, latin_company, ...
    expected: tuple[str, str] | None = None  # (source, entry_id) the name was taken from


CITIES = [
    "Seoul", "Busan", "Incheon", "Daejeon", "Shanghai", "Beijing", "Shenzhen", "Hangzhou",
    "Chengdu", "Suzhou", "Taipei", "Tokyo", "Osaka", "Manila", "Cebu", "Hanoi", "Bangkok",
    "Jakarta", "Singapore", "Bangalore", "Pune", "Hyderabad", "Kyiv", "Lviv", "Warsaw",
    "Krakow", "Bucharest", "Sofia", "Montreal", "Vancouver", "Toronto", "Austin", "Dublin",
    "Lyon", "Barcelona", "Lisbon", "Bogota", "Kuala Lumpur", "Da Nang", "Cape Town",
    "Mexico City", "Sao Paulo", "Ho Chi Minh",
]  # fmt: skip
WORDS = [
    "Blue Whale", "Bright Star", "Golden Pixel", "Maple Leaf", "Lotus", "Red Fox", "Paper Moon",
    "Silver Line", "Green Tea", "Northern Light", "Little Bear", "Crystal", "Rainbow", "Firefly",
    "Orbit", "Sunrise", "Tiger Lily", "Blue Sky", "Cloud Nine", "Moonlight", "Amber", "Cobalt",
    "Coral", "Pine", "Willow", "Lantern", "Origami", "Kite", "Harbor", "Atlas", "Nova", "Pebble",
    "Echo", "Falcon", "Panda", "Dolphin", "Sparrow", "Magpie", "Ink Drop", "Sketchbook",
]  # fmt: skip
ACTIVITIES = [
    "Animation", "Studio", "Digital Media", "Motion Pictures", "Cartoon", "Visual Effects",
    "Pictures", "Creative", "Software", "Games", "Post-Production", "Design", "Content",
    "Entertainment", "IT Solutions", "Animation Studio", "CG Works",
]  # fmt: skip
FORMS = [
    "Co., Ltd.", "Ltd", "Inc.", "LLC", "GmbH", "Pvt. Ltd.", "Sp. z o.o.", "S.A.", "Pte. Ltd.",
    "Limited", "Corporation", "SRL", "Co.", "",
]  # fmt: skip
GIVEN = [
    "Emma", "Liam", "Sofia", "Lucas", "Mia", "Noah", "Olga", "Pedro", "Anna", "Marco",
    "Julia", "Tomasz", "Ines", "Rahul", "Priya", "Minh", "Linh", "Yuki", "Haruto", "Ji-woo",
    "Seo-yeon", "Min-jun", "Wei", "Xiaoling", "Mei", "Jun", "Camille", "Mateo", "Aisha",
    "Omar", "Ivan", "Daria",
]  # fmt: skip
SURNAMES = [
    "Larsen", "Novak", "Garcia", "Rossi", "Dubois", "Kowalski", "Silva", "Nguyen", "Tran",
    "Sato", "Tanaka", "Patel", "Sharma", "Park", "Lee", "Choi", "Chen", "Wang", "Liu",
    "Schmidt", "Murphy", "Okafor", "Haddad", "Petrov", "Moreau", "Jensen", "Costa",
    "Yilmaz", "Ito",
]  # fmt: skip
HANGUL_CITY = ["서울", "부산", "인천", "대전", "광주", "수원", "성남"]
HANGUL_WORD = [
    "푸른고래", "별빛", "무지개", "해바라기", "반딧불", "구름", "솔바람", "달빛", "종이배",
]  # fmt: skip
HANGUL_ACT = ["애니메이션", "스튜디오", "미디어", "엔터테인먼트", "소프트웨어", "콘텐츠"]
HAN_CITY = ["上海", "北京", "深圳", "杭州", "成都", "苏州", "广州", "厦门", "无锡"]
HAN_WORD = ["蓝鲸", "金像素", "彩虹", "萤火虫", "云朵", "月光", "熊猫", "纸飞机", "青松"]
HAN_ACT = ["动画", "文化传媒", "数字科技", "影视制作", "动漫设计", "软件", "游戏"]
HAN_FORM = ["有限公司", "有限责任公司", "工作室", "科技有限公司"]
HANGUL_SYLLABLES = "가나다라마바사아자차카타파하고노도로모보소오조최김박이정한강"
HAN_CHARS = "华明光海金天成龙新东国中大兴德"


def kind_of(e: ListEntry) -> str:
    return e.kind.value if e.kind in (EntityKind.PERSON, EntityKind.COMPANY) else "Any"


def typo(name: str, rng: random.Random) -> str:
    toks = name.split(" ")
    cands = [i for i, t in enumerate(toks) if sum(c.isalpha() for c in t) >= 4]
    i = rng.choice(cands) if cands else max(range(len(toks)), key=lambda j: len(toks[j]))
    t = toks[i]
    letters = [j for j, c in enumerate(t) if c.isalpha()]
    if not letters:
        return name + "x"
    j = rng.choice(letters[1:] or letters)
    op = rng.choice(("sub", "del", "ins", "swap"))
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    c = rng.choice(alphabet)
    c = c.upper() if t[j].isupper() else c
    if op == "sub":
        t = t[:j] + c + t[j + 1 :]
    elif op == "del" and len(letters) > 1:
        t = t[:j] + t[j + 1 :]
    elif op == "swap" and j + 1 < len(t):
        t = t[:j] + t[j + 1] + t[j] + t[j + 2 :]
    else:
        t = t[:j] + c + t[j:]
    toks[i] = t
    return " ".join(toks)


def perturb(name: str, how: str, rng: random.Random) -> tuple[str, str]:
    toks = name.replace(",", " ").split()
    if how == "exact":
        return name, how
    if how == "drop" and len(toks) >= 2:
        del toks[rng.randrange(len(toks))]
        return " ".join(toks), how
    if how == "swap" and len(toks) >= 2:
        return " ".join(toks[1:] + toks[:1]), how
    return typo(name, rng), "typo"


def original_script_names(entries: list[ListEntry]) -> list[tuple[str, ListEntry]]:
    seen: dict[str, ListEntry] = {}
    for e in entries:
        for n in e.names:
            for run in CJK_RUN.findall(n.value):
                run = run.strip(" ()（）")
                if len(run) >= 2 and HAS_CJK.search(run):
                    seen.setdefault(run, e)
    return sorted(seen.items(), key=lambda x: x[0])


def change_char(text: str, rng: random.Random) -> str:
    idx = [i for i, c in enumerate(text) if HAS_CJK.match(c)]
    i = rng.choice(idx)
    pool = HANGUL_SYLLABLES if "\uac00" <= text[i] <= "\ud7a3" else HAN_CHARS
    return text[:i] + rng.choice([c for c in pool if c != text[i]]) + text[i + 1 :]


def vendor_name(rng: random.Random) -> tuple[str, str, str]:
    r = rng.random()
    if r < 0.6:
        city, word = rng.choice(CITIES), rng.choice(WORDS)
        act, form = rng.choice(ACTIVITIES), rng.choice(FORMS)
        pattern = rng.choice(
            ("{c} {w} {a} {f}", "{w} {a} {f}", "{w} {a}", "{c} {w} Animation Co., Ltd.")
        )
        text = pattern.format(c=city, w=word, a=act, f=form)
        return " ".join(text.split()), "Company", "latin_company"
    if r < 0.7:
        text = rng.choice(
            (
                f"{rng.choice(HANGUL_CITY)}{rng.choice(HANGUL_WORD)}{rng.choice(HANGUL_ACT)}",
                f"주식회사 {rng.choice(HANGUL_WORD)}{rng.choice(HANGUL_ACT)}",
                f"(주){rng.choice(HANGUL_WORD)}{rng.choice(HANGUL_ACT)}",
            )
        )
        return text, "Company", "hangul_company"
    if r < 0.8:
        text = (
            f"{rng.choice(HAN_CITY)}{rng.choice(HAN_WORD)}{rng.choice(HAN_ACT)}"
            f"{rng.choice(HAN_FORM)}"
        )
        return text, "Company", "han_company"
    return f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}", "Person", "person_freelancer"


def make_queries(entries: list[ListEntry], n: int, seed: int) -> list[Query]:
    """45% perturbed listed names, 10% original-script names, 45% vendors; no duplicates."""
    rng = random.Random(seed)
    latin = [
        (nm.value, e)
        for e in entries
        for nm in e.names
        if len(nm.value) >= 4 and LATIN_ONLY.match(nm.value)
    ]
    out: list[Query] = []
    seen: set[tuple[str, str]] = set()

    def add(q: Query) -> bool:
        key = (q.text.casefold(), q.kind)
        if key in seen or not q.text.strip():
            return False
        seen.add(key)
        out.append(q)
        return True

    n_orig = n // 10
    originals = original_script_names(entries)
    for text, e in originals[:n_orig]:
        add(Query(text, kind_of(e), "original_script", "exact", (e.source, e.entry_id)))
    attempts = 0
    while sum(q.group == "original_script" for q in out) < n_orig and attempts < 50 * n:
        attempts += 1
        text, e = rng.choice(originals)
        q = Query(change_char(text, rng), kind_of(e), "original_script", "changed_char")
        add(Query(q.text, q.kind, q.group, q.variant, (e.source, e.entry_id)))
    n_listed = (n * 45) // 100
    while sum(q.group == "listed" for q in out) < n_listed:
        name, e = rng.choice(latin)
        text, how = perturb(name, rng.choice(("exact", "drop", "swap", "typo")), rng)
        add(Query(text, kind_of(e), "listed", how, (e.source, e.entry_id)))
    while len(out) < n:
        text, kind, variant = vendor_name(rng)
        add(Query(text, kind, "vendor", variant))
    rng.shuffle(out)
    return out


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def pct(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def run_throughput(entries: list[ListEntry], n: int, seed: int, info: dict) -> dict:
    gc.collect()
    rss_before = rss_mb()
    t0 = time.perf_counter()
    index = ScreeningIndex.build(entries)
    build_s = time.perf_counter() - t0
    gc.collect()
    rss_after = rss_mb()
    maxrss_after_build = max_rss_mb()

    tracemalloc.start()
    traced = ScreeningIndex.build(entries)
    traced_current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced
    gc.collect()

    queries = make_queries(entries, n, seed)
    warm = make_queries(entries, 20, seed + 1)
    t0 = time.perf_counter()
    for q in warm:
        screen(q.text, index, limit=10, kind=q.kind)
    warm_s = time.perf_counter() - t0

    gc.collect()
    lat: list[float] = []
    results = []
    load_before = os.getloadavg()
    c0 = time.process_time()
    t0 = time.perf_counter()
    for q in queries:
        s = time.perf_counter()
        matches = screen(q.text, index, limit=10, kind=q.kind)
        lat.append(time.perf_counter() - s)
        results.append(matches)
    total = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    load_after = os.getloadavg()

    groups: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    by_group_lat: dict[str, list[float]] = defaultdict(list)
    for q, matches, t in zip(queries, results, lat, strict=True):
        g = groups[(q.group, q.variant)]
        g[0] += 1
        g[1] += any(m.result.decision for m in matches)  # an alert on anything
        if q.expected:
            hits = [m for m in matches if (m.entry.source, m.entry.entry_id) == q.expected]
            g[2] += bool(hits)
            g[3] += bool(hits and hits[0].result.decision)
        by_group_lat[q.group].append(t)
        by_group_lat[f"{q.group}/{q.variant}"].append(t)
    lat_sorted = sorted(lat)
    qps = len(lat) / total
    slowest = sorted(range(len(lat)), key=lambda i: -lat[i])[:10]
    return {
        "lists": info,
        "entries": len(entries),
        "names": sum(len(e.names) for e in entries),
        "entries_by_kind": dict(Counter(e.kind.value for e in entries)),
        "index_size": len(index),
        "build_s": round(build_s, 2),
        "tracemalloc_build_peak_mb": round(traced_peak / 2**20, 1),
        "tracemalloc_index_mb": round(traced_current / 2**20, 1),
        "rss_before_build_mb": round(rss_before, 1),
        "rss_after_build_mb": round(rss_after, 1),
        "ru_maxrss_after_build_mb": round(maxrss_after_build, 1),
        "queries": len(queries),
        "query_mix": dict(Counter(f"{q.group}/{q.variant}" for q in queries)),
        "warmup_s": round(warm_s, 3),
        "wall_s": round(total, 2),
        "queries_per_s": round(qps, 1),
        "goal_queries_per_s": GOAL_QPS,
        "goal_met": qps >= GOAL_QPS,
        "latency_ms": {
            "median": round(statistics.median(lat_sorted) * 1000, 3),
            "p95": round(pct(lat_sorted, 0.95) * 1000, 3),
            "p99": round(pct(lat_sorted, 0.99) * 1000, 3),
            "max": round(lat_sorted[-1] * 1000, 3),
        },
        "latency_ms_by_group": {
            g: {
                "n": len(v),
                "mean": round(statistics.fmean(v) * 1000, 3),
                "median": round(statistics.median(v) * 1000, 3),
                "p95": round(pct(sorted(v), 0.95) * 1000, 3),
                "share_of_time": round(sum(v) / sum(lat), 3),
            }
            for g, v in sorted(by_group_lat.items())
        },
        "outcomes": {
            f"{g}/{v}": {
                "n": c[0],
                "alerted": c[1],
                **({"source_in_top10": c[2], "source_alerted": c[3]} if g != "vendor" else {}),
            }
            for (g, v), c in sorted(groups.items())
        },
        "slowest": [
            {
                "ms": round(lat[i] * 1000, 2),
                "query": queries[i].text,
                "kind": queries[i].kind,
                "group": f"{queries[i].group}/{queries[i].variant}",
            }
            for i in slowest
        ],
        "cpu_s": round(cpu_s, 2),
        "queries_per_cpu_s": round(len(lat) / cpu_s, 1),
        "loadavg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "threshold": DEFAULT_THRESHOLD,
        "limit": 10,
    }


# --- part B: labelled pairs ----------------------------------------------------------------------


@dataclass
class Pair:
    name1: str
    name2: str
    schema: str
    label: int
    set: str
    held_out: bool | None  # the 30% bench/screening_eval.py keeps out of tuning; None = no split


def held_out(key: str) -> bool:
    """Same split as bench/screening_eval.py (30% by SHA-256 of the row key)."""
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 100 < 30


def read_cross_script(data: Path) -> list[Pair]:
    out = []
    with open(data / "names" / "watchman_cross_script_pairs.csv", encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            query, expected, _minimum, _desc = line.rstrip("\n").split(",", 3)
            out.append(Pair(query, expected, "Person", 1, "cross_script", None))
    return out


def read_un_pairs(data: Path, un_entries: list[ListEntry]) -> tuple[list[Pair], dict]:
    """yente's UN fixtures: row i of *untreated* is the UN listed name; row i of *treated* is
    the same person with typos / reordering. Pairs: (untreated, listed), (treated, listed)."""

    def rows(name: str) -> list[dict[str, str]]:
        with open(data / "names" / name, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    untreated = rows("yente_positives_un_untreated.csv")
    treated = rows("yente_positives_un_treated.csv")
    assert len(untreated) == len(treated), "UN fixtures are not row-aligned"
    listed = {n.value.casefold() for e in un_entries for n in e.names}
    out = []
    for i, (u, t) in enumerate(zip(untreated, treated, strict=True)):
        ho = held_out(f"un:{i}")
        out.append(Pair(u["full_name"], u["full_name"], "Person", 1, "un_untreated", ho))
        out.append(Pair(t["full_name"], u["full_name"], "Person", 1, "un_treated", ho))
    info = {
        "rows": len(untreated),
        "untreated_found_in_un_xml": sum(u["full_name"].casefold() in listed for u in untreated),
        "treated_differs_from_listed": sum(
            u["full_name"] != t["full_name"] for u, t in zip(untreated, treated, strict=True)
        ),
    }
    return out, info


GENERIC_COMPANY = {
    "TRADING", "CORPORATION", "CORP", "COMPANY", "CO", "LTD", "LIMITED", "GENERAL",
    "INTERNATIONAL", "KOREA", "KOREAN", "SHIPPING", "GROUP", "INDUSTRIAL", "INDUSTRY",
    "BANK", "DEVELOPMENT", "TECHNOLOGY", "IMPORT", "EXPORT", "HOLDING", "HOLDINGS", "LLC",
    "INC", "ENTERPRISE", "ENTERPRISES", "COMMERCIAL", "INVESTMENT", "INVESTMENTS",
    "SERVICES", "MARITIME", "OIL", "GAS", "ENERGY", "TRADE", "S.A.", "SA", "DE", "C.V.",
    "CV", "FZE", "FZCO", "GMBH", "JSC", "OOO", "AO", "PJSC",
}  # fmt: skip
KR_CN_SURNAMES = {
    "KIM", "RI", "PAK", "CHOE", "JONG", "HAN", "KANG", "JO", "O", "SO", "RYU", "YUN",
    "CHANG", "JANG", "CHON", "HONG", "MUN", "SIN", "AN", "KO", "LI", "WANG", "ZHANG", "LIU",
    "CHEN", "YANG", "HUANG", "ZHAO", "WU", "ZHOU", "XU", "SUN", "MA", "ZHU", "HU", "GUO",
    "HE", "LIN", "LUO",
}  # fmt: skip


def build_own_negatives(sdn: list[ListEntry], path: Path) -> list[Pair]:
    """Look-alike negatives from SDN when bench/data/negatives.csv is absent: different people
    sharing a surname, different companies sharing only generic words."""
    rows: list[tuple[str, str, str, int, str]] = []
    persons: dict[str, list[ListEntry]] = defaultdict(list)
    for e in sdn:
        if e.kind is EntityKind.PERSON and "," in e.name:
            persons[e.name.split(",")[0].strip().upper()].append(e)
    for surname in sorted(persons):
        group = sorted(persons[surname], key=lambda e: (len(e.entry_id), e.entry_id))
        cap, n = (8 if surname in KR_CN_SURNAMES else 1), 0
        for a, b in zip(group[::2], group[1::2], strict=False):
            if n >= cap:
                break
            if {x.value.casefold() for x in a.names} & {x.value.casefold() for x in b.names}:
                continue
            rows.append((a.name, b.name, "Person", 0, "person_same_surname"))
            n += 1
    by_sig: dict[frozenset[str], list[tuple[ListEntry, set[str]]]] = defaultdict(list)
    for e in sdn:
        if e.kind is not EntityKind.COMPANY:
            continue
        toks = set(re.sub(r"[^\w.]+", " ", e.name.upper()).split())
        generic, distinct = toks & GENERIC_COMPANY, toks - GENERIC_COMPANY
        if len(generic) >= 2 and distinct:
            by_sig[frozenset(generic)].append((e, distinct))
    for sig in sorted(by_sig, key=sorted):
        items, n = by_sig[sig], 0
        for (a, da), (b, db) in zip(items[::2], items[1::2], strict=False):
            if n >= 3:
                break
            if not da & db:
                rows.append((a.name, b.name, "Company", 0, "company_generic_words"))
                n += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name1", "name2", "schema", "label", "set"])
        w.writerows(rows)
    return [Pair(a, b, s, y, st, held_out(f"pair:{a}|{b}")) for a, b, s, y, st in rows]


def read_negatives(path: Path) -> list[Pair]:
    with open(path, encoding="utf-8", newline="") as f:
        return [
            Pair(
                r["name1"],
                r["name2"],
                r["schema"],
                int(r["label"]),
                r.get("set") or "negatives",
                held_out(f"pair:{r['name1']}|{r['name2']}"),
            )
            for r in csv.DictReader(f)
        ]


def clear_matcher_caches() -> int:
    """Empty the matcher's per-string LRU caches (filled by the index build in part A), so
    part B starts cold like the anchor's fresh process. Returns how many were cleared."""
    import chainwatch.screening as pkg

    cleared = 0
    for mod in list(sys.modules.values()):
        if not getattr(mod, "__name__", "").startswith(pkg.__name__ + "."):
            continue
        for obj in list(vars(mod).values()):
            if callable(getattr(obj, "cache_clear", None)) and hasattr(obj, "cache_info"):
                obj.cache_clear()
                cleared += 1
    return cleared


def score_chainwatch(pairs: list[Pair]) -> dict:
    caches = clear_matcher_caches()
    for a, b, s in (("Kim Jong Un", "KIM Jong Il", "Person"), ("김정은", "Kim Jong Un", "Person")):
        compare(a, b, s)  # warm-up: lazy tables
    results = []
    c0 = time.process_time()
    t0 = time.perf_counter()
    for p in pairs:
        results.append(compare(p.name1, p.name2, p.schema))
    elapsed = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    return {
        "caches_cleared": caches,
        "cpu_s": cpu_s,
        "pairs_per_cpu_s": len(pairs) / cpu_s,
        "scores": [r.score for r in results],
        "decisions": [r.decision for r in results],
        "details": [r.explanation[0].text if r.explanation else None for r in results],
        "elapsed_s": elapsed,
        "pairs_per_s": len(pairs) / elapsed,
    }


def find_anchor_python(arg: str | None) -> str | None:
    if arg:
        return arg
    if os.environ.get("ANCHOR_PYTHON"):
        return os.environ["ANCHOR_PYTHON"]
    if importlib.util.find_spec("nomenklatura") is not None:
        return sys.executable
    for cand in (ROOT / ".venv-anchor" / "bin" / "python", Path("/tmp/v-anchor/bin/python")):
        if cand.exists():
            return str(cand)
    return None


def score_anchor(pairs: list[Pair], python: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    payload = json.dumps({"pairs": [[p.name1, p.name2, p.schema] for p in pairs]})
    proc = subprocess.run(
        [python, str(ANCHOR_SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"anchor worker failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout)
    out["decisions"] = [s >= ANCHOR_THRESHOLD for s in out["scores"]]
    out["python_path"] = python
    return out


def confusion(decisions: list[bool], labels: list[int]) -> dict:
    tp = sum(d and y for d, y in zip(decisions, labels, strict=True))
    fp = sum(d and not y for d, y in zip(decisions, labels, strict=True))
    fn = sum((not d) and y for d, y in zip(decisions, labels, strict=True))
    tn = len(labels) - tp - fp - fn
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {
        "n": len(labels),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": round(prec, 4),
        "recall": round(rec, 4),
        "f1": round(f1, 4),
    }


def best_f1(scores: list[float], labels: list[int]) -> dict:
    """Threshold t (decision: score >= t) maximising F1 on these pairs; ties -> higher t."""
    pos = sorted(s for s, y in zip(scores, labels, strict=True) if y)
    neg = sorted(s for s, y in zip(scores, labels, strict=True) if not y)
    best = None
    for t in sorted(set(scores)):
        if t <= 0:
            continue
        tp = len(pos) - bisect.bisect_left(pos, t)
        fp = len(neg) - bisect.bisect_left(neg, t)
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / len(pos) if pos else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if best is None or f1 >= best["f1"]:
            best = {
                "threshold": round(t, 4),
                "precision": round(prec, 4),
                "recall": round(rec, 4),
                "f1": round(f1, 4),
            }
    return best or {"threshold": None, "precision": None, "recall": None, "f1": 0.0}


def evaluate(pairs: list[Pair], scores: list[float], decisions: list[bool]) -> dict:
    labels = [p.label for p in pairs]
    out: dict = {"all": confusion(decisions, labels)}
    non_identical = [i for i, p in enumerate(pairs) if p.name1 != p.name2]
    out["non_identical"] = confusion(
        [decisions[i] for i in non_identical], [labels[i] for i in non_identical]
    )
    ho = [i for i, p in enumerate(pairs) if p.held_out]
    out["held_out"] = confusion([decisions[i] for i in ho], [labels[i] for i in ho])
    out["best_f1_on_this_data"] = best_f1(scores, labels)
    per_set: dict[str, dict] = {}
    for name in sorted({p.set for p in pairs}):
        idx = [i for i, p in enumerate(pairs) if p.set == name]
        c = confusion([decisions[i] for i in idx], [labels[i] for i in idx])
        per_set[name] = {
            "n": c["n"],
            "positives": c["tp"] + c["fn"],
            "recall": round(c["tp"] / (c["tp"] + c["fn"]), 4) if c["tp"] + c["fn"] else None,
            "negatives": c["fp"] + c["tn"],
            "fp_rate": round(c["fp"] / (c["fp"] + c["tn"]), 4) if c["fp"] + c["tn"] else None,
        }
    changed = [i for i, p in enumerate(pairs) if p.set == "un_treated" and p.name1 != p.name2]
    per_set["un_treated (changed rows only)"] = {
        "n": len(changed),
        "positives": len(changed),
        "recall": round(sum(decisions[i] for i in changed) / len(changed), 4) if changed else None,
        "negatives": 0,
        "fp_rate": None,
    }
    out["per_set"] = per_set
    return out


def disagreements(pairs: list[Pair], cw: dict, nk: dict, limit: int = 100) -> dict:
    out: dict[str, list] = {"chainwatch_right": [], "anchor_right": []}
    for i, p in enumerate(pairs):
        c, a = cw["decisions"][i], nk["decisions"][i]
        if c == a:
            continue
        key = "chainwatch_right" if c == bool(p.label) else "anchor_right"
        out[key].append(
            {
                "set": p.set,
                "name1": p.name1,
                "name2": p.name2,
                "label": p.label,
                "chainwatch": round(cw["scores"][i], 3),
                "logic_v2": round(nk["scores"][i], 3),
                "chainwatch_why": cw["details"][i],
                "logic_v2_why": nk["details"][i],
            }
        )
    return {
        "counts": {k: len(v) for k, v in out.items()},
        **{k: v[:limit] for k, v in out.items()},
    }


def run_accuracy(
    data: Path, entries: list[ListEntry], anchor_python: str | None, own_negatives: bool
) -> dict:
    un_entries = [e for e in entries if e.source == "un"]
    un_pairs, un_info = read_un_pairs(data, un_entries)
    if NEGATIVES.exists() and not own_negatives:
        neg_source = str(NEGATIVES.relative_to(ROOT))
        negs = read_negatives(NEGATIVES)
    else:
        neg_source = f"{OWN_NEGATIVES.relative_to(ROOT)} (built by this bench from SDN)"
        negs = build_own_negatives([e for e in entries if e.source == "ofac_sdn"], OWN_NEGATIVES)
    pairs = read_cross_script(data) + un_pairs + negs
    cw = score_chainwatch(pairs)
    mismatched = sum(
        d != (s >= DEFAULT_THRESHOLD) for d, s in zip(cw["decisions"], cw["scores"], strict=True)
    )
    report: dict = {
        "pairs": len(pairs),
        "positives": sum(p.label for p in pairs),
        "negatives": sum(1 - p.label for p in pairs),
        "held_out_pairs": sum(bool(p.held_out) for p in pairs),
        "sets": dict(Counter(f"{p.set}:{p.label}" for p in pairs)),
        "negatives_source": neg_source,
        "un_fixture": un_info,
        "chainwatch": {
            "threshold": DEFAULT_THRESHOLD,
            "threshold_source": "chainwatch.screening.scorer.DEFAULT_THRESHOLD",
            "decision_differs_from_score_ge_threshold": mismatched,
            "lru_caches_cleared_before_timing": cw["caches_cleared"],
            "pairs_per_s": round(cw["pairs_per_s"], 1),
            "pairs_per_cpu_s": round(cw["pairs_per_cpu_s"], 1),
            "elapsed_s": round(cw["elapsed_s"], 3),
            **evaluate(pairs, cw["scores"], cw["decisions"]),
        },
    }
    if anchor_python is None:
        report["logic_v2"] = {
            "skipped": "nomenklatura not found (pass --anchor-python or set ANCHOR_PYTHON)"
        }
        return report
    nk = score_anchor(pairs, anchor_python)
    report["logic_v2"] = {
        "threshold": ANCHOR_THRESHOLD,
        "threshold_source": "yente SCORE_THRESHOLD default (nomenklatura has none)",
        "config": nk["config"],
        "versions": nk["versions"],
        "python": nk["python"],
        "python_path": nk["python_path"],
        "network_attempts": nk["network_attempts"],
        "init_s": round(nk["init_s"], 2),
        "pairs_per_s": round(nk["pairs_per_s"], 1),
        "pairs_per_cpu_s": round(nk["pairs_per_cpu_s"], 1),
        "elapsed_s": round(nk["elapsed_s"], 3),
        **evaluate(pairs, nk["scores"], nk["decisions"]),
    }
    report["disagreements"] = disagreements(pairs, cw, nk)
    report["cross_script_pairs"] = [
        {
            "query": p.name1,
            "expected": p.name2,
            "chainwatch": round(cw["scores"][i], 3),
            "logic_v2": round(nk["scores"][i], 3),
        }
        for i, p in enumerate(pairs)
        if p.set == "cross_script"
    ]
    return report


# --- environment ---------------------------------------------------------------------------------


def machine() -> dict:
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(mem_kb / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def idlest_cpu(cpus: list[int], sample_s: float = 0.5) -> int:
    """The CPU with the most idle time over ``sample_s`` (the machine may be shared)."""

    def idle() -> dict[int, int]:
        out = {}
        with open("/proc/stat") as f:
            for line in f:
                head, *vals = line.split()
                if head.startswith("cpu") and head[3:].isdigit():
                    out[int(head[3:])] = int(vals[3]) + int(vals[4])  # idle + iowait
        return out

    try:
        a = idle()
        time.sleep(sample_s)
        b = idle()
        return max(cpus, key=lambda c: b.get(c, 0) - a.get(c, 0))
    except (OSError, ValueError, IndexError):
        return cpus[0]


def versions() -> dict:
    out = {}
    for p in ("chainwatch", "followthemoney", "rigour", "rapidfuzz", "pypinyin", "pyicu"):
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = None
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        out["git"] = commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        out["git"] = None
    return out


# --- report --------------------------------------------------------------------------------------


def print_report(r: dict) -> None:
    m, t = r["machine"], r["throughput"]
    print(f"machine: {m['cpu_model']}, nproc {m['nproc']}, {m['ram_gib']} GiB; {r['one_core']}")
    print("\nA. chainwatch screening, all lists in one index")
    for k, v in t["lists"].items():
        print(f"  {k:10} {v['entries']:6} entries {v['names']:6} names  load {v['load_s']} s")
    print(
        f"  index: {t['entries']} entries, {t['names']} names; build {t['build_s']} s; "
        f"tracemalloc peak {t['tracemalloc_build_peak_mb']} MB (retained "
        f"{t['tracemalloc_index_mb']} MB); RSS {t['rss_before_build_mb']} -> "
        f"{t['rss_after_build_mb']} MB, ru_maxrss {t['ru_maxrss_after_build_mb']} MB"
    )
    lat = t["latency_ms"]
    met = "MET" if t["goal_met"] else "NOT MET"
    print(
        f"  {t['queries']} queries: {t['queries_per_s']} queries/s on one core "
        f"(goal >= {t['goal_queries_per_s']}: {met}); latency median {lat['median']} ms, "
        f"p95 {lat['p95']} ms, p99 {lat['p99']} ms, max {lat['max']} ms"
    )
    print(
        f"  {t['queries_per_cpu_s']} queries per CPU-second (wall {t['wall_s']} s, CPU "
        f"{t['cpu_s']} s; 1-min load average {t['loadavg_1m_before_after']} before/after)"
    )
    for g, v in t["latency_ms_by_group"].items():
        print(
            f"    {g:32} n={v['n']:5}  mean {v['mean']:7.3f}  median {v['median']:7.3f}  "
            f"p95 {v['p95']:7.3f} ms  ({v['share_of_time']:.0%} of time)"
        )
    print(f"  outcomes (threshold {t['threshold']:.2f}, top 10):")
    for k, v in t["outcomes"].items():
        extra = (
            f"  source in top 10 {v['source_in_top10']}, source alerted {v['source_alerted']}"
            if "source_in_top10" in v
            else ""
        )
        print(f"    {k:32} n={v['n']:5}  any alert {v['alerted']:5}{extra}")

    a = r["accuracy"]
    print(
        f"\nB. labelled pairs: {a['pairs']} ({a['positives']} positive, {a['negatives']} "
        f"negative; negatives from {a['negatives_source']})"
    )
    tools = [("chainwatch", a["chainwatch"])]
    if "skipped" not in a["logic_v2"]:
        tools.append(("logic-v2", a["logic_v2"]))
    else:
        print(f"  logic-v2 skipped: {a['logic_v2']['skipped']}")
    print(f"  {'':30}" + "".join(f"{name:>28}" for name, _ in tools))

    def row(label: str, fn) -> None:
        print(f"  {label:30}" + "".join(f"{fn(v):>28}" for _, v in tools))

    def prf(c: dict) -> str:
        return f"P {c['precision']:.3f} R {c['recall']:.3f} F1 {c['f1']:.3f}"

    row("default threshold", lambda v: f"{v['threshold']:.2f}")
    row("all pairs", lambda v: prf(v["all"]))
    row("  (tp/fp/fn)", lambda v: f"{v['all']['tp']}/{v['all']['fp']}/{v['all']['fn']}")
    row("non-identical pairs", lambda v: prf(v["non_identical"]))
    row("held-out 30%", lambda v: prf(v["held_out"]))
    row("best F1 (on this data)", lambda v: prf(v["best_f1_on_this_data"]))
    row("  at threshold", lambda v: f"{v['best_f1_on_this_data']['threshold']}")
    row("pairs/s (one core)", lambda v: f"{v['pairs_per_s']:.0f}")
    row("pairs per CPU-second", lambda v: f"{v['pairs_per_cpu_s']:.0f}")
    print("  per set (recall on positives / FP rate on negatives, default thresholds):")
    for s in a["chainwatch"]["per_set"]:

        def cell(v: dict, s: str = s) -> str:
            x = v["per_set"][s]
            parts = []
            if x["recall"] is not None:
                parts.append(f"R {x['recall']:.3f} ({x['positives']})")
            if x["fp_rate"] is not None:
                parts.append(f"FP {x['fp_rate']:.3f} ({x['negatives']})")
            return ", ".join(parts)

        row(f"  {s[:28]}", cell)
    if "disagreements" in a:
        d = a["disagreements"]
        print(
            f"  decisions differ on {sum(d['counts'].values())} pairs: chainwatch right "
            f"{d['counts']['chainwatch_right']}, logic-v2 right {d['counts']['anchor_right']}"
        )
        for key in ("chainwatch_right", "anchor_right"):
            for x in d[key][:6]:
                print(
                    f"    [{key.split('_')[0]} right] {x['set']}: {x['name1']!r} ~ "
                    f"{x['name2']!r} label {x['label']}: cw {x['chainwatch']}, "
                    f"lv2 {x['logic_v2']}"
                )
        lv = a["logic_v2"]
        print(
            f"  logic-v2: nomenklatura {lv['versions']['nomenklatura']}, init {lv['init_s']} s, "
            f"network attempts {lv['network_attempts']}"
        )
    print(f"\ntotal {r['total_s']} s; JSON: {RESULTS.relative_to(ROOT)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="300 queries instead of 2,000")
    ap.add_argument("--queries", type=int, default=None, help="number of screening queries")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared/data folder")
    ap.add_argument("--anchor-python", default=None, help="python of the nomenklatura venv")
    ap.add_argument("--no-anchor", action="store_true", help="skip nomenklatura")
    ap.add_argument(
        "--own-negatives",
        action="store_true",
        help="build look-alike negatives from SDN even if bench/data/negatives.csv exists",
    )
    args = ap.parse_args()
    n = args.queries or (300 if args.quick else 2000)
    started = time.perf_counter()

    # One process on one core: pin to the idlest CPU this process may use (the anchor
    # subprocess inherits the pinning, so both tools run single-core).
    cpus = sorted(os.sched_getaffinity(0))
    cpu = idlest_cpu(cpus)
    os.sched_setaffinity(0, {cpu})

    entries, info = load_lists(args.data)
    report: dict = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/screening_bench.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "versions": versions(),
        "one_core": f"single process pinned to CPU {cpu} of {len(cpus)} available",
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        "seed": args.seed,
    }
    report["throughput"] = run_throughput(entries, n, args.seed, info)
    anchor = None if args.no_anchor else find_anchor_python(args.anchor_python)
    report["accuracy"] = run_accuracy(args.data, entries, anchor, args.own_negatives)
    report["total_s"] = round(time.perf_counter() - started, 1)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
