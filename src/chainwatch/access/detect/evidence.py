"""The evidence every access finding carries, and the DuckDB view detectors query.

Access-logs §4.7: "Always emit the evidence: both events, both IPs, DB name+build date per
field, distance, speed, matched list entry". Every finding here names its event count, its
time window, the IPs, countries and cities involved, and up to ``evidence_refs_max``
``record_id``s with ``source_file:source_line`` references, first events first, so an
investigator can open the raw log line.

Detectors query the enriched Arrow table through DuckDB (no copy) as the view ``ev``, which adds:
``t_us`` (epoch microseconds, so windows are integer arithmetic with no time-zone rules),
``account`` (principal, e-mails lower-cased as ``context.normalize_account`` does) and
``subject`` (the account, else the source IP) with ``subject_type``, and ``client`` (the
account, else the IPv4 /24 of the source, else the IPv6 address) with ``client_type``
(``account``, ``network``, ``ip``): detectors that would otherwise raise one finding per
address of one unknown office or hosting block (CHAIN-1, NET-6) group by it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from chainwatch.findings.finding import SubjectType

ANALYZER = "access"

_VIEW = """
CREATE VIEW ev AS
SELECT *,
       coalesce(account, src_ip) AS subject,
       CASE WHEN account IS NOT NULL THEN 'account' ELSE 'ip' END AS subject_type,
       coalesce(account, client_net) AS client,
       CASE WHEN account IS NOT NULL THEN 'account'
            WHEN client_net IS DISTINCT FROM src_ip THEN 'network' ELSE 'ip' END AS client_type
FROM (
    SELECT *,
           CASE WHEN strpos(principal, '@') > 0 THEN lower(trim(principal))
                ELSE nullif(trim(principal), '') END AS account,
           CASE WHEN regexp_full_match(src_ip, '[0-9]{1,3}([.][0-9]{1,3}){3}')
                THEN regexp_replace(src_ip, '[.][0-9]+$', '.0/24') ELSE src_ip END
               AS client_net,
           coalesce(status, 0) < 400 AS succeeded,
           coalesce(is_vpn, false) OR coalesce(is_datacenter, false) OR coalesce(is_tor, false)
               AS is_anonymizer
    FROM raw
)
"""


def connect(events: pa.Table) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with ``events`` (ENRICHED_SCHEMA) as the view ``ev``."""
    micros = pc.cast(pc.cast(events.column("ts"), pa.timestamp("us")), pa.int64())
    raw = events.append_column("t_us", micros)
    con = duckdb.connect()
    con.register("raw", raw)
    con.execute(_VIEW)
    return con


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict]:
    """Run a query and return plain dicts, in the query's order."""
    return con.sql(sql, params=params).to_arrow_table().to_pylist()


def describe(
    con: duckdb.DuckDBPyConnection,
    source: str,
    keys: list[str],
    refs_max: int,
    extra: dict[str, str] | None = None,
) -> list[dict]:
    """Per group of ``source`` (a SELECT over ``ev`` columns plus ``keys``): counts, window,
    IPs, countries, cities, ASNs, projects and the first ``refs_max`` event references, plus
    ``extra`` (name → aggregate SQL), ordered by ``keys``."""
    k = ", ".join(keys)
    more = "".join(f", {sql} AS {name}" for name, sql in (extra or {}).items())
    return rows(
        con,
        f"""
        WITH s AS (
            SELECT *, row_number() OVER (PARTITION BY {k} ORDER BY t_us, record_id) AS rn
            FROM ({source})
        )
        SELECT {k}, count(*) AS events, min(t_us) AS start_us, max(t_us) AS end_us,
               list_sort(list_distinct(list(src_ip))) AS ips,
               list_sort(list_distinct(list(country))) AS countries,
               list_sort(list_distinct(list(concat_ws(', ', city, region, upper(country)))
                   FILTER (WHERE city IS NOT NULL OR region IS NOT NULL))) AS cities,
               list_sort(list_distinct(list(CASE WHEN asn IS NOT NULL THEN
                   concat_ws(' ', 'AS' || asn, as_org) END))) AS asns,
               list_sort(list_distinct(list(account))) AS accounts,
               list_sort(list_distinct(list(party))) AS parties,
               list_sort(list_distinct(list(project))) AS projects,
               count(DISTINCT object) AS objects,
               list(record_id ORDER BY t_us, record_id) FILTER (WHERE rn <= {int(refs_max)})
                   AS record_ids,
               list(source_file || ':' || source_line ORDER BY t_us, record_id)
                   FILTER (WHERE rn <= {int(refs_max)}) AS sources{more}
        FROM s GROUP BY {k} ORDER BY {k}
        """,
    )


def base_evidence(group: dict, **extra: Any) -> dict[str, Any]:
    """The common evidence block from a ``describe`` row, plus detector-specific fields."""
    evidence = {
        "events": group["events"],
        "window": {"start": iso(group["start_us"]), "end": iso(group["end_us"])},
        "ips": group["ips"],
        "countries": group["countries"],
        "cities": group["cities"],
        "asns": group["asns"],
        "accounts": group["accounts"],
        "parties": group["parties"],
        "projects": group["projects"],
        "distinct_objects": group["objects"],
        "record_ids": group["record_ids"] or [],
        "sources": group["sources"] or [],
    }
    evidence.update(extra)
    return evidence


def subject_type(kind: str) -> SubjectType:
    return SubjectType.ACCOUNT if kind == "account" else SubjectType.IP


def who_text(kind: str, key: str) -> str:
    """How a summary names a client: the account, ``address X`` or ``addresses in X/24``."""
    if kind == "account":
        return key
    return f"addresses in {key}" if kind == "network" else f"address {key}"


def iso(micros: int) -> str:
    """``2026-07-01T03:00:00Z`` (seconds precision: what a compliance lead reads)."""
    stamp = datetime.fromtimestamp(micros / 1_000_000, tz=UTC).replace(microsecond=0)
    return stamp.isoformat().replace("+00:00", "Z")


def day(micros: int) -> str:
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC).date().isoformat()


def span(start_us: int, end_us: int) -> str:
    """``2026-07-01 03:00–05:10 UTC`` or ``2026-07-01 03:00 – 2026-07-02 01:00 UTC``."""
    a = datetime.fromtimestamp(start_us / 1_000_000, tz=UTC)
    b = datetime.fromtimestamp(end_us / 1_000_000, tz=UTC)
    if a.date() == b.date():
        if a.strftime("%H:%M") == b.strftime("%H:%M"):
            return f"{a:%Y-%m-%d %H:%M} UTC"
        return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M} UTC"
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M} UTC"


def duration(seconds: float) -> str:
    """``60 s``, ``15 min``, ``1 h``, ``1.5 h``, ``2 d``."""
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 3600:
        return f"{round(seconds / 60, 1):g} min"
    if seconds < 172800:
        return f"{round(seconds / 3600, 1):g} h"
    return f"{round(seconds / 86400, 1):g} d"


def codes(countries: list[str | None]) -> str:
    """``KR, CN, NL`` from lower-case ISO codes (the order given)."""
    return ", ".join(c.upper() for c in countries if c)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
