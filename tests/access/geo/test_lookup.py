from __future__ import annotations

import pickle
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pytest

from chainwatch.access.event import ENRICHED_FIELDS
from chainwatch.access.geo.install import install_geo
from chainwatch.access.geo.lookup import GEO_SCHEMA, IpIntel, resolve_geo_dir
from chainwatch.errors import InputError


def row(intel: IpIntel, ip: str) -> dict:
    return intel.enrich([ip]).to_pylist()[0]


def test_schema_is_the_enriched_geo_fields(intel: IpIntel) -> None:
    table = intel.enrich(["8.8.8.8"])
    assert table.schema == GEO_SCHEMA
    by_name = {f.name: f for f in ENRICHED_FIELDS}
    assert [f.name for f in GEO_SCHEMA] == [n for n in by_name if n in GEO_SCHEMA.names]
    for f in GEO_SCHEMA:  # names come dictionary-encoded; the values are the same type
        value_type = f.type.value_type if pa.types.is_dictionary(f.type) else f.type
        assert by_name[f.name].type == value_type
    decoded = table.column("country").cast(pa.string()).to_pylist()
    assert decoded == [row(intel, "8.8.8.8")["country"]]


def test_mostly_distinct_input_skips_deduplication_with_the_same_answer(intel: IpIntel) -> None:
    many = [f"8.8.{i // 256 % 256}.{i % 256}" for i in range(70_000)] + ["2001:4860::1", "x"]
    table = intel.enrich(many)
    deduped = intel.enrich(many[:1000] * 70 + many[-2:])  # repetitive: deduplicated
    assert table.slice(0, 1000).equals(deduped.slice(0, 1000))
    assert table.slice(len(many) - 2).to_pylist() == deduped.slice(70_000).to_pylist()


@pytest.mark.parametrize(
    ("ip", "country", "region", "city", "asn", "hub"),
    [
        ("123.184.0.1", "cn", "Liaoning", "Shenyang", 4134, "Shenyang"),
        ("59.44.0.1", "cn", "Liaoning", "Shenyang (Hun Nan Qu)", 4134, "Shenyang"),
        ("123.186.192.7", "cn", "Liaoning", "Dandong", 4134, "Dandong"),
        ("175.163.112.1", "cn", "Liaoning", "Dalian", 4837, "Dalian"),
        ("123.186.128.1", "cn", "Liaoning", "Benxi", 4134, "Liaoning"),  # province fallback
        ("175.18.0.1", "cn", "Jilin", "Jilin", 4837, "Jilin"),
        ("175.18.157.3", "cn", "Jilin", "Yanji", 4837, "Yanji"),
        ("221.8.0.1", "cn", "Jilin", "Changchun (Kuancheng District)", 4837, "Changchun"),
        ("82.162.157.1", "ru", "Primorye", "Vladivostok", 12332, "Vladivostok"),
        ("82.162.254.1", "ru", "Primorye", "Ussuriysk", 12332, "Primorsky Krai"),
        ("115.84.114.1", "la", "Vientiane Prefecture", "Vientiane", 9873, "Vientiane"),
        ("154.222.5.9", "la", "Savannakhet Province", "Ban Kengkok", 131267, None),
        ("210.52.109.1", "cn", "Guangdong", "Guangzhou", 9929, None),
        ("8.8.8.8", "us", "California", "Mountain View", 15169, None),
    ],
)
def test_geo_asn_and_hub(intel: IpIntel, ip, country, region, city, asn, hub) -> None:
    r = row(intel, ip)
    assert (r["country"], r["region"], r["city"], r["asn"], r["hub"]) == (
        country,
        region,
        city,
        asn,
        hub,
    )


def test_range_boundaries(intel: IpIntel) -> None:
    # dbip-city-sample: 123.184.0.0-123.184.255.255 Shenyang; nothing at 123.185.x
    assert row(intel, "123.184.0.0")["city"] == "Shenyang"
    assert row(intel, "123.184.255.255")["city"] == "Shenyang"
    assert row(intel, "123.183.255.255")["city"] is None
    assert row(intel, "123.183.255.255")["asn"] == 4134  # the ASN range is wider
    assert row(intel, "123.185.0.0")["country"] is None


def test_dprk_flag_is_prefix_based_not_geo_based(intel: IpIntel) -> None:
    star = row(intel, "175.45.178.1")
    assert star["is_dprk"] is True and star["country"] == "it"  # DB-IP says Milan
    assert star["asn"] == 131279
    assert row(intel, "175.45.176.0")["is_dprk"] and row(intel, "175.45.179.255")["is_dprk"]
    assert not row(intel, "175.45.180.0")["is_dprk"]
    assert row(intel, "210.52.109.200")["is_dprk"] and row(intel, "77.94.35.1")["is_dprk"]
    pyongyang = row(intel, "196.48.114.9")  # geo DB says KP, not a curated prefix
    assert pyongyang["country"] == "kp" and pyongyang["is_dprk"] is False


def test_ipv6_and_mapped_ipv4(intel: IpIntel) -> None:
    google = row(intel, "2001:4860:4860::8888")
    assert (google["country"], google["city"], google["asn"]) == ("ca", "Montreal", 15169)
    assert row(intel, "2001:4860:4806::")["city"] == "Montreal"
    assert row(intel, "2001:4860:4805:ffff:ffff:ffff:ffff:ffff")["city"] is None
    assert row(intel, "::ffff:123.184.0.1")["hub"] == "Shenyang"
    assert row(intel, "[2400:cb00::1]")["is_datacenter"] is True  # Cloudflare by ASN


def test_invalid_input_is_null_with_false_flags(intel: IpIntel) -> None:
    table = intel.enrich(["", None, "not-an-ip", "999.1.1.1", "1.2.3", "01.2.3.4"])
    for r in table.to_pylist():
        assert all(r[k] is None for k in ("country", "region", "city", "lat", "lon", "asn"))
        assert all(r[k] is False for k in ("is_dprk", "is_vpn", "is_datacenter", "is_tor"))
        assert r["hub"] is None and r["as_org"] is None


def test_output_keeps_input_order_with_duplicates(intel: IpIntel) -> None:
    ips = ["8.8.8.8", "123.184.0.1", None, "8.8.8.8", "bad", "123.184.0.1", "175.45.177.1"]
    table = intel.enrich(ips)
    assert table.num_rows == len(ips)
    assert table["country"].to_pylist() == ["us", "cn", None, "us", None, "cn", None]
    assert table["is_dprk"].to_pylist() == [False] * 6 + [True]
    assert intel.enrich([]).num_rows == 0


def test_flags_vpn_datacenter_tor(intel: IpIntel) -> None:
    table = intel.enrich(
        ["203.0.113.200", "198.19.1.1", "8.8.8.8", "198.51.100.77", "2001:db8:7::5"]
    )
    assert table["is_vpn"].to_pylist() == [True, True, False, False, False]
    assert table["is_datacenter"].to_pylist() == [False, False, True, False, False]
    assert table["is_tor"].to_pylist() == [False, False, False, True, True]


def test_accepts_arrow_variants(intel: IpIntel) -> None:
    ips = ["8.8.8.8", "123.184.0.1", "8.8.8.8"]
    expected = intel.enrich(ips)
    variants = [
        pa.array(ips),
        pa.array(ips, pa.large_string()),
        pa.chunked_array([ips[:1], ips[1:]]),
        pa.array(ips).dictionary_encode(),
    ]
    for variant in variants:
        assert intel.enrich(variant).equals(expected)


def test_lat_lon_float64(intel: IpIntel) -> None:
    r = row(intel, "123.184.0.1")
    assert r["lat"] == pytest.approx(41.8048, abs=1e-3) and r["lon"] == pytest.approx(
        123.433, abs=1e-3
    )


def test_lookup_one_explains(intel: IpIntel) -> None:
    star = intel.lookup_one("175.45.178.1")
    assert star["valid"] and star["family"] == 4 and star["is_dprk"]
    dprk = star["why"]["dprk"]
    assert dprk["cidr"] == "175.45.176.0/22" and dprk["asn"] == 131279
    assert any("APNIC" in s for s in dprk["sources"])
    assert any("Milan" in s for s in dprk["geo_db_says"])
    assert star["why"]["city"]["range"] == "175.45.178.0-175.45.178.255"
    benxi = intel.lookup_one("123.186.128.1")
    assert benxi["why"]["hub"]["hub"] == "Liaoning"
    assert benxi["why"]["hub"]["rule"]["cities"] == []
    assert intel.lookup_one("8.8.8.8")["why"]["datacenter"] == {
        "range": "8.8.8.0-8.8.8.255",
        "sources": [],
    }
    assert intel.lookup_one("nope") == {"ip": "nope", "valid": False, **row(intel, "nope")}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, geo: SimpleNamespace) -> Path:
    home = tmp_path_factory.mktemp("home")

    def no_npm(*args: object, **kwargs: object) -> None:
        raise AssertionError("npm must not run when every source is a local file")

    install_geo(
        home,
        city_csv=[geo.CITY_CSV],
        asn_csv=[geo.ASN4_CSV, geo.ASN6_CSV],
        vpn=[geo.VPN_FILE],
        tor=[geo.TOR_FILE],
        runner=no_npm,
    )
    return home


def test_load_from_home_geo_or_version_dir(home: Path, intel: IpIntel) -> None:
    directory = resolve_geo_dir(home)
    assert directory.parent == (home / "geo").resolve()
    for path in (home, home / "geo", directory, str(directory)):
        loaded = IpIntel.load(path)
        assert loaded.path == directory
        ips = ["123.184.0.1", "175.45.178.1", "2001:4860:4860::8888", "198.51.100.78", "x"]
        # the installed copy has no datacenter list; every other column must agree
        # (each string table is its own dictionary: compare the values, not the encodings)
        got = loaded.enrich(ips).drop_columns(["is_datacenter"])
        assert got.to_pylist() == intel.enrich(ips).drop_columns(["is_datacenter"]).to_pylist()
    assert IpIntel.load(home) is IpIntel.load(directory)  # one instance per process


def test_pickle_of_loaded_intel_is_just_the_path(home: Path) -> None:
    loaded = IpIntel.load(home)
    blob = pickle.dumps(loaded)
    assert len(blob) < 400
    clone = pickle.loads(blob)
    assert clone.path == loaded.path
    ips = ["123.184.0.1", "175.18.0.1", "bad"]
    assert clone.enrich(ips).equals(loaded.enrich(ips))


def test_pickle_of_in_memory_intel_carries_the_tables(intel: IpIntel) -> None:
    clone = pickle.loads(pickle.dumps(intel))
    ips = ["123.184.0.1", "2001:4860:4860::8888", "198.51.100.77"]
    assert clone.enrich(ips).equals(intel.enrich(ips))


def test_load_without_compiled_data_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="chainwatch geo install"):
        IpIntel.load(tmp_path)


def test_from_tables_without_geo_still_flags_dprk() -> None:
    bare = IpIntel.from_tables()
    r = bare.enrich(["175.45.177.10", "8.8.8.8"]).to_pylist()
    assert r[0]["is_dprk"] and r[0]["country"] is None and not r[1]["is_dprk"]
