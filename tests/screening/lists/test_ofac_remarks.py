"""The OFAC remarks parser on real remark strings (copied from the SDN.CSV of 2024-05-03 and
the non-SDN CONS_PRIM.CSV; US government work, public domain).

What an analyst relies on: every date of birth, nationality and ID number in the remarks
becomes a field; weak a.k.a.s and "Linked To:" names are found; nothing is silently lost.
"""

from __future__ import annotations

import pytest

from chainwatch.domain import Identifier
from chainwatch.screening.lists.ofac_fields import country_code, iso_date, parse_dates
from chainwatch.screening.lists.ofac_remarks import parse_remarks, split_remarks

DPRK_RISK = (
    "Secondary sanctions risk: North Korea Sanctions Regulations, sections 510.201 and "
    "510.210; Transactions Prohibited For Persons Owned or Controlled By U.S. Financial "
    "Institutions: North Korea Sanctions Regulations section 510.214"
)

LU_HEZHENG = (  # 34024
    "DOB 06 Apr 1974; POB Shanghai, China; nationality China; Gender Male; "
    f"{DPRK_RISK}; National ID No. 31010619740406283X (China); Linked To: SEK STUDIO."
)
NINGS = (  # 34023
    f"{DPRK_RISK}; Registration Number 500383000029284 (China); Unified Social Credit Code "
    "(USCC) 91500118582829838H (China); Linked To: SEK STUDIO."
)
SEK_STUDIO = (  # 34022
    f"{DPRK_RISK}; Organization Type: Motion picture, video and television programme "
    "production activities; Target Type State-Owned Enterprise."
)
PAEKHO = (  # 39499
    f"{DPRK_RISK}; Target Type Government Entity; a.k.a. 'KPTC'; a.k.a. 'DEPARTMENT 30'."
)
KIM_MYONG_CHOL = (  # 40205
    f"DOB 12 May 1972; Gender Male; {DPRK_RISK}; Passport 836210080 (Korea, North) expires "
    "14 May 2021; Linked To: SEK STUDIO."
)
KINOATIS = (  # 40203
    f"{DPRK_RISK}; Organization Established Date 23 Jun 2004; Tax ID No. 7743531082; "
    "Business Registration Number 1047796451658; Linked To: SEK STUDIO."
)
FUNSAGA = (  # 40202
    f"{DPRK_RISK}; Organization Established Date 30 Oct 2018; Identification Number "
    "201836948N (Singapore); Linked To: SEK STUDIO."
)
JANG_BOM_SU = (  # 18556
    f"DOB 15 Apr 1957; alt. DOB 22 Feb 1958; citizen Korea, North; {DPRK_RISK}; Diplomatic "
    "Passport 836110034 expires 01 Jan 2020; Tanchon Commercial Bank Representative in Syria; "
    "Linked To: TANCHON COMMERCIAL BANK."
)
NAQDI = (  # 12057
    "DOB 1951 to 1953; alt. DOB 1960 to 1962; alt. DOB Apr 1961; alt. DOB 1953; POB Najaf, "
    "Iraq; alt. POB Tehran, Iran; nationality Iran; Additional Sanctions Information - Subject "
    "to Secondary Sanctions; Gender Male; Brigadier General and Commander of the IRGC Basij "
    "Resistance Force; President of the Organization of the Basij of the Oppressed; Chief of "
    "the Mobilization of the Oppressed Organization; Head of the Basij."
)
SAHINPASIC = "DOB circa 1951; POB Foca, Bosnia-Herzegovina."  # 7782
EBANO = "Vessel Registration Identification IMO 7406784; f.k.a. 'ANA I'; f.k.a. 'SAND SWAN'."
MEHR = (  # 12802
    "Website www.mebank.ir; Additional Sanctions Information - Subject to Secondary Sanctions; "
    "Phone Number 982188526300; alt. Phone Number 982188526301; alt. Phone Number "
    "982188526302; alt. Phone Number 982188526303; alt. Phone Number 9821227700019; Business "
    "Registration Document # 103222 (Iran); National ID No. 10101863528 (Iran); Fax: "
    "982188526337; Alt. Fax: 9221227700019; Linked To: MEHR EQTESAD BANK."
)
RAMAK = "Website www.ramakdutyfree.net; Email Address dam.d.free@net.sy."  # 10933
BANK_MARKAZI = (  # 4632
    "Additional Sanctions Information - Subject to Secondary Sanctions; Linked To: ISLAMIC "
    "REVOLUTIONARY GUARD CORPS (IRGC)-QODS FORCE; Linked To: HIZBALLAH."
)
ROBOW = (  # 11313: a whole sub-list inside parentheses, with its own semicolons
    "DOB 1969; alt. DOB 10 Oct 1969; POB Xudur, Somalia; alt. POB Keren, Eritrea; nationality "
    "Eritrea; Passport 0310857 (Eritrea) issued 21 Aug 2006 expires 20 Aug 2008; National ID "
    "No. 1372584 (Kenya); (Following data derived from an Eritrean passport issued under the "
    "alias name of Mukhtar Abdullahi Ali: Alt. DOB: 10 October 1969; Alt. POB: Keren Eritrea; "
    "nationality: Eritrean; National ID No.: 1372584, Kenya; Passport No.: 0310857, Eritrea, "
    "Issue Date 21 August 2006, Expire Date 20 August 2008); a.k.a. 'ABU MANSUR'; a.k.a. "
    "'ABU MANSOUR'."
)
WONG_MOON_CHI = (  # 9340
    "DOB 18 Mar 1961; alt. DOB 21 Apr 1945; POB China; nationality China; citizen China; alt. "
    "citizen Cambodia; Passport 611657479 (China); alt. Passport 2355009C (China); National "
    "ID No. D489833(9) (Hong Kong); British National Overseas Passport 750200421 (United "
    "Kingdom); a.k.a. 'CHI BANG'."
)
SLUTSKY = (  # 16662
    "DOB 04 Jan 1968; POB Moscow, Russia; nationality Russia; Gender Male; Secondary sanctions "
    "risk: Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201 and/or 589.209; "
    "Member of the State Duma of the Federal Assembly of the Russian Federation."
)
GMS = (
    "Website www.GMSHIPS.com; Executive Order 13846 information: BLOCKING PROPERTY AND "
    "INTERESTS IN PROPERTY.  Sec. 5(a)(iv); Identification Number IMO 5528362; Commercial "
    "Registry Number 1427788 (China)."
)
CRYPTO = (
    "DOB 02 Mar 1996; citizen Tajikistan; Gender Male; Digital Currency Address - XBT "
    "17a5bpKvEp1j1Trs4qTbcNZrby53JbaS9C."
)
HANIYA = "DOB 1962; POB Shati."  # cons_prim 9639
# TIAN, Yinyin (28263): SDN.CSV cuts the remark at 1,000 characters mid-alias; SDN_COMMENTS
# carries the rest, to be appended as is.
TIAN_HEAD = (
    "DOB 12 Jul 1986; nationality China; Email Address 417136259@qq.com; Gender Male; "
    "Digital Currency Address - XBT 134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak; Phone Number "
    "8613621583465; Identification Number 321284198607120616 (China); a.k.a. "
    "'tianyinyin0404'; a.k.a. 'snowsjo"
)
TIAN_TAIL = "hn'; Linked To: LAZARUS GROUP."


def test_lu_hezheng_person_fields():
    r = parse_remarks(LU_HEZHENG)
    assert r.birth_dates == ("1974-04-06",)
    assert r.birth_places == ("Shanghai, China",)
    assert r.nationalities == ("cn",)
    assert r.gender == "male"
    assert r.identifiers == (Identifier("national_id", "31010619740406283X", "cn"),)
    assert r.linked_to == ("SEK STUDIO",)
    assert dict(r.properties)["secondary_sanctions_risk"].startswith("North Korea Sanctions")
    assert r.unparsed == ()


def test_nings_registration_and_uscc():
    r = parse_remarks(NINGS)
    assert Identifier("uscc", "91500118582829838H", "cn") in r.identifiers
    assert Identifier("company_registration", "500383000029284", "cn") in r.identifiers
    assert r.linked_to == ("SEK STUDIO",)


def test_sek_studio_organization_and_target_type():
    r = parse_remarks(SEK_STUDIO)
    assert r.organization_type == (
        "Motion picture, video and television programme production activities"
    )
    assert r.target_type == "State-Owned Enterprise"
    assert r.unparsed == ()


def test_weak_akas_live_only_in_remarks():
    r = parse_remarks(PAEKHO)
    assert r.weak_aliases == ("KPTC", "DEPARTMENT 30")
    assert r.target_type == "Government Entity"


def test_passport_with_expiry_and_north_korea():
    r = parse_remarks(KIM_MYONG_CHOL)
    assert r.identifiers == (Identifier("passport", "836210080", "kp"),)
    assert ("passport_expires", "836210080: 2021-05-14") in r.properties
    assert r.birth_dates == ("1972-05-12",)


def test_tax_id_business_registration_and_established_date():
    r = parse_remarks(KINOATIS)
    assert Identifier("tax_id", "7743531082") in r.identifiers
    assert Identifier("business_registration", "1047796451658") in r.identifiers
    assert r.established == "2004-06-23"


def test_identification_number_singapore():
    r = parse_remarks(FUNSAGA)
    assert r.identifiers == (Identifier("identification_number", "201836948N", "sg"),)
    assert r.established == "2018-10-30"


def test_citizen_and_alt_dob_and_diplomatic_passport():
    r = parse_remarks(JANG_BOM_SU)
    assert r.citizenships == ("kp",)
    assert r.birth_dates == ("1957-04-15", "1958-02-22")
    assert Identifier("passport", "836110034") in r.identifiers
    # a position, not a known field: kept, never dropped
    assert "Tanchon Commercial Bank Representative in Syria" in r.unparsed


def test_date_ranges_keep_both_ends_and_partial_dates():
    r = parse_remarks(NAQDI)
    assert r.birth_dates == ("1951", "1953", "1960", "1962", "1961-04")
    assert ("birth_date_range", "1960/1962") in r.properties
    assert r.birth_places == ("Najaf, Iraq", "Tehran, Iran")
    assert r.nationalities == ("ir",)
    assert ("additional_sanctions_information", "Subject to Secondary Sanctions") in r.properties
    assert len(r.unparsed) == 4  # the four titles


def test_circa_date_is_the_year_with_a_note():
    r = parse_remarks(SAHINPASIC)
    assert r.birth_dates == ("1951",)
    assert ("birth_date_circa", "1951") in r.properties


def test_vessel_imo_and_weak_former_names():
    r = parse_remarks(EBANO)
    assert r.identifiers == (Identifier("imo", "7406784"),)
    assert r.weak_former_names == ("ANA I", "SAND SWAN")
    assert r.weak_aliases == ()


def test_contact_identifiers_keep_their_raw_value():
    r = parse_remarks(MEHR)
    types = [i.type for i in r.identifiers]
    assert types.count("phone") == 5 and types.count("fax") == 2
    assert Identifier("website", "www.mebank.ir") in r.identifiers
    assert Identifier("company_registration", "103222", "ir") in r.identifiers
    assert Identifier("national_id", "10101863528", "ir") in r.identifiers
    assert parse_remarks(RAMAK).identifiers == (
        Identifier("website", "www.ramakdutyfree.net"),
        Identifier("email", "dam.d.free@net.sy"),
    )


def test_several_linked_to_with_parentheses_in_names():
    r = parse_remarks(BANK_MARKAZI)
    assert r.linked_to == ("ISLAMIC REVOLUTIONARY GUARD CORPS (IRGC)-QODS FORCE", "HIZBALLAH")


def test_semicolons_inside_parentheses_do_not_split():
    frags = split_remarks(ROBOW)
    assert frags[-2:] == ["a.k.a. 'ABU MANSUR'", "a.k.a. 'ABU MANSOUR'"]
    assert sum(f.startswith("(Following data") for f in frags) == 1
    r = parse_remarks(ROBOW)
    assert r.birth_dates == ("1969", "1969-10-10")
    assert r.birth_places == ("Xudur, Somalia", "Keren, Eritrea")
    assert ("passport_issued", "0310857: 2006-08-21") in r.properties
    assert ("passport_expires", "0310857: 2008-08-20") in r.properties
    assert r.weak_aliases == ("ABU MANSUR", "ABU MANSOUR")
    assert len(r.unparsed) == 1 and r.unparsed[0].startswith("(Following data")


def test_parentheses_inside_an_id_value_and_bno_passport():
    r = parse_remarks(WONG_MOON_CHI)
    assert Identifier("national_id", "D489833(9)", "hk") in r.identifiers
    assert Identifier("passport", "750200421", "gb") in r.identifiers
    assert r.citizenships == ("cn", "kh")
    assert r.weak_aliases == ("CHI BANG",)


def test_unparsed_fragments_are_kept():
    r = parse_remarks(SLUTSKY)
    assert r.unparsed == (
        "Member of the State Duma of the Federal Assembly of the Russian Federation",
    )


def test_executive_order_information_and_imo_under_another_label():
    r = parse_remarks(GMS)
    assert Identifier("imo", "5528362") in r.identifiers
    assert Identifier("company_registration", "1427788", "cn") in r.identifiers
    assert dict(r.properties)["executive_order_13846_information"].startswith("BLOCKING")
    # the form named in OFAC's DPRK designations (EO 13722); not in this snapshot
    r = parse_remarks("Executive Order 13722 information: BLOCKING PROPERTY.")
    assert r.properties == (("executive_order_13722_information", "BLOCKING PROPERTY"),)


def test_digital_currency_address():
    r = parse_remarks(CRYPTO)
    assert r.identifiers == (
        Identifier("digital_currency_address", "17a5bpKvEp1j1Trs4qTbcNZrby53JbaS9C"),
    )
    assert ("digital_currency", "XBT 17a5bpKvEp1j1Trs4qTbcNZrby53JbaS9C") in r.properties
    assert r.citizenships == ("tj",)


def test_comments_continuation_completes_a_cut_alias():
    cut = parse_remarks(TIAN_HEAD)
    assert "snowsjo" in cut.weak_aliases  # what SDN.CSV alone gives
    r = parse_remarks(TIAN_HEAD + TIAN_TAIL)
    assert r.weak_aliases == ("tianyinyin0404", "snowsjohn")
    assert r.linked_to == ("LAZARUS GROUP",)
    assert Identifier("email", "417136259@qq.com") in r.identifiers
    assert Identifier("identification_number", "321284198607120616", "cn") in r.identifiers


def test_short_cons_remark_and_empty_input():
    r = parse_remarks(HANIYA)
    assert r.birth_dates == ("1962",) and r.birth_places == ("Shati",)
    assert parse_remarks(None) == parse_remarks("") == parse_remarks("   ")


def test_unbalanced_parenthesis_does_not_swallow_the_rest():
    frags = split_remarks("DOB 1960; Tax ID No. 123 (Russia; Gender Male; Linked To: X.")
    assert frags[-2:] == ["Gender Male", "Linked To: X"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06 Apr 1974", "1974-04-06"),
        ("Apr 1974", "1974-04"),
        ("1974", "1974"),
        ("10 October 1969", "1969-10-10"),
        ("31 Foo 1974", None),
        ("sometime", None),
    ],
)
def test_iso_date(text, expected):
    assert iso_date(text) == expected


def test_parse_dates_circa_and_range():
    assert parse_dates("circa 1965") == (("1965",), True, False)
    assert parse_dates("1960 to 1962") == (("1960", "1962"), False, True)
    assert parse_dates("01 Jan 1970 to 31 Dec 1975") == (("1970-01-01", "1975-12-31"), False, True)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Korea, North", "kp"),
        ("Korea, South", "kr"),
        ("Democratic People's Republic of Korea", "kp"),
        ("China", "cn"),
        ("Hong Kong", "hk"),
        ("Burma", "mm"),
        ("Region: West Bank", "ps"),
        ("Region: Crimea", "ua"),
        ("undetermined", None),
        ("", None),
    ],
)
def test_country_codes(name, code):
    assert country_code(name) == code
