"""Fixtures for access enrichment, detectors and engines: a small real registry, hand-built
Arrow events and a tiny IP intelligence.

The registry is a cut-down Lanternfall chain: client Bluehollow (US), Hanbit Motion (Seoul,
authorized), Dasol (Bucheon, authorized under Hanbit), Northwind FX (Berlin, authorized, a
zone far from UTC+9), Yuanfang (Shenyang, engagement ``undeclared``) and a freelancer with no
fixed office. ``PLACES`` lists the addresses the intelligence knows; ``build_intel`` compiles
them into the real ``IpIntel`` (``GeoBuilder`` rows, ``NetIntel`` lists, the shipped DPRK and
hub files).
Events are built with ``make_events`` and enriched with the real ``enrich_batch``, so detector
tests read exactly what production detectors read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from chainwatch.access.batch import enrich_batch
from chainwatch.access.context import EnrichContext, RegistryView, build_registry_view
from chainwatch.access.detect import DetectContext, Thresholds
from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.geo.lookup import IpIntel
from chainwatch.access.geo.netintel import NetIntel, NetList
from chainwatch.access.geo.sources import GeoBuilder
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

T0 = datetime(2026, 7, 6, 1, 0, tzinfo=UTC)  # a Monday, 10:00 in Seoul
NOW = datetime(2026, 8, 1, tzinfo=UTC)
BUCKET = "bluehollow-lanternfall"

# address → (country, region, city, lat, lon, asn, as_org, lists). Hubs come from the
# package's hubs.yaml (Liaoning/Shenyang, Jilin/Changchun) and DPRK flags from its curated
# dprk_prefixes.yaml, exactly as in production.
PLACES: dict[str, tuple[Any, ...]] = {
    "203.0.113.10": ("kr", "Seoul", "Seoul", 37.5665, 126.978, 4766, "Korea Telecom", ()),
    "203.0.113.11": ("kr", "Seoul", "Seoul", 37.5665, 126.978, 4766, "Korea Telecom", ()),
    "198.51.100.20": ("kr", "Gyeonggi-do", "Bucheon", 37.5034, 126.766, 9318, "SK Broadband", ()),
    "198.51.100.140": ("de", "Berlin", "Berlin", 52.52, 13.405, 3320, "Deutsche Telekom", ()),
    "192.0.2.7": ("us", "California", "Burbank", 34.1808, -118.309, 7018, "AT&T", ()),
    "175.45.176.5": (
        "kp",
        "Pyongyang",
        "Pyongyang",
        39.0392,
        125.7625,
        131279,
        "Star Joint Venture Co. Ltd.",
        (),
    ),
    "123.184.0.1": ("cn", "Liaoning", "Shenyang", 41.8057, 123.4315, 4837, "China Unicom", ()),
    "123.184.0.77": ("cn", "Liaoning", "Shenyang", 41.8057, 123.4315, 4837, "China Unicom", ()),
    "175.18.0.1": ("cn", "Jilin", "Changchun", 43.8171, 125.3235, 4837, "China Unicom", ()),
    "185.65.134.10": (
        "se",
        "Stockholm",
        "Stockholm",
        59.3293,
        18.0686,
        39351,
        "31173 Services",
        ("vpn",),
    ),
    "45.76.1.1": (
        "nl",
        "North Holland",
        "Amsterdam",
        52.3676,
        4.9041,
        20473,
        "Vultr",
        ("datacenter",),
    ),
    "171.25.193.20": ("de", "Hesse", "Frankfurt", 50.1109, 8.6821, 198093, "Tor exit", ("tor",)),
    "81.2.69.142": ("gb", "England", "London", 51.5074, -0.1278, 20712, "Andrews & Arnold", ()),
    "8.8.8.8": ("us", "California", "Mountain View", 37.386, -122.0838, 15169, "Google", ()),
    "211.36.0.1": ("kr", "Busan", "Busan", 35.1796, 129.0756, 9644, "SK Telecom", ()),
    # a geo database's "KP" label outside the DPRK prefixes (GeoLite2 has such /32s, §2.4)
    "5.62.56.1": ("kp", None, None, 39.0392, 125.7625, 60068, "Datacamp Limited", ()),
    # inside Hanbit's declared 203.0.113.0/25: its cloud egress, and a mislocated address
    "203.0.113.50": ("kr", "Seoul", "Seoul", 37.5665, 126.978, 16509, "Amazon", ("datacenter",)),
    "203.0.113.60": ("jp", "Tokyo", "Tokyo", 35.6762, 139.6503, 2516, "KDDI", ()),
}


def build_intel() -> IpIntel:
    """The real ``IpIntel`` over tables compiled from ``PLACES`` (one /32 per address)."""
    builder = GeoBuilder()
    builder.add_city_rows([(ip, ip, *row[:5]) for ip, row in PLACES.items()])
    builder.add_asn_rows([(ip, ip, row[5], row[6]) for ip, row in PLACES.items()])
    lists: dict[str, list[NetList]] = {}
    for ip, row in PLACES.items():
        value = int(ipaddress.ip_address(ip))
        for name in row[7]:
            lists.setdefault(name, []).append(NetList(ranges=[(4, value, value)]))
    return IpIntel.from_tables(builder.build(), NetIntel.build(lists))


def _party(key, name, country, loc, nets=(), tz=None, accounts=(), kind=PartyKind.COMPANY):
    return Party(
        key=key,
        kind=kind,
        names=(Name(name),),
        country=country,
        locations=tuple(Location(*x) for x in loc),
        networks=tuple(nets),
        timezone=tz,
        accounts=tuple(
            Account(AccountKind.EMAIL if "@" in a else AccountKind.USERNAME, a) for a in accounts
        ),
    )


PARTIES = (
    _party(
        "bluehollow",
        "Bluehollow Pictures",
        "us",
        [("us", "California", "Burbank")],
        ["192.0.2.0/24"],
        "America/Los_Angeles",
        ["security@bluehollow.example"],
    ),
    _party(
        "hanbit-motion",
        "Hanbit Motion",
        "kr",
        [("kr", "Seoul", "Seoul")],
        ["203.0.113.0/25"],
        "Asia/Seoul",
        ["PM@Hanbit-Motion.example", "AKIAHANBIT0EXAMPLE01"],
    ),
    _party(
        "dasol",
        "Dasol Ink & Paint",
        "kr",
        [("kr", "Gyeonggi-do", "Bucheon")],
        ["198.51.100.0/25"],
        "Asia/Seoul",
        ["color@dasol.example"],
    ),
    _party(
        "northwind-fx",
        "Northwind FX",
        "de",
        [("de", "Berlin", "Berlin")],
        ["198.51.100.128/25"],
        "Europe/Berlin",
        ["fx@northwind.example", "fx2@northwind.example"],
    ),
    _party(
        "yuanfang",
        "Shenyang Yuanfang Digital",
        "cn",
        [("cn", "Liaoning", "Shenyang")],
        accounts=["yf_render01"],
    ),
    _party(
        "kim-freelance",
        "Kim (freelance clean-up)",
        "kr",
        [("kr", None, None)],
        accounts=["kim@mail.example"],
        kind=PartyKind.PERSON,
    ),
)
PROJECTS = (
    Project("lanternfall-s1", "bluehollow", "Lanternfall, Season 1", ("LF-S1",)),
    Project("emberline", "bluehollow", "Emberline"),
)


def _eng(key, contractor, sub, status, start, project="lanternfall-s1"):
    return Engagement(key, project, contractor, sub, status, start=start, end=date(2027, 12, 31))


ENGAGEMENTS = (
    _eng(
        "lf1-hanbit", "bluehollow", "hanbit-motion", EngagementStatus.AUTHORIZED, date(2026, 2, 1)
    ),
    _eng("lf1-dasol", "hanbit-motion", "dasol", EngagementStatus.AUTHORIZED, date(2026, 3, 1)),
    _eng(
        "lf1-northwind", "bluehollow", "northwind-fx", EngagementStatus.AUTHORIZED, date(2026, 1, 1)
    ),
    _eng("lf1-kim", "bluehollow", "kim-freelance", EngagementStatus.AUTHORIZED, date(2026, 1, 1)),
    _eng(
        "lf1-yuanfang", "hanbit-motion", "yuanfang", EngagementStatus.UNDECLARED, date(2026, 6, 1)
    ),
    _eng(
        "em-hanbit",
        "bluehollow",
        "hanbit-motion",
        EngagementStatus.AUTHORIZED,
        date(2026, 1, 1),
        project="emberline",
    ),
)
ASSETS = (
    Asset("a1", "lanternfall-s1", f"s3://{BUCKET}/LF-S1/ep101/sh0010/layout_v002.psd"),
    Asset("a2", "lanternfall-s1", f"s3://{BUCKET}/LF-S1/ep104/sh0150/key_v001.png"),
    Asset("e1", "emberline", "s3://bluehollow-emberline/shots/e01/bg.psd"),
)


def make_events(rows: list[dict[str, Any]]) -> pa.Table:
    """EVENT_SCHEMA table; each row needs ``ts`` (a datetime or seconds after ``T0``)."""
    full = []
    for i, row in enumerate(rows):
        ts = row.get("ts", 0)
        if not isinstance(ts, datetime):
            ts = T0 + timedelta(seconds=ts)
        full.append(
            {
                "ts": ts,
                "src_ip": row.get("src_ip", "203.0.113.10"),
                "forwarded_for": row.get("forwarded_for"),
                "principal": row.get("principal", "pm@hanbit-motion.example"),
                "principal_type": row.get("principal_type", "email"),
                "action": row.get("action", "download"),
                "raw_action": row.get("raw_action", "REST.GET.OBJECT"),
                "object": row.get("object", f"{BUCKET}/LF-S1/ep101/sh0010/layout_v002.psd"),
                "bytes": row.get("bytes", 1000),
                "status": row.get("status", 200),
                "user_agent": row.get("user_agent", "aws-cli/2"),
                "auth_type": row.get("auth_type"),
                "source_format": "s3",
                "source_file": row.get("source_file", "access.log"),
                "source_line": row.get("source_line", i + 1),
                "record_id": row.get("record_id", f"r{i:05d}"),
            }
        )
    return pa.Table.from_pylist(full, schema=EVENT_SCHEMA)


@pytest.fixture(scope="session")
def records() -> dict[str, tuple]:
    """The registry records, for tests that build their own view."""
    return {"parties": PARTIES, "projects": PROJECTS, "engagements": ENGAGEMENTS, "assets": ASSETS}


@pytest.fixture(scope="session")
def events() -> Callable[[list[dict[str, Any]]], pa.Table]:
    """``make_events``: EVENT_SCHEMA rows from dicts (``ts`` = seconds after ``T0``)."""
    return make_events


@pytest.fixture(scope="session")
def t0() -> datetime:
    return T0


@pytest.fixture(scope="session")
def registry() -> RegistryView:
    return build_registry_view(PARTIES, PROJECTS, ENGAGEMENTS, ASSETS)


@pytest.fixture(scope="session")
def intel() -> IpIntel:
    return build_intel()


@pytest.fixture(scope="session")
def ctx(registry: RegistryView, intel: IpIntel) -> EnrichContext:
    return EnrichContext(intel=intel, registry=registry)


@pytest.fixture(scope="session")
def enrich(ctx: EnrichContext) -> Callable[[list[dict[str, Any]]], pa.Table]:
    def run(rows: list[dict[str, Any]]) -> pa.Table:
        events = make_events(rows)
        return pa.Table.from_batches([enrich_batch(b, ctx) for b in events.to_batches()])

    return run


@pytest.fixture(scope="session")
def dctx(registry: RegistryView) -> DetectContext:
    return DetectContext(thresholds=Thresholds(), registry=registry, now=NOW)
