"""Risk: findings aggregated per party and per project into explained levels.

``settings`` holds every number (``RiskSettings``), ``levels`` the five levels, ``attribution``
which party a finding concerns, ``aggregate`` the arithmetic, ``propagation`` the chain view
(tiers, inheritance). All pure; ``chainwatch.service.risk`` reads the store and calls them.
The rules, with their default numbers, are in docs/risk.md.
"""

from chainwatch.risk.aggregate import Assessment, Reason, RiskInput, assess, observed_time
from chainwatch.risk.attribution import Attribution, PartyDirectory, attribute
from chainwatch.risk.levels import LEVELS, Level, level_for_score
from chainwatch.risk.propagation import (
    PartyOnProject,
    PartyRisk,
    ProjectRisk,
    TierRisk,
    assess_party_chains,
    assess_project_chain,
    parties_below,
)
from chainwatch.risk.settings import RiskSettings, family_of

__all__ = [
    "LEVELS",
    "Assessment",
    "Attribution",
    "Level",
    "PartyDirectory",
    "PartyOnProject",
    "PartyRisk",
    "ProjectRisk",
    "Reason",
    "RiskInput",
    "RiskSettings",
    "TierRisk",
    "assess",
    "assess_party_chains",
    "assess_project_chain",
    "attribute",
    "family_of",
    "level_for_score",
    "observed_time",
    "parties_below",
]
