"""Score name pairs with nomenklatura's logic-v2 (the anchor for bench/screening_bench.py).

Runs in its own virtual environment: nomenklatura 4.17 pins ``duckdb<2`` while chainwatch's
event store uses duckdb 2, so it cannot share the project's venv (see bench/README.md).
It imports nothing from chainwatch.

    echo '{"pairs": [["Kim Jong Un", "KIM, Jong Un", "Person"]]}' \
        | /tmp/v-anchor/bin/python bench/anchor_nomenklatura.py

stdin:  {"pairs": [[name1, name2, schema], ...]}
stdout: {"scores": [...], "details": [...], "elapsed_s": ..., "pairs_per_s": ...,
         "pairs_per_cpu_s": ..., "init_s": ..., "versions": {...}, "config": {...},
         "network_attempts": 0}

Every pair is two fresh FollowTheMoney entities with unique ids, one ``name`` value each
(name1 is the query, name2 the listed side), scored with ``LogicV2.compare`` and its default
config. logic-v2's name caches are keyed by entity id, so nothing is reused across pairs.
Sockets are disabled before nomenklatura is imported: a data download would fail loudly and
be counted, not happen.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from importlib.metadata import version

NETWORK_ATTEMPTS = 0


def _no_network(*args: object, **kwargs: object) -> None:
    global NETWORK_ATTEMPTS
    NETWORK_ATTEMPTS += 1
    raise OSError("network disabled by bench/anchor_nomenklatura.py")


socket.socket.connect = _no_network  # type: ignore[method-assign]
socket.create_connection = _no_network  # type: ignore[assignment]
socket.getaddrinfo = _no_network  # type: ignore[assignment]


def main() -> int:
    t0 = time.perf_counter()
    from followthemoney import model
    from nomenklatura.matching import LogicV2

    config = LogicV2.default_config()
    counter = 0

    def entity(name: str, schema: str):
        nonlocal counter
        counter += 1
        e = model.make_entity(schema)
        e.id = f"e{counter}"
        e.add("name", name)
        return e

    # warm-up: loads rigour's name tables (shipped in the wheel) before timing starts
    for a, b, s in (("Kim Jong Un", "KIM Jong Il", "Person"), ("Acme Co Ltd", "ACME", "Company")):
        LogicV2.compare(entity(a, s), entity(b, s), config)
    init_s = time.perf_counter() - t0

    pairs = json.load(sys.stdin)["pairs"]
    results = []
    c1 = time.process_time()
    t1 = time.perf_counter()
    for name1, name2, schema in pairs:
        results.append(LogicV2.compare(entity(name1, schema), entity(name2, schema), config))
    elapsed = time.perf_counter() - t1
    cpu_s = time.process_time() - c1

    details = []
    for r in results:
        ft = r._explanations.get("name_match")  # already computed; no re-scoring
        details.append(ft.detail if ft is not None else None)
    json.dump(
        {
            "algorithm": LogicV2.NAME,
            "scores": [r.score for r in results],
            "details": details,
            "elapsed_s": elapsed,
            "pairs_per_s": len(pairs) / elapsed if elapsed else None,
            "cpu_s": cpu_s,
            "pairs_per_cpu_s": len(pairs) / cpu_s if cpu_s else None,
            "init_s": init_s,
            "config": dict(config.config),
            "network_attempts": NETWORK_ATTEMPTS,
            "python": sys.version.split()[0],
            "versions": {
                p: version(p) for p in ("nomenklatura", "followthemoney", "rigour", "normality")
            },
        },
        sys.stdout,
        ensure_ascii=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
