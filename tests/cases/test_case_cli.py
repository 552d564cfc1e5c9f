"""``chainwatch case``, ``findings list`` with suppressions, and ``chainwatch risk`` end to end."""

from __future__ import annotations

import getpass
import hashlib
import json

import pytest
from case_world import store_findings

from chainwatch.service import ledger
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

AS_OF = "2026-09-01T12:00:00+00:00"  # when the sample findings were recorded


def assert_user_error(r, *words: str) -> None:
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:"), r.stderr
    for word in words:
        assert word in lines[0], r.stderr
    assert "Traceback" not in r.output


@pytest.fixture
def ids(cli, sample_chain) -> dict[str, int]:
    assert cli("init").exit_code == 0
    assert cli("chain", "import", str(sample_chain)).exit_code == 0
    return store_findings(load_settings())


def ok(r) -> dict | list:
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_case_workflow_from_the_cli(cli, ids, tmp_path):
    opened = ok(
        cli(
            "case", "open", "--title", "Tier 3 nobody approved",
            "--finding", str(ids["CHAIN-2"]), "--finding", str(ids["SCR-2"]), "--json",
        )
    )  # fmt: skip
    case = str(opened["id"])
    assert opened["opened_by"] == getpass.getuser() and opened["project"] == "show-s1"
    assert [f["id"] for f in opened["findings"]] == [ids["CHAIN-2"], ids["SCR-2"]]
    assert ok(cli("case", "assign", case, "bo", "--actor", "ana", "--json"))["assignee"] == "bo"
    ok(cli("case", "comment", case, "Vendor asked for its list.", "--actor", "bo", "--json"))
    memo = tmp_path / "memo.txt"
    memo.write_text("call notes\n", "utf-8")
    r = cli("case", "attach", case, str(memo), "--actor", "bo")
    assert r.exit_code == 0 and hashlib.sha256(b"call notes\n").hexdigest() in r.output
    closed = ok(
        cli(
            "case", "close", case, "--disposition", "accepted_risk", "--approver", "cfo",
            "--reason", "ends next month", "--actor", "bo", "--json",
        )
    )  # fmt: skip
    assert closed["status"] == "closed" and closed["approver"] == "cfo"
    shown = cli("case", "show", case)
    assert shown.exit_code == 0
    for text in ("Tier 3 nobody approved", "accepted_risk", "memo.txt", "Vendor asked", "closed"):
        assert text in shown.output
    listed = ok(cli("case", "list", "--status", "closed", "--json"))
    assert [c["id"] for c in listed] == [opened["id"]]
    table = cli("case", "list").output
    assert "1 case(s)" in table and "Tier 3" in table and "accepted_risk" in table
    reopened = ok(cli("case", "reopen", case, "--reason", "new invoice", "--json"))
    assert reopened["status"] == "open"
    assert [h["action"] for h in reopened["history"]] == [
        "opened", "assigned", "commented", "attached", "closed", "reopened",
    ]  # fmt: skip
    with open_session(load_settings()) as s:
        subjects = [e["subject"] for e in ledger.entries(s, kinds=["case", "decision"])]
    assert subjects == [f"case:{case}"] * 6


def test_suppressions_from_the_cli_and_in_findings_list(cli, ids):
    made = ok(
        cli(
            "case", "suppress", "--rule", "NET-2", "--subject", "*@seoul-vendor.example",
            "--reason", "studio VPN (SEC-12)", "--owner", "ana", "--expires", "2999-01-01",
            "--json",
        )
    )  # fmt: skip
    assert made["match"]["rule_id"] == "NET-2" and made["state"] == "active"
    listed = ok(cli("findings", "list", "--json"))
    by_rule = {f["rule_id"]: f["suppressed_by"] for f in listed}
    assert by_rule == {"NET-2": made["id"], "CHAIN-2": None, "SCR-2": None}
    table = cli("findings", "list")
    assert "suppressed" in table.output and f"#{made['id']}" in table.output
    shown = ok(cli("findings", "show", str(ids["NET-2"]), "--json"))
    assert shown["suppressed_by"] == made["id"]
    text = " ".join(cli("findings", "show", str(ids["NET-2"])).output.split())
    assert f"suppressed #{made['id']} until 2999-01-01 00:00 UTC by ana: studio VPN" in text
    hidden = ok(cli("findings", "list", "--hide-suppressed", "--json"))
    assert {f["rule_id"] for f in hidden} == {"CHAIN-2", "SCR-2"}
    assert [s["id"] for s in ok(cli("case", "suppressions", "--json"))] == [made["id"]]
    r = cli("case", "unsuppress", str(made["id"]), "--reason", "VPN retired")
    assert r.exit_code == 0, r.output
    assert ok(cli("case", "suppressions", "--json")) == []
    every = ok(cli("case", "suppressions", "--all", "--json"))
    assert every[0]["state"] == "revoked"
    assert "revoked" in cli("case", "suppressions", "--all").output
    one = ok(
        cli(
            "case", "suppress", "--finding", str(ids["CHAIN-2"]), "--reason", "dup",
            "--owner", "ana", "--expires", "2999-01-01T00:00:00", "--json",
        )
    )  # fmt: skip
    assert one["finding_id"] == ids["CHAIN-2"] and one["match"]["fingerprint"]


def test_close_as_false_positive_with_suppression(cli, ids):
    case = str(
        ok(cli("case", "open", "--title", "VPN", "--finding", str(ids["NET-2"]), "--json"))["id"]
    )
    closed = ok(
        cli(
            "case", "close", case, "--disposition", "false_positive", "--reason", "studio VPN",
            "--suppress", "--expires", "2999-06-30", "--json",
        )
    )  # fmt: skip
    assert closed["findings"][0]["status"] == "dismissed"
    (sup,) = closed["suppressions"]
    assert sup["expires_at"].startswith("2999-06-30T00:00:00")
    assert sup["match"]["subject_pattern"] == "pm@seoul-vendor.example"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("case", "show", "99"), ("no case #99",)),
        (("case", "open", "--title", "t", "--finding", "999"), ("no finding #999",)),
        (("case", "assign", "99", "bo"), ("no case #99",)),
        (
            (
                "case",
                "suppress",
                "--finding",
                "1",
                "--reason",
                "r",
                "--owner",
                "o",
                "--expires",
                "2001-01-01",
            ),
            ("not in the future",),
        ),  # fmt: skip
        (
            (
                "case",
                "suppress",
                "--finding",
                "1",
                "--reason",
                "r",
                "--owner",
                "o",
                "--expires",
                "soon",
            ),
            ("not a date",),
        ),  # fmt: skip
        (
            (
                "case",
                "suppress",
                "--rule",
                "NET-2",
                "--reason",
                "r",
                "--owner",
                "o",
                "--expires",
                "2999-01-01",
            ),
            ("--rule and --subject",),
        ),  # fmt: skip
        (("case", "unsuppress", "5"), ("no suppression #5",)),
        (("case", "list", "--status", "later"), ("unknown case status",)),
        (("risk", "--project", "nope"), ("nope",)),
        (("risk", "--party", "nobody"), ("nobody",)),
        (("risk", "--project", "show-s1", "--party", "far-studio"), ("not both",)),
    ],
)
def test_cli_user_errors(cli, ids, args, words):
    assert_user_error(cli(*args), *words)


def test_case_close_user_errors(cli, ids, tmp_path):
    case = str(
        ok(cli("case", "open", "--title", "t", "--finding", str(ids["NET-2"]), "--json"))["id"]
    )
    assert_user_error(
        cli("case", "close", case, "--disposition", "accepted_risk"), "needs an approver"
    )
    assert_user_error(cli("case", "close", case, "--disposition", "perhaps"), "unknown disposition")
    assert_user_error(cli("case", "attach", case, str(tmp_path)), "is a folder")
    assert_user_error(cli("case", "attach", case, str(tmp_path / "none.pdf")), "no such file")
    assert_user_error(
        cli(
            "case", "close", case, "--disposition", "false_positive", "--reason", "r",
            "--suppress", "--expires", "2000-01-01",
        ),
        "not in the future",
    )  # fmt: skip
    assert_user_error(
        cli("case", "close", case, "--disposition", "confirmed", "--expires", "2999-01-01"),
        "--expires goes with --suppress",
    )
    assert ok(cli("case", "show", case, "--json"))["status"] == "open"  # nothing half-done


def test_risk_from_the_cli(cli, ids):
    project = ok(cli("risk", "--as-of", AS_OF, "--project", "show-s1", "--json"))
    assert project["level"] == "critical"  # SCR-2 at 0.99 on far-studio
    assert project["carried_by"] == {
        "tier": 3,
        "level": "critical",
        "score": project["carried_by"]["score"],
        "party": "far-studio",
    }
    reasons = {r["rule_id"]: r for r in project["reasons"]}
    assert reasons["SCR-2"]["floor"] == "critical"
    assert reasons["SCR-2"]["finding_id"] == ids["SCR-2"]
    party = ok(cli("risk", "--as-of", AS_OF, "--party", "seoul-vendor", "--json"))
    assert party["own_level"] == "watch"  # its own VPN finding: 8 x 0.7 = 5.6
    assert party["level"] == "elevated"  # + far-studio two hops below: critical -> elevated
    assert [i["path"] for i in party["inherited_from"]] == [["ts1-middleman", "ts1-far"]]
    overview = ok(cli("risk", "--as-of", AS_OF, "--json"))
    assert overview["projects"][0]["project"] == "show-s1"
    assert overview["parties"][0]["party"] == "far-studio"
    human = cli("risk", "--as-of", AS_OF, "--project", "show-s1")
    assert human.exit_code == 0
    for text in ("critical", "By tier", "By party", "Top reasons", "SCR-2", "far-studio"):
        assert text in human.output
    seoul = " ".join(cli("risk", "--as-of", AS_OF, "--party", "seoul-vendor").output.split())
    assert "floor from SCR-2 (finding #3) (via far-studio)" in seoul
    assert "Projects" in cli("risk", "--as-of", AS_OF).output
    # a suppression takes its finding out of the level, and the result says so
    ok(
        cli(
            "case", "suppress", "--finding", str(ids["SCR-2"]), "--reason", "namesake",
            "--owner", "ana", "--expires", "2999-01-01", "--json",
        )
    )  # fmt: skip
    after = ok(cli("risk", "--project", "show-s1", "--json"))  # now: the suppression holds
    assert after["suppressed"] == 1 and after["suppressed_findings"] == [ids["SCR-2"]]
    assert after["level"] != "critical"
    assert "SCR-2" not in {r["rule_id"] for r in after["reasons"]}
    human = " ".join(cli("risk", "--project", "show-s1").output.split())
    assert "1 suppressed finding(s) not counted" in human
    # as of a date before the suppression was made, the finding still counted
    assert ok(cli("risk", "--as-of", AS_OF, "--project", "show-s1", "--json"))["suppressed"] == 0


def test_risk_settings_file_from_the_environment(cli, ids, tmp_path, monkeypatch):
    strict = tmp_path / "risk.yaml"
    strict.write_text("thresholds: {critical: 1000}\nfloors: {}\n", "utf-8")
    monkeypatch.setenv("CHAINWATCH_RISK_CONFIG", str(strict))
    project = ok(cli("risk", "--as-of", AS_OF, "--project", "show-s1", "--json"))
    assert project["level"] == "high" and project["floor"] is None  # no floors, higher bar
    strict.write_text("half_life: 30\n", "utf-8")
    assert_user_error(cli("risk", "--as-of", AS_OF), "unknown risk setting", "half_life")
