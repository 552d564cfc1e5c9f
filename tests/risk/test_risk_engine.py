"""The risk arithmetic on hand-built findings: corroboration, decay, recency, floors, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from risk_inputs import NOW

from chainwatch.errors import ConfigError
from chainwatch.risk import Level, RiskSettings, assess
from chainwatch.service.risk import load_risk_settings
from chainwatch.settings import Settings, load_settings


def test_levels_compare_by_rank_not_alphabet():
    assert Level.WATCH < Level.ELEVATED < Level.HIGH < Level.CRITICAL
    assert max(Level.WATCH, Level.ELEVATED) is Level.ELEVATED  # "watch" > "elevated" as text
    assert Level.CRITICAL.lowered(2) is Level.ELEVATED
    assert Level.WATCH.lowered(5) is Level.CLEAR


def test_several_families_agreeing_beat_one_family_repeating(make):
    s = RiskSettings()
    one_family = assess(
        [make("NET-9", party="v"), make("NET-3", party="v"), make("NET-8", party="v")], s, NOW
    )
    three_families = assess(
        [make("NET-9", party="v"), make("FILE-6", party="v"), make("LANG-1", party="v")], s, NOW
    )
    # the same three M-findings' worth, but three independent witnesses
    assert one_family.score == 8 + 4 + 2
    assert one_family.level is Level.WATCH
    assert three_families.score == 3 * 8 * 1.5
    assert three_families.level is Level.HIGH
    assert set(three_families.corroborating) == {"NET", "FILE", "LANG"}


def test_two_strong_families_reach_high_where_one_repeated_stays_elevated(make):
    s = RiskSettings()
    same = assess(
        [make("CHAIN-1", party="v", confidence=0.9), make("CHAIN-2", party="v", confidence=0.9)],
        s,
        NOW,
    )
    two = assess(
        [make("CHAIN-1", party="v", confidence=0.9), make("FILE-2", party="v", confidence=0.9)],
        s,
        NOW,
    )
    assert same.level is Level.ELEVATED and same.score == pytest.approx(27.0)
    assert two.level is Level.HIGH and two.score == pytest.approx(45.0)


def test_returns_diminish_within_a_family(make):
    s = RiskSettings()
    many = assess([make("NET-3", party="v") for _ in range(10)], s, NOW)
    assert many.score < 2 * 8  # ten repeats never reach two independent M findings' worth
    counted = sorted((r.counted for r in many.reasons), reverse=True)
    assert counted[1] == pytest.approx(counted[0] / 2)
    assert many.level < Level.HIGH  # while two M families at 8 + 8 with the bonus reach 20


def test_a_lone_contextual_signal_stays_clear(make):
    a = assess([make("NET-6", party="v", severity="L", confidence=0.3)], RiskSettings(), NOW)
    assert a.level is Level.CLEAR and a.counted == 1
    assert a.corroborating == ()  # below corroboration_min_points


def test_recency_halves_a_finding_every_half_life(make):
    s = RiskSettings()
    fresh = assess([make("CHAIN-1", party="v")], s, NOW)
    half = assess([make("CHAIN-1", party="v", age_days=180)], s, NOW)
    year = assess([make("CHAIN-1", party="v", age_days=360)], s, NOW)
    assert (fresh.score, half.score, year.score) == (20.0, 10.0, 5.0)
    assert (fresh.level, half.level, year.level) == (Level.ELEVATED, Level.WATCH, Level.WATCH)
    assert year.reasons[0].recency == pytest.approx(0.25)
    fast = RiskSettings(half_life_days=30)
    assert assess([make("CHAIN-1", party="v", age_days=30)], fast, NOW).score == 10.0
    # a finding observed after `now` is not worth more than a fresh one
    assert assess([make("CHAIN-1", party="v", age_days=-5)], s, NOW).score == 20.0


def test_a_sanctions_identifier_match_is_critical_on_its_own(make):
    s = RiskSettings()
    a = assess([make("SCR-2", party="x", confidence=0.99)], s, NOW)
    assert a.score_level is Level.HIGH  # 49.5 points
    assert a.level is Level.CRITICAL and a.floor is Level.CRITICAL
    assert a.floor_reason.input.finding.rule_id == "SCR-2"
    assert "floor from SCR-2" in a.explanation()
    # floors ignore recency: a listing does not age out
    old = assess([make("SCR-2", party="x", confidence=0.99, age_days=3 * 365)], s, NOW)
    assert old.level is Level.CRITICAL and old.score < 10
    # an unsure match sets no floor
    weak = assess([make("SCR-2", party="x", confidence=0.5)], s, NOW)
    assert weak.floor is None and weak.level is Level.ELEVATED


def test_dprk_address_space_is_critical(make):
    a = assess([make("NET-1", party="v", confidence=0.95)], RiskSettings(), NOW)
    assert a.level is Level.CRITICAL


def test_a_confirmed_sanctions_match_is_critical_at_any_confidence(make):
    s = RiskSettings()
    name_only = make("SCR-1", party="x", confidence=0.7)
    assert assess([name_only], s, NOW).level is Level.HIGH
    confirmed = make("SCR-1", party="x", confidence=0.7, confirmed=True)
    a = assess([confirmed], s, NOW)
    assert a.level is Level.CRITICAL
    assert a.reasons[0].confidence == 1.0 and a.score == 50.0


def test_reasons_link_to_their_evidence_and_are_capped(make):
    s = RiskSettings(top_reasons=2)
    items = [
        make("CHAIN-2", party="v", evidence={"engagement": "e-1"}),
        make("NET-9", party="v"),
        make("FILE-6", party="v"),
    ]
    d = assess(items, s, NOW).to_dict()
    assert d["counted_findings"] == 3 and d["more_reasons"] == 1
    top = d["reasons"][0]
    assert top["finding_id"] == items[0].finding_id
    assert top["rule_id"] == "CHAIN-2" and top["evidence"] == {"engagement": "e-1"}
    assert top["summary"] == items[0].finding.summary
    assert top["parties"] == [{"party": "v", "via": "subject"}]


def test_each_finding_counts_once(make):
    item = make("CHAIN-1", party="v")
    assert assess([item, item], RiskSettings(), NOW).score == 20.0


def test_settings_from_yaml_override_by_name(tmp_path):
    path = tmp_path / "risk.yaml"
    path.write_text(
        "half_life_days: 30\nthresholds: {critical: 90}\nfloors: {NET-1: high}\n", "utf-8"
    )
    s = load_risk_settings(Settings(home=tmp_path, database_url="sqlite://", risk_config=path))
    assert s.half_life_days == 30
    assert s.thresholds == {"watch": 5.0, "elevated": 15.0, "high": 35.0, "critical": 90}
    assert s.floors == {"NET-1": "high"}  # floors replace the defaults whole
    assert s.floor_for("SCR-2", confirmed=False) is None
    env = load_settings({"CHAINWATCH_HOME": str(tmp_path), "CHAINWATCH_RISK_CONFIG": str(path)})
    assert load_risk_settings(env) == s


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("half_lief_days: 30\n", "unknown risk setting"),
        ("thresholds: {severe: 3}\n", "unknown key"),
        ("thresholds: {watch: 50}\n", "thresholds must increase"),
        ("floors: {NET-99: critical}\n", "neither a rule id nor a family"),
        ("floors: {NET-1: dire}\n", "unknown risk level"),
        ("family_decay: 1.5\n", "family_decay must be within"),
        ("severity_points: {C: lots}\n", "must be a number"),
        ("top_reasons: 2.5\n", "whole number"),
        ("- a list\n", "unknown risk setting"),
        ("half_life_days: [unclosed\n", "CHAINWATCH_RISK_CONFIG"),
    ],
)
def test_bad_settings_files_are_config_errors(tmp_path, text, message):
    path = tmp_path / "risk.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_risk_settings(Settings(home=tmp_path, database_url="sqlite://", risk_config=path))


def test_empty_settings_file_means_defaults(tmp_path):
    path = tmp_path / "risk.yaml"
    path.write_text("# nothing yet\n", "utf-8")
    assert (
        load_risk_settings(Settings(home=tmp_path, database_url="sqlite://", risk_config=path))
        == RiskSettings()
    )


def test_missing_settings_file_is_reported_at_load(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_settings({"CHAINWATCH_RISK_CONFIG": str(tmp_path / "nope.yaml")})


def test_recency_uses_the_evidence_window(make):
    from chainwatch.risk import observed_time

    item = make(
        "NET-9",
        party="v",
        evidence={"window": {"start": "2026-06-01T00:00:00Z", "end": "2026-06-03T00:00:00Z"}},
    )
    seen = NOW + timedelta(days=1)
    assert observed_time(item.finding, seen).isoformat() == "2026-06-03T00:00:00+00:00"
    odd = make("FILE-2", party="v", evidence={"window": ["2015-08-15", "2018-05-04"]})
    assert observed_time(odd.finding, seen) == seen


def test_what_docs_risk_md_says_one_finding_is_worth(make):
    """docs/risk.md: one C at full confidence is high, one H elevated, one M watch, one L clear;
    ten M of one family stay below two M of two families."""
    s = RiskSettings()
    single = {
        sev: assess([make(rule, party="v")], s, NOW).level
        for sev, rule in (("C", "SCR-1"), ("H", "CHAIN-1"), ("M", "NET-9"), ("L", "NET-6"))
    }
    # NET-6 defaults to L; SCR-1 is C but sets no floor of its own
    assert single == {"C": Level.HIGH, "H": Level.ELEVATED, "M": Level.WATCH, "L": Level.CLEAR}
    ten = assess([make("NET-3", party="v") for _ in range(10)], s, NOW).score
    two = assess([make("NET-3", party="v"), make("FILE-6", party="v")], s, NOW).score
    assert ten < two == 20.0
