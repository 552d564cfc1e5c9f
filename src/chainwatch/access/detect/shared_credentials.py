"""NET-3: one account from many IPs or countries in a short window; many accounts from one IP
(severity M).

Why: the first two platform red flags of the May 2022 State/Treasury/FBI advisory are logins
into one account from various IP addresses, especially in different countries, and developers
logging into multiple accounts from one IP (dprk-signals §2.1). Both mean shared credentials
or one team behind several identities. Shapes follow Elastic's threshold rule (≥2 countries
per user in 15 min) and Sigma's ``value_count`` correlation (access-logs §4.3, §4.4, §4.7).

Three checks, each a sliding window (``windows.py``), each its own finding:

* ``ips``: an account from ``account_ips_min`` addresses within ``account_ips_window_s``;
* ``countries``: an account from ``account_countries_min`` countries within
  ``account_countries_window_s`` (anonymizer exits count: they are still other countries, and
  NET-2 says separately that they were anonymizers);
* ``accounts``: ``ip_accounts_min`` accounts from one address within ``ip_accounts_window_s``,
  unless the address is inside a network declared by the one party all those accounts belong
  to (an office NAT). Accounts of two or more parties behind one address raise confidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from chainwatch.access.detect.evidence import (
    ANALYZER,
    base_evidence,
    codes,
    connect,
    describe,
    duration,
    span,
)
from chainwatch.access.detect.windows import episodes, register_episodes
from chainwatch.findings.finding import Finding, SubjectType

if TYPE_CHECKING:
    import duckdb

    from chainwatch.access.detect import DetectContext


def detect(events: pa.Table, ctx: DetectContext) -> list[Finding]:
    t = ctx.thresholds
    con = connect(events)
    out: list[Finding] = []
    for check, value, minimum, window_s in (
        ("ips", "src_ip", t.account_ips_min, t.account_ips_window_s),
        ("countries", "country", t.account_countries_min, t.account_countries_window_s),
    ):
        found = episodes(
            con,
            key="account",
            value=value,
            where="true",
            window_s=window_s,
            min_distinct=minimum,
        )
        for g in _describe(con, found, "account", ctx):
            out.append(_account_finding(check, g, window_s))
    found = episodes(
        con,
        key="src_ip",
        value="account",
        where="true",
        window_s=t.ip_accounts_window_s,
        min_distinct=t.ip_accounts_min,
    )
    groups = _describe(con, found, "src_ip", ctx)
    if groups:
        ips = pa.array([g["k"] for g in groups], pa.string())
        owners = ctx.registry.networks.lookup(ips).to_pylist()
        for g, owner in zip(groups, owners, strict=True):
            parties = [p for p in g["parties"] if p]
            if owner is not None and parties == [owner]:
                continue  # an office behind one NAT address, declared by its party
            out.append(_ip_finding(g, owner, t.ip_accounts_window_s))
    return out


def _describe(
    con: duckdb.DuckDBPyConnection, found: list, key: str, ctx: DetectContext
) -> list[dict]:
    if not found:
        return []
    register_episodes(con, "eps", found)
    return describe(
        con,
        f"""SELECT ev.*, eps.ep, eps.k, eps.peak FROM ev JOIN eps
            ON ev.{key} = eps.k AND ev.t_us BETWEEN eps.start_us AND eps.end_us""",
        ["ep", "k"],
        ctx.thresholds.evidence_refs_max,
        extra={"peak": "max(peak)", "anonymized": "count(*) FILTER (WHERE is_anonymizer)"},
    )


def _account_finding(check: str, g: dict, window_s: int) -> Finding:
    countries = f" ({codes(g['countries'])})" if g["countries"] else ""
    summary = (
        f"{g['k']} used {len(g['ips'])} IPs in {len(g['countries'])} "
        f"{'country' if len(g['countries']) == 1 else 'countries'} within "
        f"{duration(window_s)}{countries}, {span(g['start_us'], g['end_us'])}"
    )
    return Finding.of(
        "NET-3",
        subject_type=SubjectType.ACCOUNT,
        subject_key=g["k"],
        summary=summary,
        evidence=base_evidence(
            g,
            check=check,
            peak_distinct=g["peak"],
            window_s=window_s,
            anonymizer_events=g["anonymized"],
        ),
        confidence=0.6 if check == "countries" else 0.5,
        analyzer=ANALYZER,
        dedupe=f"{check}:{g['start_us']}",
    )


def _ip_finding(g: dict, owner: str | None, window_s: int) -> Finding:
    parties = [p for p in g["parties"] if p]
    whose = f" of {len(parties)} parties ({', '.join(parties)})" if len(parties) > 1 else ""
    summary = (
        f"{len(g['accounts'])} accounts{whose} used address {g['k']} within "
        f"{duration(window_s)}, {span(g['start_us'], g['end_us'])}"
    )
    return Finding.of(
        "NET-3",
        subject_type=SubjectType.IP,
        subject_key=g["k"],
        summary=summary,
        evidence=base_evidence(
            g,
            check="accounts",
            peak_distinct=g["peak"],
            window_s=window_s,
            declared_by=owner,
            anonymizer_events=g["anonymized"],
        ),
        confidence=0.6 if len(parties) > 1 else 0.4,
        analyzer=ANALYZER,
        dedupe=f"accounts:{g['start_us']}",
    )
