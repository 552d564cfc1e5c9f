"""The rule catalogue: what each rule id means, how severe it is, and why.

The text lives in ``rules.yaml`` (one record per rule) so that the CLI, the API, the web UI,
evidence packs and ``docs/rules.md`` all show the same words. The file is validated when this
module is imported: a duplicate id, an unknown severity or a missing field stops the package
from loading instead of surfacing later as a half-explained finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from chainwatch.errors import UnknownRuleError

__all__ = [
    "RULES",
    "CatalogueError",
    "Rule",
    "Severity",
    "get_rule",
    "load_catalogue",
    "render_markdown",
]

_RULES_FILE = "rules.yaml"
_ID_PATTERN = re.compile(r"[A-Z]+-[0-9]+")
_FIELDS = (
    "id",
    "category",
    "title",
    "severity",
    "severity_range",
    "rationale",
    "source",
    "caveats",
)
_TEXT_FIELDS = ("title", "rationale", "source", "caveats")

# Category -> heading, in the order of the sections of SIGNALS.md (and of docs/rules.md).
_CATEGORY_HEADINGS: dict[str, str] = {
    "sanctions": "Sanctions and parties",
    "chain": "Chain",
    "network": "Network (access logs)",
    "files": "Files (artifacts)",
    "assets": "Assets",
    "exposure": "Exposure",
    "people": "Payments and people",
}


class CatalogueError(Exception):
    """The rule catalogue is malformed. A packaging bug, so not a ``ChainwatchError``."""


class Severity(StrEnum):
    """How much one finding weighs on its own (SIGNALS.md).

    C is near-conclusive alone, H strong, M supporting, L contextual: it only counts in
    combination. ``rank`` orders them (C=4 ... L=1) for sorting and aggregation. A StrEnum,
    so a member equals, prints and serialises as its letter.
    """

    C = "C"
    H = "H"
    M = "M"
    L = "L"

    @property
    def rank(self) -> int:
        return {"C": 4, "H": 3, "M": 2, "L": 1}[self.value]

    @property
    def label(self) -> str:
        return {"C": "critical", "H": "high", "M": "medium", "L": "low"}[self.value]


@dataclass(frozen=True)
class Rule:
    """One catalogue record. Construction checks the invariants every caller relies on."""

    id: str
    category: str
    title: str
    severity: Severity
    severity_range: tuple[Severity, ...]
    rationale: str
    source: str
    caveats: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID_PATTERN.fullmatch(self.id):
            raise CatalogueError(f"bad id {self.id!r}: expected GROUP-N, e.g. 'NET-7'")
        if not isinstance(self.category, str) or self.category not in _CATEGORY_HEADINGS:
            known = ", ".join(_CATEGORY_HEADINGS)
            raise CatalogueError(f"unknown category {self.category!r} (one of: {known})")
        if not self.severity_range:
            raise CatalogueError("severity_range is empty")
        if len(set(self.severity_range)) != len(self.severity_range):
            raise CatalogueError("severity_range lists a severity twice")
        if self.severity not in self.severity_range:
            allowed = ", ".join(s.value for s in self.severity_range)
            raise CatalogueError(
                f"default severity {self.severity.value} is not in severity_range [{allowed}]"
            )

    def allows(self, severity: Severity | str) -> bool:
        """Whether a finding of this rule may carry ``severity`` (a Severity or its letter).

        Raises ValueError for a letter that is not a severity at all: that is a caller bug.
        """
        return Severity(severity) in self.severity_range

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record, severities as their letters (the shape of rules.yaml)."""
        return {
            "id": self.id,
            "category": self.category,
            "title": self.title,
            "severity": self.severity.value,
            "severity_range": [s.value for s in self.severity_range],
            "rationale": self.rationale,
            "source": self.source,
            "caveats": self.caveats,
        }


def load_catalogue(text: str | None = None) -> dict[str, Rule]:
    """Parse a catalogue (``text``, or the packaged rules.yaml) into rules keyed by id.

    Keeps file order. Raises CatalogueError naming the line and rule of the first problem.
    """
    where = "<text>"
    if text is None:
        where = _RULES_FILE
        package = resources.files("chainwatch.findings")
        text = package.joinpath(_RULES_FILE).read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(data, list) or not data or not isinstance(root, yaml.SequenceNode):
        raise CatalogueError(f"{where}: expected a non-empty list of rule records")
    lines = [node.start_mark.line + 1 for node in root.value]

    rules: dict[str, Rule] = {}
    for line, record in zip(lines, data, strict=True):
        rule = _build_rule(record, f"{where}:{line}")
        if rule.id in rules:
            raise CatalogueError(f"{where}:{line}: duplicate rule id {rule.id!r}")
        rules[rule.id] = rule
    return rules


def _build_rule(record: object, where: str) -> Rule:
    if not isinstance(record, dict):
        raise CatalogueError(f"{where}: a rule record must be a mapping")
    rule_id = record.get("id")
    if isinstance(rule_id, str):
        where = f"{where}: {rule_id}"
    missing = [name for name in _FIELDS if name not in record]
    if missing:
        raise CatalogueError(f"{where}: missing field {missing[0]!r}")
    extra = sorted(str(name) for name in record if name not in _FIELDS)
    if extra:
        raise CatalogueError(f"{where}: unknown field {extra[0]!r}")
    for name in _TEXT_FIELDS:
        value = record[name]
        if not isinstance(value, str) or not value.strip():
            raise CatalogueError(f"{where}: field {name!r} must be non-empty text")
    severity_range = record["severity_range"]
    if not isinstance(severity_range, list):
        raise CatalogueError(f"{where}: severity_range must be a list, e.g. [C, H, M]")
    try:
        rule = Rule(
            id=record["id"],
            category=record["category"],
            title=" ".join(record["title"].split()),
            severity=_parse_severity(record["severity"]),
            severity_range=tuple(
                sorted((_parse_severity(s) for s in severity_range), key=lambda s: -s.rank)
            ),
            rationale=record["rationale"].strip(),
            source=record["source"].strip(),
            caveats=record["caveats"].strip(),
        )
    except CatalogueError as exc:
        raise CatalogueError(f"{where}: {exc}") from None
    return rule


def _parse_severity(value: object) -> Severity:
    if isinstance(value, str) and value in Severity.__members__:
        return Severity(value)
    raise CatalogueError(f"unknown severity {value!r} (one of: C, H, M, L)")


RULES: dict[str, Rule] = load_catalogue()


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; UnknownRuleError (exit 2 / HTTP 404) if the catalogue lacks it."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise UnknownRuleError(f"unknown rule id {rule_id!r}; see `chainwatch rules`") from None


def render_markdown(rules: Iterable[Rule]) -> str:
    """The body of docs/rules.md: per category a heading, a summary table, one section per rule.

    Categories follow SIGNALS.md; rules keep the order given. cog calls this, so the docs
    cannot drift from rules.yaml without ``cog --check`` failing.
    """
    by_category: dict[str, list[Rule]] = {name: [] for name in _CATEGORY_HEADINGS}
    for rule in rules:
        by_category[rule.category].append(rule)

    out: list[str] = []
    for category, members in by_category.items():
        if not members:
            continue
        out += [f"## {_CATEGORY_HEADINGS[category]}", ""]
        out += ["| id | signal | severity |", "|---|---|---|"]
        for rule in members:
            anchor = rule.id.lower()
            title = _table_cell(rule.title)
            out.append(f"| [{rule.id}](#{anchor}) | {title} | {_severity_text(rule)} |")
        out.append("")
        for rule in members:
            out += [
                f"### {rule.id}",
                "",
                f"**{rule.title}**",
                "",
                f"Severity: {_severity_text(rule, long=True)}",
                "",
                f"*Why:* {rule.rationale}",
                "",
                f"*Source:* {rule.source}",
                "",
                f"*Caveats:* {rule.caveats}",
                "",
            ]
    return "\n".join(out).rstrip("\n") + "\n"


def _severity_text(rule: Rule, *, long: bool = False) -> str:
    default = f"{rule.severity.value} ({rule.severity.label})" if long else rule.severity.value
    if len(rule.severity_range) == 1:
        return default
    allowed = ", ".join(s.value for s in rule.severity_range)
    return f"{default} by default; allowed {allowed}"


def _table_cell(text: str) -> str:
    return text.replace("|", "\\|")
