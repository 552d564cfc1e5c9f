"""OFAC's 50% rule, aggregated over direct and indirect ownership (SCR-3).

An entity owned 50% or more, in aggregate, by one or more blocked persons is itself blocked,
and its own holdings then count toward the entities it owns (OFAC FAQs 398, 401). Holdings of
an entity that is *not* blocked do not pass through it: if a listed party owns 40% of B, B's
stake in C does not count. This is a fixpoint over the ownership graph: start from the
parties that match a list, add every party whose blocked owners hold >= 50% together, repeat.
Pure: ownership links and the listed set in, decisions with their paths out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chainwatch.domain import Ownership

THRESHOLD_PCT = 50.0


@dataclass(frozen=True)
class BlockedByOwnership:
    party: str
    total_pct: float
    owners: tuple[tuple[str, float], ...]  # (blocked owner, its direct share)
    depth: int  # 1 = owned by listed parties directly; 2+ = through blocked subsidiaries


def blocked_by_ownership(
    ownerships: Iterable[Ownership], listed: Iterable[str], threshold_pct: float = THRESHOLD_PCT
) -> dict[str, BlockedByOwnership]:
    """Parties blocked by the 50% rule that are not themselves listed."""
    owners_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for o in ownerships:
        owners_of[o.owned].append((o.owner, o.share_pct))
    depth = dict.fromkeys(listed, 0)
    blocked = set(depth)
    out: dict[str, BlockedByOwnership] = {}
    changed = True
    while changed:
        changed = False
        for party, owners in owners_of.items():
            if party in blocked:
                continue
            held = tuple((o, s) for o, s in owners if o in blocked)
            total = sum(s for _, s in held)
            if total >= threshold_pct:
                depth[party] = 1 + max(depth[o] for o, _ in held)
                out[party] = BlockedByOwnership(party, round(total, 4), held, depth[party])
                blocked.add(party)
                changed = True
    return out


def minority_listed_owners(
    ownerships: Iterable[Ownership], blocked: Mapping[str, object] | set[str]
) -> dict[str, list[tuple[str, float]]]:
    """Parties with a blocked owner whose stakes stay below 50% (a control question: SCR-4)."""
    held: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for o in ownerships:
        if o.owner in blocked and o.owned not in blocked:
            held[o.owned].append((o.owner, o.share_pct))
    return dict(held)
