"""The 50% rule as OFAC's FAQ 401 examples state it."""

from __future__ import annotations

from chainwatch.domain import Ownership
from chainwatch.screening.ownership import blocked_by_ownership, minority_listed_owners


def own(owner: str, owned: str, pct: float) -> Ownership:
    return Ownership(owner, owned, pct)


def test_direct_fifty_percent_blocks():
    out = blocked_by_ownership([own("X", "A", 50)], {"X"})
    assert out["A"].total_pct == 50 and out["A"].depth == 1


def test_aggregate_of_several_listed_owners():
    out = blocked_by_ownership([own("X", "A", 25), own("Y", "A", 25)], {"X", "Y"})
    assert "A" in out and dict(out["A"].owners) == {"X": 25, "Y": 25}


def test_indirect_through_a_blocked_subsidiary():
    # X owns 50% of A (A blocked); A owns 30% of B and X 20% of B directly: B is blocked.
    links = [own("X", "A", 50), own("A", "B", 30), own("X", "B", 20)]
    out = blocked_by_ownership(links, {"X"})
    assert out["B"].total_pct == 50 and out["B"].depth == 2


def test_no_pass_through_an_unblocked_entity():
    # X owns 40% of A (A not blocked); A owns 100% of B: B is not blocked.
    out = blocked_by_ownership([own("X", "A", 40), own("A", "B", 100)], {"X"})
    assert out == {}
    assert minority_listed_owners([own("X", "A", 40)], {"X"}) == {"A": [("X", 40)]}


def test_below_threshold_and_listed_parties_are_not_reported():
    out = blocked_by_ownership([own("X", "A", 49.99), own("X", "Y", 60)], {"X", "Y"})
    assert out == {}


def test_cycles_terminate():
    links = [own("A", "B", 60), own("B", "A", 60), own("X", "A", 10)]
    assert blocked_by_ownership(links, {"X"}) == {}
    assert set(blocked_by_ownership(links, {"B"})) == {"A"}
