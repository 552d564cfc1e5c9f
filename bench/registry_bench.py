"""Registry benchmark: import, re-import, authorization checks and CHAIN-2 on a large chain.

There is no off-the-shelf tool that holds authorized vendor chains (studios keep them in
spreadsheets), so this benchmark has no anchor to run beside it; it reports absolute numbers
on SQLite (and PostgreSQL when CHAINWATCH_BENCH_POSTGRES_URL is set) so regressions show.

    python bench/registry_bench.py [--projects 50] [--vendors 40]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

from chainwatch.service.analyze import run_analyzers
from chainwatch.service.authorization import Authorizer, is_authorized
from chainwatch.service.chains import import_chain_file
from chainwatch.settings import Settings
from chainwatch.storage.session import dispose_engines, open_session, upgrade

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def synthetic_chain(projects: int, vendors: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    parties = [{"id": "client", "kind": "company", "names": ["Client Studio"]}]
    for v in range(vendors):
        parties.append(
            {
                "id": f"v{v}",
                "kind": "company",
                "names": [f"Vendor {v} Co., Ltd."],
                "country": rnd.choice(["kr", "cn", "jp", "ph", "in"]),
                "accounts": [
                    {"kind": "email", "value": f"ops@v{v}.example"},
                    {"kind": "access_key", "value": f"AKIA{v:016d}"},
                ],
                "networks": [f"10.{v // 250}.{v % 250}.0/24"],
            }
        )
    doc = {"chainwatch": 1, "parties": parties, "projects": [], "engagements": []}
    for p in range(projects):
        doc["projects"].append({"id": f"p{p}", "client": "client", "title": f"Show {p}"})
        tier = ["client"]
        for depth in range(4):
            nxt = []
            for contractor in tier:
                for _ in range(rnd.randint(1, 3)):
                    sub = f"v{rnd.randrange(vendors)}"
                    if sub == contractor or sub in nxt:
                        continue
                    status = rnd.choices(["authorized", "pending", "undeclared"], [8, 1, 1])[0]
                    e = {
                        "id": f"p{p}-{contractor}-{sub}",
                        "project": f"p{p}",
                        "contractor": contractor,
                        "subcontractor": sub,
                        "status": status,
                        "start": "2026-01-01",
                    }
                    if status == "authorized":
                        e["authorized_by"] = "bench"
                    if e["id"] not in {x["id"] for x in doc["engagements"][-50:]}:
                        doc["engagements"].append(e)
                        nxt.append(sub)
            tier = nxt[:4] if depth < 3 else []
    return doc


def run(url: str, path: Path, label: str) -> dict:
    settings = Settings(home=path.parent, database_url=url)
    upgrade(settings)
    out = {"database": label}
    t = time.perf_counter()
    with open_session(settings) as s:
        import_chain_file(s, path)
    out["import_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    with open_session(settings) as s:
        rep = import_chain_file(s, path)
    out["reimport_s"] = round(time.perf_counter() - t, 3)
    out["reimport_changed"] = rep.changed
    n = 300
    rnd = random.Random(1)
    t = time.perf_counter()
    with open_session(settings) as s:
        for _ in range(n):
            who = rnd.choice([f"ops@v{rnd.randrange(40)}.example", f"v{rnd.randrange(40)}"])
            is_authorized(s, who, f"p{rnd.randrange(10)}", NOW)
    out["is_authorized_per_s"] = round(n / (time.perf_counter() - t), 1)
    n = 20000
    t = time.perf_counter()
    with open_session(settings) as s:
        auth = Authorizer(s)
        for _ in range(n):
            who = rnd.choice([f"ops@v{rnd.randrange(40)}.example", f"v{rnd.randrange(40)}"])
            auth.check(who, f"p{rnd.randrange(10)}", NOW)
    out["authorizer_checks_per_s"] = round(n / (time.perf_counter() - t), 1)
    t = time.perf_counter()
    with open_session(settings) as s:
        report = run_analyzers(s, settings, NOW)
    out["chain2_s"] = round(time.perf_counter() - t, 3)
    out["chain2_findings"] = report["chain"]["raised"]
    dispose_engines()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--vendors", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chain.yaml"
        doc = synthetic_chain(args.projects, args.vendors)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), "utf-8")
        sizes = {k: len(doc[k]) for k in ("parties", "projects", "engagements")}
        results = [run(f"sqlite:///{Path(tmp) / 'bench.db'}", path, "sqlite")]
        pg = os.environ.get("CHAINWATCH_BENCH_POSTGRES_URL")
        if pg:
            results.append(run(pg, path, "postgresql"))
    summary = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "size": sizes,
        "results": results,
    }
    print(json.dumps(summary, indent=2))
    dest = Path(__file__).parent / "results" / "registry_bench.json"
    dest.write_text(json.dumps(summary, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
