"""find_master on attacked copies of generated studio art: the right master, the right tier."""

from __future__ import annotations

import numpy as np
import pytest

from chainwatch.catalog import find_master, local, samples
from chainwatch.catalog.fingerprint import hamming, pdq
from chainwatch.storage.session import open_session

ASSETS = [0, 3, 6]  # a cel, a sketch, another cel


def _top(catalog, image):
    settings, _ = catalog
    with open_session(settings) as session:
        return find_master(session, settings, image)


def _seed(match) -> int:
    return int(match.path.rsplit("sh", 1)[1][:3])


@pytest.mark.parametrize(
    "attack", ["none", "jpeg50", "resize0.5", "brightness1.3", "gamma0.7", "grayscale", "mirror"]
)
@pytest.mark.parametrize("seed", ASSETS)
def test_near_duplicates_are_found_by_pdq(catalog, attack, seed):
    leak = samples.attacks()[attack](samples.studio_image(seed))
    matches = _top(catalog, leak)
    assert matches, attack
    best = matches[0]
    assert _seed(best) == seed
    assert best.tier == "pdq"
    assert best.distance is not None and best.distance <= 31
    assert best.project == "show-s1" and best.episode == "101"
    assert 0.75 <= best.score <= 1.0


@pytest.mark.parametrize("attack", ["crop_offset25", "crop_center50", "overlay", "collage"])
@pytest.mark.parametrize("seed", ASSETS)
def test_heavy_edits_are_found_by_local_features(catalog, attack, seed):
    leak = samples.attacks(other=samples.cel_frame(4242))[attack](samples.studio_image(seed))
    matches = _top(catalog, leak)
    assert matches, attack
    assert _seed(matches[0]) == seed
    assert matches[0].tier == "local"
    assert matches[0].inliers >= local.MIN_INLIERS


def test_centre_crop_to_a_quarter_is_found(catalog):
    leak = samples.crop(0.25)(samples.studio_image(3))
    (best, *_) = _top(catalog, leak)
    assert _seed(best) == 3 and best.tier == "local"


def test_local_match_gives_the_transform_to_the_master(catalog):
    """The marking side registers the leak with it: query (0, 0) is the crop's corner."""
    master = samples.studio_image(6)
    leak = samples.crop(0.25, offset=True)(master)
    (best, *_) = _top(catalog, leak)
    h, w = master.shape[:2]
    m = np.array(best.transform)
    corner = m @ [0.0, 0.0, 1.0]
    assert abs(corner[0] - w // 10) < 3 and abs(corner[1] - h // 10) < 3
    assert abs(np.linalg.det(m[:2, :2]) - 1.0) < 0.05


def test_mirrored_crop_is_found_by_the_mirrored_query(catalog):
    leak = samples.mirror(samples.crop(0.5)(samples.studio_image(0)))
    (best, *_) = _top(catalog, leak)
    assert _seed(best) == 0 and best.tier == "local"


@pytest.mark.parametrize(
    "image",
    [
        samples.cel_frame(900),
        samples.pencil_sketch(901),
        samples.crop(0.25)(samples.cel_frame(902)),
        np.random.default_rng(1).integers(0, 256, (288, 512, 3), dtype=np.uint8),
        np.full((288, 512, 3), 200, np.uint8),
    ],
    ids=["cel", "sketch", "cel-crop", "noise", "flat"],
)
def test_unrelated_pictures_match_nothing(catalog, image):
    assert _top(catalog, image) == []


def test_grey_and_rgba_arrays_are_accepted(catalog):
    rgb = samples.studio_image(0)
    grey = rgb.mean(axis=2).astype(np.uint8)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert _seed(_top(catalog, grey)[0]) == 0
    assert _seed(_top(catalog, rgba)[0]) == 0


def test_shortlist_by_votes_on_a_larger_catalog(catalog, monkeypatch):
    """Above VERIFY_ALL described frames only the voted shortlist is verified."""
    monkeypatch.setattr(local, "VERIFY_ALL", 0)
    (best, *_) = _top(catalog, samples.crop(0.25, offset=True)(samples.studio_image(3)))
    assert _seed(best) == 3 and best.tier == "local"


def test_pdq_hash_text_is_threatexchange_shaped():
    h = pdq(samples.cel_frame(0))
    assert len(h.hash) == 64 and int(h.hash, 16) >= 0
    assert 0 <= h.quality <= 100
    assert hamming(h.hash, h.hash) == 0


def test_shortlist_through_an_ivf_voting_index(catalog, monkeypatch, tmp_path):
    """Large catalogs vote through an approximate (IVF) index; a crop is still found."""
    settings, _ = catalog
    monkeypatch.setattr(local, "VERIFY_ALL", 0)
    monkeypatch.setattr(local, "IVF_MIN", 1000)
    monkeypatch.setattr(local, "_MEMO", {})
    with open_session(settings) as session:
        from sqlalchemy import select

        from chainwatch.catalog.index import catalog_dir
        from chainwatch.storage.models import CatalogAssetRow

        assets = list(session.execute(select(CatalogAssetRow.id, CatalogAssetRow.sha256)))
        index = local.descriptor_index(catalog_dir(settings), [(a, s) for a, s in assets])
        import faiss

        assert isinstance(index.index, faiss.IndexBinaryIVF)
        (best, *_) = find_master(
            session, settings, samples.crop(0.25, offset=True)(samples.studio_image(5))
        )
    assert _seed(best) == 5 and best.tier == "local"
    local._MEMO.clear()


def test_sixteen_bit_and_alpha_files_are_read(catalog, tmp_path):
    import cv2

    from chainwatch.catalog import read_image

    rgb = samples.studio_image(6)
    deep = tmp_path / "deep.png"
    cv2.imwrite(str(deep), (rgb[:, :, ::-1].astype(np.uint16) * 257))
    alpha = tmp_path / "alpha.png"
    cv2.imwrite(str(alpha), np.dstack([rgb[:, :, ::-1], np.full(rgb.shape[:2], 255, np.uint8)]))
    for path in (deep, alpha):
        img = read_image(path)
        assert img.dtype == np.uint8 and img.shape == rgb.shape
        assert np.abs(img.astype(int) - rgb).max() <= 1
        assert _seed(_top(catalog, img)[0]) == 6
