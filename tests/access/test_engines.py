"""Engines: the local engine (in-process and process pool) and Spark ``mapInArrow`` give the
same enriched table as calling ``enrich_batch`` directly (STYLE.md point 3: local is the
reference, a parity test compares the engines)."""

from __future__ import annotations

import shutil
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from chainwatch.access.batch import enrich_batch
from chainwatch.access.engines.local import run_local
from chainwatch.access.event import ENRICHED_SCHEMA
from chainwatch.errors import InputError

ADDRESSES = [
    "203.0.113.10",
    "175.45.176.5",
    "123.184.0.1",
    "185.65.134.10",
    "45.76.1.1",
    "198.51.100.20",
    "8.8.8.8",
    "2001:db8::1",
    None,
    "not-an-ip",
]
PRINCIPALS = ["pm@hanbit-motion.example", "yf_render01", None, "color@dasol.example", "x@y.z"]
OBJECTS = [
    "bluehollow-lanternfall/LF-S1/ep101/sh0010/layout_v002.psd",
    "bluehollow-emberline/shots/e01/bg.psd",
    "elsewhere/file.bin",
    None,
]


@pytest.fixture(scope="module")
def fixture_events(events) -> pa.Table:
    rows = [
        {
            "ts": i * 97,
            "src_ip": ADDRESSES[i % len(ADDRESSES)],
            "principal": PRINCIPALS[i % len(PRINCIPALS)],
            "object": OBJECTS[i % len(OBJECTS)],
            "record_id": f"rec-{(i * 7919) % 1000:04d}-{i}",
        }
        for i in range(600)
    ]
    return events(rows)


def _batches(table: pa.Table) -> list[pa.RecordBatch]:
    sizes = [1, 50, 0, 149, 200, 200]  # uneven, with an empty batch
    out, offset = [], 0
    for size in sizes:
        out.append(
            table.slice(offset, size).combine_chunks().to_batches()[0]
            if size
            else pa.RecordBatch.from_pylist([], schema=table.schema)
        )
        offset += size
    assert offset == table.num_rows
    return out


def _reference(table: pa.Table, ctx) -> pa.Table:
    return pa.Table.from_batches([enrich_batch(b, ctx) for b in _batches(table)], ENRICHED_SCHEMA)


def test_local_in_process_matches_enrich_batch(fixture_events, ctx):
    got = pa.Table.from_batches(list(run_local(_batches(fixture_events), ctx, workers=1)))
    assert got.equals(_reference(fixture_events, ctx))


def test_local_process_pool_keeps_order(fixture_events, ctx):
    out = list(run_local(iter(_batches(fixture_events)), ctx, workers=2))
    assert [b.num_rows for b in out] == [b.num_rows for b in _batches(fixture_events)]
    got = pa.Table.from_batches(out, ENRICHED_SCHEMA)
    assert got.equals(_reference(fixture_events, ctx))
    assert list(run_local([], ctx, workers=2)) == []


def test_spark_engine_explains_a_missing_install(monkeypatch, ctx):
    from chainwatch.access.engines import spark

    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    with pytest.raises(InputError, match=r"chainwatch\[spark\]"):
        spark.spark_session_local()
    with pytest.raises(InputError, match=r"chainwatch\[spark\]"):
        spark.run_spark(None, ctx)


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install chainwatch[spark])"
    if shutil.which("java") is None:
        return "no java on PATH: PySpark needs a Java 17 runtime"
    return None


@pytest.fixture(scope="module")
def spark_session():
    reason = _spark_missing()
    if reason:
        pytest.skip(reason)
    from chainwatch.access.engines.spark import spark_session_local

    session = spark_session_local(cores=2)
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_schema_matches_enriched_schema(spark_session):
    from chainwatch.access.engines.spark import spark_ddl, spark_schema

    schema = spark_schema()
    assert [f.name for f in schema.fields] == ENRICHED_SCHEMA.names
    assert spark_ddl().startswith("ts TIMESTAMP NOT NULL, src_ip STRING, ")
    assert "authorized BOOLEAN" in spark_ddl()


@pytest.mark.spark
def test_spark_parity_with_local(spark_session, fixture_events, ctx):
    from chainwatch.access.engines.spark import run_spark

    local = pa.Table.from_batches(list(run_local(_batches(fixture_events), ctx, workers=1)))
    df = spark_session.createDataFrame(fixture_events).repartition(3)
    remote = run_spark(df, ctx).toArrow()
    assert remote.num_rows == local.num_rows
    remote = remote.cast(ENRICHED_SCHEMA)  # Spark's time zone name and string widths

    def ordered(table: pa.Table) -> pa.Table:
        return table.take(pc.sort_indices(table, [("record_id", "ascending")]))

    assert ordered(remote).equals(ordered(local))
