"""Blind detection (no master): mild attacks name the recipient, nothing else is accused."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from chainwatch.marking.blind import BlindGroup, detect_blind
from chainwatch.marking.keys import StudioKey
from chainwatch.marking.synth import FRAMES, chain, jpeg, resize
from chainwatch.marking.watermark import embed_mark

KEY = StudioKey(1, b"\x05" * 32)
CANDS = {f"issue-{i:02d}": KEY.issue_key(f"issue-{i:02d}") for i in range(50)}
LEAKER = "issue-11"
GROUPS = [BlindGroup(288, 512, CANDS)]


@pytest.mark.parametrize("kind", ["cel", "sketch"])
@pytest.mark.parametrize(
    "attack",
    [jpeg(70), jpeg(90), resize(0.5), chain(resize(0.75), jpeg(80))],
    ids=["jpeg70", "jpeg90", "resize0.5", "resize0.75+jpeg80"],
)
def test_mildly_attacked_copy_names_the_recipient(kind, attack):
    marked, _ = embed_mark(FRAMES[kind](seed=61), CANDS[LEAKER])
    det = detect_blind(attack(marked), GROUPS, KEY)
    assert [s.label for s in det.accused] == [LEAKER], det.to_dict()
    assert det.candidates == 50 and det.max_decoy_z < 6


@pytest.mark.parametrize("kind", ["cel", "sketch", "sky"])
def test_no_accusation_without_a_candidates_mark(kind):
    img = FRAMES[kind](seed=62)
    det = detect_blind(jpeg(90)(img), GROUPS, KEY)  # unmarked
    assert det.accused == [] and det.scores[0].z < 6
    outsider, _ = embed_mark(img, StudioKey(1, b"\x06" * 32).issue_key("someone-else"))
    det = detect_blind(jpeg(90)(outsider), GROUPS, KEY)  # marked, but not for a candidate
    assert det.accused == [] and det.scores[0].z < 6


def test_other_aspect_ratios_are_not_tried():
    marked, _ = embed_mark(FRAMES["cel"](seed=63), CANDS[LEAKER])
    det = detect_blind(marked[:, :400], GROUPS, KEY)  # a crop: the master is needed
    assert det.accused == [] and det.sizes_tried == [] and "aspect ratio" in det.note


def test_cli_says_detection_was_blind(cli, sample_chain, tmp_path):
    """Masters never catalogued and no --master: `mark detect` goes blind, and says so."""
    assert cli("init").exit_code == 0
    assert cli("chain", "import", str(sample_chain)).exit_code == 0
    masters = tmp_path / "masters"
    masters.mkdir()
    for i, kind in enumerate(("cel", "sketch")):
        cv2.imwrite(
            str(masters / f"sh{i}.png"), cv2.cvtColor(FRAMES[kind](seed=70 + i), cv2.COLOR_RGB2BGR)
        )
    issued = {}
    for party in ("seoul-vendor", "colour-house", "middleman"):
        r = cli(
            "mark", "embed", str(masters), "--project", "show-s1", "--recipient", party,
            "--out", str(tmp_path / party), "--json",
        )  # fmt: skip
        assert r.exit_code == 0, r.output
        issued[party] = json.loads(r.output)
    copy = cv2.cvtColor(cv2.imread(issued["middleman"][1]["out"]), cv2.COLOR_BGR2RGB)
    leak = tmp_path / "leak.jpg"
    cv2.imwrite(str(leak), cv2.cvtColor(chain(resize(0.75), jpeg(85))(copy), cv2.COLOR_RGB2BGR))

    r = cli("mark", "detect", str(leak), "--json")
    assert r.exit_code == 0, r.output
    (res,) = json.loads(r.output)
    assert res["found_by"] == "blind" and res["blind"] is True and res["master"] is None
    assert res["detection"]["blind"] is True and res["detection"]["candidates"] == 6
    assert [x["recipient"] for x in res["recipients"]] == ["middleman"]
    (finding,) = res["findings"]
    assert finding["evidence"]["blind"] is True
    assert finding["evidence"]["issue_id"] == issued["middleman"][1]["issue_id"]
    assert "blind" in finding["summary"]

    r = cli("mark", "detect", str(leak))  # the human table says it too
    assert r.exit_code == 0 and "blind" in r.output and "middleman" in r.output

    # an unmarked frame of the issued size: checked blind, nobody named
    fresh = tmp_path / "fresh.png"
    cv2.imwrite(str(fresh), cv2.cvtColor(FRAMES["cel"](seed=99), cv2.COLOR_RGB2BGR))
    (res,) = json.loads(cli("mark", "detect", str(fresh), "--json").output)
    assert res["blind"] is True and res["recipients"] == [] and res["findings"] == []
    assert np.isfinite(res["detection"]["max_decoy_z"])
