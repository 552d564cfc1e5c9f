"""``IpIntel``: vectorized enrichment of IP columns with geo, ASN and network intelligence.

How (access-logs-and-ip-data.md §3.2 takeaways): deduplicate first (logs repeat the same few
addresses), parse the distinct texts once, look every family up with one ``np.searchsorted``
per table plus an end check, then expand back to input order with one Arrow ``take``. Tables
are memory-mapped ``.npy`` files (see :mod:`.ranges`), so loading is cheap and a pickled
``IpIntel`` is just its directory path: Spark/Dask workers reload it from the path and share
the page cache (one cached instance per process and directory).

Flags (SIGNALS.md): ``is_dprk`` only from the curated prefixes (NET-1: exact prefixes, not a
geo-DB "KP" label — the geo ``country`` column still shows what the DB says); ``is_vpn``,
``is_datacenter`` (NET-2) and ``is_tor`` from the compiled lists, by range or by ASN; ``hub``
(NET-6) from the geo location and ``hubs.yaml``. Invalid or empty input: all null, flags False.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainwatch.access.event import ENRICHED_FIELDS
from chainwatch.access.geo.addr import as_string_array, key6, parse_ip, parse_ips
from chainwatch.access.geo.manifest import MANIFEST_NAME, GeoManifest
from chainwatch.access.geo.netintel import (
    DprkList,
    HubRules,
    NetIntel,
    load_dprk_prefixes,
    load_hubs,
)
from chainwatch.access.geo.ranges import GeoTables, RangeTable, range_text
from chainwatch.errors import InputError

GEO_COLUMNS = (
    "country",
    "region",
    "city",
    "lat",
    "lon",
    "asn",
    "as_org",
    "is_dprk",
    "is_vpn",
    "is_datacenter",
    "is_tor",
    "hub",
)
# Place and organisation names come back dictionary-encoded over the compiled string table
# (indices only, no copy of the text per address); ``enrich_batch`` decodes them to strings.
_DICT = pa.dictionary(pa.int32(), pa.string())
GEO_SCHEMA = pa.schema(
    [
        pa.field(f.name, _DICT) if pa.types.is_string(f.type) else f
        for f in ENRICHED_FIELDS
        if f.name in GEO_COLUMNS
    ]
)
DEDUPE_SAMPLE = 65_536  # addresses looked at to decide whether deduplicating pays
FLAGS = (("is_vpn", "vpn"), ("is_datacenter", "datacenter"), ("is_tor", "tor"))
CURRENT_NAME = "current"

_LOADED: dict[Path, IpIntel] = {}
_LOCK = threading.Lock()


def resolve_geo_dir(path: Path | str) -> Path:
    """A compiled directory from itself, its parent ``geo/`` (``current`` file) or the home."""
    path = Path(path).expanduser()
    for base in (path, path / "geo"):
        if (base / MANIFEST_NAME).is_file():
            return base.resolve()
        pointer = base / CURRENT_NAME
        if pointer.is_file():
            target = base / pointer.read_text(encoding="utf-8").strip()
            if (target / MANIFEST_NAME).is_file():
                return target.resolve()
    raise InputError(
        f"no compiled geo data at {path}: run `chainwatch geo install` "
        "(see chainwatch.access.geo.install)"
    )


class IpIntel:
    """Offline IP intelligence over compiled tables; see the module docstring."""

    def __init__(
        self,
        tables: GeoTables,
        netintel: NetIntel,
        *,
        dprk: DprkList | None = None,
        hubs: HubRules | None = None,
        manifest: GeoManifest | None = None,
        path: Path | None = None,
    ) -> None:
        self.tables = tables
        self.netintel = netintel
        self.dprk = dprk if dprk is not None else load_dprk_prefixes()
        self.hubs = hubs if hubs is not None else load_hubs()
        self.manifest = manifest
        self.path = path
        self._dprk_tables = {fam: self.dprk.table(fam) for fam in (4, 6)}
        self._loc_hub: np.ndarray | None = None

    # -- construction and pickling -----------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str) -> IpIntel:
        """Memory-map a compiled directory (or the one ``<path>/current`` names)."""
        directory = resolve_geo_dir(path)
        with _LOCK:
            cached = _LOADED.get(directory)
            if cached is None:
                manifest = GeoManifest.read(directory)
                cached = cls(
                    GeoTables.load(directory),
                    NetIntel.load(directory),
                    manifest=manifest,
                    path=directory,
                )
                _LOADED[directory] = cached
        return cached

    @classmethod
    def from_tables(
        cls,
        tables: GeoTables | None = None,
        netintel: NetIntel | None = None,
        *,
        dprk: DprkList | None = None,
        hubs: HubRules | None = None,
    ) -> IpIntel:
        """In-memory instance (tests, ad-hoc use); pickles by value."""
        return cls(tables or GeoTables.empty(), netintel or NetIntel.empty(), dprk=dprk, hubs=hubs)

    def __getstate__(self) -> dict[str, Any]:
        if self.path is not None:
            return {"path": str(self.path)}
        state = dict(self.__dict__)
        state["_loc_hub"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if set(state) == {"path"}:
            state = IpIntel.load(state["path"]).__dict__
        self.__dict__.update(state)

    # -- enrichment --------------------------------------------------------------------------

    def _location_hubs(self) -> np.ndarray:
        """Hub rule + 1 per location (0: none), computed once over the location table."""
        if self._loc_hub is None:
            cols = self.tables.locations.columns
            rule = self.hubs.rule_index(
                self.tables.strings.to_arrow(),
                np.asarray(cols["country"]),
                np.asarray(cols["region"]),
                np.asarray(cols["city"]),
            )
            self._loc_hub = (rule + 1).astype(np.int32)
        return self._loc_hub

    def enrich(self, ips: pa.Array | pa.ChunkedArray | Sequence[str | None]) -> pa.Table:
        """The geo/intel columns of ``GEO_SCHEMA`` for each input address, in input order.

        Logs repeat a few thousand addresses millions of times, so the distinct texts are
        looked up once and expanded back; when a sample shows mostly distinct addresses the
        hashing would not pay, and every address is looked up as it comes.
        """
        arr = as_string_array(ips)
        sample = arr.slice(0, DEDUPE_SAMPLE)
        if len(arr) > DEDUPE_SAMPLE and len(pc.unique(sample)) > len(sample) // 2:
            return pa.Table.from_arrays(self._enrich_unique(arr), schema=GEO_SCHEMA)
        encoded = pc.dictionary_encode(arr, null_encoding="encode")
        unique = self._enrich_unique(encoded.dictionary)
        if len(encoded.dictionary) != len(arr):  # else codes are 0..n-1: nothing to expand
            # per-array take: measured 0.5 s for 5 M rows vs 1.2 s for Table.take
            unique = [column.take(encoded.indices) for column in unique]
        return pa.Table.from_arrays(unique, schema=GEO_SCHEMA)

    def _enrich_unique(self, texts: pa.Array) -> list[pa.Array]:
        m = len(texts)
        parsed = parse_ips(texts)
        loc = np.zeros(m, dtype=np.int32)
        asn = np.zeros(m, dtype=np.uint32)
        org = np.zeros(m, dtype=np.int32)
        flags = {name: np.zeros(m, dtype=bool) for name in ("is_dprk", *dict(FLAGS))}
        tables = self.tables
        for fam, pos, keys in ((4, parsed.v4_pos, parsed.v4), (6, parsed.v6_pos, parsed.v6)):
            if len(pos) == 0:
                continue
            # Sorted keys make every searchsorted below cache-friendly: measured on 1 M random
            # IPv4s against 3.7 M ranges, 0.30 s unsorted vs 0.07 s argsort + 0.05 s sorted.
            order = np.argsort(keys, kind="stable")
            keys, pos = keys[order], pos[order]
            city: RangeTable = getattr(tables, f"city{fam}")
            loc[pos] = _gather(city, "loc", city.find(keys))
            asn_table: RangeTable = getattr(tables, f"asn{fam}")
            rows = asn_table.find(keys)
            fam_asn = _gather(asn_table, "asn", rows)
            asn[pos] = fam_asn
            org[pos] = _gather(asn_table, "as_org", rows)
            flags["is_dprk"][pos] = self._dprk_tables[fam].contains(keys)
            for column, name in FLAGS:
                flags[column][pos] = self.netintel.flag(name, fam, keys, fam_asn)
        loc_cols = tables.locations.columns
        strings = tables.strings.to_arrow()
        lat = np.asarray(loc_cols["lat"])[loc].astype(np.float64)
        lon = np.asarray(loc_cols["lon"])[loc].astype(np.float64)
        hub_names = pa.array([None, *self.hubs.names()], type=pa.string())

        def names(codes: np.ndarray) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), strings)

        columns = {
            "country": names(np.asarray(loc_cols["country"])[loc]),
            "region": names(np.asarray(loc_cols["region"])[loc]),
            "city": names(np.asarray(loc_cols["city"])[loc]),
            "lat": pa.array(lat, mask=np.isnan(lat)),
            "lon": pa.array(lon, mask=np.isnan(lon)),
            "asn": pa.array(asn.astype(np.int64), mask=asn == 0),
            "as_org": names(org),
            **{k: pa.array(v) for k, v in flags.items()},
            "hub": pa.DictionaryArray.from_arrays(
                pa.array(self._location_hubs()[loc], pa.int32()), hub_names
            ),
        }
        return [columns[f.name] for f in GEO_SCHEMA]

    # -- explanation ------------------------------------------------------------------------

    def lookup_one(self, ip: str) -> dict[str, Any]:
        """One address's values plus why: matching ranges, sources, DPRK entry, hub rule."""
        row = self.enrich([ip]).to_pylist()[0]
        parsed = parse_ip(ip)
        out: dict[str, Any] = {"ip": ip, "valid": parsed is not None, **row}
        if parsed is None:
            return out
        fam, value = parsed
        out["family"] = fam
        key = np.array([value], dtype=np.uint32) if fam == 4 else np.array([key6(value)], "S16")
        describe = self.manifest.describe if self.manifest else (lambda kind: [])
        why: dict[str, Any] = {}
        for kind in ("city", "asn"):
            table: RangeTable = getattr(self.tables, f"{kind}{fam}")
            r = int(table.find(key)[0])
            if r >= 0:
                why[kind] = {"range": range_text(table, r), "sources": describe(kind)}
        d = int(self._dprk_tables[fam].find(key)[0])
        if d >= 0:
            entry = self.dprk.prefixes[int(self._dprk_tables[fam].columns["idx"][d])]
            why["dprk"] = {
                "cidr": entry.cidr,
                "asn": entry.asn,
                "holder": entry.holder,
                "confidence": entry.confidence,
                "rationale": entry.rationale,
                "sources": list(entry.sources),
                "geo_db_says": list(entry.geo_db_says),
                "list_version": self.dprk.version,
            }
        if row["hub"]:
            rule = self.hubs.match(row["country"], row["region"], row["city"])
            why["hub"] = {"hub": row["hub"], "hubs_version": self.hubs.version}
            if rule:
                why["hub"]["rule"] = {
                    "country": rule.country,
                    "regions": sorted(rule.regions),
                    "cities": list(rule.cities),
                }
        for column, name in FLAGS:
            if row[column]:
                table = self.netintel.ranges[f"{name}{fam}"]
                r = int(table.find(key)[0])
                how = {"range": range_text(table, r)} if r >= 0 else {"asn": row["asn"]}
                why[name] = how | {"sources": describe(name)}
        out["why"] = why
        if self.manifest:
            out["attribution"] = self.manifest.attribution()
        return out


def _gather(table: RangeTable, column: str, rows: np.ndarray) -> np.ndarray:
    values = table.columns[column]
    if len(values) == 0:
        return np.zeros(len(rows), dtype=values.dtype)
    return np.where(rows >= 0, np.asarray(values)[np.maximum(rows, 0)], 0).astype(values.dtype)
