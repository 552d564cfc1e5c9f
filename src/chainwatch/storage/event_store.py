"""Access events on disk: Parquet partitioned by day, queried with DuckDB.

Layout under ``CHAINWATCH_HOME/events/``: ``day=YYYY-MM-DD/ingest-<id>-<chunk>.parquet``.
File names are deterministic per (ingest, chunk), so an ingest that is resumed after a crash
rewrites the chunk that was in flight instead of adding a second copy. Rejected records go to
``CHAINWATCH_HOME/quarantine/ingest-<id>/chunk-<n>.jsonl`` with their reasons.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chainwatch.errors import InputError
from chainwatch.rejects import Reject


class EventStore:
    def __init__(self, home: Path):
        self.root = home / "events"
        self.quarantine = home / "quarantine"

    # --- writing ---------------------------------------------------------------------------

    def write_chunk(
        self, ingest_id: int, chunk: int, table: pa.Table, *, pending: bool = False
    ) -> list[Path]:
        """Write one chunk, split by UTC day; returns the files written.

        ``pending`` files (``.parquet.pending``) are invisible to queries until ``publish``:
        pool workers write ahead of the ledger, and an ingest killed before its commit must
        not show events the ledger does not count.
        """
        if table.num_rows == 0:
            return []
        days = pc.strftime(table["ts"], format="%Y-%m-%d", locale="C")
        written = []
        for day in pc.unique(days).to_pylist():
            part = table.filter(pc.equal(days, day))
            folder = self.root / f"day={day}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"ingest-{ingest_id}-{chunk:06d}.parquet"
            if pending:
                path = path.with_suffix(".parquet.pending")
            tmp = path.with_suffix(".partial")
            pq.write_table(part, tmp, compression="zstd")
            tmp.replace(path)
            written.append(path)
        return written

    @staticmethod
    def publish(paths: Iterable[Path]) -> None:
        """Make pending chunk files visible (``x.parquet.pending`` → ``x.parquet``)."""
        for path in paths:
            path.replace(path.with_suffix(""))

    def drop_pending(self, ingest_id: int) -> int:
        """Delete pending files an earlier, killed run of this ingest left behind."""
        stale = list(self.root.glob(f"day=*/ingest-{ingest_id}-*.parquet.pending"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def write_rejects(self, ingest_id: int, chunk: int, rejects: Iterable[Reject]) -> int:
        rows = [r.to_dict() for r in rejects]
        if not rows:
            return 0
        folder = self.quarantine / f"ingest-{ingest_id}"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"chunk-{chunk:06d}.jsonl").open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return len(rows)

    def read_rejects(self, ingest_id: int) -> Iterator[dict[str, Any]]:
        for path in sorted((self.quarantine / f"ingest-{ingest_id}").glob("chunk-*.jsonl")):
            with path.open(encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)

    # --- reading ---------------------------------------------------------------------------

    def files(self) -> list[Path]:
        return sorted(self.root.glob("day=*/ingest-*.parquet")) if self.root.exists() else []

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with an ``events`` view over every stored event."""
        con = duckdb.connect()
        files = self.files()
        if files:
            pattern = str(self.root / "day=*" / "ingest-*.parquet").replace("'", "''")
            con.execute(  # DDL cannot take parameters; the path is quoted as a literal
                f"CREATE VIEW events AS SELECT * FROM read_parquet('{pattern}', "
                "hive_partitioning = true, union_by_name = true)"
            )
        else:
            con.execute("CREATE VIEW events AS SELECT NULL::TIMESTAMPTZ AS ts WHERE false")
        return con

    def query(self, sql: str, limit: int | None = None) -> pa.Table:
        """Run a user's SQL over the ``events`` view; SQL errors are user errors."""
        con = self.connect()
        try:
            rel = con.sql(sql)
            if rel is None:
                raise InputError("the query returned no result set (use SELECT ...)")
            if limit is not None:
                rel = rel.limit(limit)
            return rel.to_arrow_table()
        except duckdb.Error as exc:
            raise InputError(f"query failed: {str(exc).splitlines()[0]}") from None
        finally:
            con.close()

    def read_all(self, project: str | None = None) -> pa.Table:
        """Every stored event (optionally one project's), ordered by time."""
        con = self.connect()
        try:
            if not self.files():
                return pa.table({})
            rel = con.sql("SELECT * EXCLUDE (day) FROM events")
            if project:
                rel = rel.filter(
                    duckdb.ColumnExpression("project") == duckdb.ConstantExpression(project)
                )
            return rel.order("ts, record_id").to_arrow_table()
        finally:
            con.close()
