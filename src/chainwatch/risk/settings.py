"""Every number the risk engine uses, beside its default and the reason for it.

``RiskSettings()`` is the documented default (``docs/risk.md`` is checked against it by a
test). A YAML file named by ``CHAINWATCH_RISK_CONFIG`` overrides it name by name
(``from_mapping``): ``severity_points`` and ``thresholds`` merge key by key with the defaults;
``floors`` and ``confirmed_floors`` replace the defaults whole, so a deployment can also drop
a floor. An unknown name, rule id, family, level or a non-number is a ``ConfigError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from chainwatch.errors import ConfigError
from chainwatch.findings.catalogue import RULES, Severity
from chainwatch.risk.levels import LEVELS, Level


def family_of(rule_id: str) -> str:
    """A rule's signal family is its id's prefix: ``NET-7`` -> ``NET``, ``CHAIN-2`` -> ``CHAIN``.

    Findings of one family share their source (one log, one list, one file inspection), so
    several of them are one witness speaking several times; two families are two witnesses.
    """
    return rule_id.split("-", 1)[0]


FAMILIES: frozenset[str] = frozenset(family_of(r) for r in RULES)


def _default_points() -> dict[str, float]:
    # C is near-conclusive alone, H strong, M supporting, L only counts in combination
    # (SIGNALS.md): one C at full confidence reaches "high" on its own; one L never leaves "clear".
    return {"C": 50.0, "H": 20.0, "M": 8.0, "L": 3.0}


def _default_thresholds() -> dict[str, float]:
    # watch: one supporting signal; elevated: one strong signal; high: a strong signal
    # corroborated by another family, or one near-conclusive one; critical: several families
    # agreeing on strong evidence, or a floor.
    return {"watch": 5.0, "elevated": 15.0, "high": 35.0, "critical": 70.0}


def _default_floors() -> dict[str, str]:
    # Findings conclusive enough that no arithmetic may rank them lower (at confidence >=
    # floor_min_confidence): an identifier equal to a listed one, majority ownership by listed
    # parties, the DPRK government itself, and access from DPRK address space are each a
    # sanctions exposure on their own. A Red Star OS watermark shows a file passed through a
    # DPRK computer, a leaked marked copy names who let it out: both at least "high".
    return {
        "SCR-2": "critical",
        "SCR-3": "critical",
        "SCR-5": "critical",
        "NET-1": "critical",
        "FILE-1": "high",
        "MARK-1": "high",
    }


def _default_confirmed_floors() -> dict[str, str]:
    # A finding a reviewer confirmed in a case (disposition "confirmed"): any confirmed sanctions
    # match (family SCR) is critical, as are confirmed DPRK access and Red Star files; a
    # confirmed unauthorized tier (family CHAIN) is at least high.
    return {"SCR": "critical", "NET-1": "critical", "FILE-1": "critical", "CHAIN": "high"}


@dataclass(frozen=True)
class RiskSettings:
    """The risk engine's rules as numbers (see docs/risk.md for how they combine)."""

    severity_points: dict[str, float] = field(
        default_factory=_default_points,
        metadata={"doc": "Points of one finding at confidence 1.0, by severity letter."},
    )
    thresholds: dict[str, float] = field(
        default_factory=_default_thresholds,
        metadata={"doc": "Lowest score of each level above clear (increasing)."},
    )
    half_life_days: float = field(
        default=180.0,
        metadata={
            "doc": "A finding this many days old at `now` counts half (twice as old: a quarter)."
        },
    )
    family_decay: float = field(
        default=0.5,
        metadata={
            "doc": "In a family the 2nd strongest finding counts this share, the 3rd its square..."
        },
    )
    corroboration_bonus: float = field(
        default=0.25,
        metadata={
            "doc": "Each further corroborating family adds this share of the sum to the score."
        },
    )
    corroboration_max_families: int = field(
        default=4,
        metadata={"doc": "Families beyond this many add no further bonus."},
    )
    corroboration_min_points: float = field(
        default=4.0,
        metadata={
            "doc": "A family corroborates only with at least this many points (a lone L does not)."
        },
    )
    floors: dict[str, str] = field(
        default_factory=_default_floors,
        metadata={"doc": "Rule id or family -> lowest level a confident finding of it imposes."},
    )
    floor_min_confidence: float = field(
        default=0.8,
        metadata={"doc": "A floor applies only to findings at least this confident."},
    )
    confirmed_floors: dict[str, str] = field(
        default_factory=_default_confirmed_floors,
        metadata={"doc": "Rule id or family -> lowest level once a case confirmed the finding."},
    )
    inherit_factor: float = field(
        default=0.5,
        metadata={
            "doc": "A party's score flows up to each contractor above it, times this per hop."
        },
    )
    inherited_floor_drop: int = field(
        default=1,
        metadata={"doc": "An inherited floor loses this many levels per hop (critical -> high)."},
    )
    top_reasons: int = field(
        default=5,
        metadata={"doc": "How many reasons each result lists (the rest are counted, not shown)."},
    )

    def __post_init__(self) -> None:
        _check(self)

    def points(self, severity: Severity | str) -> float:
        return self.severity_points[Severity(severity).value]

    def level_thresholds(self) -> dict[Level, float]:
        return {Level(name): value for name, value in self.thresholds.items()}

    def floor_for(self, rule_id: str, *, confirmed: bool) -> Level | None:
        """The floor a finding of ``rule_id`` sets: its rule's entry, else its family's."""
        table = self.confirmed_floors if confirmed else self.floors
        raw = table.get(rule_id) or table.get(family_of(rule_id))
        floor = Level.parse(raw) if raw else None
        if confirmed:  # a confirmed finding keeps at least its unconfirmed floor
            plain = self.floor_for(rule_id, confirmed=False)
            if plain is not None and (floor is None or plain > floor):
                floor = plain
        return floor

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def markdown_table(cls) -> str:
        """Every setting with its default and meaning, for docs/risk.md (kept current by cog)."""

        def show(value: Any) -> str:
            if isinstance(value, dict):
                return ", ".join(
                    f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items()
                )
            return f"{value:g}" if isinstance(value, float) else str(value)

        rows = ["| setting | default | meaning |", "|---|---|---|"]
        defaults = cls()
        for f in fields(cls):
            rows.append(f"| `{f.name}` | {show(getattr(defaults, f.name))} | {f.metadata['doc']} |")
        return "\n".join(rows)

    @classmethod
    def from_mapping(cls, raw: Any, source: str = "risk settings") -> RiskSettings:
        """Defaults overridden by ``raw`` (a YAML mapping); see the module docstring."""
        if raw is None:
            return cls()
        known = [f.name for f in fields(cls)]
        if not isinstance(raw, Mapping) or set(raw) - set(known):
            bad = sorted(set(raw) - set(known)) if isinstance(raw, Mapping) else raw
            raise ConfigError(f"{source}: unknown risk setting(s) {bad}; known: {', '.join(known)}")
        base = cls()
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if name in ("severity_points", "thresholds"):
                if not isinstance(value, Mapping):
                    raise ConfigError(f"{source}: {name} must be a mapping")
                default = getattr(base, name)
                unknown = sorted(str(k) for k in value if str(k) not in default)
                if unknown:
                    known_keys = ", ".join(default)
                    raise ConfigError(
                        f"{source}: {name} has unknown key(s) {unknown}; known: {known_keys}"
                    )
                values[name] = {**default, **{str(k): v for k, v in value.items()}}
            elif name in ("floors", "confirmed_floors"):
                if not isinstance(value, Mapping):
                    raise ConfigError(f"{source}: {name} must be a mapping of rule id -> level")
                values[name] = {str(k): v for k, v in value.items()}
            else:
                values[name] = value
        try:
            return replace(base, **values)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None


def _number(name: str, value: Any, *, low: float = 0.0, high: float | None = None) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"within [{low:g}, {high:g}]" if high is not None else f">= {low:g}"
        raise ConfigError(f"{name} must be {bound}, got {value!r}")


def _check(s: RiskSettings) -> None:
    for letter, pts in s.severity_points.items():
        _number(f"severity_points.{letter}", pts)
    if set(s.severity_points) != {sev.value for sev in Severity}:
        raise ConfigError("severity_points needs exactly the letters C, H, M, L")
    if set(s.thresholds) != {lv.value for lv in LEVELS[1:]}:
        raise ConfigError("thresholds needs exactly watch, elevated, high, critical")
    previous = 0.0
    for lv in LEVELS[1:]:
        value = s.thresholds[lv.value]
        _number(f"thresholds.{lv.value}", value)
        if value <= previous:
            raise ConfigError(f"thresholds must increase: {lv.value} = {value} <= {previous}")
        previous = value
    _number("half_life_days", s.half_life_days, low=0.001)
    _number("family_decay", s.family_decay, high=1.0)
    _number("corroboration_bonus", s.corroboration_bonus)
    _number("corroboration_min_points", s.corroboration_min_points)
    _number("floor_min_confidence", s.floor_min_confidence, high=1.0)
    _number("inherit_factor", s.inherit_factor, high=1.0)
    for name in ("corroboration_max_families", "inherited_floor_drop", "top_reasons"):
        value = getattr(s, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{name} must be a whole number >= 0, got {value!r}")
    if s.corroboration_max_families < 1:
        raise ConfigError("corroboration_max_families must be >= 1")
    for table in ("floors", "confirmed_floors"):
        for key, level in getattr(s, table).items():
            if key not in RULES and key not in FAMILIES:
                raise ConfigError(
                    f"{table}: {key!r} is neither a rule id nor a family "
                    f"({', '.join(sorted(FAMILIES))})"
                )
            try:
                Level.parse(level)
            except ValueError as exc:
                raise ConfigError(f"{table}.{key}: {exc}") from None
