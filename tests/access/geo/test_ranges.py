from __future__ import annotations

import ipaddress
from pathlib import Path

import maxminddb
import numpy as np
import pytest

from chainwatch.access.geo.addr import key6, keys6, parse_ip, parse_ips
from chainwatch.access.geo.ranges import (
    ASN_COLUMNS,
    GeoTables,
    RangeTable,
    StringTable,
    combine,
    merge_adjacent,
    successor,
)
from chainwatch.access.geo.sources import GeoBuilder
from chainwatch.errors import InputError

V4_MAX = 2**32 - 1


def v4(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint32)


def v6(*texts: str) -> np.ndarray:
    return keys6([int(ipaddress.IPv6Address(t)) for t in texts])


def test_find_at_range_boundaries_ipv4() -> None:
    table = RangeTable(4, v4(0, 10, 30, V4_MAX - 1), v4(0, 20, 40, V4_MAX))
    keys = v4(0, 1, 9, 10, 20, 21, 29, 30, 40, 41, V4_MAX - 2, V4_MAX - 1, V4_MAX)
    assert table.find(keys).tolist() == [0, -1, -1, 1, 1, -1, -1, 2, 2, -1, -1, 3, 3]


def test_find_at_range_boundaries_ipv6_with_trailing_zero_bytes() -> None:
    # S16 keys whose last bytes are NUL: NumPy must still compare all 16 bytes.
    table = RangeTable(
        6,
        v6("::", "2001:db8::", "2001:db8::1:0"),
        v6("::", "2001:db8::ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    )
    keys = v6("::", "::1", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::", "2001:db8::ffff")
    assert table.find(keys).tolist() == [0, -1, -1, 1, 1]
    keys = v6("2001:db8::1:0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::1:0:0")
    assert table.find(keys).tolist() == [2, 2, 2]


def test_empty_table_finds_nothing() -> None:
    assert RangeTable.empty(4).find(v4(1, 2)).tolist() == [-1, -1]
    assert RangeTable.empty(6).find(v6("::1")).tolist() == [-1]


def test_successor_carries_across_64_bit_words() -> None:
    keys = v6("::ffff:ffff:ffff:ffff", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    assert successor(keys, 6).tolist() == v6("0:0:0:1::", "::1", "::").tolist()
    assert successor(v4(5, V4_MAX), 4).tolist() == [6, 0]


def test_merge_adjacent_joins_touching_equal_rows_only() -> None:
    table = RangeTable(
        4,
        v4(0, 11, 21, 40, 51),
        v4(10, 20, 30, 50, 60),
        {"asn": np.array([1, 1, 2, 2, 2], np.uint32)},
    )
    merged = merge_adjacent(table)
    assert merged.start.tolist() == [0, 21, 40]
    assert merged.end.tolist() == [20, 30, 60]
    assert merged.columns["asn"].tolist() == [1, 2, 2]


def test_combine_resolves_overlaps_earlier_source_then_narrower_range() -> None:
    asn = lambda *a: {"asn": np.array(a, np.uint32), "as_org": np.zeros(len(a), np.int32)}  # noqa: E731
    first = RangeTable(4, v4(100), v4(199), asn(1))
    second = RangeTable(4, v4(0, 150), v4(299, 159), asn(2, 3))
    out = combine([first, second], 4, ASN_COLUMNS)
    rows = list(zip(out.start.tolist(), out.end.tolist(), out.columns["asn"].tolist(), strict=True))
    # 100-199 from the first source wins everywhere it covers, even over the narrower 150-159.
    assert rows == [(0, 99, 2), (100, 199, 1), (200, 299, 2)]
    # Within one source the narrower (more specific) range wins.
    one = RangeTable(4, v4(0, 150), v4(299, 159), asn(2, 3))
    out = combine([one], 4, ASN_COLUMNS)
    assert out.start.tolist() == [0, 150, 160]
    assert out.columns["asn"].tolist() == [2, 3, 2]


def test_combine_ipv6_overlap() -> None:
    cols = {"asn": np.array([1, 2], np.uint32), "as_org": np.zeros(2, np.int32)}
    table = RangeTable(
        6, v6("2001:db8::", "2001:db8::100"), v6("2001:db8::fff", "2001:db8::1ff"), cols
    )
    out = combine([table], 6, ASN_COLUMNS)
    assert out.start.tolist() == v6("2001:db8::", "2001:db8::100", "2001:db8::200").tolist()
    assert out.columns["asn"].tolist() == [1, 2, 1]


def test_string_table_roundtrip_code_zero_is_null(tmp_path: Path) -> None:
    strings = StringTable()
    assert strings.code(None) == 0 and strings.code("") == 0
    codes = [strings.code(s) for s in ("Liaoning", "Dalian (Ganjingzi Qu)", "Ho Chi Minh", "평양")]
    assert codes == [1, 2, 3, 4] and strings.code("Liaoning") == 1
    strings.save(tmp_path)
    loaded = StringTable.load(tmp_path)
    assert loaded.to_arrow().to_pylist() == [
        None,
        "Liaoning",
        "Dalian (Ganjingzi Qu)",
        "Ho Chi Minh",
        "평양",
    ]
    assert loaded[4] == "평양" and len(loaded) == 5
    assert loaded.code("평양") == 4 and loaded.code("new") == 5


def test_city_and_asn_csv_compile_and_roundtrip(tmp_path: Path, sample_tables: GeoTables) -> None:
    counts = sample_tables.counts()
    assert counts["city4"] == 17 and counts["city6"] == 3
    assert counts["asn4"] == 16 and counts["asn6"] == 3
    sample_tables.save(tmp_path)
    loaded = GeoTables.load(tmp_path)
    assert isinstance(loaded.city4.start, np.memmap)
    for name in ("city4", "city6", "asn4", "asn6"):
        a, b = getattr(sample_tables, name), getattr(loaded, name)
        assert a.start.tolist() == b.start.tolist() and a.end.tolist() == b.end.tolist()
        for col in a.columns:
            assert a.columns[col].tolist() == b.columns[col].tolist()
    assert loaded.strings.to_arrow().to_pylist() == sample_tables.strings.to_arrow().to_pylist()


def test_bad_csv_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "asn.csv"
    bad.write_text("16777216,16777471,13335,Cloudflare\n")  # the -num variant
    with pytest.raises(InputError, match="no row has a valid IP range"):
        GeoBuilder().add_asn_csv(bad)
    with pytest.raises(InputError, match="cannot read"):
        GeoBuilder().add_asn_csv(tmp_path / "missing.csv")


def test_parse_ips_mixed_input() -> None:
    texts = [
        "1.2.3.4",
        " 1.2.3.4 ",
        "01.2.3.4",
        "::ffff:1.2.3.4",
        "[::1]",
        "fe80::1%eth0",
        "",
        None,
    ]
    parsed = parse_ips(texts + ["x", "256.1.1.1", "1.2.3", "2001:db8::1"])
    assert sorted(parsed.v4_pos.tolist()) == [0, 1, 3]
    assert set(parsed.v4.tolist()) == {0x01020304}
    assert parsed.v6_pos.tolist() == [4, 5, 11]
    expected = [1, int(ipaddress.IPv6Address("fe80::1")), int(ipaddress.IPv6Address("2001:db8::1"))]
    assert parsed.v6.tolist() == [key6(v) for v in expected]
    assert parse_ip("::ffff:10.0.0.1") == (4, 0x0A000001)
    empty = parse_ips([])
    assert len(empty.v4) == len(empty.v6) == 0 and empty.v6.dtype == np.dtype("S16")


def test_mmdb_slim_schema_merges_touching_networks(tmp_path: Path, geo) -> None:
    slim = geo.slim
    shenyang = slim("CN", "Liaoning", "Shenyang", 41.8048, 123.433)
    path = geo.write_mmdb(
        tmp_path / "city.mmdb",
        [
            ("123.184.0.0/25", shenyang),
            ("123.184.0.128/25", shenyang),
            ("123.184.1.0/24", slim("CN", "Jilin", "Yanji", 42.88, 129.50)),
        ],
    )
    builder = GeoBuilder()
    info = builder.add_mmdb(path)
    assert info.networks == 3 and info.city_networks == 3 and info.asn_networks == 0
    tables = builder.build()
    assert tables.city4.start.tolist() == [0x7BB80000, 0x7BB80100]
    assert tables.city4.end.tolist() == [0x7BB800FF, 0x7BB801FF]
    loc = tables.locations.columns
    first = int(tables.city4.columns["loc"][0])
    assert tables.strings[int(loc["country"][first])] == "cn"
    assert tables.strings[int(loc["city"][first])] == "Shenyang"
    assert abs(float(loc["lat"][first]) - 41.8048) < 1e-4


def test_mmdb_maxmind_schema_ipv6_db_with_ipv4_subtree(tmp_path: Path, geo) -> None:
    record = {
        "country": {"iso_code": "RU", "names": {"en": "Russia"}},
        "subdivisions": [{"iso_code": "PRI", "names": {"en": "Primorye"}}],
        "city": {"names": {"en": "Vladivostok"}},
        "location": {"latitude": 43.1305, "longitude": 131.901},
    }
    laos = {"registered_country": {"iso_code": "LA"}}
    path = geo.write_mmdb(
        tmp_path / "GeoLite2-City.mmdb",
        [("82.162.157.0/24", record), ("2a00:1fa0::/32", record), ("115.84.114.0/24", laos)],
        ip_version=6,
        database_type="GeoLite2-City",
        ipv4_compatible=True,
    )
    tables_builder = GeoBuilder()
    tables_builder.add_mmdb(path)
    tables = tables_builder.build()
    assert len(tables.city4) == 2 and len(tables.city6) == 1
    reader = maxminddb.open_database(str(path))
    assert reader.get("82.162.157.9")["city"]["names"]["en"] == "Vladivostok"
    s, loc = tables.strings, tables.locations.columns
    row = int(tables.city4.find(v4(0x52A29D09))[0])
    code = int(tables.city4.columns["loc"][row])
    assert (s[int(loc["country"][code])], s[int(loc["region"][code])]) == ("ru", "Primorye")
    row = int(tables.city4.find(v4(0x73547201))[0])
    code = int(tables.city4.columns["loc"][row])
    assert s[int(loc["country"][code])] == "la" and s[int(loc["city"][code])] is None
    assert np.isnan(loc["lat"][code])


def test_mmdb_asn_schema_goes_to_asn_tables(tmp_path: Path, geo) -> None:
    path = geo.write_mmdb(
        tmp_path / "asn.mmdb",
        [
            (
                "175.45.176.0/22",
                {"autonomous_system_number": 131279, "autonomous_system_organization": "Star JV"},
            ),
        ],
        database_type="GeoLite2-ASN",
    )
    builder = GeoBuilder()
    info = builder.add_mmdb(path)
    tables = builder.build()
    assert info.asn_networks == 1 and len(tables.city4) == 0
    assert tables.asn4.columns["asn"].tolist() == [131279]
    assert tables.strings[int(tables.asn4.columns["as_org"][0])] == "Star JV"


def test_not_an_mmdb_is_an_input_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"not a database")
    with pytest.raises(InputError, match="not a readable MMDB"):
        GeoBuilder().add_mmdb(junk)
