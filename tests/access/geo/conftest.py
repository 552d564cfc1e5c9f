"""Shared geo fixtures: tables compiled from the committed CSV excerpts, tiny MMDBs written with
``mmdb-writer`` (test-only dependency; tests that need it skip without it), fake npm packages.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from chainwatch.access.geo.addr import parse_network
from chainwatch.access.geo.lookup import IpIntel
from chainwatch.access.geo.netintel import NetIntel, NetList, read_net_list, read_tor_exits
from chainwatch.access.geo.ranges import GeoTables
from chainwatch.access.geo.sources import GeoBuilder

GEO_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "geo"
CITY_CSV = GEO_FIXTURES / "dbip-city-sample.csv"
ASN4_CSV = GEO_FIXTURES / "asn-ipv4-sample.csv"
ASN6_CSV = GEO_FIXTURES / "asn-ipv6-sample.csv"
TOR_FILE = GEO_FIXTURES / "tor-exit-addresses.txt"
VPN_FILE = GEO_FIXTURES / "vpn-sample.txt"
X4BNET = Path(__file__).resolve().parents[4] / "shared" / "data" / "netintel" / "x4bnet"


def write_mmdb(
    path: Path,
    networks: list[tuple[str, dict]],
    *,
    ip_version: int = 4,
    database_type: str = "city ipv4",
    ipv4_compatible: bool = False,
) -> Path:
    """A tiny MMDB via mmdb-writer (MIT): ``[(cidr, record), ...]``."""
    mmdb_writer = pytest.importorskip("mmdb_writer")
    netaddr = pytest.importorskip("netaddr")
    writer = mmdb_writer.MMDBWriter(
        ip_version=ip_version,
        database_type=database_type,
        ipv4_compatible=ipv4_compatible,
        float_type="f32",
    )
    for cidr, record in networks:
        writer.insert_network(netaddr.IPSet([cidr]), record)
    writer.to_db_file(str(path))
    return path


def slim(cc: str, state1: str, city: str, lat: float, lon: float) -> dict:
    """A record in the ip-location-db slim schema (DB-IP Lite city MMDB)."""
    return {
        "city": city,
        "country_code": cc,
        "latitude": lat,
        "longitude": lon,
        "postcode": "",
        "state1": state1,
        "state2": "",
        "timezone": "",
    }


@pytest.fixture(scope="session")
def sample_tables() -> GeoTables:
    builder = GeoBuilder()
    builder.add_city_csv(CITY_CSV)
    builder.add_asn_csv(ASN4_CSV)
    builder.add_asn_csv(ASN6_CSV)
    return builder.build()


@pytest.fixture(scope="session")
def sample_netintel() -> NetIntel:
    return NetIntel.build(
        {
            "vpn": [read_net_list(VPN_FILE)],
            # Google's /24 by range, Cloudflare by ASN (13335 is in asn-ipv6-sample.csv)
            "datacenter": [NetList(ranges=[parse_network("8.8.8.0/24")], asns={13335})],
            "tor": [read_tor_exits(TOR_FILE)],
        }
    )


@pytest.fixture(scope="session")
def intel(sample_tables: GeoTables, sample_netintel: NetIntel) -> IpIntel:
    return IpIntel.from_tables(sample_tables, sample_netintel)


def make_package_tgz(directory: Path, name: str, version: str, files: dict[str, bytes]) -> Path:
    """An npm-pack-style tarball: ``package/package.json`` plus ``files`` under ``package/``."""
    stem = name.lstrip("@").replace("/", "-")
    tgz = directory / f"{stem}-{version}.tgz"
    meta = {"name": name, "version": version, "license": "SEE LICENSE IN DBIP-LICENSE"}
    members = {"package/package.json": json.dumps(meta).encode(), **files}
    with tarfile.open(tgz, "w:gz") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member if member.startswith("package/") else f"package/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return tgz


def fake_npm(tarballs: dict[str, Path], calls: list[list[str]]) -> Callable[..., object]:
    """A ``subprocess.run`` stand-in: ``npm pack <pkg>`` copies the prepared tarball to cwd."""

    def run(command: list[str], *, cwd: str, **_: object) -> subprocess.CompletedProcess:
        calls.append(list(command))
        assert command[:2] == ["npm", "pack"]
        source = tarballs[command[2]]
        (Path(cwd) / source.name).write_bytes(source.read_bytes())
        return subprocess.CompletedProcess(command, 0, stdout=source.name + "\n", stderr="")

    return run


@pytest.fixture(scope="session")
def geo() -> SimpleNamespace:
    """The helpers and fixture paths above, for tests (conftest is not imported directly)."""
    return SimpleNamespace(
        CITY_CSV=CITY_CSV,
        ASN4_CSV=ASN4_CSV,
        ASN6_CSV=ASN6_CSV,
        TOR_FILE=TOR_FILE,
        VPN_FILE=VPN_FILE,
        X4BNET=X4BNET,
        write_mmdb=write_mmdb,
        slim=slim,
        make_package_tgz=make_package_tgz,
        fake_npm=fake_npm,
    )
