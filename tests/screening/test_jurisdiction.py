"""SCR-5 reasons: jurisdiction and infrastructure, never a person's nationality."""

from __future__ import annotations

from chainwatch.domain import (
    EntityKind,
    Identifier,
    ListEntry,
    Location,
    Name,
    Party,
    PartyKind,
)
from chainwatch.screening.jurisdiction import dprk_government_reasons


def company(**kw) -> Party:
    return Party(key="p", kind=PartyKind.COMPANY, names=(Name("Some Trading Co"),), **kw)


def test_located_or_declared_in_north_korea():
    assert dprk_government_reasons(company(country="kp")) == [
        "declared country is North Korea (KP)"
    ]
    r = dprk_government_reasons(company(locations=(Location("kp", None, "Pyongyang"),)))
    assert r == ["declared location in North Korea (Pyongyang)"]
    r = dprk_government_reasons(
        company(identifiers=(Identifier("company_registration", "123", "kp"),))
    )
    assert "issued in North Korea" in r[0]


def test_network_in_dprk_space():
    r = dprk_government_reasons(company(networks=("175.45.178.0/24",)))
    assert r == ["declared network 175.45.178.0/24 lies in DPRK address space"]
    assert dprk_government_reasons(company(networks=("175.45.180.0/24",))) == []


def test_state_organ_names():
    p = Party("x", PartyKind.COMPANY, (Name("Reconnaissance General Bureau"),))
    assert "state or party organ" in dprk_government_reasons(p)[0]
    p2 = Party("x", PartyKind.COMPANY, (Name("Workers' Party of Korea Office 39"),))
    assert dprk_government_reasons(p2)
    assert dprk_government_reasons(Party("x", PartyKind.COMPANY, (Name("Korea Trading"),))) == []


def test_matching_state_owned_entry():
    entry = ListEntry(
        "ofac_sdn",
        "34022",
        EntityKind.COMPANY,
        (Name("SEK STUDIO"),),
        countries=("kp", "cn"),
        remarks="Target Type State-Owned Enterprise.",
    )
    assert "state-owned enterprise" in dprk_government_reasons(company(), [entry])[0]


def test_a_persons_nationality_is_never_a_reason():
    person = Party(
        "kim",
        PartyKind.PERSON,
        (Name("Kim Myong Chol"),),
        country="kp",
        identifiers=(Identifier("passport", "836210080", "kp"),),
    )
    assert dprk_government_reasons(person) == []
    located = Party("kim", PartyKind.PERSON, (Name("Kim"),), locations=(Location("kp"),))
    assert dprk_government_reasons(located) == ["declared location in North Korea (North Korea)"]
