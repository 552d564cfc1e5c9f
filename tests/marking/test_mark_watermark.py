"""The mark's quality targets and its invariants, on generated studio-like frames."""

from __future__ import annotations

import hashlib
import stat

import numpy as np
import pytest

from chainwatch.errors import InputError
from chainwatch.marking import StudioKey, embed_mark, load_image, load_key, psnr, save_image, ssim
from chainwatch.marking.synth import FRAMES
from chainwatch.marking.watermark import flat_pixels, key_bits
from chainwatch.settings import Settings

KEY = StudioKey(1, bytes(range(32)))


@pytest.mark.parametrize("kind", sorted(FRAMES))
def test_quality_targets_on_studio_frames(kind):
    master = FRAMES[kind](seed=1)
    marked, params = embed_mark(master, KEY.issue_key("a"))
    assert marked.shape == master.shape and marked.dtype == master.dtype
    assert psnr(master, marked) >= 47.0
    assert ssim(master, marked) >= 0.99
    assert params.amplitude > 0 and params.grid >= 2


def test_sixteen_bit_and_grayscale_keep_their_format(tmp_path):
    rgb = FRAMES["cel"](seed=2)
    deep = rgb.astype(np.uint16) * 257
    marked, _ = embed_mark(deep, KEY.issue_key("b"))
    assert marked.dtype == np.uint16 and psnr(deep, marked) >= 47.0
    assert len(np.unique(marked)) > len(np.unique(deep))  # uses the extra depth
    path = tmp_path / "deep.tif"
    save_image(marked, path)
    assert np.array_equal(load_image(path), marked)

    gray = FRAMES["sketch"](seed=2)[:, :, 0]
    gm, _ = embed_mark(gray, KEY.issue_key("c"))
    assert gm.ndim == 2 and psnr(gray, gm) >= 47.0 and ssim(gray, gm) >= 0.99
    save_image(gm, tmp_path / "g.png")
    assert np.array_equal(load_image(tmp_path / "g.png"), gm)


def test_keep_flat_leaves_flat_fills_byte_identical():
    master = FRAMES["cel"](seed=3)
    marked, params = embed_mark(master, KEY.issue_key("d"), keep_flat=True)
    flat = flat_pixels(master)
    assert flat.mean() > 0.3  # a cel frame is mostly flat fills
    assert np.array_equal(marked[flat], master[flat])
    assert not np.array_equal(marked, master)  # the lines still carry the mark
    assert params.keep_flat and psnr(master, marked) >= 47.0


def test_alpha_is_untouched():
    rgba = np.dstack([FRAMES["cel"](seed=4), np.full((288, 512), 200, np.uint8)])
    marked, _ = embed_mark(rgba, KEY.issue_key("e"))
    assert np.array_equal(marked[:, :, 3], rgba[:, :, 3])


def test_pattern_bits_are_pinned():
    """A mark issued today must be readable by every later version: the bits never change."""
    bits = key_bits(KEY.issue_key("pinned"), (4, 8))
    digest = hashlib.sha256(bits.tobytes()).hexdigest()[:16]
    assert set(np.unique(bits)) == {-1.0, 1.0}
    assert digest == "0379a897386692d8"


def test_issue_keys_differ_and_depend_on_the_secret():
    other = StudioKey(1, bytes(32))
    assert KEY.issue_key("x") != KEY.issue_key("y")
    assert KEY.issue_key("x") != other.issue_key("x")
    assert KEY.decoy_key(0) != KEY.issue_key("0")
    assert bytes(range(32)).hex() not in repr(KEY)


def test_studio_key_is_made_once_private(tmp_path):
    settings = Settings(home=tmp_path / "home", database_url="sqlite://")
    with pytest.raises(InputError, match="no marking key"):
        load_key(settings)
    made = load_key(settings, create=True)
    path = tmp_path / "home" / "secrets" / "marking.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) == 32 and made.version == 1
    assert load_key(settings, create=True).secret == made.secret


def test_unreadable_images_are_input_errors(tmp_path):
    bad = tmp_path / "x.png"
    bad.write_text("not an image")
    with pytest.raises(InputError, match="not an image"):
        load_image(bad)
    with pytest.raises(InputError, match="no such file"):
        load_image(tmp_path / "missing.png")
