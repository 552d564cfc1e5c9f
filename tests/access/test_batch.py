"""enrich_batch: EVENT_SCHEMA in, ENRICHED_SCHEMA out, same order, input untouched."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from chainwatch.access.batch import enrich_batch
from chainwatch.access.context import (
    EnrichContext,
    NetworkTable,
    build_registry_view,
    normalize_account,
    object_path,
)
from chainwatch.access.event import ENRICHED_SCHEMA, EVENT_SCHEMA
from chainwatch.domain import Asset, Project


@pytest.fixture
def one(events):
    def run(rows, ctx) -> pa.RecordBatch:
        return enrich_batch(events(rows).combine_chunks().to_batches()[0], ctx)

    return run


def _col(batch: pa.RecordBatch, name: str) -> list:
    return batch.column(name).to_pylist()


class CountingIntel:
    def __init__(self, inner):
        self.inner = inner
        self.calls: list[list[str]] = []

    def enrich(self, ips):
        self.calls.append(list(ips.to_pylist()))
        return self.inner.enrich(ips)


def test_schema_order_and_input_untouched(ctx, events):
    events = events([{"ts": i, "record_id": f"z{9 - i}"} for i in range(10)])
    before = events.to_pylist()
    out = enrich_batch(events.to_batches()[0], ctx)
    assert out.schema.equals(ENRICHED_SCHEMA)
    assert _col(out, "record_id") == [f"z{9 - i}" for i in range(10)]
    assert out.select(EVENT_SCHEMA.names).to_pylist() == before
    assert events.to_pylist() == before


def test_intel_columns_looked_up_once_per_distinct_address(ctx, intel, one):
    counting = CountingIntel(intel)
    ips = ["175.45.176.5", "123.184.0.1", None, "175.45.176.5", "10.9.9.9", "123.184.0.1"]
    out = one([{"src_ip": ip} for ip in ips], EnrichContext(counting, ctx.registry))
    assert len(counting.calls) == 1
    assert sorted(counting.calls[0]) == ["10.9.9.9", "123.184.0.1", "175.45.176.5"]
    assert _col(out, "country") == ["kp", "cn", None, "kp", None, "cn"]
    assert _col(out, "hub") == [None, "Shenyang", None, None, None, "Shenyang"]
    assert _col(out, "is_dprk") == [True, False, False, True, False, False]
    assert _col(out, "asn") == [131279, 4837, None, 131279, None, 4837]


def test_without_intel_columns_are_null_and_flags_false(registry, one):
    out = one([{"src_ip": "175.45.176.5"}, {"src_ip": None}], EnrichContext(None, registry))
    for name in ("country", "region", "city", "lat", "lon", "asn", "as_org", "hub"):
        assert _col(out, name) == [None, None]
    for name in ("is_dprk", "is_vpn", "is_datacenter", "is_tor"):
        assert _col(out, name) == [False, False]
    assert _col(out, "party") == ["hanbit-motion", "hanbit-motion"]


def test_party_from_account_then_declared_network(ctx, one):
    out = one(
        [
            {"principal": "  PM@hanbit-MOTION.example "},  # e-mail: case-insensitive
            {"principal": "AKIAHANBIT0EXAMPLE01", "src_ip": "8.8.8.8"},  # access key, exact
            {"principal": "akiahanbit0example01", "src_ip": "8.8.8.8"},  # not an e-mail: exact
            {"principal": None, "src_ip": "198.51.100.20"},  # Dasol's office network
            {"principal": "color@dasol.example", "src_ip": "203.0.113.10"},  # account wins
            {"principal": "stranger@x.example", "src_ip": "8.8.8.8"},
        ],
        ctx,
    )
    assert _col(out, "party") == [
        "hanbit-motion",
        "hanbit-motion",
        None,
        "dasol",
        "dasol",
        None,
    ]


def test_project_by_prefix_alias_segment_or_default(ctx, one):
    objects = [
        "bluehollow-lanternfall/LF-S1/ep999/new.psd",  # common directory of the assets
        "s3://bluehollow-emberline/shots/e01/bg_v2.psd",  # scheme stripped, asset directory
        "/cdn/lf-s1/ep101/frame.png",  # alias as a path segment, any case
        "https://tenant.sharepoint.com/sites/Lanternfall-S1/Shared/x.psd",  # project key
        "bluehollow-emberline/shots/e01",  # the directory itself is not inside it
        "other-bucket/LF-S1x/file",
        None,
    ]
    out = one([{"object": o} for o in objects], ctx)
    assert _col(out, "project") == [
        "lanternfall-s1",
        "emberline",
        "lanternfall-s1",
        "lanternfall-s1",
        None,
        None,
        None,
    ]
    forced = one([{"object": o} for o in objects], EnrichContext(None, ctx.registry, "emberline"))
    assert set(_col(forced, "project")) == {"emberline"}


def test_ambiguous_prefixes_and_aliases_are_dropped(records):
    projects = (Project("a", "bluehollow", "A", ("X",)), Project("b", "bluehollow", "B", ("x",)))
    assets = (Asset("1", "a", "s3://shared/dir/1.psd"), Asset("2", "b", "s3://shared/dir/2.psd"))
    view = build_registry_view(records["parties"], projects, (), assets)
    assert "shared/dir/" not in view.project_prefixes
    assert "x" not in view.project_segments
    assert view.project_segments == {"a": "a", "b": "b"}


def test_authorized_follows_the_chain_on_the_utc_date(ctx, one):
    out = one(
        [
            {"ts": datetime(2026, 7, 1, tzinfo=UTC)},  # Hanbit, engagement active
            {"ts": datetime(2026, 1, 31, 23, 30, tzinfo=UTC)},  # before start (UTC date)
            {"ts": datetime(2026, 7, 1, tzinfo=UTC), "principal": "yf_render01"},  # undeclared
            {"ts": datetime(2026, 7, 1, tzinfo=UTC), "principal": "color@dasol.example"},
            {"ts": datetime(2026, 7, 1, tzinfo=UTC), "principal": "security@bluehollow.example"},
            {"ts": datetime(2026, 7, 1, tzinfo=UTC), "principal": None, "src_ip": "8.8.8.8"},
            {"ts": datetime(2026, 7, 1, tzinfo=UTC), "object": "elsewhere/file"},
        ],
        ctx,
    )
    assert _col(out, "authorized") == [True, False, False, True, True, False, None]


def test_unknown_default_project_leaves_authorized_null(registry, intel, one):
    out = one([{}], EnrichContext(intel, registry, default_project="not-registered"))
    assert _col(out, "project") == ["not-registered"]
    assert _col(out, "authorized") == [None]


def test_deterministic_conforming_and_picklable(ctx, events):
    events = events([{"ts": i, "src_ip": ip} for i, ip in enumerate(["8.8.8.8", None] * 3)])
    batch = events.to_batches()[0]
    extra = batch.append_column("junk", pa.array(range(6)))
    large = pa.RecordBatch.from_arrays(
        [c.cast(pa.large_string()) if c.type == pa.string() else c for c in batch.columns],
        names=batch.schema.names,
    )
    first = enrich_batch(batch, ctx)
    assert enrich_batch(batch, ctx).equals(first)
    assert enrich_batch(extra, ctx).equals(first)
    assert enrich_batch(large, ctx).equals(first)
    assert enrich_batch(batch, pickle.loads(pickle.dumps(ctx))).equals(first)


def test_missing_columns_and_empty_batch(ctx):
    with pytest.raises(ValueError, match="record_id"):
        enrich_batch(pa.RecordBatch.from_pydict({"ts": []}), ctx)
    empty = EVENT_SCHEMA.empty_table().to_batches()
    batch = empty[0] if empty else pa.RecordBatch.from_pylist([], schema=EVENT_SCHEMA)
    out = enrich_batch(batch, ctx)
    assert out.num_rows == 0 and out.schema.equals(ENRICHED_SCHEMA)


def test_network_table_most_specific_wins_and_ipv6():
    table = NetworkTable.from_cidrs(
        [
            ("10.0.0.0/8", "big"),
            ("10.1.2.0/24", "small"),
            ("10.1.2.128/25", "smaller"),
            ("2001:db8::/32", "v6"),
            ("2001:db8:1::/48", "v6-small"),
        ]
    )
    ips = [
        "10.9.9.9",
        "10.1.2.3",
        "10.1.2.200",
        "11.0.0.1",
        "2001:db8::1",
        "2001:db8:1::5",
        "::ffff:10.1.2.3",
        "garbage",
        None,
    ]
    assert table.lookup(ips).to_pylist() == [
        "big",
        "small",
        "smaller",
        None,
        "v6",
        "v6-small",
        "small",
        None,
        None,
    ]
    with pytest.raises(ValueError, match="not a network"):
        NetworkTable.from_cidrs([("10.0.0.0/33", "x")])


def test_registry_view_snapshot(registry):
    assert registry.accounts["pm@hanbit-motion.example"] == "hanbit-motion"
    assert registry.parties["hanbit-motion"].has_fixed_office
    assert registry.parties["yuanfang"].has_fixed_office  # a company located to the city
    assert not registry.parties["kim-freelance"].has_fixed_office
    assert registry.project_prefixes["bluehollow-lanternfall/LF-S1/"] == "lanternfall-s1"
    assert set(registry.graphs) == {"emberline", "lanternfall-s1"}
    assert normalize_account(" A@B.example ") == "a@b.example"
    assert object_path("s3://b/k/x") == "b/k/x"
    assert pickle.loads(pickle.dumps(registry)).accounts == registry.accounts


def test_fixture_records_are_consistent(records):
    projects = {p.key for p in records["projects"]}
    assert {a.project for a in records["assets"]} == projects
    assert {e.project for e in records["engagements"]} <= projects
