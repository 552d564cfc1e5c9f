"""Sorted, non-overlapping IP range tables: the compiled form of every geo/ASN/intel source.

Why (access-logs-and-ip-data.md §3.2, §6.2): a per-row MMDB lookup runs at ≈0.5 M/s with the C
extension, a ``np.searchsorted`` over sorted range starts with an end check at ≈5 M/s, and the
tables memory-map straight from ``.npy`` files, so Spark/Dask workers share the page cache
instead of each holding a copy. One table per (kind, family):

* ``city4``/``city6``: ``start``, ``end`` + ``loc`` (int32) into a :class:`Locations` table of
  ``country``, ``region``, ``city`` (int32 codes into one :class:`StringTable`) and ``lat``,
  ``lon`` (float32, as the MMDBs store them). DB-IP 2026-06 compiles to 3.7 M IPv4 + 4.4 M IPv6
  rows but only 567 k distinct locations, so one code per row instead of five columns took the
  compiled directory from 332 MB to 220 MB (measured).
* ``asn4``/``asn6``: ``start``, ``end`` + ``asn`` (uint32), ``as_org`` (code).

Keys are ``uint32`` (IPv4) and big-endian ``S16`` (IPv6) — see :mod:`.addr` for the measured
choice. Compiling merges adjacent ranges that carry identical values (DB-IP city: 6.3 M IPv4
networks in the MMDB tree → 3.7 M rows; 8.4 M IPv6 → 4.4 M) and resolves overlaps: an earlier source
wins, then the narrower range (longest-prefix semantics). Reading MMDBs and CSVs lives in
:mod:`.sources`; this module only holds and combines tables.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from chainwatch.access.geo.addr import V6_DTYPE, key6_int, keys6, to_text

CITY_COLUMNS: dict[str, np.dtype] = {"loc": np.dtype(np.int32)}
LOCATION_COLUMNS: dict[str, np.dtype] = {
    "country": np.dtype(np.int32),
    "region": np.dtype(np.int32),
    "city": np.dtype(np.int32),
    "lat": np.dtype(np.float32),
    "lon": np.dtype(np.float32),
}
ASN_COLUMNS: dict[str, np.dtype] = {"asn": np.dtype(np.uint32), "as_org": np.dtype(np.int32)}
TABLE_NAMES = ("city4", "city6", "asn4", "asn6")


def key_dtype(family: int) -> np.dtype:
    return np.dtype(np.uint32) if family == 4 else V6_DTYPE


class StringTable:
    """Interned strings shared by all string columns; code 0 is null (absent or empty).

    Stored as one UTF-8 blob plus int32 offsets, so a loaded table becomes an Arrow
    ``StringArray`` without copying and ``pc.take`` turns codes into output columns.
    """

    def __init__(self, values: Sequence[str | None] = ()) -> None:
        self._values: list[str | None] | None = [None]
        self._codes: dict[str, int] = {}
        self._arrow: pa.Array | None = None
        for value in values:
            self.code(value)

    def _python(self) -> None:
        if self._values is None:  # loaded: build the Python side only when adding strings
            self._values = self._arrow.to_pylist()
            self._codes = {v: i for i, v in enumerate(self._values) if v}

    def code(self, value: str | None) -> int:
        if not value:
            return 0
        self._python()
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self._values)
            self._values.append(value)
            self._arrow = None
        return found

    def __len__(self) -> int:
        return len(self._values) if self._values is not None else len(self._arrow)

    def __getitem__(self, code: int) -> str | None:
        if self._values is None:
            return self._arrow[code].as_py()
        return self._values[code]

    def to_arrow(self) -> pa.Array:
        if self._arrow is None:
            self._arrow = pa.array(self._values, type=pa.string())
        return self._arrow

    def save(self, directory: Path) -> None:
        self._python()
        encoded = [(v or "").encode("utf-8") for v in self._values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        np.save(directory / "strings.offsets.npy", offsets)
        np.save(directory / "strings.data.npy", np.frombuffer(b"".join(encoded), dtype=np.uint8))

    @classmethod
    def load(cls, directory: Path, mmap_mode: str | None = "r") -> StringTable:
        offsets = np.load(directory / "strings.offsets.npy", mmap_mode=mmap_mode)
        data = np.load(directory / "strings.data.npy", mmap_mode=mmap_mode)
        n = len(offsets) - 1
        valid = np.ones(n, dtype=bool)
        valid[0] = False
        arrow = pa.Array.from_buffers(
            pa.string(),
            n,
            [
                pa.py_buffer(np.packbits(valid, bitorder="little")),
                pa.py_buffer(offsets),
                pa.py_buffer(data),
            ],
        )
        table = cls.__new__(cls)
        table._arrow = arrow
        table._values = None
        table._codes = {}
        return table


@dataclass
class RangeTable:
    """Sorted, non-overlapping ``[start, end]`` ranges (inclusive) with per-row columns."""

    family: int
    start: np.ndarray
    end: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def empty(cls, family: int, columns: dict[str, np.dtype] | None = None) -> RangeTable:
        kd = key_dtype(family)
        cols = {name: np.empty(0, dtype) for name, dtype in (columns or {}).items()}
        return cls(family, np.empty(0, kd), np.empty(0, kd), cols)

    def __len__(self) -> int:
        return len(self.start)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Row index containing each key, or -1 (``searchsorted`` then an end check)."""
        if len(self.start) == 0 or len(keys) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        idx = np.searchsorted(self.start, keys, side="right").astype(np.int64) - 1
        safe = np.maximum(idx, 0)
        hit = (idx >= 0) & (keys <= self.end[safe])
        return np.where(hit, idx, -1)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        return self.find(keys) >= 0

    def save(self, directory: Path, name: str) -> None:
        np.save(directory / f"{name}.start.npy", np.ascontiguousarray(self.start))
        np.save(directory / f"{name}.end.npy", np.ascontiguousarray(self.end))
        for col, values in self.columns.items():
            np.save(directory / f"{name}.{col}.npy", np.ascontiguousarray(values))

    @classmethod
    def load(
        cls,
        directory: Path,
        name: str,
        family: int,
        columns: Sequence[str] = (),
        mmap_mode: str | None = "r",
    ) -> RangeTable:
        def arr(col: str) -> np.ndarray:
            return np.load(directory / f"{name}.{col}.npy", mmap_mode=mmap_mode)

        return cls(family, arr("start"), arr("end"), {c: arr(c) for c in columns})

    def take(self, rows: np.ndarray) -> RangeTable:
        cols = {k: v[rows] for k, v in self.columns.items()}
        return RangeTable(self.family, self.start[rows], self.end[rows], cols)


def successor(keys: np.ndarray, family: int) -> np.ndarray:
    """``key + 1`` (wrapping at the top of the address space), same dtype."""
    if family == 4:
        return (keys.astype(np.uint64) + 1).astype(np.uint32)
    words = np.frombuffer(np.ascontiguousarray(keys).tobytes(), dtype=">u8").reshape(-1, 2)
    lo = words[:, 1].astype(np.uint64) + np.uint64(1)
    hi = words[:, 0].astype(np.uint64) + (lo == 0).astype(np.uint64)
    out = np.empty((len(keys), 2), dtype=">u8")
    out[:, 0] = hi
    out[:, 1] = lo
    return out.view(V6_DTYPE).ravel()


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        return (a == b) | (np.isnan(a) & np.isnan(b))
    return a == b


def merge_adjacent(table: RangeTable) -> RangeTable:
    """Join neighbouring ranges that touch and carry identical values (fewer rows, same answers)."""
    if len(table) < 2:
        return table
    same = successor(table.end[:-1], table.family) == table.start[1:]
    same &= table.end[:-1] < table.start[1:]  # no wrap-around at the top of the space
    for values in table.columns.values():
        same &= _same(values[1:], values[:-1])
    if not same.any():
        return table
    first = np.concatenate([[True], ~same])
    last = np.concatenate([~same, [True]])
    cols = {k: v[first] for k, v in table.columns.items()}
    return RangeTable(table.family, table.start[first], table.end[last], cols)


def _as_ints(keys: np.ndarray, family: int) -> list[int]:
    if family == 4:
        return keys.astype(np.int64).tolist()
    words = np.frombuffer(np.ascontiguousarray(keys).tobytes(), dtype=">u8").reshape(-1, 2)
    return [(int(h) << 64) | int(lo) for h, lo in words.tolist()]


def _from_ints(values: list[int], family: int) -> np.ndarray:
    if family == 4:
        return np.array(values, dtype=np.uint32)
    return keys6(values) if values else np.empty(0, V6_DTYPE)


def resolve_overlaps(table: RangeTable, priority: np.ndarray) -> RangeTable:
    """Cut overlapping ranges into disjoint pieces; each piece keeps its winning row.

    Winner: lowest ``priority`` (source order), then the narrowest range. A sweep over range
    boundaries with a heap; only run when an overlap exists (rare: the 2026-06 ASN CSV has
    one among 411,961 IPv4 rows).
    """
    starts = _as_ints(table.start, table.family)
    ends = _as_ints(table.end, table.family)
    prio = priority.tolist()
    order = sorted(range(len(starts)), key=lambda i: starts[i])
    bounds = sorted(set(starts) | {e + 1 for e in ends})
    heap: list[tuple[int, int, int, int]] = []
    out_start: list[int] = []
    out_end: list[int] = []
    out_row: list[int] = []
    ptr = 0
    for b, nb in zip(bounds, bounds[1:], strict=False):
        while ptr < len(order) and starts[order[ptr]] <= b:
            i = order[ptr]
            heapq.heappush(heap, (prio[i], ends[i] - starts[i], ends[i], i))
            ptr += 1
        while heap and heap[0][2] < b:
            heapq.heappop(heap)
        if heap:
            out_start.append(b)
            out_end.append(nb - 1)
            out_row.append(heap[0][3])
    rows = np.array(out_row, dtype=np.int64)
    cols = {k: v[rows] for k, v in table.columns.items()}
    fam = table.family
    return RangeTable(fam, _from_ints(out_start, fam), _from_ints(out_end, fam), cols)


def combine(parts: Sequence[RangeTable], family: int, columns: dict[str, np.dtype]) -> RangeTable:
    """One sorted, disjoint, adjacency-merged table from parts in priority order.

    The usual case — one source per table, already in address order — is not copied or sorted
    (the DB-IP IPv6 city part alone is 4.4 M rows of 16-byte keys).
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return RangeTable.empty(family, columns)
    kd = key_dtype(family)
    if len(parts) == 1:
        p = parts[0]
        cols = {name: p.columns[name].astype(dtype, copy=False) for name, dtype in columns.items()}
        table = RangeTable(
            family, p.start.astype(kd, copy=False), p.end.astype(kd, copy=False), cols
        )
        prio = np.zeros(len(p), dtype=np.int64)
    else:
        cols = {
            name: np.concatenate([p.columns[name].astype(dtype) for p in parts])
            for name, dtype in columns.items()
        }
        start = np.concatenate([p.start.astype(kd) for p in parts])
        end = np.concatenate([p.end.astype(kd) for p in parts])
        prio = np.concatenate([np.full(len(p), i, dtype=np.int64) for i, p in enumerate(parts)])
        table = RangeTable(family, start, end, cols)
    if len(table) > 1 and not bool((table.start[1:] >= table.start[:-1]).all()):
        order = np.lexsort((prio, table.start))
        table, prio = table.take(order), prio[order]
    if len(table) > 1 and bool((table.start[1:] <= table.end[:-1]).any()):
        table = resolve_overlaps(table, prio)
    return merge_adjacent(table)


@dataclass
class Locations:
    """Distinct (country, region, city, lat, lon) tuples; row 0 is the null location."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["country"])

    @classmethod
    def from_rows(cls, rows: Sequence[tuple]) -> Locations:
        """``rows[1:]`` are ``(country, region, city, lat, lon)``; row 0 is always null."""
        rows = [(0, 0, 0, np.nan, np.nan), *rows[1:]]
        return cls(
            {
                name: np.array([r[i] for r in rows], dtype=dtype)
                for i, (name, dtype) in enumerate(LOCATION_COLUMNS.items())
            }
        )

    def save(self, directory: Path) -> None:
        for name, values in self.columns.items():
            np.save(directory / f"loc.{name}.npy", values)

    @classmethod
    def load(cls, directory: Path, mmap_mode: str | None = "r") -> Locations:
        return cls(
            {n: np.load(directory / f"loc.{n}.npy", mmap_mode=mmap_mode) for n in LOCATION_COLUMNS}
        )


@dataclass
class GeoTables:
    """The four compiled geo/ASN tables, the city tables' locations and the string table."""

    strings: StringTable
    locations: Locations
    city4: RangeTable
    city6: RangeTable
    asn4: RangeTable
    asn6: RangeTable

    @classmethod
    def empty(cls) -> GeoTables:
        return cls(
            StringTable(),
            Locations.from_rows([]),
            RangeTable.empty(4, CITY_COLUMNS),
            RangeTable.empty(6, CITY_COLUMNS),
            RangeTable.empty(4, ASN_COLUMNS),
            RangeTable.empty(6, ASN_COLUMNS),
        )

    def counts(self) -> dict[str, int]:
        return {
            **{name: len(getattr(self, name)) for name in TABLE_NAMES},
            "locations": len(self.locations),
            "strings": len(self.strings),
        }

    def save(self, directory: Path) -> None:
        self.strings.save(directory)
        self.locations.save(directory)
        for name in TABLE_NAMES:
            getattr(self, name).save(directory, name)

    @classmethod
    def load(cls, directory: Path, mmap_mode: str | None = "r") -> GeoTables:
        def table(name: str) -> RangeTable:
            cols = CITY_COLUMNS if name.startswith("city") else ASN_COLUMNS
            return RangeTable.load(directory, name, int(name[-1]), list(cols), mmap_mode)

        return cls(
            StringTable.load(directory, mmap_mode),
            Locations.load(directory, mmap_mode),
            *(table(n) for n in TABLE_NAMES),
        )


def range_text(table: RangeTable, row: int) -> str:
    """``first-last`` of one row, for explanations."""
    first = int(table.start[row]) if table.family == 4 else key6_int(table.start[row])
    last = int(table.end[row]) if table.family == 4 else key6_int(table.end[row])
    return f"{to_text(table.family, first)}-{to_text(table.family, last)}"
