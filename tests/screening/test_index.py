"""Candidate generation must not miss, and screen must rank the right entry first."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import pytest

from chainwatch.domain import EntityKind, Identifier, ListEntry, Name, NameKind
from chainwatch.screening import MatchQuery, ScreeningIndex, screen
from chainwatch.screening.index import skeleton

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "sanctions" / "ofac"


def entry(eid: str, kind: EntityKind, *names: str, ids: tuple[Identifier, ...] = ()) -> ListEntry:
    return ListEntry(
        "test",
        eid,
        kind,
        tuple(Name(n, NameKind.PRIMARY if i == 0 else NameKind.ALIAS) for i, n in enumerate(names)),
        identifiers=ids,
    )


ENTRIES = [
    entry(
        "sek",
        EntityKind.COMPANY,
        "SEK STUDIO",
        "APRIL 26 CHILDREN'S ANIMATION FILM STUDIO",
        "SCIENTIFIC EDUCATION KOREA STUDIO",
    ),
    entry("kim", EntityKind.PERSON, "KIM, Myong Chol", "KIM, Myo'ng-Ch'o'l"),
    entry("kim2", EntityKind.PERSON, "KIM, Myong Chun"),
    entry("kim3", EntityKind.PERSON, "KIM, Yong Chol"),
    entry(
        "nings",
        EntityKind.COMPANY,
        "NINGS CARTOON STUDIO",
        "CHONGQING NINGSE CARTOON & ANIMATION DEVELOPMENT CO., LTD.",
        ids=(Identifier("uscc", "91500118582829838H"),),
    ),
    entry("moxing", EntityKind.COMPANY, "MOXING CARTOON", "SHANGHAI MOXING CULTURAL MEDIA CO LTD"),
    entry(
        "paekho",
        EntityKind.COMPANY,
        "KOREA PAEKHO TRADING CORPORATION",
        "JOSON PAEKHO MUYOK HOESA",
        "WHITE TIGER TRADING COMPANY",
    ),
    entry("ryonbong", EntityKind.COMPANY, "KOREA RYONBONG GENERAL CORPORATION"),
    entry("other", EntityKind.COMPANY, "CHONGQING XINGGUANG ANIMATION CO LTD"),
    entry("ghibli", EntityKind.COMPANY, "STUDIO GHIBLI INC"),
]


@pytest.fixture(scope="module")
def index() -> ScreeningIndex:
    return ScreeningIndex.build(ENTRIES)


def top(index: ScreeningIndex, query: str | MatchQuery) -> str:
    return screen(query, index, limit=3)[0].entry.entry_id


def test_skeleton_folds_romanization_pairs() -> None:
    assert skeleton("gim") == skeleton("kim")
    assert skeleton("baekho") == skeleton("paekho")
    assert skeleton("myeong") == skeleton("myong")
    assert skeleton("joson") == skeleton("choson") == skeleton("joseon")
    assert skeleton("김") == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("김명철", "kim"),
        ("KIM MYONGCHOL", "kim"),
        ("Gim Myeong-cheol", "kim"),
        ("Myong Chol Kim", "kim"),
        ("S.E.K. Studio", "sek"),
        ("Scientific Educaton Korea Studio", "sek"),  # typo
        ("重庆宁色动漫开发有限公司", "nings"),
        ("上海墨星文化传媒有限公司", "moxing"),
        ("조선백호무역회사", "paekho"),
        ("조선련봉총회사", "ryonbong"),
        ("Joseon Baekho Muyeok Hoesa", "paekho"),
    ],
)
def test_screen_ranks_the_listed_party_first(
    index: ScreeningIndex, query: str, expected: str
) -> None:
    matches = screen(query, index, limit=5)
    assert matches[0].entry.entry_id == expected
    assert matches[0].result.decision


def test_candidates_include_the_entry(index: ScreeningIndex) -> None:
    ids = [e.entry_id for e in index.candidates(ENTRIES[1])]
    assert ids[0] == "kim"
    assert len(index) == len(ENTRIES)


def test_identifier_alone_finds_the_entry(index: ScreeningIndex) -> None:
    q = MatchQuery(
        ("Totally Different Name",),
        EntityKind.COMPANY,
        identifiers=(Identifier("uscc", "91500118582829838h"),),
    )
    m = screen(q, index, limit=3)[0]
    assert m.entry.entry_id == "nings" and m.result.decision
    assert any(r.code == "identifier" for r in m.result.explanation)


def test_look_alikes_rank_but_do_not_match(index: ScreeningIndex) -> None:
    matches = screen("Hanbit Animation Studio", index, limit=10)
    assert all(not m.result.decision for m in matches)
    assert not any(
        m.result.decision
        for m in screen("重庆星光动漫开发有限公司", index)
        if m.entry.entry_id == "nings"
    )


def test_screen_is_ranked_and_limited(index: ScreeningIndex) -> None:
    matches = screen("Kim Myong Chol", index, limit=2)
    assert len(matches) == 2
    assert matches[0].score >= matches[1].score
    assert matches[0].to_dict()["entry_id"] == "kim"
    assert screen("Kim Myong Chol", index, limit=10, min_score=0.99)[0].entry.entry_id == "kim"


def _read_sdn(folder: Path) -> list[ListEntry]:
    """A few lines of CSV reading, enough for this test (the real loader is lists/ofac.py)."""
    aliases: dict[str, list[Name]] = defaultdict(list)
    with open(folder / "alt.csv", encoding="latin-1", newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 4:
                aliases[row[0].strip()].append(Name(row[3].strip(), NameKind.ALIAS))
    out = []
    with open(folder / "sdn.csv", encoding="latin-1", newline="") as f:
        for row in csv.reader(f):
            if len(row) < 12 or not row[0].strip().isdigit():
                continue
            kind = EntityKind.PERSON if row[2].strip() == "individual" else EntityKind.COMPANY
            ids = tuple(Identifier("uscc", v) for v in re.findall(r"\(USCC\) (\w{18})", row[11]))
            names = (Name(row[1].strip()), *aliases.get(row[0].strip(), []))
            out.append(ListEntry("ofac_sdn", row[0].strip(), kind, names, ids))
    return out


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "sdn.csv").exists(), reason="shared data absent")
def test_real_sdn_sek_network() -> None:
    index = ScreeningIndex.build(_read_sdn(SHARED))
    assert len(index) > 10000
    assert top(index, MatchQuery(("김명철",), EntityKind.PERSON)) == "40205"
    assert top(index, MatchQuery(("重庆宁色动漫开发有限公司",), EntityKind.COMPANY)) == "34023"
    assert top(index, MatchQuery(("上海墨星文化传媒有限公司",), EntityKind.COMPANY)) == "31042"
    assert top(index, MatchQuery(("S.E.K. Studio",), EntityKind.COMPANY)) == "34022"
    assert top(index, "Korea Paekho Trading Corporation") == "39499"
    sek = screen("Pixel Animation Studio Ltd", index, limit=10)
    assert not any(m.result.decision for m in sek if m.entry.entry_id == "34022")
