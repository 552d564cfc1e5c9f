"""Sliding-window distinct counts, turned into episodes: the shape of NET-3 and NET-8.

Public rules count distinct values per principal in a time window: Elastic's
``cardinality: source.geo.country_name >= 2`` in 15 minutes, its ``count_distinct(file.name)``
per minute, Sigma's ``value_count`` correlation (access-logs §4.3, §4.4). Fixed buckets miss a
burst that straddles a bucket edge, so the window here slides: for every event, the distinct
values among the same key's events in ``[t - window, t]``. Consecutive firing events whose
windows overlap form one *episode*, reported once; its start (the first event of the first
firing window) is stable when later logs are added, so ``key + start`` is the dedupe key.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from chainwatch.access.detect.evidence import rows


@dataclass(frozen=True)
class Episode:
    key: str
    start_us: int
    end_us: int
    peak: int  # the most distinct values seen inside one window of the episode


def episodes(
    con: duckdb.DuckDBPyConnection,
    *,
    key: str,
    value: str,
    where: str,
    window_s: float,
    min_distinct: int,
) -> list[Episode]:
    """Episodes where ``count(DISTINCT value)`` per ``key`` reaches ``min_distinct`` within
    ``window_s`` (inclusive at both ends). ``key``, ``value`` and ``where`` are SQL over ``ev``."""
    window_us = int(window_s * 1_000_000)
    firing = rows(
        con,
        f"""
        WITH v AS (SELECT {key} AS k, {value} AS v, t_us FROM ev
                   WHERE ({where}) AND {key} IS NOT NULL AND {value} IS NOT NULL),
        w AS (
            SELECT k, t_us,
                   count(DISTINCT v) OVER win AS n,
                   min(t_us) OVER win AS frame_start
            FROM v
            WINDOW win AS (PARTITION BY k ORDER BY t_us
                           RANGE BETWEEN {window_us} PRECEDING AND CURRENT ROW)
        )
        SELECT DISTINCT k, t_us, frame_start, n FROM w WHERE n >= {int(min_distinct)}
        ORDER BY k, t_us
        """,
    )
    out: list[Episode] = []
    current: dict | None = None
    for row in firing:
        if current and current["k"] == row["k"] and row["frame_start"] <= current["end"]:
            current["end"] = row["t_us"]
            current["peak"] = max(current["peak"], row["n"])
            continue
        if current:
            out.append(Episode(current["k"], current["start"], current["end"], current["peak"]))
        current = {"k": row["k"], "start": row["frame_start"], "end": row["t_us"], "peak": row["n"]}
    if current:
        out.append(Episode(current["k"], current["start"], current["end"], current["peak"]))
    return out


def register_episodes(con: duckdb.DuckDBPyConnection, name: str, found: list[Episode]) -> None:
    """Make ``found`` joinable as table ``name`` (ep, k, start_us, end_us, peak)."""
    table = pa.table(
        {
            "ep": pa.array(range(len(found)), pa.int64()),
            "k": pa.array([e.key for e in found], pa.string()),
            "start_us": pa.array([e.start_us for e in found], pa.int64()),
            "end_us": pa.array([e.end_us for e in found], pa.int64()),
            "peak": pa.array([e.peak for e in found], pa.int64()),
        }
    )
    con.register(name, table)
