"""FollowTheMoney export: what someone loading the JSONL into Aleph or OpenSanctions tools sees."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date

import pytest
from followthemoney import model

from chainwatch.domain import (
    Account,
    AccountKind,
    Asset,
    Chain,
    Engagement,
    EngagementStatus,
    Identifier,
    Location,
    Name,
    NameKind,
    Ownership,
    Party,
    PartyKind,
    Project,
)
from chainwatch.registry.ftm import chain_to_entities, write_ftm_jsonl

USCC = "91110000802100433B"
SHA = "ab" * 32
UNDECLARED_KEY = "heist:hanbit-motion:kim_jiho"  # a default engagement key: ':' and '_'


def _chain() -> Chain:
    studio = Party(
        key="northlight",
        kind=PartyKind.COMPANY,
        names=(Name("Northlight Pictures LLC"),),
        country="us",
        locations=(Location(country="us", region="CA", city="Burbank"),),
    )
    hanbit = Party(
        key="hanbit-motion",
        kind=PartyKind.COMPANY,
        names=(
            Name("한빛모션", NameKind.ORIGINAL_SCRIPT, script="Hang", lang="ko"),
            Name("Hanbit Motion Co., Ltd."),
            Name("Hanbit", NameKind.WEAK_ALIAS),
            Name("HB Motion Studio", NameKind.FORMER),
        ),
        country="kr",
        identifiers=(
            Identifier("uscc", USCC, country="cn"),
            Identifier("company_registration", "110111-1234567", country="kr"),
            Identifier("lei", "not-a-lei"),
        ),
        locations=(Location(country="kr", city="Seoul"),),
        networks=("203.0.113.0/24",),
        asns=(64500,),
        timezone="Asia/Seoul",
        accounts=(
            Account(AccountKind.EMAIL, "pipeline@hanbit.example", system="m365"),
            Account(AccountKind.ACCESS_KEY, "AKIAEXAMPLE123", system="s3"),
        ),
    )
    kim = Party(
        key="kim_jiho",
        kind=PartyKind.PERSON,
        names=(Name("Kim Ji-ho"), Name("김지호", NameKind.ORIGINAL_SCRIPT)),
        country="kr",
        identifiers=(Identifier("passport", "M12345678", country="kr"),),
    )
    project = Project(key="heist", client="northlight", title="The Long Heist", aliases=("LH",))
    authorized = Engagement(
        key="heist-hanbit",
        project="heist",
        contractor="northlight",
        subcontractor="hanbit-motion",
        status=EngagementStatus.AUTHORIZED,
        scope="compositing",
        authorized_by="J. Doe",
        authorized_on=date(2024, 1, 10),
        start=date(2024, 1, 15),
        end=date(2024, 12, 31),
    )
    undeclared = Engagement(
        key=UNDECLARED_KEY,
        project="heist",
        contractor="hanbit-motion",
        subcontractor="kim_jiho",
        status=EngagementStatus.UNDECLARED,
        notes="seen on an invoice",
    )
    ownership = Ownership(owner="kim_jiho", owned="hanbit-motion", share_pct=60.0, source="filing")
    asset = Asset(
        key="lh-e01-010-comp",
        project="heist",
        uri="s3://heist-vfx/e01/010/comp_v012.exr",
        sha256=SHA,
        episode="E01",
        shot="010",
    )
    return Chain(
        parties=(studio, hanbit, kim),
        projects=(project,),
        engagements=(authorized, undeclared),
        ownerships=(ownership,),
        assets=(asset,),
    )


@pytest.fixture()
def entities():
    return chain_to_entities(_chain(), dataset="cw")


def _by_id(entities):
    return {e.id: e for e in entities}


def _of(entities, schema):
    return [e for e in entities if e.schema.name == schema]


def test_schemata_counts(entities):
    assert Counter(e.schema.name for e in entities) == {
        "Company": 2,
        "Person": 1,
        "UserAccount": 2,
        "Project": 1,
        "ProjectParticipant": 3,  # client + one per engagement
        "UnknownLink": 2,
        "Ownership": 1,
        "Document": 1,
        "Documentation": 1,
    }


def test_ids_readable_unique_and_valid(entities):
    ids = [e.id for e in entities]
    assert len(ids) == len(set(ids))
    entity_type = model.get("Ownership").get("owner").type
    assert all(entity_type.validate(i) for i in ids)
    assert "cw-party-hanbit-motion" in ids
    assert "cw-project-heist" in ids
    assert "cw-engagement-heist-hanbit" in ids
    # '_' and ':' are not allowed in an FtM id: such keys are slugged and hashed.
    slugged = [i for i in ids if i.startswith("cw-party-kim-jiho-")]
    assert len(slugged) == 1 and len(slugged[0]) == len("cw-party-kim-jiho-") + 8
    assert "cw-account-hanbit-motion-1" in ids
    assert "cw-asset-lh-e01-010-comp" in ids
    assert any(i.startswith("cw-engagement-heist-hanbit-motion-kim-jiho-") for i in ids)


def test_company_names_identifiers_and_places(entities):
    hanbit = _by_id(entities)["cw-party-hanbit-motion"]
    assert hanbit.schema.name == "Company"
    assert hanbit.caption == "Hanbit Motion Co., Ltd."
    assert "한빛모션" in hanbit.get("name")
    assert "Hanbit Motion Co., Ltd." in hanbit.get("name")
    assert hanbit.get("weakAlias") == ["Hanbit"]
    assert hanbit.get("previousName") == ["HB Motion Studio"]
    assert USCC in hanbit.get("registrationNumber")
    assert "110111-1234567" in hanbit.get("registrationNumber")
    assert hanbit.get("uscCode") == [USCC]
    assert hanbit.get("leiCode") == []  # rejected by FtM's LEI format...
    assert "not-a-lei" in hanbit.get("idNumber")  # ...but kept
    assert hanbit.get("mainCountry") == ["kr"]
    assert {"kr", "cn"} <= set(hanbit.get("country"))
    assert "Seoul, KR" in hanbit.get("address")
    descriptions = "\n".join(hanbit.get("description"))
    assert "203.0.113.0/24" in descriptions and "AS64500" in descriptions
    assert "Asia/Seoul" in descriptions


def test_person(entities):
    (kim,) = _of(entities, "Person")
    assert kim.get("passportNumber") == ["M12345678"]
    assert "김지호" in kim.get("name")


def test_accounts_point_to_owner(entities):
    by_id = _by_id(entities)
    email, key = _of(entities, "UserAccount")
    assert email.get("owner") == ["cw-party-hanbit-motion"]
    assert email.get("email") == ["pipeline@hanbit.example"]
    assert email.get("service") == ["m365"]
    assert key.get("username") == ["AKIAEXAMPLE123"]
    assert key.get("owner")[0] in by_id


def test_ownership_links_owner_to_owned(entities):
    (own,) = _of(entities, "Ownership")
    kim = _of(entities, "Person")[0]
    assert own.get("owner") == [kim.id]
    assert own.get("asset") == ["cw-party-hanbit-motion"]
    assert own.get("percentage") == ["60"]
    assert "Source: filing" in own.get("description")


def test_engagements_keep_the_contractor_edge(entities):
    by_id = _by_id(entities)
    kim = _of(entities, "Person")[0]
    links = {e.get("status")[0]: e for e in _of(entities, "UnknownLink")}
    auth = links["authorized"]
    assert auth.get("subject") == ["cw-party-northlight"]
    assert auth.get("object") == ["cw-party-hanbit-motion"]
    assert auth.get("role") == ["subcontracted: compositing"]
    assert auth.get("startDate") == ["2024-01-15"]
    assert auth.get("endDate") == ["2024-12-31"]
    assert "Authorized by J. Doe on 2024-01-10" in auth.get("description")[0]
    und = links["undeclared"]
    assert und.get("subject") == ["cw-party-hanbit-motion"]
    assert und.get("object") == [kim.id]
    assert "seen on an invoice" in und.get("description")[0]
    for link in links.values():
        assert {*link.get("subject"), *link.get("object")} <= by_id.keys()

    roles = {e.get("role")[0]: e for e in _of(entities, "ProjectParticipant")}
    assert set(roles) == {"client", "compositing", "subcontractor"}
    assert roles["client"].get("participant") == ["cw-party-northlight"]
    assert roles["compositing"].get("participant") == ["cw-party-hanbit-motion"]
    assert roles["compositing"].get("status") == ["authorized"]
    assert roles["subcontractor"].get("participant") == [kim.id]
    assert all(p.get("project") == ["cw-project-heist"] for p in roles.values())


def test_project_and_asset(entities):
    (project,) = _of(entities, "Project")
    assert project.get("name") == ["The Long Heist"]
    assert project.get("alias") == ["LH"]
    assert project.get("projectId") == ["heist"]
    (doc,) = _of(entities, "Document")
    assert doc.get("title") == ["lh-e01-010-comp"]
    assert doc.get("fileName") == ["comp_v012.exr"]
    assert doc.get("sourceUrl") == ["s3://heist-vfx/e01/010/comp_v012.exr"]
    assert doc.get("contentHash") == []  # Aleph's contentHash is a SHA-1 archive key
    assert f"sha256:{SHA}" in doc.get("description")
    (link,) = _of(entities, "Documentation")
    assert link.get("document") == [doc.id]
    assert link.get("entity") == [project.id]


def test_every_entity_validates(entities):
    by_id = _by_id(entities)
    for e in entities:
        data = e.to_dict()
        again = model.get_proxy(data, cleaned=False)  # re-cleans every value
        assert again.to_dict() == data
        assert not e.schema.abstract
        for prop, values in data["properties"].items():
            p = e.schema.get(prop)
            assert p is not None, (e.schema.name, prop)
            for value in values:
                assert p.type.validate(value, format=p.format), (e.id, prop, value)
                if p.type.name == "entity":  # no dangling reference, range respected
                    assert value in by_id, (e.id, prop, value)
                    assert by_id[value].schema.is_a(p.range), (e.id, prop, value)


def test_jsonl_is_deterministic_one_line_per_entity(entities):
    first, second = io.StringIO(), io.StringIO()
    n = write_ftm_jsonl(entities, first)
    write_ftm_jsonl(chain_to_entities(_chain(), dataset="cw"), second)
    assert n == len(entities)
    assert first.getvalue() == second.getvalue()
    lines = first.getvalue().splitlines()
    assert len(lines) == n
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == [e.id for e in entities]
    assert all(r["schema"] and r["properties"] for r in rows)
    assert "한빛모션" in first.getvalue()  # ensure_ascii=False


def test_default_dataset_and_duplicate_keys():
    chain = _chain()
    assert chain_to_entities(chain)[0].id == "chainwatch-party-northlight"
    dup = Chain(parties=chain.parties + chain.parties[:1])
    with pytest.raises(ValueError, match="duplicate"):
        chain_to_entities(dup)
    twice = Chain(parties=chain.parties, ownerships=chain.ownerships * 2)
    owns = _of(chain_to_entities(twice), "Ownership")
    assert len({o.id for o in owns}) == 2
