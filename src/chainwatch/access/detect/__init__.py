"""Access detectors: enriched events in, findings out (SIGNALS.md NET-1…NET-9, CHAIN-1).

One module per detector, each ``detect(events, ctx) -> list[Finding]`` over the whole
``ENRICHED_SCHEMA`` table, so window checks see every event of the window (STYLE.md point 2:
pure, no clock, no session; ``ctx.now`` is passed in). ``DETECTORS`` lists them by rule id in
catalogue order; ``run_detectors`` runs them and returns findings in that order.

Never scored: a person's ethnicity, nationality, name or language. The detectors look only at
infrastructure (address space, anonymizers, ASNs), time, place and authorization.

**NET-5 (remote-desktop tooling, input latency) has no detector, on purpose.** Storage and
transfer logs record who fetched which object from which address; they carry neither the
process that made the request nor keystroke timing. A remote-desktop session to a laptop in
the declared office produces requests from that office, indistinguishable from local work
(that is the point of a laptop farm, dprk-signals §2.3). NET-5 needs endpoint telemetry or
interview evidence; guessing it from user agents would raise findings the logs cannot support.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from chainwatch.access.context import RegistryView
from chainwatch.errors import InputError
from chainwatch.findings.finding import Finding


@dataclass(frozen=True)
class Thresholds:
    """Every tunable number of the access detectors, with the public rule it comes from
    (shared/reference/access-logs-and-ip-data.md §4)."""

    account_ips_min: int = 5
    """NET-3: distinct IPs per account within ``account_ips_window_s``; Sumo Logic's
    session-anomaly rule fires above 4 distinct values per user per 30 min (§4.6)."""
    account_ips_window_s: int = 3600
    """NET-3: window for ``account_ips_min`` (the advisory's "short window"; chainwatch's 1 h)."""
    account_countries_min: int = 2
    """NET-3: distinct countries per account; Elastic impossible-travel threshold rule (§4.3)."""
    account_countries_window_s: int = 900
    """NET-3: Elastic's ``from = now-15m`` for that rule (§4.3)."""
    ip_accounts_min: int = 3
    """NET-3: distinct accounts from one IP, outside a network the accounts' party declared
    (advisory indicator 2; an office NAT is one IP for everyone, hence the exclusion)."""
    ip_accounts_window_s: int = 3600
    """NET-3: window for ``ip_accounts_min``."""
    utc9_share_min: float = 0.8
    """NET-4: share of a week's events falling 09:00–18:00 UTC+9 (Pyongyang working day)."""
    utc9_min_events: int = 20
    """NET-4: fewest events in a week before a working pattern is judged."""
    utc9_min_days: int = 3
    """NET-4: fewest distinct active days in that week (one late night is not a pattern)."""
    utc9_min_offset_gap_h: float = 3.0
    """NET-4: the declared zone must differ from UTC+9 by this much, else the working days
    overlap and cannot be told apart (Seoul and Tokyo are UTC+9; Beijing is only 1 h off)."""
    session_gap_s: int = 3600
    """NET-4: a gap longer than this ends a session (Okta's multi-session rule uses 30 min)."""
    session_min_s: int = 86400
    """NET-4: sessions at least this long are reported: the advisory's "logged in continuously
    for one or more days" (dprk-signals §2.1 indicator 3)."""
    travel_speed_kmh: float = 900.0
    """NET-7: Panther Standard.ImpossibleTravel.Login, "Boeing 747 cruising speed" (§4.5)."""
    travel_min_distance_km: float = 50.0
    """NET-7: pairs closer than this are geo-database noise (Panther: <50 km is "likely a
    GEOIP inaccuracy", §4.5)."""
    bulk_objects_min: int = 25
    """NET-8: distinct objects downloaded by one account (or IP) within ``bulk_window_s``;
    Elastic OneDrive excessive downloads, ``unique_file_count >= 25`` per minute (§4.3).
    Panther's Dropbox rule (>10 per 60 min) and Google Workspace (20 per 5 min) are stricter;
    vendors legitimately pull whole shot packages, so the loosest anchor is the default."""
    bulk_window_s: int = 60
    """NET-8: Elastic's one-minute bucket (§4.3)."""
    evidence_refs_max: int = 20
    """Every rule: record ids and ``source_file:line`` references kept per finding."""


@dataclass(frozen=True)
class DetectContext:
    """What detectors may know besides the events. ``now`` is the run's time, passed in so
    detectors never read the clock; no detector's output depends on it today, which keeps
    re-runs over the same events byte-identical."""

    thresholds: Thresholds
    registry: RegistryView
    now: datetime


Detector = Callable[[pa.Table, DetectContext], list[Finding]]

from chainwatch.access.detect import (  # noqa: E402 - the context types must exist first
    anonymizer,
    bulk_download,
    dprk_space,
    hub_regions,
    impossible_travel,
    outside_chain,
    outside_locations,
    shared_credentials,
    utc9_hours,
)

DETECTORS: dict[str, Detector] = {
    "CHAIN-1": outside_chain.detect,
    "NET-1": dprk_space.detect,
    "NET-2": anonymizer.detect,
    "NET-3": shared_credentials.detect,
    "NET-4": utc9_hours.detect,
    "NET-6": hub_regions.detect,
    "NET-7": impossible_travel.detect,
    "NET-8": bulk_download.detect,
    "NET-9": outside_locations.detect,
}
"""Rule id → detector, in catalogue order (chain rules precede network rules in rules.yaml).
NET-5 is absent: see the module docstring."""


def run_detectors(
    events: pa.Table, ctx: DetectContext, only: Iterable[str] | None = None
) -> list[Finding]:
    """Run every detector (or those named in ``only``, by rule id) on the enriched table."""
    chosen = list(DETECTORS) if only is None else list(only)
    unknown = [name for name in chosen if name not in DETECTORS]
    if unknown:
        raise InputError(
            f"unknown detector {', '.join(unknown)}; choose from {', '.join(DETECTORS)}"
        )
    if events.num_rows == 0:
        return []
    findings: list[Finding] = []
    for name in DETECTORS:
        if name in chosen:
            findings.extend(DETECTORS[name](events, ctx))
    return findings
