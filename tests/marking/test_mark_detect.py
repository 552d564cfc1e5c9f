"""Informed detection names the right recipient out of many after leak attacks, and nobody
when the copy is unmarked or carries a mark of someone outside the candidates."""

from __future__ import annotations

import numpy as np
import pytest

from chainwatch.marking import StudioKey, detect_mark, embed_mark
from chainwatch.marking.synth import (
    FRAMES,
    average,
    blur,
    brightness,
    chain,
    crop,
    flip,
    gamma,
    grayscale,
    jpeg,
    resize,
    rotate,
)

KEY = StudioKey(1, b"chainwatch-test-secret-32-bytes!")
ISSUES = [f"issue-{i:02d}" for i in range(24)]  # 24 recipients of the same master
CANDIDATES = {i: KEY.issue_key(i) for i in ISSUES}
LEAKER = "issue-07"

ATTACKS = {
    "jpeg50": jpeg(50),
    "resize0.5": resize(0.5),
    "crop50": crop(0.5),
    "rotate5": rotate(5),
    "brightness_gamma": chain(brightness(1.2), gamma(0.8)),
    "grayscale": grayscale,
    "blur2": blur(2.0),
    "mirror": flip,
}


@pytest.fixture(scope="module", params=["cel", "sketch"])
def issued(request):
    master = FRAMES[request.param](seed=11)
    marked, _ = embed_mark(master, CANDIDATES[LEAKER])
    return master, marked


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_right_recipient_after_attack(issued, attack):
    master, marked = issued
    det = detect_mark(master, ATTACKS[attack](marked), CANDIDATES, KEY, n_decoys=100)
    assert det.registered, det.note
    assert [s.label for s in det.accused] == [LEAKER], det.to_dict()
    top = det.scores[0]
    assert top.z >= 8 and top.p_false_accusation < 1e-12
    assert det.scores[1].z < 5


def test_no_accusation_on_unmarked_copy(issued):
    master, _ = issued
    det = detect_mark(master, jpeg(80)(master), CANDIDATES, KEY, n_decoys=100)
    assert det.registered and det.accused == []
    assert max(s.z for s in det.scores) < 5


def test_no_accusation_for_a_mark_outside_the_candidates(issued):
    master, _ = issued
    stranger, _ = embed_mark(master, KEY.issue_key("not-a-candidate"))
    det = detect_mark(master, stranger, CANDIDATES, KEY, n_decoys=100)
    assert det.accused == []


def test_averaging_two_copies_names_both(issued):
    master, marked = issued
    other, _ = embed_mark(master, CANDIDATES["issue-19"])
    det = detect_mark(master, jpeg(90)(average(marked, other)), CANDIDATES, KEY, n_decoys=100)
    assert sorted(s.label for s in det.accused) == [LEAKER, "issue-19"]


def test_unrelated_image_does_not_register():
    master = FRAMES["cel"](seed=1)
    det = detect_mark(master, np.full((200, 300, 3), 128, np.uint8), CANDIDATES, KEY)
    assert not det.registered and det.accused == []


def test_featureless_crop_registers_without_features():
    """A crop of sky has no SIFT features to match: the plain-crop hypothesis still holds."""
    master = FRAMES["sky"](seed=4)
    marked, _ = embed_mark(master, CANDIDATES[LEAKER])
    det = detect_mark(master, crop(0.25, offset=True)(marked), CANDIDATES, KEY, n_decoys=100)
    assert det.registered, det.note
    assert [s.label for s in det.accused] == [LEAKER]
