"""NET-4: activity aligned to UTC+9 working hours for a party claiming another zone; sessions
lasting days (severity M).

Why: Pyongyang time is UTC+9 (dprk-signals §4.4), and the 2022 advisory flags workers logged
in continuously for one or more days, or unable to work the claimed location's business
hours (dprk-signals §2.1 indicators 3 and 11; SEAL's work-pattern analysis, §2.7). A working
week that sits in 09:00–18:00 UTC+9 for a party that declared Europe or the Americas
contradicts its declared location.

* ``hours``: per (party, subject) and UTC week (Monday start), at least ``utc9_min_events``
  events on ``utc9_min_days`` days, of which a share ``utc9_share_min`` fall in 09–18 UTC+9.
  Only for parties whose declared IANA zone is at least ``utc9_min_offset_gap_h`` from UTC+9
  in that week (DST applied): Seoul and Tokyo are UTC+9 themselves and Beijing is 1 h away, so
  for them the pattern proves nothing.
* ``session``: an account active with no gap over ``session_gap_s`` for ``session_min_s`` or
  more. Service identities (``principal_type`` ``app``) are skipped: sync jobs never sleep.
  Any account counts, declared or not; a 24-hour session says nothing about a zone, only that
  more than one shift uses the account.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from chainwatch.access.detect.evidence import (
    ANALYZER,
    base_evidence,
    connect,
    describe,
    duration,
    rows,
    span,
    subject_type,
)
from chainwatch.findings.finding import Finding, SubjectType

if TYPE_CHECKING:
    import duckdb

    from chainwatch.access.detect import DetectContext

PYONGYANG_OFFSET_H = 9
WORKDAY = range(9, 18)  # 09:00–17:59 local
_DAY_US = 86_400_000_000
_WEEK = f"((t_us // {_DAY_US}) + 3) // 7"  # 1970-01-01 was a Thursday: weeks start Monday


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    con = connect(events)
    return _hours(con, ctx) + _sessions(con, ctx)


def _hours(con: duckdb.DuckDBPyConnection, ctx: DetectContext) -> list[Finding]:
    t = ctx.thresholds
    zones = {k: p.timezone for k, p in ctx.registry.parties.items() if p.timezone}
    if not zones:
        return []
    con.register("zones", pa.table({"party": list(zones), "tz": list(zones.values())}))
    weeks = rows(
        con,
        f"""SELECT party, subject, subject_type, {_WEEK} AS week, count(*) AS n,
                   count(DISTINCT t_us // {_DAY_US}) AS days,
                   list(((t_us // 3600000000) % 24)::INTEGER) AS utc_hours
            FROM ev JOIN zones USING (party)
            GROUP BY ALL HAVING count(*) >= ? AND count(DISTINCT t_us // {_DAY_US}) >= ?
            ORDER BY party, subject, week""",
        [t.utc9_min_events, t.utc9_min_days],
    )
    hits = []
    for w in weeks:
        offset_h = _offset_h(zones[w["party"]], w["week"])
        if offset_h is None or abs(offset_h - PYONGYANG_OFFSET_H) < t.utc9_min_offset_gap_h:
            continue
        pyongyang = _share(w["utc_hours"], PYONGYANG_OFFSET_H)
        if pyongyang < t.utc9_share_min:
            continue
        hits.append({**w, "offset_h": offset_h, "share": pyongyang})
    if not hits:
        return []
    con.register(
        "hits",
        pa.table(
            {
                "party": [h["party"] for h in hits],
                "subject": [h["subject"] for h in hits],
                "week": pa.array([h["week"] for h in hits], pa.int64()),
            }
        ),
    )
    groups = describe(
        con,
        f"SELECT ev.*, {_WEEK} AS week FROM ev JOIN hits USING (party, subject)"
        f" WHERE {_WEEK} = hits.week",
        ["party", "subject", "week"],
        t.evidence_refs_max,
    )
    by_key = {(g["party"], g["subject"], g["week"]): g for g in groups}
    out = []
    for h in hits:
        g = by_key[(h["party"], h["subject"], h["week"])]
        profile = ctx.registry.parties[h["party"]]
        local = _share(h["utc_hours"], h["offset_h"])
        week_of = _week_start(h["week"]).isoformat()
        who = h["subject"] if h["subject_type"] == "account" else f"address {h['subject']}"
        summary = (
            f"{who} of {profile.name} (declared {profile.timezone}) did {h['share']:.0%} of "
            f"{h['n']} accesses in the week of {week_of} between 09:00 and 18:00 Pyongyang "
            f"time (UTC+9); {local:.0%} fell in its declared business hours"
        )
        out.append(
            Finding.of(
                "NET-4",
                subject_type=subject_type(h["subject_type"]),
                subject_key=h["subject"],
                summary=summary,
                evidence=base_evidence(
                    g,
                    check="hours",
                    party=h["party"],
                    declared_timezone=profile.timezone,
                    declared_offset_h=h["offset_h"],
                    share_utc9_workday=round(h["share"], 3),
                    share_declared_workday=round(local, 3),
                    active_days=h["days"],
                    events_by_utc_hour=_histogram(h["utc_hours"]),
                ),
                confidence=0.5 if local < 0.2 else 0.35,
                analyzer=ANALYZER,
                dedupe=f"hours:{h['party']}:{week_of}",
            )
        )
    return out


def _sessions(con: duckdb.DuckDBPyConnection, ctx: DetectContext) -> list[Finding]:
    t = ctx.thresholds
    gap_us = int(t.session_gap_s * 1_000_000)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE sessions AS
        WITH a AS (
            SELECT account, t_us,
                   CASE WHEN t_us - lag(t_us) OVER (PARTITION BY account ORDER BY t_us)
                        > {gap_us} THEN 1 ELSE 0 END AS brk
            FROM ev WHERE account IS NOT NULL AND coalesce(principal_type, '') <> 'app'
        ), b AS (
            SELECT account, t_us, sum(brk) OVER (PARTITION BY account ORDER BY t_us
                                                 ROWS UNBOUNDED PRECEDING) AS sess
            FROM a
        )
        SELECT account, sess, min(t_us) AS start_us, max(t_us) AS end_us FROM b
        GROUP BY account, sess HAVING max(t_us) - min(t_us) >= {int(t.session_min_s * 1e6)}"""
    )
    groups = describe(
        con,
        """SELECT ev.*, s.sess FROM ev JOIN sessions s ON ev.account = s.account
           AND ev.t_us BETWEEN s.start_us AND s.end_us""",
        ["account", "sess"],
        t.evidence_refs_max,
    )
    out = []
    for g in groups:
        hours = (g["end_us"] - g["start_us"]) / 3.6e9
        summary = (
            f"{g['account']} was active for {hours:.0f} h with no pause over "
            f"{duration(t.session_gap_s)}, {span(g['start_us'], g['end_us'])}"
        )
        out.append(
            Finding.of(
                "NET-4",
                subject_type=SubjectType.ACCOUNT,
                subject_key=g["account"],
                summary=summary,
                evidence=base_evidence(
                    g, check="session", session_hours=round(hours, 1), gap_s=t.session_gap_s
                ),
                confidence=0.35,
                analyzer=ANALYZER,
                dedupe=f"session:{g['start_us']}",
            )
        )
    return out


def _week_start(week: int) -> date:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=week * 7 - 3)).date()


def _offset_h(zone: str, week: int) -> float | None:
    """UTC offset of ``zone`` at the middle of the week (None for an unknown zone name)."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    middle = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=week * 7 - 3 + 3.5)
    offset = middle.astimezone(tz).utcoffset()
    return None if offset is None else offset.total_seconds() / 3600


def _share(utc_hours: list[int], offset_h: float) -> float:
    """Share of events whose local hour (UTC hour + offset) falls in the working day."""
    if not utc_hours:
        return 0.0
    inside = sum(1 for h in utc_hours if int((h + offset_h) % 24) in WORKDAY)
    return inside / len(utc_hours)


def _histogram(utc_hours: list[int]) -> list[int]:
    counts = [0] * 24
    for h in utc_hours:
        counts[h] += 1
    return counts
