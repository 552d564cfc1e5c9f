"""Network intelligence beside the geo DB: DPRK prefixes (NET-1), VPN/datacenter/Tor (NET-2),
DPRK-worker hub regions (NET-6).

* DPRK prefixes and hub regions are curated, versioned YAML shipped in ``geo/data``
  (``dprk_prefixes.yaml``, ``hubs.yaml``; each file says why). They are read at load time, so a
  chainwatch upgrade updates them without recompiling the geo tables.
* VPN and datacenter lists (X4BNet/lists_vpn, MIT, access-logs-and-ip-data.md §2.6): one CIDR
  per line; ``AS123`` lines (X4BNet's ``input/*/ASN.txt``) flag every range of that ASN via the
  ASN table. They live in ``shared/data``, not in the package, and are passed to
  ``install_geo(vpn=..., datacenter=...)``.
* Tor exits: check.torproject.org ``exit-addresses`` (``ExitAddress 1.2.3.4 2026-...``, the
  authoritative list, §2.6) or any list with one address per line (CSV lines too: the first
  field that is an address counts). Tor lists go stale in hours: the newest ``ExitAddress``
  date is recorded as the snapshot date.

CIDR lists compile to the same sorted, merged range form as the geo tables, so membership is
one ``searchsorted`` per family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from chainwatch.access.geo.addr import keys6, parse_ip, parse_network
from chainwatch.access.geo.ranges import RangeTable, key_dtype
from chainwatch.errors import InputError

_ASN_RE = re.compile(r"^AS(\d+)$", re.IGNORECASE)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SET_NAMES = ("vpn", "datacenter", "tor")


def _data_path(name: str) -> Path:
    return Path(str(resources.files("chainwatch.access.geo") / "data" / name))


# -- curated YAML --------------------------------------------------------------------------


@dataclass(frozen=True)
class DprkPrefix:
    cidr: str
    family: int
    first: int
    last: int
    asn: int | None
    holder: str
    confidence: str
    rationale: str
    sources: tuple[str, ...]
    geo_db_says: tuple[str, ...]


@dataclass(frozen=True)
class DprkList:
    version: str
    prefixes: tuple[DprkPrefix, ...]

    def table(self, family: int) -> RangeTable:
        """Ranges with column ``idx`` (position in :attr:`prefixes`)."""
        rows = sorted(
            (p.first, p.last, i) for i, p in enumerate(self.prefixes) if p.family == family
        )
        return _table(family, [(s, e) for s, e, _ in rows], {"idx": [i for *_, i in rows]})


def load_dprk_prefixes(path: Path | None = None) -> DprkList:
    """The curated DPRK list (default: the packaged ``dprk_prefixes.yaml``)."""
    path = path or _data_path("dprk_prefixes.yaml")
    doc = _read_yaml(path)
    prefixes = []
    for item in doc.get("prefixes") or []:
        try:
            fam, first, last = parse_network(str(item["cidr"]))
        except (KeyError, ValueError) as exc:
            raise InputError(f"{path}: bad prefix entry {item!r}") from exc
        prefixes.append(
            DprkPrefix(
                cidr=str(item["cidr"]),
                family=fam,
                first=first,
                last=last,
                asn=item.get("asn"),
                holder=str(item.get("holder") or ""),
                confidence=str(item.get("confidence") or ""),
                rationale=str(item.get("rationale") or ""),
                sources=tuple(item.get("sources") or ()),
                geo_db_says=tuple(item.get("geo_db_says") or ()),
            )
        )
    return DprkList(str(doc.get("version") or ""), tuple(prefixes))


@dataclass(frozen=True)
class HubRule:
    hub: str
    country: str
    regions: frozenset[str] = frozenset()
    cities: tuple[str, ...] = ()

    def matches(self, country: str | None, region: str | None, city: str | None) -> bool:
        if (country or "").casefold() != self.country:
            return False
        if self.regions and (region or "").casefold() not in self.regions:
            return False
        c = (city or "").casefold()
        return not self.cities or any(c == x or c.startswith(x + " (") for x in self.cities)


@dataclass
class HubRules:
    """Ordered hub rules; first match wins (see ``hubs.yaml`` for the decisions)."""

    version: str
    rules: tuple[HubRule, ...]
    _cache: tuple[pa.Array, list] | None = field(default=None, repr=False, compare=False)

    def match(self, country: str | None, region: str | None, city: str | None) -> HubRule | None:
        return next((r for r in self.rules if r.matches(country, region, city)), None)

    def names(self) -> list[str]:
        """Hub names by rule position (output codes of :meth:`rule_index`)."""
        return [r.hub for r in self.rules]

    def rule_index(
        self, strings: pa.Array, country: np.ndarray, region: np.ndarray, city: np.ndarray
    ) -> np.ndarray:
        """First matching rule per row of string codes, or -1; vectorized over the rows.

        Per-rule boolean masks over the string table are computed once per string table.
        """
        if self._cache is None or self._cache[0] is not strings:
            self._cache = (strings, self._string_masks(strings))
        masks = self._cache[1]
        out = np.full(len(country), -1, dtype=np.int64)
        for i, (mc, mr, mcity) in enumerate(masks):
            hit = (out < 0) & mc[country] & mr[region] & mcity[city]
            out[hit] = i
        return out

    def _string_masks(self, strings: pa.Array) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        folded = pc.utf8_lower(strings)
        everything = np.ones(len(strings), dtype=bool)

        def isin(values: Iterable[str]) -> np.ndarray:
            found = pc.is_in(folded, value_set=pa.array(list(values), pa.string()))
            return pc.fill_null(found, False).to_numpy(zero_copy_only=False)

        masks = []
        for rule in self.rules:
            mc = isin([rule.country])
            mr = isin(rule.regions) if rule.regions else everything
            if rule.cities:
                mcity = isin(rule.cities)
                for name in rule.cities:
                    starts = pc.starts_with(folded, pattern=name + " (")
                    mcity |= pc.fill_null(starts, False).to_numpy(zero_copy_only=False)
            else:
                mcity = everything
            masks.append((mc, mr, mcity))
        return masks


def load_hubs(path: Path | None = None) -> HubRules:
    """The hub rules (default: the packaged ``hubs.yaml``)."""
    path = path or _data_path("hubs.yaml")
    doc = _read_yaml(path)
    rules = []
    for item in doc.get("hubs") or []:
        if not item.get("hub") or not item.get("country"):
            raise InputError(f"{path}: hub entry needs hub and country: {item!r}")
        rules.append(
            HubRule(
                hub=str(item["hub"]),
                country=str(item["country"]).casefold(),
                regions=frozenset(str(r).casefold() for r in item.get("regions") or ()),
                cities=tuple(str(c).casefold() for c in item.get("cities") or ()),
            )
        )
    return HubRules(str(doc.get("version") or ""), tuple(rules))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a mapping at the top level")
    return doc


# -- VPN / datacenter / Tor lists ----------------------------------------------------------


@dataclass
class NetList:
    """One list file, parsed: address ranges ``(family, first, last)`` and ASNs."""

    ranges: list[tuple[int, int, int]] = field(default_factory=list)
    asns: set[int] = field(default_factory=set)
    snapshot: str | None = None  # newest ExitAddress date of a Tor list


def read_net_list(path: Path) -> NetList:
    """X4BNet format: one CIDR (or address, or ``AS123``) per line; ``#`` starts a comment."""
    out = NetList()
    for lineno, raw in enumerate(_lines(path), start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        token = text.split()[0]
        asn = _ASN_RE.match(token)
        if asn:
            out.asns.add(int(asn.group(1)))
            continue
        try:
            out.ranges.append(parse_network(token))
        except ValueError:
            raise InputError(
                f"{path}:{lineno}: {token!r} is not a CIDR, an IP address or an ASN (AS123)"
            ) from None
    return out


def read_tor_exits(path: Path) -> NetList:
    """check.torproject.org ``exit-addresses`` or a plain one-address-per-line list."""
    out = NetList()
    for raw in _lines(path):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        fields = text.split()
        if fields[0] == "ExitAddress" and len(fields) > 1:
            candidates = [fields[1]]
            if len(fields) > 2 and _DATE_RE.match(fields[2]):
                out.snapshot = max(out.snapshot or "", fields[2])
        elif fields[0] in {"ExitNode", "Published", "LastStatus"}:
            continue
        else:
            candidates = [f for f in re.split(r"[,;\s]+", text) if f]
        for candidate in candidates:
            parsed = parse_ip(candidate)
            if parsed:
                out.ranges.append((parsed[0], parsed[1], parsed[1]))
                break
    if not out.ranges:
        raise InputError(
            f"{path}: no Tor exit address found (expected check.torproject.org exit-addresses "
            "lines 'ExitAddress 1.2.3.4 2026-01-01 00:00:00' or one address per line)"
        )
    return out


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc})") from exc


def _table(family: int, ranges: Sequence[tuple[int, int]], cols: dict | None = None) -> RangeTable:
    starts = [s for s, _ in ranges]
    ends = [e for _, e in ranges]
    if family == 4:
        start, end = np.array(starts, dtype=np.uint32), np.array(ends, dtype=np.uint32)
    elif ranges:
        start, end = keys6(starts), keys6(ends)
    else:
        start = end = np.empty(0, key_dtype(6))
    columns = {k: np.array(v, dtype=np.int32) for k, v in (cols or {}).items()}
    return RangeTable(family, start, end, columns)


def union_ranges(ranges: Iterable[tuple[int, int, int]], family: int) -> RangeTable:
    """Sorted union of one family's ranges: overlapping and touching ranges merged."""
    merged: list[list[int]] = []
    for first, last in sorted((s, e) for f, s, e in ranges if f == family):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return _table(family, [(s, e) for s, e in merged])


@dataclass
class NetIntel:
    """Compiled VPN/datacenter/Tor sets: ``<name>4``/``<name>6`` ranges, ``<name>`` ASNs."""

    ranges: dict[str, RangeTable]
    asns: dict[str, np.ndarray]

    @classmethod
    def build(cls, lists: dict[str, Sequence[NetList]]) -> NetIntel:
        ranges: dict[str, RangeTable] = {}
        asns: dict[str, np.ndarray] = {}
        for name in SET_NAMES:
            items = lists.get(name, ())
            all_ranges = [r for item in items for r in item.ranges]
            for fam in (4, 6):
                ranges[f"{name}{fam}"] = union_ranges(all_ranges, fam)
            numbers = sorted(set().union(*(item.asns for item in items)))
            asns[name] = np.array(numbers, dtype=np.uint32)
        return cls(ranges, asns)

    @classmethod
    def empty(cls) -> NetIntel:
        return cls.build({})

    def counts(self) -> dict[str, int]:
        out = {k: len(v) for k, v in self.ranges.items()}
        out.update({f"{k}_asns": len(v) for k, v in self.asns.items()})
        return out

    def flag(self, name: str, family: int, keys: np.ndarray, asn: np.ndarray) -> np.ndarray:
        """Membership by address range, or by the row's ASN being on the list."""
        hit = self.ranges[f"{name}{family}"].contains(keys)
        listed = self.asns[name]
        if len(listed):
            hit |= np.isin(asn, listed) & (asn != 0)
        return hit

    def save(self, directory: Path) -> None:
        for key, table in self.ranges.items():
            table.save(directory, key)
        for key, values in self.asns.items():
            np.save(directory / f"{key}.asns.npy", values)

    @classmethod
    def load(cls, directory: Path, mmap_mode: str | None = "r") -> NetIntel:
        ranges = {
            f"{n}{f}": RangeTable.load(directory, f"{n}{f}", f, (), mmap_mode)
            for n in SET_NAMES
            for f in (4, 6)
        }
        asns = {n: np.load(directory / f"{n}.asns.npy") for n in SET_NAMES}
        return cls(ranges, asns)
