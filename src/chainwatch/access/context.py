"""What enrichment workers know about the registry: a pure, picklable snapshot.

``enrich_batch`` (``access/batch.py``) runs in worker processes and Spark executors, so it must
not touch a database session. ``build_registry_view`` reads the registry records once and
turns them into lookup structures that pickle cheaply and answer vectorized questions:

* ``accounts``: normalized account value → party (e-mail addresses lower-cased, since mail
  systems treat them case-insensitively; access keys, ARNs and user names kept as declared).
* ``networks``: the parties' declared CIDR ranges as one sorted, de-overlapped range table
  (``NetworkTable``), answered with ``np.searchsorted`` like the IP intelligence tables
  (access-logs-and-ip-data.md §3.2, §6 item 2). The most specific range wins where two overlap.
* ``project_prefixes``: object prefix → project, from asset URIs (``s3://bucket/a/b/f.psd`` →
  ``bucket/a/b/``, plus the deepest directory all of a project's assets share), and
  ``project_segments``: a project's key or alias found as a whole path segment
  (``.../LF-S1/...`` → ``lanternfall-s1``), case-insensitively. A prefix or segment claimed by
  two projects is dropped: guessing would let one project's access pass as another's.
* ``graphs``: one ``ChainGraph`` per project, so authorization (CHAIN-1) is decided by the same
  code that raises CHAIN-2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from chainwatch.access.geo.addr import V6_DTYPE, key6, parse_ips, parse_network
from chainwatch.domain import Asset, Engagement, Party, PartyKind, Project
from chainwatch.registry.chain import ChainGraph

if TYPE_CHECKING:  # the geo package loads its tables lazily; only the type is needed here
    from chainwatch.access.geo.lookup import IpIntel

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


@dataclass(frozen=True)
class PartyProfile:
    """The facts about a party that detectors compare access against (NET-2, NET-4, NET-9)."""

    key: str
    name: str
    country: str | None
    locations: tuple[tuple[str, str | None, str | None], ...]  # (country, region, city)
    timezone: str | None
    declared_networks: tuple[str, ...]
    has_fixed_office: bool


@dataclass(frozen=True, eq=False)
class NetworkTable:
    """Sorted, non-overlapping address ranges → owner, per family, for vectorized lookup.

    Built from possibly overlapping CIDRs: the most specific (smallest) range owns each
    address, so a party's /28 inside another party's /24 keeps its own addresses.
    """

    owners: tuple[str, ...] = ()
    v4_start: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint32))
    v4_end: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint32))
    v4_owner: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    v6_start: np.ndarray = field(default_factory=lambda: np.empty(0, V6_DTYPE))
    v6_end: np.ndarray = field(default_factory=lambda: np.empty(0, V6_DTYPE))
    v6_owner: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))

    @classmethod
    def from_cidrs(cls, cidrs: Iterable[tuple[str, str]]) -> NetworkTable:
        """``(cidr, owner)`` pairs; an unparsable CIDR raises ValueError naming it."""
        owners: list[str] = []
        ranges: dict[int, list[tuple[int, int, int]]] = {4: [], 6: []}
        for cidr, owner in cidrs:
            try:
                family, first, last = parse_network(cidr)
            except ValueError:
                raise ValueError(f"not a network: {cidr!r} (declared by {owner})") from None
            if owner not in owners:
                owners.append(owner)
            ranges[family].append((first, last, owners.index(owner)))
        s4, e4, o4 = _paint(ranges[4])
        s6, e6, o6 = _paint(ranges[6])
        return cls(
            tuple(owners),
            np.array(s4, dtype=np.uint32),
            np.array(e4, dtype=np.uint32),
            np.array(o4, dtype=np.int32),
            _keys6(s6),
            _keys6(e6),
            np.array(o6, dtype=np.int32),
        )

    def __len__(self) -> int:
        return len(self.v4_start) + len(self.v6_start)

    def lookup(self, ips: pa.Array | Sequence[str | None]) -> pa.Array:
        """Owner of each address (string array, input order); null when none or not an IP."""
        parsed = parse_ips(ips)
        n = len(ips)
        owner = np.full(n, -1, dtype=np.int32)
        for pos, keys, start, end, own in (
            (parsed.v4_pos, parsed.v4, self.v4_start, self.v4_end, self.v4_owner),
            (parsed.v6_pos, parsed.v6, self.v6_start, self.v6_end, self.v6_owner),
        ):
            if len(start) == 0 or len(keys) == 0:
                continue
            i = np.searchsorted(start, keys, side="right") - 1
            ok = i >= 0
            ok[ok] = keys[ok] <= end[i[ok]]
            owner[pos[ok]] = own[i[ok]]
        names = pa.array([*self.owners, None], type=pa.string())
        return names.take(pa.array(np.where(owner < 0, len(self.owners), owner)))


def _paint(ranges: list[tuple[int, int, int]]) -> tuple[list[int], list[int], list[int]]:
    """Flatten overlapping ranges into elementary segments, smallest range on top."""
    if not ranges:
        return [], [], []
    bounds = sorted({b for first, last, _ in ranges for b in (first, last + 1)})
    owner = [-1] * (len(bounds) - 1)
    index = {b: i for i, b in enumerate(bounds)}
    for first, last, who in sorted(ranges, key=lambda r: r[0] - r[1]):  # largest first
        for i in range(index[first], index[last + 1]):
            owner[i] = who
    starts: list[int] = []
    ends: list[int] = []
    owners: list[int] = []
    for i, who in enumerate(owner):
        if who < 0:
            continue
        if owners and owners[-1] == who and ends[-1] + 1 == bounds[i]:
            ends[-1] = bounds[i + 1] - 1
        else:
            starts.append(bounds[i])
            ends.append(bounds[i + 1] - 1)
            owners.append(who)
    return starts, ends, owners


def _keys6(values: list[int]) -> np.ndarray:
    return np.array([key6(v) for v in values], dtype=V6_DTYPE)


@dataclass(frozen=True)
class RegistryView:
    accounts: dict[str, str]
    networks: NetworkTable
    parties: dict[str, PartyProfile]
    project_prefixes: dict[str, str]
    graphs: dict[str, ChainGraph]
    project_segments: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EnrichContext:
    """Everything ``enrich_batch`` needs; pickled once per worker (IpIntel pickles by path).

    ``intel`` None means no IP data is installed: geo columns stay null, flags False.
    ``default_project`` assigns every event to one project (``logs ingest --project``).
    """

    intel: IpIntel | None
    registry: RegistryView
    default_project: str | None = None


def normalize_account(value: str) -> str:
    """The lookup form of an account value: e-mail addresses lower-cased, others stripped."""
    value = value.strip()
    return value.lower() if "@" in value else value


def object_path(value: str) -> str:
    """An object reference without its scheme or leading slash: ``s3://b/k`` → ``b/k``."""
    return _SCHEME.sub("", value.strip()).lstrip("/")


def _has_fixed_office(party: Party) -> bool:
    """A declared network, or a company located down to a city.

    The registry has no explicit "fixed office" flag yet; a company that names its city or its
    office ranges has told the client where the work happens, which is what NET-2 tests.
    """
    if party.networks:
        return True
    return party.kind is PartyKind.COMPANY and any(loc.city for loc in party.locations)


def _profile(party: Party) -> PartyProfile:
    return PartyProfile(
        key=party.key,
        name=party.name,
        country=party.country,
        locations=tuple((loc.country, loc.region, loc.city) for loc in party.locations),
        timezone=party.timezone,
        declared_networks=tuple(party.networks),
        has_fixed_office=_has_fixed_office(party),
    )


def _unambiguous(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key → project, dropping keys that two projects claim."""
    seen: dict[str, set[str]] = {}
    for key, project in pairs:
        seen.setdefault(key, set()).add(project)
    return {k: next(iter(v)) for k, v in sorted(seen.items()) if len(v) == 1}


def _asset_prefixes(projects: Sequence[Project], assets: Sequence[Asset]) -> dict[str, str]:
    dirs: dict[str, list[str]] = {}
    for asset in assets:
        if not asset.uri:
            continue
        path = object_path(asset.uri)
        if "/" in path:
            dirs.setdefault(asset.project, []).append(path.rsplit("/", 1)[0] + "/")
    pairs = [(d, project) for project, ds in dirs.items() for d in ds]
    for project in (p.key for p in projects):
        ds = dirs.get(project)
        if not ds:
            continue
        common = _common_dir(ds)
        others = [d for d, p in pairs if p != project]
        if common and not any(d.startswith(common) for d in others):
            pairs.append((common, project))
    return _unambiguous(pairs)


def _common_dir(dirs: Sequence[str]) -> str:
    """The deepest directory (ending in "/") that every path in ``dirs`` lies under."""
    parts = [d.rstrip("/").split("/") for d in dirs]
    common: list[str] = []
    for segs in zip(*parts, strict=False):
        if len(set(segs)) != 1:
            break
        common.append(segs[0])
    return "/".join(common) + "/" if common else ""


def build_registry_view(
    parties: Iterable[Party],
    projects: Iterable[Project],
    engagements: Iterable[Engagement],
    assets: Iterable[Asset],
) -> RegistryView:
    """Snapshot the registry for enrichment. Deterministic: parties are read in key order, so
    an account declared by two parties goes to the first key (the registry should forbid it)."""
    party_list = sorted(parties, key=lambda p: p.key)
    project_list = sorted(projects, key=lambda p: p.key)
    engagement_list = list(engagements)
    accounts: dict[str, str] = {}
    for party in party_list:
        for account in party.accounts:
            accounts.setdefault(normalize_account(account.value), party.key)
    networks = NetworkTable.from_cidrs((n, p.key) for p in party_list for n in p.networks)
    segments = _unambiguous(
        (name.casefold(), project.key)
        for project in project_list
        for name in (project.key, *project.aliases)
        if name.strip()
    )
    return RegistryView(
        accounts=accounts,
        networks=networks,
        parties={p.key: _profile(p) for p in party_list},
        project_prefixes=_asset_prefixes(project_list, list(assets)),
        graphs={p.key: ChainGraph(p, engagement_list) for p in project_list},
        project_segments=segments,
    )
