"""The Spark engine: the very same ``enrich_batch`` inside ``DataFrame.mapInArrow``.

Why Spark (access-logs §5.1, §5.3): it is what security data lakes already run (Databricks,
EMR, Glue; Iceberg tables; Sigma's Spark backend), and ``mapInArrow`` hands Arrow record
batches to Python without a pandas round trip, so the function the local engine runs is the
function Spark runs. Detection stays out of the map step (§5.3): it runs on the enriched table.

The context is pickled once on the driver; each Python worker unpickles it once and keeps it
for later tasks (Spark reuses Python workers by default), keyed by a digest of the pickle.
``IpIntel`` pickles by path, so its tables must be at the same path on every executor.

PySpark is optional (``pip install chainwatch[spark]``, ~490 MB plus a Java 17 runtime);
nothing here imports it until a function is called.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from chainwatch.access.batch import enrich_batch
from chainwatch.access.context import EnrichContext
from chainwatch.access.event import ENRICHED_SCHEMA
from chainwatch.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

_CONTEXTS: dict[str, EnrichContext] = {}  # per Python worker: digest → unpickled context


def _pyspark() -> Any:
    try:
        import pyspark
    except ImportError:
        raise InputError(
            "the Spark engine needs PySpark: install chainwatch[spark] (and a Java 17 runtime)"
        ) from None
    return pyspark


def spark_schema(schema: pa.Schema = ENRICHED_SCHEMA) -> StructType:
    """The Spark ``StructType`` of an Arrow schema (the types ``ENRICHED_SCHEMA`` uses)."""
    _pyspark()
    from pyspark.sql import types as T

    def convert(t: pa.DataType) -> T.DataType:
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return T.StringType()
        if pa.types.is_int64(t):
            return T.LongType()
        if pa.types.is_int32(t):
            return T.IntegerType()
        if pa.types.is_float64(t):
            return T.DoubleType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        if pa.types.is_timestamp(t) and t.tz is not None:
            return T.TimestampType()
        raise InputError(f"no Spark type for Arrow {t}")

    return T.StructType([T.StructField(f.name, convert(f.type), f.nullable) for f in schema])


def spark_ddl(schema: pa.Schema = ENRICHED_SCHEMA) -> str:
    """The same schema as a DDL string (``ts TIMESTAMP NOT NULL, src_ip STRING, ...``)."""
    return ", ".join(
        f"{f.name} {t.dataType.simpleString().upper()}" + ("" if t.nullable else " NOT NULL")
        for f, t in zip(schema, spark_schema(schema).fields, strict=True)
    )


def _context(digest: str, payload: bytes) -> EnrichContext:
    ctx = _CONTEXTS.get(digest)
    if ctx is None:
        ctx = _CONTEXTS[digest] = pickle.loads(payload)
    return ctx


def _enrich_partition(
    digest: str, payload: bytes, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    ctx = _context(digest, payload)
    for batch in batches:
        out = enrich_batch(batch, ctx)
        # Spark may hand strings over as large_string (useLargeVarTypes); answer in kind.
        large = [f.name for f in batch.schema if pa.types.is_large_string(f.type)]
        if large:
            out = out.cast(_with_large_strings(out.schema))
        yield out


def _with_large_strings(schema: pa.Schema) -> pa.Schema:
    return pa.schema(
        f.with_type(pa.large_string()) if pa.types.is_string(f.type) else f for f in schema
    )


def run_spark(df: DataFrame, ctx: EnrichContext) -> DataFrame:
    """``df`` (``EVENT_SCHEMA`` columns) enriched, lazily, as a Spark DataFrame."""
    _pyspark()
    payload = pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).hexdigest()

    def enrich(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _enrich_partition(digest, payload, batches)

    return df.mapInArrow(enrich, spark_schema())


def spark_session_local(cores: int = 2) -> SparkSession:
    """A small local session for tests and laptops: ``local[cores]``, UTC, no UI, loopback
    only, 1 GB driver memory. Starting the JVM takes seconds (access-logs §5.2: ~10 s)."""
    _pyspark()
    from pyspark.sql import SparkSession

    # PySpark starts workers with $PYSPARK_PYTHON, else whatever "python3" is on PATH, which
    # may lack pyarrow and chainwatch; default to this interpreter (a user's setting wins).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(f"local[{int(cores)}]")
        .appName("chainwatch")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(1, int(cores))))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
