"""The mark on natural photographs (not only generated animation frames): invisible by the
issue's measures, the right recipient named after common leak attacks, nobody named on an
unmarked or foreign copy.

The photos are public-domain/CC0 images shipped inside the scikit-image wheel
(``synth.PHOTOS`` has the credits); nothing is downloaded.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("skimage", reason="natural photos come from scikit-image (test extra)")

from chainwatch.marking import StudioKey, detect_mark, embed_mark, psnr, ssim  # noqa: E402
from chainwatch.marking.synth import (  # noqa: E402
    PHOTOS,
    crop,
    jpeg,
    natural_photo,
    photo_frame,
    resize,
    screenshot,
)
from chainwatch.marking.watermark import _delta_psnr  # noqa: E402

KEY = StudioKey(1, b"chainwatch-natural-photo-secret!")
ISSUES = [f"issue-{i:02d}" for i in range(20)]
CANDIDATES = {i: KEY.issue_key(i) for i in ISSUES}
LEAKER = "issue-13"
ATTACKS = {
    "jpeg50": jpeg(50),
    "resize0.5": resize(0.5),
    "crop50": crop(0.5),
    "screenshot": screenshot,
}


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_every_photo_is_marked_within_the_quality_targets(name):
    master = photo_frame(288, 512, name=name)
    marked, params = embed_mark(master, KEY.issue_key(name))
    assert marked.shape == master.shape and marked.dtype == np.uint8
    assert psnr(master, marked) >= 47.0
    assert ssim(master, marked) >= 0.99
    assert params.amplitude > 0


@pytest.mark.parametrize("name", ["grass", "astronaut"])
def test_textured_photos_get_the_full_strength(name):
    """Where the texture mask saturates the rounded mark's PSNR jumps in steps of several dB;
    a textured photo must still get the target distortion (48 dB), not a weaker mark."""
    master = photo_frame(288, 512, name=name)
    marked, _ = embed_mark(master, KEY.issue_key("strength"))
    assert 47.5 <= psnr(master, marked) <= 48.5
    delta = marked.astype(np.float64) - master
    assert 47.5 <= _delta_psnr(np.ascontiguousarray(delta[:, :, 0], np.float32), 1.0, 1.0) <= 48.5


def test_photos_are_read_from_the_installed_wheel():
    img = natural_photo("coffee")
    assert img.shape == (400, 600, 3) and img.dtype == np.uint8
    grey = natural_photo("camera")
    assert np.array_equal(grey[:, :, 0], grey[:, :, 2])  # a greyscale photo as R=G=B
    assert photo_frame(1080, 1920, name="chelsea").shape == (1080, 1920, 3)
    with pytest.raises(KeyError, match="unknown photo"):
        natural_photo("lena")


@pytest.fixture(scope="module", params=["astronaut", "coffee"])
def issued(request):
    master = photo_frame(288, 512, name=request.param)
    marked, _ = embed_mark(master, CANDIDATES[LEAKER])
    return master, marked


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_right_recipient_after_attack(issued, attack):
    master, marked = issued
    det = detect_mark(master, ATTACKS[attack](marked), CANDIDATES, KEY, n_decoys=100)
    assert det.registered, det.note
    assert [s.label for s in det.accused] == [LEAKER], det.to_dict()
    assert det.scores[0].z >= 8 and det.scores[1].z < 5


def test_no_accusation_on_the_unmarked_photo(issued):
    master, _ = issued
    det = detect_mark(master, jpeg(80)(master), CANDIDATES, KEY, n_decoys=100)
    assert det.registered and det.accused == []
    assert max(s.z for s in det.scores) < 5


def test_no_accusation_for_a_copy_marked_for_someone_else(issued):
    master, _ = issued
    stranger, _ = embed_mark(master, KEY.issue_key("not-a-candidate"))
    det = detect_mark(master, jpeg(70)(stranger), CANDIDATES, KEY, n_decoys=100)
    assert det.registered and det.accused == []
