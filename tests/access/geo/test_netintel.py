from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pytest

from chainwatch.access.geo.addr import keys6, parse_network
from chainwatch.access.geo.netintel import (
    HubRule,
    NetIntel,
    load_dprk_prefixes,
    load_hubs,
    read_net_list,
    read_tor_exits,
    union_ranges,
)
from chainwatch.errors import InputError


def test_dprk_prefixes_have_rationale_sources_and_disagreement() -> None:
    dprk = load_dprk_prefixes()
    assert dprk.version
    by_cidr = {p.cidr: p for p in dprk.prefixes}
    assert set(by_cidr) == {"175.45.176.0/22", "210.52.109.0/24", "77.94.35.0/24"}
    star = by_cidr["175.45.176.0/22"]
    assert star.asn == 131279 and "Star Joint Venture" in star.holder and star.confidence == "high"
    for prefix in dprk.prefixes:
        assert prefix.rationale and prefix.sources and prefix.geo_db_says
        assert all("§" in s for s in prefix.sources)  # each cites a reference section
    # the disagreement between geo sources is recorded
    assert any("GeoLite2" in s and "KP" in s for s in by_cidr["210.52.109.0/24"].sources)
    assert any("Guangzhou" in s for s in by_cidr["210.52.109.0/24"].geo_db_says)
    table = dprk.table(4)
    keys = np.array([0xAF2DB000, 0xAF2DB3FF, 0xAF2DB400, 0xAF2DAFFF], dtype=np.uint32)
    assert table.contains(keys).tolist() == [True, True, False, False]
    assert len(dprk.table(6)) == 0


def test_hub_rules_city_first_then_province() -> None:
    hubs = load_hubs()
    names = {r.hub for r in hubs.rules}
    wanted = {"Shenyang", "Dandong", "Dalian", "Yanji", "Changchun", "Vladivostok", "Vientiane"}
    assert wanted <= names and {"Liaoning", "Jilin", "Primorsky Krai"} <= names

    def hub(*args: str | None) -> str | None:
        rule = hubs.match(*args)
        return rule.hub if rule else None

    assert hub("cn", "Liaoning", "Shenyang") == "Shenyang"
    assert hub("CN", "liaoning", "Shenyang (Hunnan Qu)") == "Shenyang"
    assert hub("cn", "Liaoning", "Shenyangbei") == "Liaoning"  # not the city: province
    assert hub("cn", "Liaoning", None) == "Liaoning"
    assert hub("cn", "Jilin Sheng", "Yanji") == "Yanji"  # GeoLite2 2015 spelling
    assert hub("cn", "Jilin", "Jilin") == "Jilin"
    assert hub("cn", "Beijing", "Shenyang") is None  # a Shenyang elsewhere is no hub
    assert hub("ru", "Primorskiy (Maritime) Kray", "Nakhodka") == "Primorsky Krai"
    assert hub("ru", "Moscow", "Vladivostok") == "Vladivostok"
    assert hub("la", "Vientiane", "Phonhong") is None  # Vientiane *Province*
    assert hub("la", "Vientiane Prefecture", None) == "Vientiane"
    assert hub("kp", "Pyongyang", "Pyongyang") is None


def test_hub_rule_index_vectorized_matches_scalar_rules() -> None:
    hubs = load_hubs()
    strings = pa.array([None, "cn", "Liaoning", "Dalian (Zhongshan Qu)", "Benxi", "ru", "Primorye"])
    country = np.array([1, 1, 5, 1, 0])
    region = np.array([2, 2, 6, 0, 0])
    city = np.array([3, 4, 0, 3, 0])
    index = hubs.rule_index(strings, country, region, city)
    names = [hubs.rules[i].hub if i >= 0 else None for i in index]
    assert names == ["Dalian", "Liaoning", "Primorsky Krai", None, None]
    assert HubRule("Yanji", "cn", frozenset({"jilin"}), ("yanji",)).matches("cn", "Jilin", "Yanji")


def test_read_net_list_cidrs_ips_asns(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# header\n10.0.0.5/24\n10.0.1.7\n\nas64500 # M247\n2001:db8::/32\n")
    parsed = read_net_list(path)
    assert parsed.asns == {64500}
    assert parsed.ranges == [
        (4, 0x0A000000, 0x0A0000FF),  # host bits ignored
        (4, 0x0A000107, 0x0A000107),
        parse_network("2001:db8::/32"),
    ]
    path.write_text("10.0.0.0/8\nExitAddress 1.2.3.4 2026-01-01 00:00:00\n")
    with pytest.raises(InputError, match=r"list.txt:2: 'ExitAddress'"):
        read_net_list(path)


def test_union_merges_overlapping_and_touching_ranges() -> None:
    ranges = [
        parse_network("203.0.113.0/25"),
        parse_network("203.0.113.64/26"),  # inside the first
        parse_network("203.0.113.128/25"),  # touches it
        parse_network("198.51.100.0/24"),
        parse_network("2001:db8::/48"),
        parse_network("2001:db8:1::/48"),  # touches the one before
    ]
    v4 = union_ranges(ranges, 4)
    assert v4.start.tolist() == [0xC6336400, 0xCB007100]
    assert v4.end.tolist() == [0xC63364FF, 0xCB0071FF]
    v6 = union_ranges(ranges, 6)
    assert len(v6) == 1
    assert v6.end.tolist() == keys6([parse_network("2001:db8:1::/48")[2]]).tolist()


def test_tor_exit_addresses_format(geo: SimpleNamespace) -> None:
    parsed = read_tor_exits(geo.TOR_FILE)
    assert parsed.ranges == [
        (4, 0xC000020A, 0xC000020A),
        (4, 0xC633644D, 0xC633644D),
        (4, 0xC633644E, 0xC633644E),
        parse_network("2001:db8:7::5"),
    ]
    assert parsed.snapshot == "2026-06-18"


def test_tor_plain_and_csv_lists(tmp_path: Path) -> None:
    plain = tmp_path / "exits.txt"
    plain.write_text("# tor exits\n192.0.2.1\n 192.0.2.2 \n2001:db8::9\n")
    assert [r[1] for r in read_tor_exits(plain).ranges] == [
        0xC0000201,
        0xC0000202,
        0x20010DB8 << 96 | 9,
    ]
    csv = tmp_path / "latest.exits.csv"
    csv.write_text("fingerprint,ipaddr,port\nABCDEF0123,192.0.2.3,443\n")
    assert read_tor_exits(csv).ranges == [(4, 0xC0000203, 0xC0000203)]
    empty = tmp_path / "empty.txt"
    empty.write_text("ExitNode ABC\nPublished 2026-01-01 00:00:00\n")
    with pytest.raises(InputError, match="no Tor exit address"):
        read_tor_exits(empty)


def test_netintel_flags_by_range_and_asn(tmp_path: Path, geo: SimpleNamespace) -> None:
    intel = NetIntel.build(
        {"vpn": [read_net_list(geo.VPN_FILE)], "tor": [read_tor_exits(geo.TOR_FILE)]}
    )
    keys = np.array([0xCB007105, 0x08080808, 0xC6130001], dtype=np.uint32)
    asn = np.array([0, 64500, 0], dtype=np.uint32)
    assert intel.flag("vpn", 4, keys, asn).tolist() == [True, True, True]
    assert intel.flag("datacenter", 4, keys, asn).tolist() == [False, False, False]
    intel.save(tmp_path)
    loaded = NetIntel.load(tmp_path)
    assert loaded.counts() == intel.counts()
    assert loaded.counts()["vpn4"] == 2 and loaded.counts()["vpn_asns"] == 1


@pytest.mark.shared
def test_real_x4bnet_lists_parse(geo: SimpleNamespace) -> None:
    if not geo.X4BNET.is_dir():
        pytest.skip("../shared/data/netintel/x4bnet is absent")
    for name, n in (("vpn_ipv4.txt", 10862), ("vpn_ipv6.txt", 498), ("datacenter_ipv4.txt", 42566)):
        assert len(read_net_list(geo.X4BNET / name).ranges) == n
    assert len(read_net_list(geo.X4BNET / "datacenter_ASN.txt").asns) > 800
    built = NetIntel.build({"vpn": [read_net_list(geo.X4BNET / "vpn_ipv4.txt")]})
    assert 0 < built.counts()["vpn4"] <= 10862
